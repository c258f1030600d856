"""PyTorch Lightning under Hyperband: the callback reports each validation epoch's loss, stops
a trial when the scheduler says so, and keeps the trainer's state, so a promoted trial resumes
at the epoch it reached instead of starting over. An MLP on scikit-learn's digits; about half
a minute on one core.

    python examples/lightning_callback.py
"""

from __future__ import annotations

import logging
import warnings

import lightning.pytorch as L
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import tiaocan as tc
from tiaocan.integration.lightning import LightningCallback

torch.set_num_threads(1)
logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # no banner per trial
warnings.filterwarnings("ignore", ".*does not have many workers.*")

X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
TRAIN = TensorDataset(X[:1400], y[:1400])
VALID = TensorDataset(X[1400:], y[1400:])

SPACE = tc.Space(
    lr=tc.Float(1e-4, 1e-1, log=True),
    hidden=tc.Int(16, 256, log=True),
    dropout=tc.Float(0.0, 0.5),
    batch_size=tc.Categorical([32, 64, 128]),
)


class MLP(L.LightningModule):
    def __init__(self, lr: float, hidden: int, dropout: float) -> None:
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, 10))

    def training_step(self, batch, _):  # type: ignore[no-untyped-def]
        x, target = batch
        return nn.functional.cross_entropy(self.net(x), target)

    def validation_step(self, batch, _):  # type: ignore[no-untyped-def]
        x, target = batch
        logits = self.net(x)
        self.log("val_loss", nn.functional.cross_entropy(logits, target))
        self.log("val_acc", (logits.argmax(1) == target).float().mean())

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def objective(trial: tc.Trial) -> float:
    p = trial.params
    torch.manual_seed(trial.seed)
    callback = LightningCallback(trial, monitor="val_loss")
    trainer = L.Trainer(max_epochs=trial.budget, callbacks=[callback], logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu", devices=1)
    trainer.fit(MLP(p["lr"], p["hidden"], p["dropout"]),
                DataLoader(TRAIN, batch_size=p["batch_size"], shuffle=True),
                DataLoader(VALID, batch_size=256), ckpt_path=callback.ckpt_path)
    trial.set_user_attr("val_acc", float(trainer.callback_metrics["val_acc"]))
    return float(trainer.callback_metrics["val_loss"])


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:  # checkpoints live beside the study
        study = tc.create_study(space=SPACE, storage=f"sqlite:///{folder}/lightning.db",
                                scheduler="hyperband", fidelity=tc.Fidelity("epoch", 1, 9), seed=0)
        study.optimize(objective, n_trials=12)
        best = study.best_trial
        resumed = sum(1 for t in study.trials if t.budget and t.budget > 1)
        epochs = sum(len(t.reports) for t in study.trials)
        print(f"best val_loss {best.value:.4f} (accuracy {best.user_attrs['val_acc']:.3f}) "
              f"at {best.budget} epochs with {best.params}")
        print(f"{len(study.trials)} trials, {resumed} promoted and resumed from their checkpoint; "
              f"{epochs} epochs reported in all")
