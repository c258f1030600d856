"""Constraints on trials: ``create_study(constraints=fn)`` and the cheap ``precheck=fn``.

A constraint function returns one number per constraint; a value <= 0 is satisfied (the
convention of Optuna's ``constraints_func``). ``constraints(trial)`` runs when a trial
completes (it sees the values and the user attributes the objective stored, e.g. a measured
latency); ``precheck(params)`` runs before the objective, from the parameters alone (a model's
parameter count or FLOPs), and a configuration it rejects is never trained: its trial ends
PRUNED with the violated constraint as its stored reason.

The values are stored with the trial (``system_attrs["constraints"]``). An infeasible trial
is never a best trial, and samplers rank it after every feasible one (ordered by its total
violation), so the model-based samplers move to feasible regions (as Optuna's constrained
TPE does, by putting infeasible trials in the bad group).

>>> import tiaocan as tc
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         constraints=lambda t: [t.params["x"] - 0.5])
>>> study.optimize(lambda t: -t.params["x"], n_trials=20, show_progress=False)
>>> study.best_params["x"] <= 0.5
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["KEY", "check_function", "evaluate", "is_feasible", "penalised_losses", "violation"]

KEY = "constraints"
ConstraintFn = Callable[[Any], Any]


def check_function(name: str, fn: Any) -> ConstraintFn | None:
    """``fn`` if it is None or callable, else a ConfigError naming ``name``."""
    if fn is not None and not callable(fn):
        raise ConfigError(f"{name} must be a function returning a list of numbers (<= 0: "
                          f"satisfied) or None, received {fn!r}")
    return fn


def evaluate(fn: ConstraintFn, arg: Any, expected: int | None = None, name: str = "constraints") -> list[float]:
    """The constraint values of ``fn(arg)`` as a list of finite floats.

    Raises:
        ConfigError: not numbers, not finite, empty, or not ``expected`` of them (the number
            the study's earlier trials stored).
    """
    raw = fn(arg)
    items = [raw] if isinstance(raw, (int, float, np.number)) else raw
    try:
        values = [float(v) for v in items]  # type: ignore[union-attr]
        if any(isinstance(v, (str, bytes, bool)) for v in items):  # type: ignore[union-attr]
            raise TypeError
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must return a list of numbers (<= 0: satisfied), "
                          f"received {raw!r:.200}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise ConfigError(f"{name} must return at least one finite number (<= 0: satisfied), "
                          f"received {raw!r:.200}")
    if expected is not None and len(values) != expected:
        raise ConfigError(f"{name} returned {len(values)} value(s) where the study's earlier "
                          f"trials stored {expected}; return the same number every time")
    return values


def expected_count(trials: Sequence[Any]) -> int | None:
    """The number of constraint values the study's trials stored (None: none yet)."""
    for t in trials:
        stored = t.system_attrs.get(KEY)
        if stored:
            return len(stored)
    return None


def violation(trial: Any) -> float:
    """The total violation ``sum(max(c, 0))`` of a trial (0: feasible or unconstrained)."""
    stored = trial.system_attrs.get(KEY) if trial.system_attrs else None
    return float(sum(max(float(c), 0.0) for c in stored)) if stored else 0.0


def is_feasible(trial: Any) -> bool:
    """Whether every stored constraint of the trial is satisfied (True when none is stored)."""
    return violation(trial) == 0.0


def penalised_losses(losses: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Losses where every infeasible row ranks after every feasible one, by its violation.

    >>> penalised_losses(np.array([[1.0], [0.0], [3.0]]), np.array([0.0, 2.0, 0.0]))[:, 0]
    array([1., 7., 3.])
    """
    bad = violations > 0
    if not bad.any():
        return losses
    out = np.array(losses, dtype=float, copy=True)
    good = out[~bad]
    top = good.max(axis=0) if len(good) else out.max(axis=0)
    low = good.min(axis=0) if len(good) else out.min(axis=0)
    span = np.where(top > low, top - low, 1.0)
    out[bad] = top + span * (1.0 + violations[bad, None] / violations[bad].max())
    return out


def history_losses(history: Any, trials: Sequence[Any]) -> np.ndarray:
    """``history.losses(trials)`` with infeasible trials ranked last (see above)."""
    losses = history.losses(trials)
    if not len(trials):
        return losses
    return penalised_losses(losses, np.array([violation(t) for t in trials]))
