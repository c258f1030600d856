from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tiaocan as tc
from tiaocan.trial import TrialState

pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A real LocalCluster of 4 worker processes (restarted by their nannies when killed)."""
    from distributed import Client, LocalCluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # objectives travel by value
    cluster = LocalCluster(n_workers=4, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


def _configs(trials: Any) -> set[tuple]:
    return {tuple(sorted(t.params.items())) for t in trials if t.state is TrialState.COMPLETE}


def _short(trial: tc.Trial) -> float:
    time.sleep(0.01)
    return trial.params["x"] * trial.params["k"]


def test_four_dask_workers_on_postgres_never_repeat_a_configuration(client: Any, postgres_url: str) -> None:
    from tiaocan.executors.dask import DaskExecutor

    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1), k=tc.Int(1, 3)), storage=postgres_url,
                            sampler="random", seed=0)
    study.optimize(_short, n_trials=40, n_workers=4, executor=DaskExecutor(client))
    trials = study.trials
    assert [t.number for t in trials] == list(range(40))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len(_configs(trials)) == 40
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) > 1


def test_a_sigkilled_dask_worker_is_noticed_under_default_heartbeats(
        client: Any, postgres_url: str, tmp_path: Path) -> None:
    from tiaocan.executors.dask import DaskExecutor

    flag = tmp_path / "victim.pid"

    def objective(trial: tc.Trial) -> float:
        if trial.number == 2 and "retry_of" not in trial.record.system_attrs:
            flag.write_text(str(os.getpid()))
            time.sleep(120)  # killed meanwhile
        time.sleep(0.01)
        return trial.params["x"]

    def kill_when_started() -> None:
        while not flag.exists():
            time.sleep(0.02)
        time.sleep(0.1)
        os.kill(int(flag.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started, daemon=True)
    killer.start()
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=postgres_url,
                            sampler="random", seed=0)  # default heartbeats: 10 s, grace 30 s
    study.optimize(objective, n_trials=12, n_workers=4, executor=DaskExecutor(client))
    killer.join(1)
    trials = study.trials
    lost = trials[2]
    # noticed by the executor (the worker left the cluster), not by the 30 s heartbeat grace
    assert lost.state is TrialState.FAILED and "left the cluster" in lost.error
    retry = [t for t in trials if t.system_attrs.get("retry_of") == 2]
    assert len(retry) == 1 and retry[0].state is TrialState.COMPLETE
    assert len(_configs(trials)) == 12  # every trial asked for, finished
    assert all(t.state.is_finished for t in trials)


def _deterministic(trial: tc.Trial) -> float:
    time.sleep(0.02 * ((trial.number * 7919) % 5))
    return (trial.params["x"] - 0.3) ** 2 + trial.params["k"]


def test_deterministic_mode_gives_one_study_for_1_and_4_dask_workers(client: Any, tmp_path: Path) -> None:
    from tiaocan.executors.dask import DaskExecutor

    runs = []
    for n_workers in (1, 4):
        study = tc.create_study(f"d{n_workers}", space=tc.Space(x=tc.Float(0, 1), k=tc.Int(1, 3)),
                                storage=f"sqlite:///{tmp_path / 'det.db'}", sampler="tpe", seed=4,
                                deterministic=4)
        study.optimize(_deterministic, n_trials=16, n_workers=n_workers, executor=DaskExecutor(client))
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]


def test_studies_travel_by_reference(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    study = tc.create_study("ref", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=3,
                            sampler="random", max_retries=2)
    study.optimize(lambda t: t.params["x"], n_trials=3)
    copy = pickle.loads(pickle.dumps(study))
    assert copy.name == "ref" and copy.seed == 3 and copy.max_retries == 2
    assert [t.params for t in copy.trials] == [t.params for t in study.trials]
    with pytest.raises(tc.ConfigError, match="in-memory study cannot be sent"):
        pickle.dumps(tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:"))
