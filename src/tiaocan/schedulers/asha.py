"""Asynchronous successive halving (ASHA), in its promotion and stopping variants.

Reference: Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt, Recht, Talwalkar (2020),
"A System for Massively Parallel Hyperparameter Tuning", MLSys (Algorithm 2).

*Promotion*: a free worker promotes the best trial of the highest rung that has one in its
top ``1/eta`` not yet promoted (``RESUME`` at the next rung's budget); otherwise it starts a
new trial at the lowest rung. No worker ever waits for a rung to fill.
*Stopping*: every trial starts at the full budget and, on reaching a rung, continues only if
it is in the top ``1/eta`` of the trials that reached that rung before it.

With several rung ladders (``brackets > 1``) this is asynchronous Hyperband (Li et al. 2020,
section 3.3): new trials are spread over the brackets in proportion to Hyperband's ``n_j``.

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler=ASHA(eta=3), fidelity=tc.Fidelity("epoch", 1, 9))
>>> def objective(trial):
...     trial.sleep(trial.budget)   # one virtual second per epoch
...     return trial.params["x"] + 1 / trial.budget
>>> study.optimize(objective, n_trials=12, n_workers=2, executor=SimulatedExecutor())
>>> max(t.budget for t in study.trials)
9
"""

from __future__ import annotations

import enum
from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.schedulers._rungs import (
    TOL,
    bracket_sizes,
    budget_of,
    check_eta,
    in_top,
    job_info,
    ladder,
    rank,
    resolve_fidelity,
    value_at,
)
from tiaocan.schedulers.base import Decision, Job, JobKind
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["ASHA", "AsyncHalving", "HalvingMode"]


class HalvingMode(enum.Enum):
    PROMOTION = "promotion"  # trials pause at rungs and are resumed at the next budget
    STOPPING = "stopping"    # trials run towards the full budget and are stopped at rungs


def parse_mode(mode: Any) -> HalvingMode:
    try:
        return HalvingMode(mode.value if isinstance(mode, HalvingMode) else str(mode).lower())
    except ValueError:
        raise ConfigError(f"mode must be one of {[m.value for m in HalvingMode]}, "
                          f"received {mode!r}") from None


class AsyncHalving:
    """The asynchronous halving engine over one or more brackets (see the module docstring)."""

    #: create_study refuses this scheduler without a fidelity (it allots budgets).
    needs_fidelity = True

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, mode: str | HalvingMode = "promotion",
                 brackets: int | None = 1) -> None:
        self.eta = eta
        self.min_budget = min_budget
        self.max_budget = max_budget
        self._mode = parse_mode(mode)
        self.mode = self._mode.value
        if brackets is not None and (isinstance(brackets, bool) or not isinstance(brackets, int)
                                     or brackets < 1):
            raise ConfigError(f"brackets must be a positive int or None (all), received {brackets!r}")
        self.brackets = brackets
        self._eta = check_eta(eta)

    def _ladders(self, history: History) -> list[list[Any]]:
        levels = ladder(resolve_fidelity(history, self.min_budget, self.max_budget,
                                         type(self).__name__), self._eta)
        n = len(levels) if self.brackets is None else min(self.brackets, len(levels))
        return [levels[j:] for j in range(n)]

    # Scheduler protocol ----------------------------------------------------------------
    def next_job(self, history: History) -> Job:
        ladders = self._ladders(history)
        groups = _by_bracket(history.trials, len(ladders))
        if self._mode is HalvingMode.PROMOTION:
            for j in range(len(ladders)):
                job = self._promotion(history, groups[j], ladders[j], j)
                if job is not None:
                    return job
        weights = self._bracket_weights(history, ladders)
        j = self._next_bracket(groups, weights)
        start = ladders[j][0] if self._mode is HalvingMode.PROMOTION else ladders[j][-1]
        return Job(JobKind.START, budget=start, info={"bracket": j, "rung": 0,
                                                      **self._start_info(weights)})

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        if self._mode is HalvingMode.PROMOTION or not trial.reports:
            return Decision.CONTINUE
        ladders = self._ladders(history)
        j = min(int(job_info(trial).get("bracket", 0)), len(ladders) - 1)
        step = trial.reports[-1].step
        before = trial.reports[-2].step if len(trial.reports) > 1 else -float("inf")
        for b in ladders[j][:-1]:
            if before < b * (1 - TOL) - TOL <= step:  # this report reaches rung b
                own = value_at(trial, b)
                others = [v for t in history.trials if t.number != trial.number
                          and int(job_info(t).get("bracket", 0)) == j
                          and (v := value_at(t, b)) is not None]
                if own is not None and others and not in_top(history, own, others, self._eta):
                    return Decision.STOP
        return Decision.CONTINUE

    # Internals -------------------------------------------------------------------------
    def _promotion(self, history: History, trials: list[FrozenTrial], levels: list[Any],
                   j: int) -> Job | None:
        """Promote the best not-yet-promoted trial in the top 1/eta of the highest rung."""
        for k in reversed(range(len(levels) - 1)):
            b = levels[k]
            members = [(t, v) for t in trials if (v := value_at(t, b)) is not None]
            n_top = int(len(members) / self._eta + TOL)
            if n_top == 0:
                continue
            order = rank(history, [v for _, v in members])
            for i in order[:n_top]:
                t = members[i][0]
                if t.state is TrialState.COMPLETE and \
                        budget_of(t, history.fidelity) <= b * (1 + TOL) + TOL:
                    return Job(JobKind.RESUME, budget=levels[k + 1], trial_number=t.number,
                               info={"bracket": j, "rung": k + 1, "promoted_from": b})
        return None

    def _bracket_weights(self, history: History, ladders: list[list[Any]]) -> list[float]:
        """The share of new trials each bracket gets: Hyperband's ``n_j``."""
        return [float(n) for n in bracket_sizes(len(ladders), self._eta)]

    def _start_info(self, weights: list[float]) -> dict[str, Any]:
        """Extra fields stored with a new trial's job."""
        return {}

    def _next_bracket(self, groups: list[list[FrozenTrial]], weights: list[float]) -> int:
        """Spread new trials over brackets in proportion to ``weights`` (deficit round robin:
        deterministic, so every worker agrees)."""
        n = len(weights)
        if n == 1:
            return 0
        total = sum(len(g) for g in groups) + 1
        share = sum(weights)
        return max(range(n), key=lambda j: (weights[j] * total / share - len(groups[j]), -j))


def _by_bracket(trials: Any, n: int) -> list[list[FrozenTrial]]:
    groups: list[list[FrozenTrial]] = [[] for _ in range(n)]
    for t in trials:
        if t.state is TrialState.WAITING:
            continue
        j = int(job_info(t).get("bracket", 0))
        groups[min(max(j, 0), n - 1)].append(t)
    return groups


class ASHA(AsyncHalving):
    """Asynchronous successive halving: one bracket starting at the lowest budget.

    Args:
        eta: keep the top ``1/eta`` at each rung (budgets grow by ``eta``).
        min_budget: the first rung's budget (default: the fidelity's ``low``).
        max_budget: the last rung's budget (default: the fidelity's ``high``).
        mode: ``"promotion"`` (pause and resume) or ``"stopping"`` (stop at rungs).
    """

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, mode: str | HalvingMode = "promotion") -> None:
        super().__init__(eta, min_budget, max_budget, mode, brackets=1)
