"""A database from someone else: every stored JSON field replaced by hostile values, opened by
load_study, the CLI, the report and the dashboard. Each ends in a clean error or a correct
result; no process is spawned; the database is unchanged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tests.fuzz._support import examples, no_process_spawned, tally
from tiaocan.cli import main
from tiaocan.errors import TiaocanError

POPEN = {"class": "subprocess.Popen", "params": {"args": "touch PWNED", "shell": True}}
FIELDS = [("tiaocan_studies", "attrs"), ("tiaocan_studies", "space"),
          ("tiaocan_studies", "directions"), ("tiaocan_trials", "params"),
          ("tiaocan_trials", "values_"), ("tiaocan_trials", "user_attrs"),
          ("tiaocan_trials", "system_attrs"), ("tiaocan_trials", "state"),
          ("tiaocan_reports", "values_")]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
              st.sampled_from([POPEN, "subprocess.Popen", 10**400])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
texts = st.one_of(json_values.map(json.dumps), st.text(max_size=20),
                  st.sampled_from(["{", "[1,", "NaN", "null", "1e999", '"\\ud800"']))


def _attr_values() -> Any:
    """A study's attrs with one known key made hostile (sampler, scheduler, options...)."""
    keys = st.sampled_from(["sampler", "scheduler", "options", "fidelity", "manifest",
                            "metric_names", "capture_logs", "constraints"])
    return st.builds(lambda k, v: (k, v), keys, st.one_of(json_values, st.just(POPEN)))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small study's database file, one file (no WAL), that each example copies.

    A path, not the bytes: hypothesis prints the test's arguments, and 200 kB of bytes made
    it warn (an error in the suite) in a long run."""
    path = tmp_path_factory.mktemp("pristine") / "good.db"
    url = f"sqlite:///{path}"
    study = tc.create_study("s", space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical(["a", "b"])),
                            storage=url, seed=0, sampler="tpe", scheduler="median",
                            fidelity=tc.Fidelity("epoch", 1, 3))

    def objective(trial: tc.Trial) -> float:
        for epoch in range(1, 4):
            trial.report(trial.params["x"] / epoch, step=epoch)
        return trial.params["x"]

    study.optimize(objective, n_trials=3)
    copy = path.with_name("copy.db")
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    study.storage.close()
    return copy


def _corrupt(path: Path, table: str, column: str, text: str, attr: tuple[str, Any] | None) -> None:
    con = sqlite3.connect(path)
    if attr is not None:
        attrs = json.loads(con.execute("SELECT attrs FROM tiaocan_studies").fetchone()[0])
        attrs[attr[0]] = attr[1]
        text = json.dumps(attrs)
    con.execute(f"UPDATE {table} SET {column} = ?", (text,))  # noqa: S608 - fixed names
    con.commit()
    con.close()


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _open_everything(url: str, tmp: Path, capsys: pytest.CaptureFixture[str],
                     report: bool = True) -> list[str]:
    outcomes = []
    try:
        study = tc.load_study("s", storage=url)
        _ = [study.trials, study.best_trial if study.trials else None]
        outcomes.append("result")
    except TiaocanError:
        outcomes.append("clean error")
    commands = [["studies"], ["trials", "s"], ["best", "s"], ["export", "s"]]
    if report:  # seconds each (plotly.js is embedded): every example of a long run, else once
        commands.append(["report", "s", "-o", str(tmp / "r.html")])
    for command in commands:
        code = main([*command, "--storage", url])
        err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert code in (0, 2), (command, err)
        if code == 2:
            assert len([e for e in err if e.startswith("tiaocan: error:")]) == 1, err
            assert not any("Traceback" in e for e in err), err
        outcomes.append("result" if code == 0 else "clean error")
    outcomes += _dashboard(url)
    return outcomes


def _dashboard(url: str) -> list[str]:
    from starlette.testclient import TestClient

    from tiaocan.dashboard.app import create_app

    outcomes = []
    with TestClient(create_app(url, prefetch=False), raise_server_exceptions=False) as client:
        for route in ("/", "/study?name=s", "/trial?study=s&number=0", "/api/studies",
                      "/api/summary?study=s", "/api/trials?study=s", "/api/plots?study=s"):
            status = client.get(route).status_code
            assert status in (200, 400, 404), (route, status)
            outcomes.append("result" if status == 200 else "clean error")
    return outcomes


@settings(max_examples=examples(6), deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(FIELDS), text=texts, attr=st.one_of(st.none(), _attr_values()))
def test_hostile_database(pristine: Path, tmp_path_factory: pytest.TempPathFactory,
                          capsys: pytest.CaptureFixture[str], field: tuple[str, str], text: str,
                          attr: tuple[str, Any] | None) -> None:
    pytest.importorskip("starlette")
    tmp = tmp_path_factory.mktemp("hostile")
    path = tmp / "hostile.db"
    path.write_bytes(pristine.read_bytes())
    _corrupt(path, *field, text, attr if field == ("tiaocan_studies", "attrs") else None)
    before = _dump(path)
    with no_process_spawned() as spawned:
        # the report takes seconds (plotly.js embedded): a quarter of a long run's examples
        report = examples(6) > 6 and len(text) % 4 == 0
        outcomes = _open_everything(f"sqlite:///{path}", tmp, capsys, report=report)
    assert spawned == [] and not (tmp / "PWNED").exists() and not Path("PWNED").exists()
    assert _dump(path) == before  # opening and reading changed nothing
    for outcome in outcomes:
        tally("hostile database", outcome)
    tally("hostile database: rows changed", "0")


def test_the_popen_sampler_runs_nothing(pristine: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "popen.db"
    path.write_bytes(pristine.read_bytes())
    _corrupt(path, "tiaocan_studies", "attrs", "", ("sampler", POPEN))
    _corrupt(path, "tiaocan_studies", "attrs", "", ("scheduler", POPEN))
    with no_process_spawned() as spawned:
        outcomes = _open_everything(f"sqlite:///{path}", tmp_path, capsys)
        with pytest.raises(tc.UnregisteredClassError if hasattr(tc, "UnregisteredClassError")
                           else TiaocanError, match="subprocess.Popen"):
            tc.load_study("s", storage=f"sqlite:///{path}").ask()
    assert spawned == [] and not Path("PWNED").exists()
    assert outcomes[0] == "result"  # the study still reads: only running it is refused
