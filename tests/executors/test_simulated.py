"""The simulated executor: virtual time, one worker at a time, deterministic order."""

from __future__ import annotations

import threading
import time

import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.executors import SimulatedClock, SimulatedExecutor
from tiaocan.trial import TrialState

SPACE = tc.Space(x=tc.Float(0.0, 1.0))


def test_virtual_time_is_the_makespan_of_the_declared_runtimes() -> None:
    ex = SimulatedExecutor()
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, sampler="random")
    durations = [3.0, 1.0, 2.0, 5.0, 1.0, 1.0]

    def objective(trial: tc.Trial) -> float:
        trial.sleep(durations[trial.number])
        return trial.params["x"]

    study.optimize(objective, n_trials=6, n_workers=2, executor=ex)
    # w0: trial 0 [0, 3]; w1: trial 1 [0, 1], trial 2 [1, 3]; at t=3 both are free and the
    # tie goes to w0: trial 3 [3, 8]; w1: trial 4 [3, 4], trial 5 [4, 5]
    assert ex.clock.now() == pytest.approx(8.0)
    workers = [t.system_attrs["worker"]["pid"] for t in study.trials]
    assert len(workers) == 6


def test_only_one_worker_runs_at_a_time_and_order_is_deterministic() -> None:
    def run() -> list[tuple[int, float, str]]:
        ex = SimulatedExecutor()
        log: list[tuple[int, float, str]] = []
        active: list[int] = []
        overlaps: list[list[int]] = []
        study = tc.create_study(space=SPACE, storage=":memory:", seed=5, sampler="random")

        def objective(trial: tc.Trial) -> float:
            active.append(threading.get_ident())
            time.sleep(0.002)  # real time: a worker running beside this one would enter now
            if len(active) != 1:  # recorded, not asserted: an objective's error fails a trial
                overlaps.append(list(active))
            active.remove(threading.get_ident())
            trial.sleep(1.0 + trial.params["x"])
            log.append((trial.number, ex.clock.now(), threading.current_thread().name))
            return trial.params["x"]

        study.optimize(objective, n_trials=12, n_workers=4, executor=ex)
        assert overlaps == [], "two workers computed at once"
        assert all(t.state is TrialState.COMPLETE for t in study.trials)
        assert len({t.system_attrs["worker"]["tag"] for t in study.trials}) == 1  # one process
        return log

    first, second = run(), run()
    assert first == second and len(first) == 12
    assert len({name for _, _, name in first}) == 4  # every simulated worker ran trials


def test_timeout_is_on_the_virtual_clock() -> None:
    ex = SimulatedExecutor()
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, sampler="random")
    study.optimize(lambda t: t.sleep(3600.0) or t.params["x"], timeout=10 * 3600, n_workers=3,
                   executor=ex)
    assert len(study.trials) == 30  # 3 workers x 10 virtual hours, in well under a second
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_idle_workers_skip_to_the_next_event() -> None:
    """A worker with nothing to do waits until another worker's wake-up, not a poll tick."""
    ex = SimulatedExecutor()
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, sampler="random",
                            scheduler="successive_halving", fidelity=tc.Fidelity("epoch", 1, 9))

    def objective(trial: tc.Trial) -> float:
        trial.sleep(1000.0 * trial.budget)
        return trial.params["x"]

    study.optimize(objective, n_trials=9, n_workers=4, executor=ex)
    # rung 1: 9 runs of 1000 s on 4 workers = 3 rounds; rung 2: 3 runs of 3000 s; rung 3: 9000 s
    assert ex.clock.now() == pytest.approx(3000 + 3000 + 9000)


def test_errors_in_a_worker_reach_the_caller() -> None:
    ex = SimulatedExecutor()
    with pytest.raises(RuntimeError, match="boom"):
        ex.run(lambda i: (_ for _ in ()).throw(RuntimeError("boom")) if i == 1 else None, 3)
    with pytest.raises(ConfigError, match="n_workers"):
        ex.run(lambda i: None, 0)


def test_clock_outside_a_run_just_advances() -> None:
    clock = SimulatedClock(start=5.0)
    clock.sleep(2.5)
    clock.idle(1.0)
    assert clock.now() == 8.5
