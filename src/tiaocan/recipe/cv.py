"""Stratified k-fold cross-validation: every sample is tested exactly once.

The guide: "with a single 80/20 split, 20% of the data is never learned from; use each of 5
folds of 20% as the test set in turn, and every sample is tested". Out-of-fold (OOF)
predictions are kept so that an ensemble can be fitted on them without touching held-out
data (Wolpert 1992, stacked generalisation).

>>> import numpy as np
>>> y = np.array([0, 0, 0, 1, 1, 1])
>>> folds = stratified_folds(y, k=3, seed=0)
>>> sorted(np.concatenate(folds).tolist())
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["CVResult", "accuracy_score", "cross_validate", "log_loss", "stratified_folds"]


def accuracy_score(y_true: np.ndarray, proba: np.ndarray) -> float:
    """Share of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(proba, axis=1) == np.asarray(y_true)))


def log_loss(y_true: np.ndarray, proba: np.ndarray, eps: float = 1e-7) -> float:
    """Mean negative log-probability of the true class (probabilities clipped to ``eps``)."""
    p = np.clip(np.asarray(proba)[np.arange(len(y_true)), np.asarray(y_true)], eps, 1.0)
    return float(-np.mean(np.log(p)))


def stratified_folds(y: Sequence[int] | np.ndarray, k: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Test indices of ``k`` folds with each class spread evenly; seeded.

    Each class's indices are shuffled and dealt round-robin across the folds (classes one after
    another), so fold sizes differ by at most one and class shares by at most one sample.
    """
    y = np.asarray(y)
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ConfigError(f"k must be an int >= 2, received {k!r}")
    classes = np.unique(y)
    if len(y) < k:
        raise ConfigError(f"k={k} folds need at least k samples, received {len(y)}")
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(np.flatnonzero(y == c)) for c in classes])
    fold_of = np.empty(len(y), dtype=int)
    fold_of[order] = np.arange(len(y)) % k
    return [np.flatnonzero(fold_of == f) for f in range(k)]


@dataclass(frozen=True)
class CVResult:
    """Per-fold scores and the out-of-fold class probabilities (row i: sample i)."""

    scores: tuple[float, ...]
    oof: np.ndarray
    folds: tuple[np.ndarray, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores))

    def __str__(self) -> str:
        return f"{self.mean:.4f} ± {self.std:.4f} ({len(self.scores)} folds)"


FitPredict = Callable[[np.ndarray, np.ndarray], np.ndarray]


def cross_validate(fit_predict: FitPredict, y: Sequence[int] | np.ndarray, k: int = 5,
                   seed: int = 0, n_classes: int | None = None,
                   metric: Callable[[np.ndarray, np.ndarray], float] = accuracy_score) -> CVResult:
    """Run ``fit_predict(train_idx, test_idx) -> proba of test rows`` on each fold.

    >>> import numpy as np
    >>> y = np.array([0, 1] * 10)
    >>> prior = lambda tr, te: np.tile(np.bincount(y[tr], minlength=2) / len(tr), (len(te), 1))
    >>> round(cross_validate(prior, y, k=5).mean, 2)
    0.5
    """
    y = np.asarray(y)
    folds = stratified_folds(y, k, seed)
    n_classes = n_classes or int(y.max()) + 1
    oof = np.full((len(y), n_classes), np.nan)
    scores = []
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        proba = np.asarray(fit_predict(train, test), dtype=float)
        if proba.shape != (len(test), n_classes):
            raise ConfigError(f"fit_predict must return an array of shape {(len(test), n_classes)}, "
                              f"returned {proba.shape}")
        oof[test] = proba
        scores.append(metric(y[test], proba))
    return CVResult(tuple(scores), oof, tuple(folds))
