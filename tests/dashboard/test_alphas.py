"""The trial page of a DARTS search draws its α trajectories; a malformed ``alpha_curves``
from a database draws nothing and never breaks the page."""

from __future__ import annotations

import json
import math
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tests.fuzz._support import examples

pytest.importorskip("starlette")
pytest.importorskip("plotly")
with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx works the same here
    warnings.filterwarnings("ignore", "Using `httpx`")
    from starlette.testclient import TestClient

from tiaocan.dashboard import alphas
from tiaocan.dashboard.app import create_app

EVIL = "<script>alert(1)</script>"
OPS = ["none", "skip_connect", "conv_3x3"]
EPOCHS = 2


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    pytest.importorskip("torch")
    import torch

    url = f"sqlite:///{tmp_path_factory.mktemp('alphas') / 'tiaocan.db'}"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny supernet: one thread is faster on a busy machine
    try:
        trial = tc.nas.darts_search(tc.nas.cell_space(3, OPS), epochs=EPOCHS, channels=4, n_cells=1,
                                    seed=0, storage=url, name="darts")
    finally:
        torch.set_num_threads(threads)
    hostile = tc.create_study("hostile", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=0)
    with TestClient(create_app(url, prefetch=False)) as c:
        c.darts_number, c.hostile = trial.number, hostile
        yield c


def _figure(html: str):
    m = re.search(r'<script type="application/json" id="alphas-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None


def test_a_darts_trial_page_draws_one_line_per_edge_and_op(client):
    r = client.get("/trial", params={"study": "darts", "number": client.darts_number})
    assert r.status_code == 200
    assert 'id="curve-data"' in r.text  # the supernet's validation accuracy, as before
    fig = _figure(r.text)
    assert fig is not None and '<div id="alphas" class="plot">' in r.text
    edges = ["edge_0_1", "edge_0_2", "edge_1_2"]
    names = [t["name"] for t in fig["data"]]
    assert sorted(names) == sorted(f"{e} · {op}" for e in edges for op in OPS)
    colours = {}
    for t in fig["data"]:
        assert t["x"] == list(range(1, EPOCHS + 1))
        assert all(0.0 <= y <= 1.0 for y in t["y"])
        colours.setdefault(t["legendgroup"], set()).add(t["line"]["color"])
    assert set(colours) == set(OPS) and all(len(c) == 1 for c in colours.values())  # one per op
    for edge in edges:
        lines = [t["y"] for t in fig["data"] if t["name"].startswith(edge + " ")]
        assert len(lines) == len(OPS)
        for epoch in range(EPOCHS):
            assert sum(y[epoch] for y in lines) == pytest.approx(1.0, abs=1e-4)
    assert "softmax α per edge" in fig["layout"]["title"]["text"]


def test_html_in_edge_and_op_names_stays_data(client):
    study = client.hostile
    trial = study.ask()
    trial.set_user_attr("alpha_curves", {EVIL: {EVIL: [0.25, 1.0], "none": [0.75, 0.0]}})
    study.tell(trial, 0.5)
    r = client.get("/trial", params={"study": "hostile", "number": trial.number})
    assert r.status_code == 200 and "<script>alert" not in r.text
    fig = _figure(r.text)
    assert [t["name"] for t in fig["data"]] == [f"{EVIL} · {EVIL}", f"{EVIL} · none"]


@st.composite
def _valid(draw) -> dict:
    names = st.one_of(st.sampled_from(["edge_0_1", "conv_3x3", "none", EVIL]),
                      st.text(min_size=1, max_size=8))
    edges = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    ops = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    n = draw(st.integers(1, 4))
    line = st.lists(st.floats(min_value=0, max_value=1), min_size=n, max_size=n)
    return {e: {op: draw(line) for op in ops} for e in edges}


BAD_LEAVES = [math.nan, math.inf, -0.1, 1.5, "0.5", True, None, 10**400, [0.5], {}]


def _break(curves: dict, how: str, leaf, data) -> object:
    edge = next(iter(curves))
    op = next(iter(curves[edge]))
    if how == "leaf":
        points = curves[edge][op]
        points[data.draw(st.integers(0, len(points) - 1))] = leaf
    elif how == "length":  # one line an epoch longer than the others (or, alone, not a list)
        alone = sum(len(per) for per in curves.values()) == 1
        curves[edge][op] = "not a list" if alone else curves[edge][op] + [0.5]
    elif how == "nesting":
        curves[edge] = data.draw(st.sampled_from([[0.5], "conv_3x3", 0.5, None, {}, [[0.5]]]))
    elif how == "points":
        curves[edge][op] = {"epoch": 0.5}
    elif how == "whole":
        return data.draw(st.sampled_from([[curves], json.dumps(curves), 0.5, None, {}, EVIL]))
    elif how == "edges":
        return {f"edge_{i}": {"none": [1.0]} for i in range(data.draw(st.sampled_from([65, 10_000])))}
    elif how == "ops":
        curves[edge] = {f"op_{k}": [1 / 17] * len(curves[edge][op]) for k in range(17)}
    elif how == "epochs":
        curves[edge][op] = [0.5] * (alphas.MAX_EPOCHS + 1)
    elif how == "name":
        curves[EVIL * 5] = curves.pop(edge)  # longer than MAX_NAME
    return curves


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(curves=_valid(), leaf=st.sampled_from(BAD_LEAVES), data=st.data(),
       how=st.sampled_from(["leaf", "length", "nesting", "points", "whole", "edges", "ops",
                            "epochs", "name"]))
def test_malformed_alpha_curves_draw_no_figure_and_keep_the_page(client, curves, how, leaf, data):
    assert alphas.parse(curves) is not None  # well-formed before it is broken
    value = _break(curves, how, leaf, data)
    study = client.hostile
    trial = study.ask()
    trial.set_user_attr("alpha_curves", value)
    study.tell(trial, 0.5)
    r = client.get("/trial", params={"study": "hostile", "number": trial.number})
    assert r.status_code == 200, (how, r.text[:300])
    assert 'id="alphas' not in r.text, how
    assert "<script>alert" not in r.text
    assert alphas.parse(value) is None


def test_a_long_search_is_drawn_with_every_kth_epoch_and_the_last():
    curves = {f"edge_{i}": {op: [1 / 8] * 10_000 for op in map(str, range(8))} for i in range(14)}
    lines = alphas.series(alphas.parse(curves))
    assert len(lines) == 14 * 8
    assert sum(len(y) for *_, y in lines) <= alphas.MAX_DRAWN
    assert lines[0][2][0] == 1 and lines[0][2][-1] == 10_000
