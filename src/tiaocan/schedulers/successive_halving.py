"""Synchronous successive halving, one iteration after another.

Reference: Jamieson & Talwalkar (2016), "Non-stochastic Best Arm Identification and
Hyperparameter Optimization", AISTATS; as used inside Hyperband (Li et al. 2018, Algorithm 1).

An *iteration* starts ``n`` trials at the lowest rung; once every trial of a rung has finished,
the best ``n_k / eta`` are resumed at the next rung's budget, and so on up to the full budget.
Workers wait (``JobKind.WAIT``) while a rung is incomplete, unless ``max_open_iterations > 1``
lets them start the next iteration meanwhile (as HpBandSter does for BOHB).

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler=SuccessiveHalving(eta=3), fidelity=tc.Fidelity("epoch", 1, 9))
>>> def objective(trial):
...     trial.sleep(trial.budget)
...     return trial.params["x"] + 1 / trial.budget
>>> study.optimize(objective, n_trials=9, n_workers=3, executor=SimulatedExecutor())
>>> sorted(t.budget for t in study.trials)
[1, 1, 1, 1, 1, 1, 3, 3, 9]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.schedulers._rungs import (
    TOL,
    budget_of,
    check_eta,
    job_info,
    ladder,
    rank,
    resolve_fidelity,
    value_at,
)
from tiaocan.schedulers.base import Decision, Job, JobKind
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["SuccessiveHalving", "SyncHalving"]

_WAIT = Job(JobKind.WAIT)


class SyncHalving:
    """The synchronous engine: iterations of successive halving over given ladders.

    ``plan(i, levels)`` gives iteration ``i``'s bracket and its number of starting trials.
    """

    def __init__(self, eta: float, min_budget: Any, max_budget: Any,
                 max_open_iterations: int | None,
                 plan: Callable[[int, list[Any]], tuple[int, int]]) -> None:
        self._eta = check_eta(eta)
        if max_open_iterations is not None and (isinstance(max_open_iterations, bool) or not
                                                isinstance(max_open_iterations, int)
                                                or max_open_iterations < 1):
            raise ConfigError(f"max_open_iterations must be a positive int or None (no limit), "
                              f"received {max_open_iterations!r}")
        self._bounds = (min_budget, max_budget)
        self._max_open = max_open_iterations
        self._plan = plan

    def next_job(self, history: History, who: str) -> Job:
        levels = ladder(resolve_fidelity(history, *self._bounds, who), self._eta)
        groups: dict[int, list[FrozenTrial]] = {}
        for t in history.trials:
            it = job_info(t).get("iteration")
            if it is not None and t.state is not TrialState.WAITING:
                groups.setdefault(int(it), []).append(t)
        n_open = 0
        for i in sorted(groups):
            job = self._iteration_job(history, i, groups[i], levels)
            if job is not None and job.kind is not JobKind.WAIT:
                return job
            n_open += job is not None
        if self._max_open is not None and n_open >= self._max_open:
            return _WAIT
        return self._start(max(groups, default=-1) + 1, levels)

    def _start(self, i: int, levels: list[Any]) -> Job:
        j, _ = self._plan(i, levels)
        return Job(JobKind.START, budget=levels[j], info={"bracket": j, "iteration": i, "rung": 0})

    def _iteration_job(self, history: History, it: int, trials: list[FrozenTrial],
                       levels: list[Any]) -> Job | None:
        """The next job of iteration ``it``: a start, a promotion, WAIT, or None (done)."""
        j, n0 = self._plan(it, levels)
        rungs = levels[j:]
        if len(trials) < n0:
            return self._start(it, levels)
        for k in range(len(rungs) - 1):
            b, target = rungs[k], max(1, int(n0 * self._eta ** -(k + 1) + TOL))
            promoted = [t for t in trials if budget_of(t, history.fidelity) > b * (1 + TOL) + TOL]
            if len(promoted) >= target:
                continue
            at_rung = [t for t in trials if abs(budget_of(t, history.fidelity) - b) <= TOL * max(1, b)]
            if any(t.state is TrialState.RUNNING for t in at_rung):
                return _WAIT  # the rung is not complete yet: synchronous halving waits
            done = {t.number for t in at_rung if t.state is TrialState.COMPLETE}
            scored = [(t, v) for t in trials if (v := value_at(t, b)) is not None]
            order = rank(history, [v for _, v in scored])
            for i in order[:target]:  # the best of the rung not yet promoted
                t = scored[i][0]
                if t.number in done:
                    return Job(JobKind.RESUME, budget=rungs[k + 1], trial_number=t.number,
                               info={"bracket": j, "iteration": it, "rung": k + 1})
        if any(t.state is TrialState.RUNNING for t in trials):
            return _WAIT
        return None


class SuccessiveHalving:
    """Synchronous successive halving (see the module docstring).

    Args:
        eta: keep the top ``1/eta`` at each rung (budgets grow by ``eta``).
        min_budget: the first rung's budget (default: the fidelity's ``low``).
        max_budget: the last rung's budget (default: the fidelity's ``high``).
        n_configs: trials started per iteration (default: ``eta ** (rungs - 1)``).
        max_open_iterations: iterations run at once (1: strictly synchronous).
    """

    #: create_study refuses this scheduler without a fidelity (it allots budgets).
    needs_fidelity = True

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, n_configs: int | None = None,
                 max_open_iterations: int | None = 1) -> None:
        self.eta = eta
        self.min_budget = min_budget
        self.max_budget = max_budget
        if n_configs is not None and (isinstance(n_configs, bool) or not isinstance(n_configs, int)
                                      or n_configs < 1):
            raise ConfigError(f"n_configs must be a positive int or None, received {n_configs!r}")
        self.n_configs = n_configs
        self.max_open_iterations = max_open_iterations
        self._engine = SyncHalving(eta, min_budget, max_budget, max_open_iterations, self._plan)

    def _plan(self, i: int, levels: list[Any]) -> tuple[int, int]:
        n = self.n_configs or round(float(self.eta) ** (len(levels) - 1))
        return 0, n

    def next_job(self, history: History) -> Job:
        return self._engine.next_job(history, type(self).__name__)

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        return Decision.CONTINUE
