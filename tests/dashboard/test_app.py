from __future__ import annotations

import sys
import warnings

import pytest

import tiaocan as tc

pytest.importorskip("starlette")
pytest.importorskip("plotly")
with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx works the same here
    warnings.filterwarnings("ignore", "Using `httpx`")
    from starlette.testclient import TestClient

from tiaocan.dashboard import create_app

EVIL = "<script>alert(1)</script>"
SPACE = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), opt=tc.Categorical(["sgd", EVIL]))


def _objective(trial):
    print(f"epoch log {EVIL}")
    for step in (1, 2):
        trial.report(trial.params["lr"] * 10 / step, step=step)
    if trial.number == 3:
        raise RuntimeError(f"boom {EVIL}")
    return trial.params["lr"]


@pytest.fixture()
def client(sqlite_url):
    study = tc.create_study(EVIL, space=SPACE, storage=sqlite_url, seed=0)
    study.optimize(_objective, n_trials=12, capture_logs=True)
    study.set_note(f"note {EVIL}")
    study.set_note(f"trial note {EVIL}", trial=2)
    with TestClient(create_app(sqlite_url)) as c:
        c.study = study
        yield c


def test_studies_and_study_pages_escape_user_strings(client):
    for url in ("/", "/study?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E"):
        r = client.get(url)
        assert r.status_code == 200
        assert EVIL not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert 'src="https://' not in r.text  # no CDN
    assert client.get("/static/plotly.min.js").text.startswith("/**")
    assert "textContent" in client.get("/static/dashboard.js").text
    assert client.get("/static/../app.py").status_code == 404


def test_trial_page_shows_params_traceback_logs_and_environment(client):
    r = client.get("/trial", params={"study": EVIL, "number": 3})
    assert r.status_code == 200 and EVIL not in r.text
    assert "RuntimeError: boom &lt;script&gt;" in r.text
    assert "epoch log &lt;script&gt;" in r.text  # captured stdout
    assert "&quot;python&quot;: &quot;" + sys.version.split()[0] in r.text  # environment manifest
    assert 'id="curve-data"' in r.text
    assert "trial note &lt;script&gt;" in client.get("/trial", params={"study": EVIL, "number": 2}).text
    assert client.get("/trial", params={"study": EVIL, "number": 99}).status_code == 404
    assert client.get("/study", params={"name": "nope"}).status_code == 404


def test_trial_api_sorts_filters_and_pages(client):
    page = client.get("/api/trials", params={"study": EVIL, "limit": 5, "sort": "value"}).json()
    assert page["total"] == 12 and len(page["rows"]) == 5
    values = [r["values"][0] for r in page["rows"]]
    assert values == sorted(values)
    rest = client.get("/api/trials", params={"study": EVIL, "offset": 10, "limit": 5}).json()
    assert [r["number"] for r in rest["rows"]] == [10, 11]
    failed = client.get("/api/trials", params={"study": EVIL, "state": "failed"}).json()
    assert [r["number"] for r in failed["rows"]] == [3]
    desc = client.get("/api/trials", params={"study": EVIL, "sort": "param:lr", "desc": 1}).json()
    lrs = [r["params"]["lr"] for r in desc["rows"]]
    assert lrs == sorted(lrs, reverse=True)
    noted = client.get("/api/trials", params={"study": EVIL, "q": "trial note"}).json()
    assert [r["number"] for r in noted["rows"]] == [2]
    assert client.get("/api/trials", params={"study": EVIL, "sort": "bogus"}).status_code == 400
    assert client.get("/api/trials", params={"study": EVIL, "limit": 0}).status_code == 400


def test_summary_cursor_moves_when_trials_change_and_plots_follow(client):
    first = client.get("/api/summary", params={"study": EVIL}).json()
    assert first["total"] == 12 and first["counts"]["failed"] == 1
    plots = client.get("/api/plots", params={"study": EVIL}).json()
    assert {"history", "parallel", "learning_curves", "importance"} <= set(plots["plots"])
    client.study.optimize(_objective, n_trials=1)
    second = client.get("/api/summary", params={"study": EVIL}).json()
    assert second["cursor"] > first["cursor"] and second["total"] == 13


def test_the_app_is_read_only(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/trials").status_code == 405
