"""Fuzzed YAML specs, storage URLs and dashboard query strings: a result or one clean error."""

from __future__ import annotations

import string
import sys
from urllib.parse import urlsplit
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tests.fuzz._support import examples, tally
from tiaocan.cli import main
from tiaocan.errors import TiaocanError

leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.floats(), st.text(max_size=6),
                 st.sampled_from(["minimize", "maximize", "tpe", "random", "hyperband", "obj:f",
                                  "obj:nope", "nomodule:f", "float", "int", "categorical", 10**400]))
values = st.recursive(leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6)
param = st.fixed_dictionaries({"type": st.sampled_from(["float", "int", "categorical", "x"])},
                              optional={"low": leaf, "high": leaf, "log": leaf, "step": leaf,
                                        "choices": values, "when": values})
KEYS = ["study", "sampler", "scheduler", "direction", "directions", "seed", "n_workers",
        "timeout", "max_retries", "fidelity", "bogus", "objective", "space", "n_trials"]
VALID = {"objective": "obj:f", "n_trials": 2,
         "space": {"x": {"type": "float", "low": 0, "high": 1}, "k": {"type": "int", "low": 1,
                                                                   "high": 4}}}
# mostly a valid spec with one or two keys changed (so both outcomes are exercised), else any
specs = st.one_of(
    st.builds(lambda changes: {**VALID, **changes},
              st.dictionaries(st.sampled_from(KEYS), st.one_of(values, param.map(
                  lambda p: {"x": p})), max_size=2)),
    st.fixed_dictionaries({"objective": st.one_of(st.just("obj:f"), leaf),
                           "space": st.one_of(st.dictionaries(st.sampled_from(["x", "y"]), param,
                                                              max_size=2), values)},
                          optional={k: values for k in KEYS if k not in ("objective", "space")}),
)


def _one_error_line(code: int, err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip() and "first on sys.path" not in line
             and not line.startswith("tiaocan: study ")]  # run's note on what proposes
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("tiaocan: error: "), err
    if code == 1:  # `run` ran, every trial failed (each stored with its error): one last line
        assert "no trial completed" in err.strip().splitlines()[-1], err
    assert "Traceback" not in err


@settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=specs, raw=st.one_of(st.none(), st.none(), st.none(), st.text(max_size=30)))
def test_yaml_specs(spec: dict[str, Any], raw: str | None, tmp_path_factory: pytest.TempPathFactory,
                    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = tmp_path_factory.mktemp("spec")
    (tmp / "obj.py").write_text("def f(trial):\n    return sum(float(v) for v in trial.params.values()"
                                " if isinstance(v, (int, float)))\n")
    text = raw if raw is not None else yaml.safe_dump(spec, allow_unicode=True)
    (tmp / "spec.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "obj", raising=False)
    # (`run` records the environment, which may ask `uname`: processes are not checked here)
    code = main(["run", str(tmp / "spec.yaml"), "--storage", f"sqlite:///{tmp / 'r.db'}",
                 "--no-progress", "--n-workers", "1"])
    _one_error_line(code, capsys.readouterr().err)
    tally("yaml specs", {0: "result", 1: "every trial failed, stored"}.get(code, "clean error"))
    if (tmp / "r.db").exists():
        for record in tc.list_studies(f"sqlite:///{tmp / 'r.db'}"):
            running = tc.load_study(record.name, storage=f"sqlite:///{tmp / 'r.db'}",
                                    sampler="random").get_trials([tc.TrialState.RUNNING])
            assert running == []


url_text = st.text(alphabet=string.printable + "é\x00中", max_size=20)
urls = st.one_of(
    url_text, st.builds(lambda p: f"sqlite:///{p}", url_text),
    st.builds(lambda u, p, d: f"postgresql://{u}:{p}@127.0.0.1:1/{d}", url_text, url_text, url_text),
    st.sampled_from(["sqlite://", "sqlite:///:memory:", ":memory:", "mysql://a:b@c/d", "sqlite:////",
                     "postgresql://", "sqlite:///dir/", "sqlite:///?mode=ro"]))


@settings(max_examples=examples(30), deadline=None, suppress_health_check=list(HealthCheck))
@given(url=urls, read_only=st.booleans())
def test_storage_urls(url: str, read_only: bool, tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("urls"))
    before = set(Path(".").rglob("*"))
    try:
        storage = tc.storage.get_storage(url, must_exist=read_only)
        storage.list_studies()
        storage.close()
        tally("storage urls", "result")
    except TiaocanError as exc:
        try:
            secret = urlsplit(url).password or ""
        except ValueError:
            secret = ""
        if len(secret) >= 3:  # the password never appears in the message
            assert f":{secret}@" not in str(exc), (url, str(exc))
        tally("storage urls", "clean error")
    if read_only:
        assert set(Path(".").rglob("*")) == before  # nothing created


_MARK = "<script>alert(1)</script>"
queries = st.dictionaries(
    st.sampled_from(["study", "name", "number", "sort", "order", "page", "size", "state", "q",
                     "x", "y", "filter", "objective", "param", "min", "max", "kind", "since"]),
    st.one_of(st.text(max_size=12), st.integers().map(str), st.sampled_from(
        ["s", "-1", "1e999", "nan", "0", "999999999999", "'; DROP TABLE x;--", _MARK])),
    max_size=4)


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'd.db'}"
    study = tc.create_study("s", space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical(["a", "b"])),
                            storage=url, seed=0, sampler="random")
    study.optimize(lambda t: t.params["x"], n_trials=5)
    return url


