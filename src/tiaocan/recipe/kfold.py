"""k-fold training in lockstep: all folds advance one epoch at a time.

The mean validation score over the folds is reported once per epoch, so a multi-fidelity
scheduler (Hyperband, BOHB, ASHA) stops or promotes a configuration on its cross-validated
learning curve rather than on one split. Early stopping watches the same mean curve; the
out-of-fold and test predictions of the best epoch are kept (every sample predicted once, by
the model that did not see it).

>>> import numpy as np
>>> from torch import nn
>>> from tiaocan.recipe.cv import stratified_folds
>>> X, y = np.random.default_rng(0).normal(size=(40, 3)).astype("float32"), np.arange(40) % 2
>>> data = split_folds(X, y, stratified_folds(y, k=4, seed=0))
>>> out = fit_folds(lambda i: nn.Linear(3, 2), TrainConfig(epochs=2, device="cpu"), data)
>>> out.cv.oof.shape, len(out.history)
((40, 2), 2)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from tiaocan.recipe.config import TrainConfig
from tiaocan.recipe.cv import CVResult, accuracy_score
from tiaocan.recipe.loop import Trainer

__all__ = ["FoldData", "FoldsFit", "fit_folds", "split_folds"]


@dataclass(frozen=True)
class FoldData:
    """One fold: its training rows, its validation rows (indices into the full set), and
    optional extra inputs (a held-out test set) to predict with the fold's model."""

    X_train: Any
    y_train: np.ndarray
    X_val: Any
    y_val: np.ndarray
    val_index: np.ndarray
    X_test: Any = None


@dataclass(frozen=True)
class FoldsFit:
    """The cross-validated result at the best epoch and the mean curve that chose it."""

    cv: CVResult
    history: tuple[float, ...]
    best_epoch: int
    test_proba: np.ndarray | None
    pruned: bool
    stopped_early: bool


def split_folds(X: Any, y: np.ndarray, folds: Sequence[np.ndarray], X_test: Any = None
                ) -> list[FoldData]:
    """Fold data from one feature matrix (features that need no per-fold fitting)."""
    y = np.asarray(y)
    out = []
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        out.append(FoldData(X[train], y[train], X[test], y[test], np.asarray(test), X_test))
    return out


def _n_rows(folds: Sequence[FoldData]) -> int:
    return sum(len(f.val_index) for f in folds)


_Best = tuple[float, int, Any, Any, tuple[float, ...]]  # score, epoch, oof, test, fold scores


def _resume(trial: Any, trainers: list[Trainer]) -> tuple[list[float], _Best]:
    """Continue from the trial's checkpoint (a Hyperband promotion) or start afresh."""
    state = trial.load_checkpoint() if hasattr(trial, "load_checkpoint") else None
    if not state:
        return [], (-math.inf, 0, None, None, ())
    for trainer, saved in zip(trainers, state["trainers"]):
        trainer.load_state_dict(saved)
    b = state["best"]
    test = None if b["test"] is None else np.asarray(b["test"])
    return (list(state["history"]),
            (float(b["score"]), int(b["epoch"]), np.asarray(b["oof"]), test, tuple(b["scores"])))


def _as_tensor(a: Any) -> Any:
    return None if a is None else torch.as_tensor(a)


def _save(trial: Any, trainers: list[Trainer], history: list[float], best: _Best) -> None:
    if not hasattr(trial, "save_checkpoint") or best[2] is None:
        return
    trial.save_checkpoint({
        "trainers": [t.state_dict() for t in trainers], "history": list(history),
        "best": {"score": best[0], "epoch": best[1], "oof": _as_tensor(best[2]), "test": _as_tensor(best[3]),
                 "scores": list(best[4])}})


def fit_folds(build: Callable[[int], nn.Module], cfg: TrainConfig, folds: Sequence[FoldData], *,
              trial: Any = None, epochs: int | None = None,
              metric: Callable[[np.ndarray, np.ndarray], float] = accuracy_score,
              deadline: float | None = None) -> FoldsFit:
    """Train one model per fold (``build(fold_index)``) in lockstep for up to ``epochs``.

    Args:
        trial: reported the mean validation score at each epoch; stopped when it says so.
        epochs: train up to this many epochs (default ``cfg.epochs``; e.g. ``trial.budget``).
        metric: ``metric(y_true, proba)``, larger is better.
        deadline: a ``time.monotonic()`` value after which no new epoch starts (a study's
            time limit stops new trials; this stops a long trial already running).
    """
    trainers = [Trainer(build(i), cfg.with_(seed=cfg.seed + i), f.X_train, f.y_train)
                for i, f in enumerate(folds)]
    n_classes = 1 + max(int(np.max(f.y_train)) for f in folds)
    history, best = _resume(trial, trainers)
    pruned = stopped = False
    for epoch in range(trainers[0].epoch + 1, (epochs or cfg.epochs) + 1):
        oof = np.zeros((_n_rows(folds), n_classes))
        tests, scores = [], []
        for trainer, f in zip(trainers, folds):
            trainer.train_epoch()
            proba = trainer.predict_proba(f.X_val)
            oof[f.val_index] = proba
            scores.append(metric(np.asarray(f.y_val), proba))
            if f.X_test is not None:
                tests.append(trainer.predict_proba(f.X_test))
        history.append(float(np.mean(scores)))
        if history[-1] > best[0]:
            test = np.mean(tests, axis=0) if tests else None
            best = (history[-1], epoch, oof, test, tuple(scores))
        if trial is not None:
            trial.report(history[-1], step=epoch)
            if trial.should_stop():
                pruned = True
                break
        if (cfg.patience is not None and epoch - best[1] >= cfg.patience) or (
                deadline is not None and time.monotonic() > deadline):
            stopped = True
            break
    _save(trial, trainers, history, best)
    cv = CVResult(best[4], best[2], tuple(f.val_index for f in folds))
    return FoldsFit(cv, tuple(history), best[1], best[3], pruned, stopped)
