"""How a finished trial ended, as a user reads it: complete, failed, or stopped early (pruned).

Two kinds of scheduler end a trial early. A *stopping* scheduler (median stopping, ASHA in
stopping mode) interrupts a running trial, which the loop stores as ``PRUNED``. A *promotion*
scheduler (successive halving, ASHA, Hyperband, BOHB) runs every trial to the end of its
rung's budget and then promotes the best ones to a larger budget; the others stay where they
are, stored ``COMPLETE`` at a budget below the full one. For a user both are the same thing —
the trial was stopped before the full budget — and every peer shows it as *pruned* (Optuna's
``HyperbandPruner`` prunes the trial at the rung; Ray Tune lists it as stopped by the
scheduler). So every view (``tiaocan trials``, the export, the dashboard, the plots) shows
:func:`shown_state`, and :func:`stopped_at` says at which budget the trial stopped.

Why a derived flag and not a stored ``PRUNED`` state for rung-stopped trials:

* the value at a rung is a genuine, complete measurement at that budget: the samplers' budget
  models (BOHB's per-budget TPE, the multi-fidelity GP) and the schedulers' rankings read it
  as data, and a stored ``PRUNED`` would turn it into a "bad" point for TPE;
* an asynchronous scheduler (ASHA) may still promote the trial later; a derived flag is
  always in step with the latest promotion (the promoted trial is running, then complete at
  the larger budget), with no second write that could race a promotion;
* nothing stored changes, so studies written by older versions read the same way.

>>> from tiaocan.trial import FrozenTrial, TrialState
>>> t = FrozenTrial(0, 0, TrialState.COMPLETE, {}, 0, values=(0.3,), budget=3)
>>> shown_state(t, full=27), stopped_at(t, full=27)
('pruned', 3)
>>> shown_state(t, full=3)
'complete'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["SHOWN_STATES", "full_budget", "is_stopped_early", "shown_state", "stopped_at"]

SHOWN_STATES = tuple(s.value for s in TrialState)
_TOL = 1e-9


def full_budget(attrs: Mapping[str, Any]) -> float | None:
    """The budget a trial that was never stopped reaches, from a study's stored attributes:
    the scheduler's ``max_budget`` when it narrows the fidelity, else ``fidelity.high``
    (None for a study without a fidelity)."""
    fidelity = attrs.get("fidelity")
    if not isinstance(fidelity, Mapping) or "high" not in fidelity:
        return None
    scheduler = attrs.get("scheduler")
    params = scheduler.get("params") if isinstance(scheduler, Mapping) else None
    top = params.get("max_budget") if isinstance(params, Mapping) else None
    if isinstance(top, (int, float)) and not isinstance(top, bool) and top > 0:
        return float(top)
    high = fidelity["high"]  # a stored value: a number unless the database was edited
    return float(high) if isinstance(high, (int, float)) and not isinstance(high, bool) else None


def is_stopped_early(trial: FrozenTrial, full: float | None) -> bool:
    """Stored ``PRUNED``, or complete at a budget below ``full`` (left at a low rung)."""
    if trial.state is TrialState.PRUNED:
        return True
    return (trial.state is TrialState.COMPLETE and full is not None and trial.budget is not None
            and trial.budget < full * (1 - _TOL))


def stopped_at(trial: FrozenTrial, full: float | None) -> float | None:
    """The budget (or step) at which an early-stopped trial stopped; None otherwise."""
    if not is_stopped_early(trial, full):
        return None
    if trial.state is TrialState.COMPLETE:
        return trial.budget
    return trial.last_step if trial.last_step is not None else trial.budget


def shown_state(trial: FrozenTrial, full: float | None) -> str:
    """``"pruned"`` for a trial stopped early, else the stored state's name."""
    return TrialState.PRUNED.value if is_stopped_early(trial, full) else trial.state.value