@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(["/", "/study", "/trial", "/api/studies", "/api/summary",
                              "/api/trials", "/api/plots", "/static/x.js", "/static/..%2f..%2fetc"]),
       query=queries)
def test_dashboard_query_strings(dashboard_url: str, route: str, query: dict[str, str]) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from tiaocan.dashboard.app import create_app

    with TestClient(create_app(dashboard_url, prefetch=False),
                    raise_server_exceptions=False) as client:
        response = client.get(route, params=query)
    assert response.status_code in (200, 400, 404), (route, query, response.text[:200])
    if "html" in response.headers.get("content-type", ""):
        assert _MARK not in response.text  # user text is escaped, never echoed as a tag
    tally("dashboard queries", "result" if response.status_code == 200 else "clean error")


# Mutations of a valid spec: each example applies one to three of them.
MODULES = {
    "obj": "CONST = 3\ndef f(trial):\n    return float(trial.params['x']) + trial.params['k']\n",
    "bad_syntax": "def f(trial):\n    return (\n",
    "bad_import": "import tiaocan_no_such_module\ndef f(trial):\n    return 0.0\n",
    "raises": "raise RuntimeError('refusing to import')\n",
}
GOOD = {"objective": "obj:f", "n_trials": 2, "seed": 0, "sampler": "random",
        "direction": "minimize",
        "space": {"x": {"type": "float", "low": 0, "high": 1},
                  "k": {"type": "int", "low": 1, "high": 4},
                  "c": {"type": "categorical", "choices": ["a", "b"]}}}
wrong_types = st.sampled_from([None, "text", 1.5, -1, 0, [], {}, [1, 2], {"a": 1}, True,
                               float("nan"), 10**400, "1e999"])
mutations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(sorted(GOOD)), wrong_types),
    st.tuples(st.just("drop"), st.sampled_from(sorted(GOOD)), st.none()),
    st.tuples(st.just("set"), st.sampled_from(["bogus", "Objective", "n_trial", "storage"]),
              wrong_types),
    st.tuples(st.just("set"), st.just("direction"),
              st.sampled_from(["min", "MAXIMIZE", "", 1, ["minimize"], "minimise"])),
    st.tuples(st.just("set"), st.just("directions"),
              st.sampled_from(["minimize", ["minimize", "up"], [], ["maximize", "minimize"], [1]])),
    st.tuples(st.just("set"), st.sampled_from(["sampler", "scheduler"]),
              st.sampled_from(["tpe2", "subprocess.Popen", "os:system", 3, {"name": "tpe"},
                               "gp", "hyperband", "median", "", ["tpe"]])),
    st.tuples(st.just("set"), st.just("objective"),
              st.sampled_from(["bad_syntax:f", "bad_import:f", "raises:f", "obj:nope", "obj:CONST",
                               "obj", ":f", "obj:", "no_such_module_xyz:f", "os:system"])),
    st.tuples(st.just("param"), st.sampled_from(["x", "k", "c"]),
              st.tuples(st.sampled_from(["type", "low", "high", "step", "log", "choices", "when",
                                         "bogus"]), st.one_of(wrong_types, st.just("<drop>")))),
)


def _mutated(changes: list[tuple[str, str, Any]]) -> dict[str, Any]:
    spec = {**GOOD, "space": {k: dict(v) for k, v in GOOD["space"].items()}}
    for kind, key, value in changes:
        if kind == "drop":
            spec.pop(key, None)
        elif kind == "set":
            spec[key] = value
        elif isinstance(spec.get("space"), dict) and isinstance(spec["space"].get(key), dict):
            field, new = value
            if new == "<drop>":
                spec["space"][key].pop(field, None)
            else:
                spec["space"][key][field] = new
    return spec


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    import sqlite3

    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}"))) for t in tables}


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(mutations, min_size=1, max_size=3))
def test_mutated_specs(changes: list[tuple[str, str, Any]], tmp_path_factory: pytest.TempPathFactory,
                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = tmp_path_factory.mktemp("mutated")
    for name, text in MODULES.items():
        (tmp / f"{name}.py").write_text(text)
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec = _mutated(changes)
    (tmp / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    db = tmp / "r.db"
    other = tc.create_study("other", space=tc.Space(x=tc.Float(0, 1)), storage=f"sqlite:///{db}")
    other.optimize(lambda t: t.params["x"], n_trials=1)
    other.storage.close()
    before = _rows(db)
    # --n-trials: a spec without n_trials (a mutation) runs until Ctrl-C
    code = main(["run", str(tmp / "spec.yaml"), "--storage", f"sqlite:///{db}", "--no-progress",
                 "--n-trials", "2"])
    _one_error_line(code, capsys.readouterr().err)
    after = _rows(db)
    if code == 2:
        assert after == before, changes  # a refused spec stores nothing
        tally("mutated specs", "clean error, nothing stored")
        return
    url = f"sqlite:///{db}"
    kept = tc.load_study("other", storage=url, sampler="random")
    assert [t.values for t in kept.trials] == [t.values for t in other.trials]
    for record in tc.list_studies(url):
        study = tc.load_study(record.name, storage=url, sampler="random")
        assert study.get_trials([tc.TrialState.RUNNING]) == []
    tally("mutated specs", "stored result")
