"""Ids are never reused: a handle kept across a deletion never writes into another study."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
import sqlalchemy as sa

import tiaocan as tc
from tiaocan.errors import ConfigError, StaleStudyError
from tiaocan.storage.schema import metadata

SPACE = tc.Space(x=tc.Float(0, 1))


def _rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = list(conn.execute(sa.text(
            "SELECT trial_id, study_id, state, values_ FROM tiaocan_trials ORDER BY trial_id")))
    engine.dispose()
    return out


def _old_style_file(path: Path) -> str:
    """A SQLite file laid out as before AUTOINCREMENT (SQLite reuses the largest id there)."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            ddl = str(sa.schema.CreateTable(table).compile(dialect=engine.dialect))
            conn.exec_driver_sql(ddl.replace(" AUTOINCREMENT", ""))
            for index in table.indexes:
                conn.exec_driver_sql(str(sa.schema.CreateIndex(index).compile(dialect=engine.dialect)))
        conn.exec_driver_sql("INSERT INTO tiaocan_meta VALUES ('schema_version', '1')")
    engine.dispose()
    return url


@pytest.mark.parametrize("layout", ["memory", "sqlite", "sqlite-before-autoincrement"])
def test_stale_handle_gets_a_clear_error_and_writes_nothing(layout: str, tmp_path: Path) -> None:
    url = {"memory": None, "sqlite": f"sqlite:///{tmp_path / 'a.db'}",
           "sqlite-before-autoincrement": None}[layout]
    if layout == "sqlite-before-autoincrement":
        url = _old_style_file(tmp_path / "old.db")
    storage = tc.storage.get_storage(url) if url else tc.storage.InMemoryStorage()
    old = tc.create_study("n", space=SPACE, storage=storage, seed=0)
    kept = old.ask()
    tc.delete_study("n", storage=storage)
    new = tc.create_study("n", space=SPACE, storage=storage, seed=1)
    theirs = new.ask()
    assert new.study_id != old.study_id and theirs.record.trial_id != kept.record.trial_id
    before = _rows(url) if url else None
    with pytest.raises(StaleStudyError, match="load_study"):
        old.tell(kept, 123.0)
    with pytest.raises(StaleStudyError):
        old.ask()
    with pytest.raises(StaleStudyError):
        kept.report(1.0, step=1)
    assert new.trials[0].state is tc.TrialState.RUNNING and new.trials[0].values is None
    if url:
        assert _rows(url) == before


def test_a_trial_of_another_study_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    a = tc.create_study("a", space=SPACE, storage=url, seed=0)
    b = tc.create_study("b", space=SPACE, storage=url, seed=0)
    trial_b = b.ask()
    with pytest.raises(ConfigError, match="not a trial of study 'a'"):
        a.tell(trial_b, 1.0)
    assert b.trials[0].state is tc.TrialState.RUNNING


def _race(url: str, rounds: int) -> None:
    for i in range(rounds):
        try:
            tc.delete_study("race", storage=url)
        except tc.StudyNotFoundError:
            pass
        try:
            study = tc.create_study("race", space=SPACE, storage=url, seed=0, load_if_exists=True)
            study.optimize(lambda t: t.params["x"], n_trials=3)
        except (tc.StudyNotFoundError, ConfigError):
            pass  # the other process deleted or replaced it meanwhile: a clean error


def _run_race(url: str) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_race, args=(url, 6)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    alive = [p for p in procs if p.is_alive()]
    for p in alive:
        p.kill()
    assert not alive, "a delete/re-create race hung"
    assert [p.exitcode for p in procs] == [0, 0]


def _no_cross_study_values(url: str) -> None:
    study = tc.load_study("race", storage=url) if any(
        s.name == "race" for s in tc.list_studies(url)) else None
    for t in study.trials if study else []:
        if t.values is not None:
            assert t.values == (t.params["x"],)


def test_delete_recreate_race_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    tc.create_study("warm", space=SPACE, storage=url)  # the schema exists before the race
    _run_race(url)
    _no_cross_study_values(url)


@pytest.mark.slow
def test_delete_recreate_race_on_postgres(postgres_url: str) -> None:
    tc.create_study("warm", space=SPACE, storage=postgres_url)
    _run_race(postgres_url)
    _no_cross_study_values(postgres_url)
