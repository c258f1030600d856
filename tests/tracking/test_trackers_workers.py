"""Trackers hear about every trial also when the trials run in worker processes or on Dask."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import tiaocan as tc
from tiaocan.tracking.trackers import Relay


class Recorder:
    """A tracker that remembers what it was told, and in which process."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str, Any]] = []

    def on_trial_complete(self, study: tc.Study, trial: tc.FrozenTrial) -> None:
        self.events.append((trial.number, trial.state.value, trial.budget))


def objective(trial: tc.Trial) -> float:
    if trial.number == 1:
        raise RuntimeError("this configuration crashes")
    trial.report(trial.params["x"], step=1)
    return trial.params["x"]


def _study(tmp_path) -> tc.Study:  # type: ignore[no-untyped-def]
    return tc.create_study(name="w", space=tc.Space(x=tc.Float(0, 1)), seed=0,
                           storage=f"sqlite:///{tmp_path / 'w.db'}")


def test_process_workers_trials_reach_the_parents_trackers_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    recorder = Recorder()
    study.add_tracker(recorder)
    study.optimize(objective, n_trials=5, n_workers=2)
    told = Counter((n, s) for n, s, _ in recorder.events)
    stored = Counter((t.number, t.state.value) for t in study.trials)
    assert told == stored and sum(told.values()) == 5
    assert told[(1, "failed")] == 1  # a failed trial is an event too


def test_trials_finished_before_are_not_sent_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    study.optimize(objective, n_trials=2, n_workers=2)
    recorder = Recorder()
    study.add_tracker(recorder)
    study.optimize(objective, n_trials=2, n_workers=2)
    assert sorted(n for n, _, _ in recorder.events) == [2, 3]


def test_a_relay_and_the_running_process_send_an_event_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(tmp_path)
    recorder = Recorder()
    study.add_tracker(recorder)
    with Relay(study, interval=3600) as relay:  # polled by hand below, not by its thread
        study.optimize(objective, n_trials=3)  # inline: the trackers are told here
        assert relay.poll() == 3
    assert sorted(n for n, _, _ in recorder.events) == [0, 1, 2]


def test_a_broken_tracker_does_not_stop_the_relay(tmp_path) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        def on_trial_complete(self, study: tc.Study, trial: tc.FrozenTrial) -> None:
            raise OSError("disk full")

    study = _study(tmp_path)
    recorder = Recorder()
    study.add_tracker(Broken())
    study.add_tracker(recorder)
    study.optimize(objective, n_trials=3, n_workers=2)
    assert len(recorder.events) == 3


@pytest.mark.slow
def test_dask_workers_trials_reach_the_trackers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    from tiaocan.executors.dask import DaskExecutor

    study = _study(tmp_path)
    recorder = Recorder()
    study.add_tracker(recorder)
    study.optimize(objective, n_trials=4, n_workers=2, executor=DaskExecutor(local_workers=2))
    assert sorted(n for n, _, _ in recorder.events) == [0, 1, 2, 3]
