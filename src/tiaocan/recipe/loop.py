"""The training loop: every knob of :class:`~tiaocan.recipe.config.TrainConfig` acting.

:class:`Trainer` owns one model, its optimizer and its per-step schedule and trains epoch by
epoch (so k folds can advance in lockstep); :func:`fit` adds validation, reporting to a
trial (``trial.report`` / ``trial.should_stop``), early stopping and checkpoints.

Gradient accumulation scales each micro-batch's mean loss by its share of the effective
batch, so ``accumulation_steps`` micro-batches of ``b`` give the same gradient as one batch of
``b × accumulation_steps`` (uneven last batches included).

>>> import torch
>>> from torch import nn
>>> X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
>>> result = fit(nn.Linear(4, 2), TrainConfig(epochs=2, device="cpu"), (X, y), (X, y))
>>> len(result.history)
2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from tiaocan.recipe.config import TrainConfig
from tiaocan.recipe.optim import build_lr_schedule, build_optimizer, freeze_layers, unfreeze_all

__all__ = ["FitResult", "Trainer", "accuracy", "as_tensor", "fit", "resolve_device"]

Metric = Callable[[np.ndarray, np.ndarray], float]


def resolve_device(device: str) -> torch.device:
    """``"auto"`` is CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def accuracy(y_true: np.ndarray, proba: np.ndarray) -> float:
    """Share of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(proba, axis=1) == y_true))


def as_tensor(x: Any) -> torch.Tensor:
    """Numpy arrays, lists and scipy sparse matrices as tensors (int64 stays integer)."""
    if isinstance(x, torch.Tensor):
        return x
    if hasattr(x, "toarray"):
        x = x.toarray()
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return torch.as_tensor(arr, dtype=torch.long)
    return torch.as_tensor(arr, dtype=torch.float32)


class Trainer:
    """One model trained epoch by epoch under a :class:`TrainConfig`.

    Args:
        model: any ``nn.Module`` mapping a batch of inputs to class logits.
        cfg: the knobs.
        X: training inputs (tensor, array or sparse matrix), first axis = samples.
        y: integer class labels.
    """

    def __init__(self, model: nn.Module, cfg: TrainConfig, X: Any, y: Any) -> None:
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.X, self.y = as_tensor(X), as_tensor(y).long()
        self.model = model.to(self.device)
        self.frozen = freeze_layers(self.model, cfg.freeze) if cfg.freeze else []
        self.optimizer = build_optimizer(self.model, cfg)
        n = len(self.y)
        micro_batches = math.ceil(n / cfg.batch_size)
        self.steps_per_epoch = math.ceil(micro_batches / cfg.accumulation_steps)
        self.schedule = build_lr_schedule(self.optimizer, cfg, self.steps_per_epoch)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.epoch = 0
        self.lrs: list[float] = []

    def _micro_batches(self) -> list[torch.Tensor]:
        order = torch.randperm(len(self.y), generator=self.generator)
        return list(torch.split(order, self.cfg.batch_size))

    def train_epoch(self) -> float:
        """One pass over the data; returns the mean training loss."""
        self.epoch += 1
        if self.cfg.unfreeze_epoch is not None and self.epoch >= self.cfg.unfreeze_epoch:
            unfreeze_all(self.model)
        self.model.train()
        batches = self._micro_batches()
        total_loss, accum = 0.0, self.cfg.accumulation_steps
        for start in range(0, len(batches), accum):
            group = batches[start:start + accum]
            size = sum(len(b) for b in group)
            for idx in group:
                xb, yb = self.X[idx].to(self.device), self.y[idx].to(self.device)
                loss = self.loss_fn(self.model(xb), yb)
                (loss * (len(idx) / size)).backward()  # share of the effective batch
                total_loss += float(loss.detach()) * len(idx)
            self._step()
        return total_loss / len(self.y)

    def _step(self) -> None:
        if self.cfg.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.lrs.append(self.optimizer.param_groups[0]["lr"])
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.schedule.step()

    @torch.no_grad()
    def predict_proba(self, X: Any, batch_size: int = 512) -> np.ndarray:
        """Class probabilities for ``X`` (eval mode: no dropout)."""
        self.model.eval()
        X = as_tensor(X)
        out = [torch.softmax(self.model(X[i:i + batch_size].to(self.device)), dim=1).cpu()
               for i in range(0, len(X), batch_size)]
        return torch.cat(out).numpy().astype(np.float64)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: weights, optimizer, schedule, RNG and epoch."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "schedule": self.schedule.state_dict(), "generator": self.generator.get_state(),
                "epoch": self.epoch, "lrs": list(self.lrs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        self.generator.set_state(state["generator"])
        self.epoch, self.lrs = int(state["epoch"]), list(state["lrs"])
        if self.cfg.unfreeze_epoch is not None and self.epoch >= self.cfg.unfreeze_epoch:
            unfreeze_all(self.model)


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` did: the validation curve and why it stopped."""

    history: tuple[float, ...]
    best_epoch: int
    best_score: float
    stopped_early: bool
    pruned: bool
    train_losses: tuple[float, ...] = field(default=())

    @property
    def epochs_run(self) -> int:
        return len(self.history)


