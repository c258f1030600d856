"""Rungs shared by the halving schedulers: budget ladders, values at a budget, ranking.

A *rung* is a budget level; a trial is in rung ``k`` once its learning curve has a point at
(or past) that budget. Everything here is a pure function of the History, so any worker
(thread or process) rebuilds the same rungs from storage.

Budget ladders follow Li et al. (2018), "Hyperband: A Novel Bandit-Based Approach to
Hyperparameter Optimization", JMLR 18: with ``R = max_budget`` and ``s_max = floor(log_eta(R /
r_min))``, rung ``k`` of the full ladder is ``R * eta**(k - s_max)``. Bracket ``j`` uses the
ladder from rung ``j`` on and starts ``n_j = ceil((s_max + 1) / (s_max - j + 1) * eta**(s_max -
j))`` configurations (Algorithm 1).

With several objectives, trials are ranked by non-dominated sorting (Deb et al., 2002), ties
broken by the mean per-objective rank, so halving works on multi-objective studies too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan._numeric.pareto import non_dominated_ranks
from tiaocan.errors import ConfigError
from tiaocan.fidelity import Fidelity
from tiaocan.samplers.base import History
from tiaocan.trial import FrozenTrial, TrialState

__all__ = [
    "TOL",
    "bracket_sizes",
    "budget_of",
    "check_eta",
    "job_info",
    "ladder",
    "rank",
    "reached",
    "resolve_fidelity",
    "value_at",
]

TOL = 1e-9


def check_eta(eta: Any) -> float:
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta > 1:
        raise ConfigError(f"eta must be a number > 1, received {eta!r}")
    return float(eta)


def resolve_fidelity(history: History, min_budget: Any, max_budget: Any, who: str) -> Fidelity:
    """The study's fidelity, narrowed by the scheduler's own min/max budget options."""
    fid = history.fidelity
    if fid is None:
        raise ConfigError(f"{who} needs a multi-fidelity study: pass fidelity=tc.Fidelity(...) "
                          "to create_study")
    low = fid.low if min_budget is None else min_budget
    high = fid.high if max_budget is None else max_budget
    return Fidelity(fid.name, low, high)


def ladder(fidelity: Fidelity, eta: float) -> list[Any]:
    """The full rung ladder, smallest budget first, the last rung at ``fidelity.high``."""
    s_max = math.floor(math.log(fidelity.high / fidelity.low) / math.log(eta) + TOL)
    levels: list[Any] = []
    for k in range(s_max + 1):
        b = fidelity.clip(fidelity.high * eta ** (k - s_max))
        if not levels or b > levels[-1]:
            levels.append(b)
    return levels


def bracket_sizes(n_rungs: int, eta: float) -> list[int]:
    """``n_j`` for bracket ``j`` (bracket 0 starts at the lowest rung; Li et al. 2018)."""
    s_max = n_rungs - 1
    return [math.ceil((s_max + 1) / (s_max - j + 1) * eta ** (s_max - j))
            for j in range(n_rungs)]


def budget_of(trial: FrozenTrial, fidelity: Fidelity | None) -> float:
    if trial.budget is not None:
        return trial.budget
    return fidelity.high if fidelity is not None else math.inf


def reached(trial: FrozenTrial, budget: float) -> bool:
    return bool(trial.reports) and trial.reports[-1].step >= budget * (1 - TOL) - TOL


def value_at(trial: FrozenTrial, budget: float) -> tuple[float, ...] | None:
    """The trial's value at ``budget``: its first report at or past it (None: not reached,
    or the trial failed)."""
    if trial.state is TrialState.FAILED or trial.state is TrialState.WAITING:
        return None
    for r in trial.reports:
        if r.step >= budget * (1 - TOL) - TOL:
            return r.values
    return None


def job_info(trial: FrozenTrial) -> Mapping[str, Any]:
    """What the scheduler stored with the trial's latest job (bracket, iteration, rung…)."""
    info = trial.system_attrs.get("job")
    return info if isinstance(info, Mapping) else {}


def rank(history: History, values: Sequence[tuple[float, ...]]) -> np.ndarray:
    """Indices of ``values`` best first: by loss, or by Pareto front for several objectives."""
    if not values:
        return np.empty(0, dtype=int)
    signs = np.array([d.sign for d in history.directions])
    losses = np.asarray(values, dtype=float) * signs
    if losses.shape[1] == 1:
        return np.argsort(losses[:, 0], kind="stable")
    fronts = non_dominated_ranks(losses)
    per_objective = np.argsort(np.argsort(losses, axis=0, kind="stable"), axis=0, kind="stable")
    return np.lexsort((np.arange(len(losses)), per_objective.mean(axis=1), fronts))


def in_top(history: History, own: tuple[float, ...], others: Sequence[tuple[float, ...]],
           eta: float) -> bool:
    """Whether ``own`` is in the top ``1/eta`` of itself and ``others`` (at least the best)."""
    order = rank(history, [own, *others])
    keep = max(1, int((len(others) + 1) / eta + TOL))
    return bool(0 in order[:keep])
