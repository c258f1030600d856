"""Syne Tune peers (ASHA, BOHB) on the multi-fidelity problems, on tiaocan's simulated clock.

Syne Tune 0.16 (Salinas et al. 2022, "Syne Tune: A Library for Large Scale Hyperparameter
Tuning and Reproducible Research") ships ``syne_tune.optimizer.baselines.ASHA`` (Li et al.
2018, stopping-type asynchronous successive halving) and ``BOHB`` (Falkner et al. 2018; Syne
Tune's variant runs it on asynchronous successive halving with a KDE searcher). Their
``Tuner`` drives a scheduler with ``suggest`` -> ``on_trial_add`` -> ``on_trial_result`` per
reported epoch -> ``on_trial_remove`` after a STOP decision (``on_trial_complete`` when a
trial ends without one). This module replays exactly that protocol inside the benchmark's
worker loop, so Syne Tune is charged with the same ``clock.sleep`` accounting as Optuna and
tiaocan (its own simulator back-end is not used: time is the shared ``SimulatedExecutor``).

>>> from benchmarks.problems.mf_hartmann import mf_hartmann
>>> trace = run(mf_hartmann(3, "good"), "asha", n_workers=1, horizon=200.0, seed=0)
>>> len(trace) > 0 and all(t <= 200.0 + 27 for t, _ in trace)
True
"""

from __future__ import annotations

import datetime
import itertools
import logging
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.mf_base import MFProblem
from tiaocan.executors.simulated import SimulatedExecutor

__all__ = ["KINDS", "config_space", "run"]

KINDS = ("asha", "bohb")
METRIC = "loss"
TIME_ATTR = "epoch"   # Syne Tune's resource attribute: the problem's integer budget


def config_space(space: tc.Space) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Syne Tune domains for a tiaocan space, and the maps back from encoded categories.

    Categories are passed as strings (Syne Tune casts values through JSON-friendly types);
    ``decode`` maps them back to the original choice objects (``True``/``False`` here).
    """
    from syne_tune.config_space import choice, lograndint, loguniform, randint, uniform

    out: dict[str, Any] = {}
    back: dict[str, dict[str, Any]] = {}
    for name in space.names:
        p = space[name]
        if isinstance(p, tc.Categorical):
            back[name] = {str(c): c for c in p.choices}
            out[name] = choice(list(back[name]))
        elif isinstance(p, tc.Int):
            out[name] = (lograndint if p.log else randint)(int(p.low), int(p.high))
        else:
            out[name] = (loguniform if p.log else uniform)(float(p.low), float(p.high))
    return out, back


def _decode(config: dict[str, Any], space: tc.Space, back: dict[str, dict[str, Any]]) -> dict[str, Any]:
    x: dict[str, Any] = {}
    for name in space.names:
        value = config[name]
        x[name] = back[name][str(value)] if name in back else value
    return x


def _scheduler(kind: str, problem: MFProblem, domains: dict[str, Any], seed: int) -> Any:
    """The Syne Tune baseline with the same halving geometry as the other methods
    (grace period = the lowest budget, ``max_t`` = the full budget, reduction factor 3)."""
    from syne_tune.optimizer.baselines import ASHA, BOHB

    common: dict[str, Any] = {
        "config_space": domains, "metric": METRIC, "time_attr": TIME_ATTR,
        "max_t": int(problem.fidelity.high), "grace_period": int(problem.fidelity.low),
        "reduction_factor": 3, "do_minimize": True, "random_seed": seed}
    if kind == "asha":
        return ASHA(**common)
    if kind == "bohb":
        return BOHB(**common)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def run(problem: MFProblem, kind: str, n_workers: int, horizon: float, seed: int) -> list[tuple[float, float]]:
    """Trace ``(simulated time, true full-budget loss)`` of a Syne Tune scheduler's run.

    Every trial trains epoch by epoch over ``problem.steps`` (Syne Tune's schedulers are
    stopping-type: a trial reports after each epoch and is stopped or continues), paying
    ``clock.sleep`` for each increment exactly as the Optuna peers do.
    """
    from syne_tune.backend.trial_status import Trial
    from syne_tune.optimizer.scheduler import SchedulerDecision

    from benchmarks.multifidelity.runner import _spend

    logging.getLogger("syne_tune").setLevel(logging.ERROR)   # per-run searcher notices
    # Syne Tune 0.16's random searcher draws through ``Domain.sample()`` without its own seeded
    # state, i.e. from numpy's global generator (its ``random_seed`` only seeds the first
    # draws): seed that generator per run so a run is repeatable (the simulated workers run
    # one at a time, so the order of the draws is deterministic too).
    np.random.seed(seed)
    domains, back = config_space(problem.space)
    scheduler = _scheduler(kind, problem, domains, seed)
    ex = SimulatedExecutor()
    clock, trace, high = ex.clock, [], problem.fidelity.high
    ids = itertools.count()

    def worker(index: int) -> None:
        while clock.now() < horizon:
            suggestion = scheduler.suggest()
            if suggestion is None:   # searcher exhausted (cannot happen on these spaces)
                return
            trial = Trial(trial_id=next(ids), config=suggestion.config,
                          creation_time=datetime.datetime.now())
            scheduler.on_trial_add(trial)
            x = _decode(suggestion.config, problem.space, back)
            done, result = 0, {}
            for step in problem.steps:
                clock.sleep(_spend(problem, x, done, step))
                done = step
                result = {METRIC: problem.loss(x, step), TIME_ATTR: int(step)}
                if step >= high:
                    trace.append((clock.now(), problem.true_loss(x)))
                if scheduler.on_trial_result(trial, result) == SchedulerDecision.STOP:
                    scheduler.on_trial_remove(trial)   # as syne_tune.Tuner does after STOP
                    break
            else:
                scheduler.on_trial_complete(trial, result)

    ex.run(worker, n_workers)
    return trace
