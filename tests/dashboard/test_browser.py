from __future__ import annotations

import pytest

import tiaocan as tc
from tests._services import unavailable
from tests.dashboard import _browser

pytestmark = pytest.mark.browser

EVIL = "<script>alert(1)</script>"
SPACE = tc.Space(x=tc.Float(-1, 1), kind=tc.Categorical(["a", EVIL]))


@pytest.fixture()
def browser():
    reason = _browser.missing()
    if reason:
        unavailable(reason)
    with _browser.chromium() as driver:
        yield driver


def _rows(driver):
    return driver.execute_script("return document.querySelectorAll('#trials tbody tr').length")


def test_live_study_page_shows_new_trials_without_reload(browser, sqlite_url):
    study = tc.create_study("live", space=SPACE, storage=sqlite_url, seed=0)
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=3)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/study?name=live")
        _browser.wait_for(browser, lambda d: _rows(d) == 3)
        browser.execute_script("window.__sameDocument = 42")
        study.optimize(lambda t: t.params["x"] ** 2, n_trials=2)
        _browser.wait_for(browser, lambda d: _rows(d) == 5)
        assert browser.execute_script("return window.__sameDocument") == 42  # no reload
        _browser.wait_for(browser, lambda d: d.execute_script(
            "return document.body.dataset.plotsReady === '1'"))
        counts = browser.find_element("id", "counts").text
        assert counts.startswith("5 trials")


def test_script_in_a_study_name_is_shown_as_text_and_never_runs(browser, sqlite_url):
    from selenium.common.exceptions import NoAlertPresentException

    study = tc.create_study(EVIL, space=SPACE, storage=sqlite_url, seed=0)
    study.enqueue({"x": 0.5, "kind": EVIL})
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=3)
    study.set_note(EVIL)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(base + "/")
        assert browser.find_element("css selector", "#studies a").text == EVIL
        browser.find_element("css selector", "#studies a").click()
        _browser.wait_for(browser, lambda d: _rows(d) == 3)
        assert browser.find_element("id", "study-name").text == EVIL
        assert browser.find_element("id", "study-note").text == EVIL
        cells = [c.text for c in browser.find_elements("css selector", "#trials tbody td")]
        assert EVIL in cells
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 - reading it raises when no alert is open
        browser.get(f"{base}/trial?study=%3Cscript%3Ealert(1)%3C%2Fscript%3E&number=0")
        assert EVIL in browser.find_element("id", "params").text
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018


def test_static_report_draws_its_plots_from_a_file(browser, tmp_path):
    from tiaocan.dashboard import write_report

    study = tc.create_study("offline", space=SPACE, storage=":memory:", seed=0)
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=12)
    path = write_report(study, tmp_path / "report.html")
    browser.get(path.as_uri())  # a file:// page: nothing can be fetched from a server
    _browser.wait_for(browser, lambda d: d.execute_script(
        "return document.querySelectorAll('.plot .main-svg').length") >= 3)
    assert browser.execute_script("return typeof Plotly") == "object"


def _plots_ready(driver):
    return driver.execute_script("return document.body.dataset.plotsReady === '1'")


def _plot_text(driver, name):
    """What plotly drew for a plot (titles, axis labels, legend), as the page shows it."""
    return driver.execute_script(
        "const d = document.getElementById('plot-' + arguments[0]);"
        "return d ? Array.from(d.querySelectorAll('text')).map(t => t.textContent).join(' | ') : null;",
        name)


def _hyperband(trial):
    for epoch in range(1, int(trial.budget) + 1):
        trial.report(trial.params["x"] ** 2 + 1 / epoch, step=epoch)
    return trial.params["x"] ** 2 + 1 / trial.budget


def test_hyperband_study_shows_pruned_trials_and_budget_colours(browser, sqlite_url):
    study = tc.create_study("hb", space=tc.Space(x=tc.Float(-1, 1), y=tc.Float(0, 1)),
                            storage=sqlite_url, seed=0, scheduler="hyperband", sampler="random",
                            fidelity=tc.Fidelity("epoch", low=1, high=9))
    study.optimize(_hyperband, n_trials=30)
    low = sum(1 for t in study.trials if t.budget < 9)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/study?name=hb")
        _browser.wait_for(browser, lambda d: _rows(d) == 30)
        states = [c.text for c in browser.find_elements("css selector", "#trials tbody td:nth-child(2)")]
        assert states.count("pruned") == low and "complete" in states
        assert f"{low} pruned" in browser.find_element("id", "counts").text
        _browser.wait_for(browser, _plots_ready, timeout=120)
        history = _plot_text(browser, "history")
        assert "pruned (stopped early)" in history and "best so far (full budget)" in history
        assert "epoch" in history  # the colour bar of budgets
        colours = browser.execute_script(
            "const d = document.getElementById('plot-history').data;"
            "return d.slice(0, 2).flatMap(t => t.marker.color);")
        assert sorted(set(colours)) == [0, pytest.approx(0.477, abs=1e-3), pytest.approx(0.954, abs=1e-3)]
        assert browser.find_elements("css selector", "#plot-history .colorbar")
        # the state filter and a numeric range filter
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element("id", "f-state")).select_by_visible_text("pruned")
        _browser.wait_for(browser, lambda d: _rows(d) == low)
        Select(browser.find_element("id", "f-state")).select_by_visible_text("all")
        browser.find_element("id", "f-query").send_keys("budget>=9, x<0")
        want = sum(1 for t in study.trials if t.budget >= 9 and t.params["x"] < 0)
        _browser.wait_for(browser, lambda d: _rows(d) == want
                          and "filtered" in d.find_element("id", "page-info").text)
        # the study list: pruned count, best value at the full budget, scheduler, dates
        browser.get(base + "/")
        cell = {c: browser.find_element("css selector", f"#studies td.c-{c}").text
                for c in ("pruned", "best", "scheduler", "created")}
        best = min(t.value for t in study.trials if t.budget == 9)
        assert cell["pruned"] == str(low) and float(cell["best"]) == pytest.approx(best, rel=1e-5)
        assert cell["scheduler"] == "Hyperband" and cell["created"].startswith("20")


