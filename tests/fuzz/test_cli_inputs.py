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
    assert code in (0, 2), (code, err)
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("tiaocan: error: "), err
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
    tally("yaml specs", "result" if code == 0 else "clean error")
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
