from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.errors import ConfigError, SchemaVersionError
from tiaocan.storage import TrialCache, get_storage
from tiaocan.testing import check_storage
from tiaocan.trial import TrialState


def test_conformance(storage_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if storage_url == ":memory:":
        check_storage(lambda: get_storage(":memory:"))
    elif storage_url.startswith("sqlite"):
        counter = itertools.count()
        check_storage(lambda: get_storage(f"sqlite:///{tmp_path / f'c{next(counter)}.db'}"))
    else:
        server = request.getfixturevalue("postgres_server")
        check_storage(lambda: get_storage(server.new_database()))


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=10)


@given(params=st.dictionaries(st.text(min_size=1, max_size=10), json_scalars, max_size=6),
       attrs=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_sqlite_round_trips_json(tmp_path: Path, params: dict, attrs: dict) -> None:
    storage = get_storage(f"sqlite:///{tmp_path / 'rt.db'}")
    try:
        sid = storage.create_study(f"s{len(storage.list_studies())}", directions=[tc.Direction.MINIMIZE],
                                   space={"params": []}, seed=1, attrs={}).study_id
        t = storage.create_trial(sid, params=params, state=TrialState.RUNNING)
        storage.update_trial(t.trial_id, user_attrs=attrs)
        got = TrialCache(storage, sid).refresh()[0]
        assert dict(got.params) == params
        assert dict(got.user_attrs) == attrs
    finally:
        storage.close()


def test_non_json_values_are_refused_not_pickled(sqlite_url: str) -> None:
    storage = get_storage(sqlite_url)
    sid = storage.create_study("s", directions=[tc.Direction.MINIMIZE], space={"params": []}, seed=0,
                               attrs={}).study_id
    t = storage.create_trial(sid, params={}, state=TrialState.RUNNING)
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        storage.update_trial(t.trial_id, user_attrs={"model": object()})
    assert TrialCache(storage, sid).refresh()[0].user_attrs == {}


def test_unknown_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    storage = get_storage(url)
    tc.create_study("kept", space=tc.Space(x=tc.Float(0, 1)), storage=storage, seed=0)
    storage.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tiaocan_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        get_storage(url)
    with sqlite3.connect(path) as conn:  # nothing stored was touched
        assert conn.execute("SELECT name FROM tiaocan_studies").fetchall() == [("kept",)]


@pytest.mark.parametrize("url", ["mysql://x", "sqlite:///:memory:", "tiaocan.db", 42])
def test_bad_urls(url: object) -> None:
    with pytest.raises(ConfigError, match="storage must be|in-memory SQLite"):
        get_storage(url)  # type: ignore[arg-type]


def test_incremental_reads_only_return_changes(sqlite_url: str) -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=sqlite_url, seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=30)
    cursor = study.storage.read_changes(study.study_id, 0).cursor
    assert study.storage.read_changes(study.study_id, cursor).trials == []
    study.optimize(lambda t: t.params["x"], n_trials=2)
    changed = study.storage.read_changes(study.study_id, cursor).trials
    assert [t.number for t in changed] == [30, 31]