def test_two_objective_study_with_named_metrics_shows_both_names_on_every_plot(browser, sqlite_url):
    pytest.importorskip("sklearn")
    study = tc.create_study("mo", space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1), c=tc.Float(0, 1)),
                            storage=sqlite_url, seed=0, directions=["maximize", "minimize"],
                            sampler="random")
    study.set_metric_names(["accuracy", "latency_ms"])
    study.optimize(lambda t: (t.params["a"], 1 + t.params["a"] ** 2 + t.params["b"]), n_trials=12)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/study?name=mo")
        _browser.wait_for(browser, lambda d: _rows(d) == 12)
        headers = [th.text for th in browser.find_elements("css selector", "#trials thead th")]
        assert headers[2:4] == ["accuracy", "latency_ms"]
        _browser.wait_for(browser, _plots_ready, timeout=120)
        names = browser.execute_script(
            "return Array.from(document.querySelectorAll('#plots .plot')).map(d => d.id.slice(5));")
        assert {"pareto", "history-0", "history-1", "slice-0", "slice-1", "importance-0",
                "importance-1", "edf", "contour", "parallel"} <= set(names)
        for name in names:
            text = _plot_text(browser, name)
            assert "objective 0" not in text and "objective 1" not in text, name
            if name != "timeline":  # the worker timeline has no metric
                assert "accuracy" in text or "latency_ms" in text, (name, text)
        for name in ("pareto", "parallel"):
            assert "accuracy" in _plot_text(browser, name) and "latency_ms" in _plot_text(browser, name)
        for i, metric in enumerate(["accuracy", "latency_ms"]):
            for kind in ("history", "slice", "importance"):
                assert metric in _plot_text(browser, f"{kind}-{i}")
        # the selectors: the second objective colours the shared plots, another contour pair
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element("id", "c-objective")).select_by_visible_text("latency_ms")
        Select(browser.find_element("id", "c-contour-x")).select_by_visible_text("c")
        _browser.wait_for(browser, lambda d: "Contour of latency_ms: c × b" in _plot_text(d, "contour"))
        assert "latency_ms" in _plot_text(browser, "edf")


def test_trial_page_draws_a_cell_genotype(browser, sqlite_url):
    study = tc.create_study("nas", space=SPACE, storage=sqlite_url, seed=0)
    trial = study.ask()
    trial.set_user_attr("genotype", "|conv_3x3~0|+|skip_connect~0|none~1|+|conv_1x1~0|"
                                    f"avg_pool_3x3~1|{EVIL}~2|")
    study.tell(trial, 0.5)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/trial?study=nas&number=0")
        figure = browser.find_element("id", "genotype")
        assert len(figure.find_elements("css selector", "path.edge")) == 6
        assert len(figure.find_elements("css selector", "circle.node")) == 4
        ops = [t.text for t in figure.find_elements("css selector", "text.op")]
        assert ops == ["conv_3x3", "skip_connect", "none", "conv_1x1", "avg_pool_3x3", EVIL]
        assert figure.size["width"] > 300 and figure.size["height"] > 80


def test_trial_page_of_a_darts_search_draws_its_alpha_curves(browser, sqlite_url):
    torch = pytest.importorskip("torch")
    ops = ["none", "skip_connect", "conv_3x3"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny supernet: one thread is faster on a busy machine
    try:
        trial = tc.nas.darts_search(tc.nas.cell_space(3, ops), epochs=2, channels=4, n_cells=1,
                                    seed=0, storage=sqlite_url, name="darts")
    finally:
        torch.set_num_threads(threads)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/trial?study=darts&number={trial.number}")
        drawn = "return document.querySelectorAll('#{} .main-svg').length > 0"
        _browser.wait_for(browser, lambda d: d.execute_script(drawn.format("alphas"))
                          and d.execute_script(drawn.format("curve")))
        traces = browser.execute_script(
            "return document.getElementById('alphas').data.map(t => [t.name, t.y.length]);")
        assert len(traces) == 3 * 3 and all(n == 2 for _, n in traces)
        assert "edge_0_1 · conv_3x3" in [name for name, _ in traces]
        legend = browser.execute_script(
            "return Array.from(document.querySelectorAll('#alphas .legendtext'))"
            ".map(t => t.textContent);")
        assert "edge_1_2 · skip_connect" in legend
