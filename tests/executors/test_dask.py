from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.trial import TrialState

pytest.importorskip("distributed")


@pytest.mark.slow
def test_dask_workers_share_one_study(tmp_path: Path) -> None:
    from tiaocan.executors.dask import DaskExecutor

    url = f"sqlite:///{tmp_path / 'dask.db'}"
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1), k=tc.Int(1, 3)), storage=url,
                            sampler="random", seed=0)
    study.optimize(lambda t: t.params["x"] * t.params["k"], n_trials=12, n_workers=2,
                   executor=DaskExecutor(local_workers=2))
    trials = study.trials
    assert [t.number for t in trials] == list(range(12))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) == 2


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
