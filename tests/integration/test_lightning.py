"""LightningCallback with the real Lightning: a tiny regression module on generated data."""

from __future__ import annotations

import pytest

L = pytest.importorskip("lightning.pytorch")

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import tiaocan as tc
from tiaocan.integration.lightning import LightningCallback
from tiaocan.schedulers import SuccessiveHalving

from ._stopping import StopAfter

# Lightning's advice on tiny CPU runs (workers, logging intervals) is not what is tested.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning",
                                        "ignore::FutureWarning")


class Regression(L.LightningModule):
    def __init__(self, lr: float) -> None:
        super().__init__()
        self.lr = lr
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, _):  # type: ignore[no-untyped-def]
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch, _):  # type: ignore[no-untyped-def]
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def _loaders() -> tuple[DataLoader, DataLoader]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(96, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.1 * torch.randn(96, 1, generator=g)
    return (DataLoader(TensorDataset(x[:64], y[:64]), batch_size=16),
            DataLoader(TensorDataset(x[64:], y[64:]), batch_size=32))


def _objective(tmp_path, epochs: int | None = None):  # type: ignore[no-untyped-def]
    train, valid = _loaders()

    def objective(trial: tc.Trial) -> float:
        torch.manual_seed(trial.seed)
        callback = LightningCallback(trial, monitor="val_loss")
        trainer = L.Trainer(max_epochs=epochs or trial.budget, callbacks=[callback], logger=False,
                            enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, default_root_dir=tmp_path,
                            accelerator="cpu", devices=1)
        resume = callback.ckpt_path
        trial.set_user_attr(f"resumed_at_{trial.budget}", trial.load_checkpoint()["epoch"]
                            if resume else None)
        trainer.fit(Regression(trial.params["lr"]), train, valid, ckpt_path=resume)
        trial.set_user_attr("epochs_trained", trainer.current_epoch)
        return float(trainer.callback_metrics["val_loss"])

    return objective


def _space() -> tc.Space:
    return tc.Space(lr=tc.Float(0.01, 0.1, log=True))


def test_reports_every_validation_epoch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = tc.create_study(space=_space(), storage=f"sqlite:///{tmp_path / 's.db'}", seed=0)
    study.optimize(_objective(tmp_path, epochs=3), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.COMPLETE
    assert [r.step for r in trial.reports] == [1, 2, 3]
    assert trial.reports[-1].value == pytest.approx(trial.value)
    assert trial.reports[-1].value < trial.reports[0].value  # it learns


def test_stops_when_the_scheduler_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = tc.create_study(space=_space(), storage=f"sqlite:///{tmp_path / 's.db'}", seed=0,
                            scheduler=StopAfter(2))
    study.optimize(_objective(tmp_path, epochs=10), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.PRUNED
    assert [r.step for r in trial.reports] == [1, 2] and trial.user_attrs["epochs_trained"] == 2


def test_a_promoted_trial_resumes_from_its_checkpoint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = tc.create_study(space=_space(), storage=f"sqlite:///{tmp_path / 's.db'}", seed=0,
                            scheduler=SuccessiveHalving(eta=2, n_configs=2),
                            fidelity=tc.Fidelity("epoch", 2, 4))
    study.optimize(_objective(tmp_path), n_trials=2)
    promoted = [t for t in study.trials if t.budget == 4]
    assert len(promoted) == 1
    trial = promoted[0]
    # The second run started from the checkpoint at epoch 2: epochs 3 and 4 only, not 1 to 4.
    assert trial.user_attrs["resumed_at_4"] == 2
    assert [r.step for r in trial.reports] == [1, 2, 3, 4]
    assert trial.user_attrs["epochs_trained"] == 4


def test_an_unlogged_monitor_fails_the_trial_with_the_logged_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    train, valid = _loaders()
    study = tc.create_study(space=_space(), storage=f"sqlite:///{tmp_path / 's.db'}", seed=0)

    def objective(trial: tc.Trial) -> float:
        trainer = L.Trainer(max_epochs=1, callbacks=[LightningCallback(trial, monitor="val_acc")],
                            logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, default_root_dir=tmp_path)
        trainer.fit(Regression(0.1), train, valid)
        return 0.0

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.FAILED and "'val_loss'" in trial.error
