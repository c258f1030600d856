"""HuggingFaceCallback with the real transformers Trainer: a 2-layer BERT of hidden size 32
built from a config (random weights, no download) on generated token ids."""

from __future__ import annotations

import pytest

transformers = pytest.importorskip("transformers")

import torch

import tiaocan as tc
from tiaocan.integration.huggingface import HuggingFaceCallback

from ._stopping import StopAfter

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning",
                                        "ignore::FutureWarning")


class Tokens(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random token ids; the label says whether token 7 occurs (learnable, not trivial)."""

    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(3, 40, (n, 12), generator=g)
        self.labels = (self.ids == 7).any(dim=1).long()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(12, dtype=torch.long),
                "labels": self.labels[i]}


def _objective(tmp_path, epochs: int, metric: str = "eval_loss"):  # type: ignore[no-untyped-def]
    train, valid = Tokens(64, 0), Tokens(32, 1)

    def objective(trial: tc.Trial) -> float:
        transformers.set_seed(trial.seed % 2**31)
        config = transformers.BertConfig(vocab_size=40, hidden_size=32, num_hidden_layers=2,
                                         num_attention_heads=2, intermediate_size=37,
                                         max_position_embeddings=16, num_labels=2)
        model = transformers.BertForSequenceClassification(config)
        args = transformers.TrainingArguments(
            output_dir=str(tmp_path / f"trial-{trial.number}"), num_train_epochs=epochs,
            learning_rate=trial.params["lr"], per_device_train_batch_size=16,
            eval_strategy="epoch", save_strategy="no", logging_strategy="no", report_to=[],
            disable_tqdm=True, use_cpu=True, seed=trial.seed % 2**31)
        callback = HuggingFaceCallback(trial, metric=metric)
        trainer = transformers.Trainer(model=model, args=args, train_dataset=train,
                                       eval_dataset=valid, callbacks=[callback])
        trainer.train()
        trial.set_user_attr("epochs", trainer.state.epoch)
        return float(trainer.state.log_history[-2]["eval_loss"])

    return objective


def _study(tmp_path, scheduler: object = None) -> tc.Study:  # type: ignore[no-untyped-def]
    return tc.create_study(space=tc.Space(lr=tc.Float(1e-4, 1e-2, log=True)), seed=0,
                           storage=f"sqlite:///{tmp_path / 's.db'}", scheduler=scheduler)


def test_every_evaluation_is_reported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    study.optimize(_objective(tmp_path, epochs=3), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.COMPLETE, trial.error
    assert [r.step for r in trial.reports] == [1.0, 2.0, 3.0]
    assert trial.reports[-1].value == pytest.approx(trial.value)


def test_training_stops_when_the_scheduler_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path, StopAfter(1))
    study.optimize(_objective(tmp_path, epochs=5), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.PRUNED, trial.error
    assert [r.step for r in trial.reports] == [1.0] and trial.user_attrs["epochs"] == 1.0


def test_an_unknown_metric_fails_the_trial_with_the_evaluated_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    study.optimize(_objective(tmp_path, epochs=1, metric="accuracy"), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.FAILED and "'eval_loss'" in trial.error


def test_a_bad_step_is_one_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    with pytest.raises(tc.ConfigError, match="step must be 'epoch' or 'global_step', received 'batch'"):
        HuggingFaceCallback(study.ask(), step="batch")
