"""Runs one method on one multi-fidelity problem on the simulated clock; returns its trace.

Every method, tiaocan's and the peers' (Optuna here; Syne Tune in ``peers_synetune.py``, DEHB
in ``peers_dehb.py``), runs on tiaocan's ``SimulatedExecutor``: the objective
spends the problem's simulated training time with ``clock.sleep`` (``trial.sleep`` for
tiaocan), so all methods are charged the same way for the same work, and a run is repeatable.
A trace is the list of ``(simulated time, true full-budget loss)`` of every evaluation that
reached the full budget; the incumbent at time t is the best of those so far.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tiaocan as tc
from benchmarks.optuna_bridge import suggest
from benchmarks.problems.mf_base import MFProblem
from tiaocan.executors.simulated import SimulatedExecutor

__all__ = ["METHODS", "Method", "run"]

Trace = list[tuple[float, float]]


@dataclass(frozen=True)
class Method:
    name: str
    library: str             # "tiaocan", "optuna", "synetune" or "dehb"
    build: Callable[[int], Any]  # seed -> (scheduler, sampler) or (optuna sampler, pruner);
    # for "synetune" the kind ("asha" / "bohb"), unused for "dehb" (peers_*.py build their own)
    stopping: bool = False   # the objective reports every step and obeys should_stop


def _tc(scheduler: Callable[[], Any], sampler: Any = None) -> Callable[[int], Any]:
    return lambda seed: (scheduler(), sampler() if callable(sampler) else sampler)


def _optuna(pruner: str) -> Callable[[int], Any]:
    def build(seed: int) -> Any:
        import optuna

        sampler = optuna.samplers.TPESampler(seed=seed)
        if pruner == "hyperband":
            return sampler, optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
        return sampler, optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    return build


def _budget_tpe() -> Any:
    from tiaocan.samplers.multifidelity import BudgetFiltered
    from tiaocan.samplers.tpe import TPESampler

    return BudgetFiltered(TPESampler(multivariate=True, n_startup_trials=1, gamma=0.15),
                          random_fraction=0.2, lower_as_worse=True)


def _methods() -> dict[str, Method]:
    from tiaocan.samplers.multifidelity import BudgetGP
    from tiaocan.schedulers import ASHA, BOHB, MOBSTER, AdaptiveHyperband, FIFOScheduler, Hyperband

    return {m.name: m for m in [
        Method("random (full budget)", "tiaocan", _tc(FIFOScheduler, "random")),
        Method("tc ASHA", "tiaocan", _tc(ASHA, "random")),
        Method("tc Hyperband", "tiaocan", _tc(Hyperband, "random")),
        Method("tc BOHB", "tiaocan", _tc(BOHB)),
        Method("tc BOHB async", "tiaocan", _tc(lambda: BOHB(asynchronous=True))),
        Method("tc ASHA-stop", "tiaocan", _tc(lambda: ASHA(mode="stopping"), "random"),
               stopping=True),
        Method("tc ASHA+TPE", "tiaocan", _tc(ASHA, _budget_tpe)),
        Method("tc ASHA-stop+TPE", "tiaocan", _tc(lambda: ASHA(mode="stopping"), _budget_tpe),
               stopping=True),
        Method("tc MOBSTER", "tiaocan", _tc(MOBSTER, lambda: BudgetGP(n_candidates=256, max_points=100, max_fit_points=30))),
        Method("tc AdaptiveHB", "tiaocan", _tc(AdaptiveHyperband)),
        Method("tc AdaptiveHB-TPE", "tiaocan", _tc(lambda: AdaptiveHyperband(model="tpe"))),
        Method("optuna TPE+Hyperband", "optuna", _optuna("hyperband"), stopping=True),
        Method("optuna TPE+SHA", "optuna", _optuna("sha"), stopping=True),
        Method("synetune ASHA", "synetune", lambda seed: "asha", stopping=True),
        Method("synetune BOHB", "synetune", lambda seed: "bohb", stopping=True),
        Method("dehb DEHB", "dehb", lambda seed: None),
    ]}


METHODS = _methods()


def _spend(problem: MFProblem, x: Any, start: float, stop: float) -> float:
    """Simulated seconds to train from ``start`` (0: scratch) to ``stop``."""
    if not problem.resumable or start <= 0:
        return problem.cost(x, stop)
    return problem.cost(x, stop) - problem.cost(x, start)


def _tiaocan(problem: MFProblem, method: Method, n_workers: int, horizon: float, seed: int,
             rows: bool = False, epoch_reports: bool = False) -> Trace:
    scheduler, sampler = method.build(seed)
    if rows and problem.configs:  # search the table's rows, each started once
        sampler = tc.samplers.CandidateSampler(problem.configs, sampler)
    study = tc.create_study(space=problem.space, storage=":memory:", seed=seed, sampler=sampler,
                            scheduler=scheduler, fidelity=problem.fidelity)
    ex = SimulatedExecutor()
    trace: Trace = []
    trained: dict[int, float] = {}  # trial -> budget trained so far (the "checkpoint")
    high = problem.fidelity.high

    def stepwise(trial: tc.Trial) -> float:
        """Stopping-style: train step by step, report each point, stop when told."""
        x, done, value = trial.params, 0, float("nan")
        for step in problem.steps:
            trial.sleep(_spend(problem, x, done, step))
            done, value = step, problem.loss(x, step)
            if step >= high:
                trace.append((ex.clock.now(), problem.true_loss(x)))
            trial.report(value, step)
            if trial.should_stop():
                break
        return value

    def objective(trial: tc.Trial) -> float:
        x, budget = trial.params, trial.budget
        start = trained.get(trial.number, 0) if problem.resumable else 0
        if epoch_reports and problem.resumable:  # the learning curve, one report per step
            done = start
            for step in (s for s in problem.steps if start < s <= budget):
                trial.sleep(_spend(problem, x, done, step))
                done = step
                trial.report(problem.loss(x, step), step)
        else:
            trial.sleep(_spend(problem, x, start, budget))
        trained[trial.number] = budget
        value = problem.loss(x, budget)
        if budget >= high:
            trace.append((ex.clock.now(), problem.true_loss(x)))
        return value

    study.optimize(stepwise if method.stopping else objective, timeout=horizon,
                   n_workers=n_workers, executor=ex)
    return trace


def _optuna_run(problem: MFProblem, method: Method, n_workers: int, horizon: float,
                seed: int) -> Trace:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    sampler, pruner = method.build(seed)
    # a fixed name: HyperbandPruner assigns brackets by a hash of the study name and trial
    # number, and the default name is random, which would make a run unrepeatable
    study = optuna.create_study(sampler=sampler, pruner=pruner,
                                study_name=f"{problem.name}-seed{seed}")
    ex = SimulatedExecutor()
    clock, trace, high = ex.clock, [], problem.fidelity.high

    def worker(index: int) -> None:
        while clock.now() < horizon:
            trial = study.ask()
            x = suggest(trial, problem.space)
            done, value = 0, float("nan")
            for step in problem.steps:
                clock.sleep(_spend(problem, x, done, step))
                done, value = step, problem.loss(x, step)
                if step >= high:
                    trace.append((clock.now(), problem.true_loss(x)))
                trial.report(value, step)
                if trial.should_prune():
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    break
            else:
                study.tell(trial, value)

    ex.run(worker, n_workers)
    return trace


def run(problem: MFProblem, method_name: str, n_workers: int, horizon: float, seed: int,
        rows: bool = False, epoch_reports: bool = False) -> Trace:
    """The trace of one run (see the module docstring). ``rows``: tiaocan's samplers search
    only a table problem's rows (``CandidateSampler``); the peers have no such option.
    ``epoch_reports``: tiaocan's promotion-style objective reports every step it trains
    (resumable problems), as a training loop does; the peers' objectives already do."""
    method = METHODS[method_name]
    if method.library == "synetune":
        from benchmarks.multifidelity import peers_synetune

        return peers_synetune.run(problem, method.build(seed), n_workers, horizon, seed)
    if method.library == "dehb":
        from benchmarks.multifidelity import peers_dehb

        return peers_dehb.run(problem, n_workers, horizon, seed)
    if method.library == "optuna":
        return _optuna_run(problem, method, n_workers, horizon, seed)
    return _tiaocan(problem, method, n_workers, horizon, seed, rows, epoch_reports)
