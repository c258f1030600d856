"""Weighted averaging of several models' predictions, weights fitted on out-of-fold data.

Reference: Caruana, Niculescu-Mizil, Crew & Ksikes, "Ensemble Selection from Libraries of
Models", ICML 2004. Greedy forward selection *with replacement*, initialised with the best
single model; the weight of a model is how often it was picked, so weights are non-negative
and sum to one. The round with the lowest OOF loss is kept, so the ensemble is never worse
than the best single model on the data it was fitted on — and it is kept only when its gain
over the best single model exceeds ``min_gain_se`` standard errors of the paired per-sample
difference (a one-sided test at about 2.5 % by default): a gain of a few samples is noise
that the selection fitted, and costs accuracy on new data. For the error rate the rule reads
simply: the ensemble must fix more than ``min_gain_se²`` samples net.

``init_size`` > 1 starts instead from the equal-weight average of the best few ("sorted
ensemble initialisation", Caruana, Munson & Niculescu-Mizil, ICDM 2006), which then plays the
best single model's part above: the hill-climbing must beat it significantly, and it gives
way to the best single model only when that model beats it significantly.

>>> import numpy as np
>>> y = np.array([0, 1, 1, 0])
>>> a = np.array([[.9, .1], [.6, .4], [.2, .8], [.8, .2]])   # wrong on row 1
>>> b = np.array([[.4, .6], [.1, .9], [.3, .7], [.7, .3]])   # wrong on row 0
>>> fit = greedy_ensemble([a, b], y)
>>> fit.loss <= min(fit.single_losses)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.recipe.cv import accuracy_score, log_loss

__all__ = ["EnsembleFit", "error_rate", "greedy_ensemble", "weighted_average"]

Loss = Callable[[np.ndarray, np.ndarray], float]


def error_rate(y_true: np.ndarray, proba: np.ndarray) -> float:
    """Misclassification rate, ties broken by log loss.

    Caruana et al. select on the target metric itself; accuracy moves in steps of 1/n, so a
    1e-4 × log-loss term only decides between equally accurate ensembles (one sample is worth
    1/n, far more than any plausible log-loss gap × 1e-4 for n below 10⁴).
    """
    return 1.0 - accuracy_score(y_true, proba) + 1e-4 * log_loss(y_true, proba)


@dataclass(frozen=True)
class EnsembleFit:
    """Weights (non-negative, summing to 1) per member, and the OOF losses behind them."""

    weights: tuple[float, ...]
    loss: float
    single_losses: tuple[float, ...]
    trace: tuple[float, ...]

    @property
    def best_single(self) -> int:
        return int(np.argmin(self.single_losses))

    def predict(self, preds: Sequence[np.ndarray]) -> np.ndarray:
        """The weighted average of the members' predictions on new data."""
        return weighted_average(preds, self.weights)


def weighted_average(preds: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """``Σ w_i · preds_i`` for non-negative weights summing to one."""
    w = np.asarray(weights, dtype=float)
    if len(preds) != len(w) or len(w) == 0:
        raise ConfigError(f"need one weight per prediction, received {len(w)} weights for "
                          f"{len(preds)} predictions")
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ConfigError(f"weights must be non-negative and sum to 1, received {w.tolist()}")
    return np.tensordot(w, np.stack([np.asarray(p, dtype=float) for p in preds]), axes=1)


def greedy_ensemble(preds: Sequence[np.ndarray], y: np.ndarray, n_rounds: int = 50,
                    loss: Loss = log_loss, min_gain_se: float = 2.0,
                    init_size: int = 1) -> EnsembleFit:
    """Caruana et al.'s ensemble selection on out-of-fold predictions.

    With ``init_size`` > 1 the selection starts from the equal-weight average of the
    ``init_size`` best members ("sorted ensemble initialisation", Caruana, Munson &
    Niculescu-Mizil, ICDM 2006), which keeps the hill-climbing from fitting the
    noise of one model's out-of-fold predictions. That average is the fallback unless the
    best single member beats it significantly on the out-of-fold data: it is one choice, made
    without fitting, and averaging similar models lowers variance. Whatever the hill-climbing
    adds beyond the fallback is kept only when significant (``min_gain_se``).

    Args:
        preds: one ``(n_samples, n_classes)`` probability array per candidate model.
        y: the true labels of those samples.
        n_rounds: picks after the initial members.
        loss: lower is better (default: log loss).
        min_gain_se: keep the selected ensemble only if it beats the fallback (the best single
            model, or the initial average) by more than this many standard errors of the
            per-sample loss difference (0: any gain).
        init_size: how many of the best members start the selection, equally weighted.
    """
    if not preds:
        raise ConfigError("greedy_ensemble needs at least one prediction array, received none")
    if isinstance(init_size, bool) or not isinstance(init_size, int) or init_size < 1:
        raise ConfigError(f"init_size must be an int >= 1, received {init_size!r}")
    stack = np.stack([np.asarray(p, dtype=float) for p in preds])
    y = np.asarray(y)
    singles = tuple(loss(y, p) for p in stack)
    best = int(np.argmin(singles))
    counts = np.zeros(len(stack), dtype=int)
    counts[np.argsort(singles, kind="stable")[:init_size]] = 1
    total = np.tensordot(counts.astype(float), stack, axes=1)
    counts_start, total_start = counts.copy(), total.copy()
    start_loss = loss(y, total / counts.sum())
    trace = [start_loss]
    best_counts, best_loss = counts.copy(), start_loss
    for _ in range(n_rounds):
        n = counts.sum()
        trial_losses = [loss(y, (total + p) / (n + 1)) for p in stack]
        pick = int(np.argmin(trial_losses))
        counts[pick] += 1
        total += stack[pick]
        trace.append(trial_losses[pick])
        if trial_losses[pick] < best_loss - 1e-12:
            best_loss, best_counts = trial_losses[pick], counts.copy()
    # the fallback: the initial average unless the best single beats it significantly
    fallback, fallback_loss = counts_start, start_loss
    if start_loss > singles[best] and _significant(total_start / counts_start.sum(), stack[best],
                                                   y, loss, min_gain_se):
        fallback, fallback_loss = np.eye(len(stack), dtype=int)[best], singles[best]
    mixed = np.tensordot(best_counts / best_counts.sum(), stack, axes=1)
    plain = np.tensordot(fallback / fallback.sum(), stack, axes=1)
    if best_loss >= fallback_loss or not _significant(plain, mixed, y, loss, min_gain_se):
        best_counts, best_loss = fallback, fallback_loss
    weights = tuple(float(c / best_counts.sum()) for c in best_counts)
    return EnsembleFit(weights, float(best_loss), singles, tuple(trace))


def _significant(single: np.ndarray, ensemble: np.ndarray, y: np.ndarray, loss: Loss,
                 min_gain_se: float) -> bool:
    """Whether the ensemble's mean per-sample gain exceeds ``min_gain_se`` standard errors."""
    if min_gain_se <= 0:
        return True
    diff = np.array([loss(y[i:i + 1], single[i:i + 1]) - loss(y[i:i + 1], ensemble[i:i + 1])
                     for i in range(len(y))])
    se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.inf
    return bool(diff.mean() > min_gain_se * se)