def _checkpoint(trial: Any, trainer: Trainer, extra: dict[str, Any]) -> None:
    if trial is not None and hasattr(trial, "save_checkpoint"):
        trial.save_checkpoint({"trainer": trainer.state_dict(), **extra})


def _restore(trial: Any, trainer: Trainer) -> dict[str, Any]:
    if trial is None or not hasattr(trial, "load_checkpoint"):
        return {}
    state = trial.load_checkpoint()
    if not state:
        return {}
    trainer.load_state_dict(state["trainer"])
    return dict(state)


def fit(model: nn.Module, cfg: TrainConfig, train: Sequence[Any], val: Sequence[Any] | None = None,
        *, trial: Any = None, metric: Metric = accuracy, maximize: bool = True,
        epochs: int | None = None, restore_best: bool = True) -> FitResult:
    """Train ``model``; validate, report and early-stop once per epoch.

    Args:
        train, val: ``(X, y)`` pairs; without ``val`` there is no reporting or early stopping.
        trial: a :class:`tiaocan.Trial` (or None); gets ``report(score, step=epoch)`` each
            epoch and is stopped when ``should_stop()``; checkpoints go through
            ``trial.save_checkpoint`` when the trial has it, and a resumed trial continues.
        metric: ``metric(y_true, proba)``, larger is better unless ``maximize=False``.
        epochs: train up to this many epochs (default ``cfg.epochs``; e.g. ``trial.budget``).
        restore_best: keep the weights of the best validation epoch.
    """
    torch.manual_seed(cfg.seed)  # dropout masks; initialisation is the model builder's
    trainer = Trainer(model, cfg, *train)
    saved = _restore(trial, trainer)
    sign = 1.0 if maximize else -1.0
    history: list[float] = list(saved.get("history", []))
    losses: list[float] = []
    best = max(range(len(history)), key=lambda i: sign * history[i], default=-1)
    best_state = saved.get("best_state")
    stopped = pruned = False
    for epoch in range(trainer.epoch + 1, (epochs or cfg.epochs) + 1):
        losses.append(trainer.train_epoch())
        if val is None:
            continue
        score = metric(np.asarray(val[1]), trainer.predict_proba(val[0]))
        history.append(score)
        if best < 0 or sign * score > sign * history[best]:
            best = len(history) - 1
            best_state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
        if trial is not None:
            trial.report(score, step=epoch)
        if trial is not None and trial.should_stop():
            pruned = True
            break
        if cfg.patience is not None and len(history) - 1 - best >= cfg.patience:
            stopped = True
            break
    _checkpoint(trial, trainer, {"history": history, "best_state": best_state})
    if restore_best and best_state is not None:
        trainer.model.load_state_dict(best_state)
    best_score = history[best] if history else math.nan
    return FitResult(tuple(history), best + 1, best_score, stopped, pruned, tuple(losses))
