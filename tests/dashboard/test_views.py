"""The study list, the trial table's filters, plot choices, pruned trials and genotypes
through the dashboard's HTTP API (the browser tests cover what the page draws)."""

from __future__ import annotations

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
GENOTYPE = "|conv_3x3~0|+|skip_connect~0|none~1|+|conv_1x1~0|avg_pool_3x3~1|conv_3x3~2|"


def _hyperband_objective(trial):
    for epoch in range(1, int(trial.budget) + 1):
        trial.report(trial.params["x"] + 1 / epoch, step=epoch)
    return trial.params["x"] + 1 / trial.budget


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('views') / 'tiaocan.db'}"
    space = tc.Space(x=tc.Float(0, 1), lr=tc.Float(1e-4, 1e-1, log=True), op=tc.Categorical(["a", "b"]))
    hb = tc.create_study("hb", space=space, storage=sqlite_url, seed=0, scheduler="hyperband",
                         fidelity=tc.Fidelity("epoch", low=1, high=9), sampler="random")
    hb.optimize(_hyperband_objective, n_trials=30)
    mo = tc.create_study("mo", space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1)), storage=sqlite_url,
                         seed=0, directions=["maximize", "minimize"])
    mo.set_metric_names(["accuracy", EVIL])
    mo.optimize(lambda t: (t.params["a"], t.params["a"] + t.params["b"]), n_trials=10)
    with TestClient(create_app(sqlite_url)) as c:
        c.hb, c.mo = hb, mo
        yield c


def _numbers(client, **params):
    r = client.get("/api/trials", params={"study": "hb", "limit": 500, **params})
    assert r.status_code == 200, r.text
    return [row["number"] for row in r.json()["rows"]]


def test_trials_left_at_a_low_rung_are_shown_pruned_with_their_budget(client):
    trials = client.hb.trials
    low = {t.number for t in trials if t.budget < 9}
    assert low and low != {t.number for t in trials}
    assert set(_numbers(client, state="pruned")) == low
    rows = client.get("/api/trials", params={"study": "hb", "limit": 500}).json()["rows"]
    for row in rows:
        assert (row["state"] == "pruned") == (row["number"] in low)
        assert row["stored_state"] == "complete"
        assert row["stopped_at"] == (row["budget"] if row["number"] in low else None)
    counts = client.get("/api/summary", params={"study": "hb"}).json()["counts"]
    assert counts["pruned"] == len(low) and counts["complete"] == len(trials) - len(low)


def test_numeric_range_filters_combine(client):
    trials = client.hb.trials
    want = {t.number for t in trials if t.params["lr"] > 0.01 and t.value <= 0.8}
    assert set(_numbers(client, q="lr>0.01, value<=0.8")) == want
    want = {t.number for t in trials if t.budget == 9 and t.params["x"] < 0.5}
    assert set(_numbers(client, q="budget=9 and x<0.5")) == want
    assert set(_numbers(client, q="op=b")) == {t.number for t in trials if t.params["op"] == "b"}
    r = client.get("/api/trials", params={"study": "hb", "q": "nope>1"})
    assert r.status_code == 400 and "'nope'" in r.json()["error"]
    mo = client.get("/api/trials", params={"study": "mo", "q": "accuracy>=0.5", "limit": 500}).json()
    assert {row["number"] for row in mo["rows"]} == {t.number for t in client.mo.trials if t.values[0] >= 0.5}


def test_plots_follow_the_chosen_objective_pair_and_parameters(client):
    plots = client.get("/api/plots", params={"study": "hb", "contour": "lr,x", "slice": "x",
                                             "parallel": "x,op"}).json()["plots"]
    assert plots["contour"]["layout"]["xaxis"]["title"]["text"] == "lr"
    assert len(plots["slice"]["data"]) == 1
    assert [d["label"] for d in plots["parallel"]["data"][0]["dimensions"]] == ["x", "op", "objective"]
    assert "edf" in plots and "rungs" in plots
    assert client.get("/api/plots", params={"study": "hb", "contour": "x"}).status_code == 400
    assert client.get("/api/plots", params={"study": "hb", "slice": "bad"}).status_code == 400
    mo = client.get("/api/plots", params={"study": "mo", "objective": 1}).json()["plots"]
    assert {"pareto", "history-0", "history-1", "slice-0", "slice-1", "edf"} <= set(mo)
    assert mo["edf"]["layout"]["xaxis"]["title"]["text"] == EVIL  # data, escaped by plotly.js
    assert client.get("/api/plots", params={"study": "mo", "objective": 2}).status_code == 400


def test_study_list_shows_best_sampler_scheduler_and_dates(client):
    html = client.get("/").text
    assert EVIL not in html and "accuracy, &lt;script&gt;" in html
    row = html[html.index('href="/study?name=hb"'):]
    row = row[:row.index("</tr>")]
    best = min(t.value for t in client.hb.trials if t.budget == 9)
    assert f'<td class="c-best">{best:.6g}</td>' in row
    assert '<td class="c-scheduler">Hyperband</td>' in row
    assert '<td class="c-sampler">' in row and '<td class="c-created">20' in row
    pruned = sum(1 for t in client.hb.trials if t.budget < 9)
    assert f'<td class="c-pruned">{pruned}</td>' in row
    search = client.get("/api/summary", params={"study": "mo"}).json()["search"]
    assert search.startswith("sampler AutoSampler: auto chose ") and "(so far: " in search
    search = client.get("/api/summary", params={"study": "hb"}).json()["search"]
    assert "scheduler Hyperband; fidelity epoch from 1 to 9" in search


def test_trial_page_draws_the_genotype_and_names_the_metrics(client):
    study = client.mo
    t = study.ask()
    t.set_user_attr("genotype", GENOTYPE.replace("conv_1x1", EVIL))
    study.tell(t, (0.5, 0.7))
    html = client.get("/trial", params={"study": "mo", "number": t.number}).text
    assert '<figure id="genotype"><svg' in html and EVIL not in html
    assert html.count('class="edge"') == 6 and html.count('class="node"') == 4
    assert "<th>accuracy</th><td>0.5</td>" in html and "<th>&lt;script&gt;" in html
    plain = client.get("/trial", params={"study": "hb", "number": 0}).text
    assert 'id="genotype"' not in plain


def test_a_cell_is_drawn_from_edge_parameters_without_a_genotype_attribute(client):
    from tiaocan.dashboard import genotype

    params = {"edge_0_1": "conv_3x3", "edge_0_2": "none", "edge_1_2": EVIL, "lr": 0.1}
    assert genotype.from_params(params) == [(0, 1, "conv_3x3"), (0, 2, "none"), (1, 2, EVIL)]
    assert genotype.from_params({"edge_0_1": "conv_3x3", "edge_1_2": "none"}) is None  # not whole
    assert genotype.parse("|conv_3x3~1|") is None and genotype.parse("not a cell") is None
    svg = genotype.svg(genotype.from_params(params))
    assert EVIL not in svg and "&lt;script&gt;" in svg


def test_report_of_a_two_objective_study_names_both_metrics(client):
    pytest.importorskip("sklearn")
    from tiaocan.dashboard.report import report_html

    html = report_html(client.mo)
    assert "fANOVA): accuracy" in html and "Pareto front: accuracy" in html
    assert EVIL not in html and "fANOVA): \\u003cscript\\u003e" in html  # escaped as script data
