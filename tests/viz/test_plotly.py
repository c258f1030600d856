from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan import viz

pytest.importorskip("plotly")


@pytest.fixture(scope="module")
def study():
    space = tc.Space(x=tc.Float(-1, 1), lr=tc.Float(1e-4, 1, log=True), o=tc.Categorical(["a", "b"]))
    s = tc.create_study("v", space=space, storage=":memory:", seed=0,
                        fidelity=tc.Fidelity("epoch", low=1, high=9))

    def objective(t):
        for e in range(1, 4):
            t.report(t.params["x"] ** 2 + 1 / e, step=e)
        return t.params["x"] ** 2

    s.optimize(objective, n_trials=25)
    return s


def test_every_plot_of_a_study_renders(study):
    figs = viz.figures(study)
    assert {"history", "parallel", "slice", "contour", "learning_curves", "rungs", "timeline"} <= set(figs)
    hist = figs["history"]
    assert [t.name for t in hist.data] == ["objective", "best so far"]
    assert min(hist.data[1].y) == pytest.approx(study.best_value)


def test_importance_and_pareto_plots():
    pytest.importorskip("sklearn")
    s = tc.create_study(space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1)), storage=":memory:",
                        seed=0, directions=["minimize", "minimize"])
    s.optimize(lambda t: (t.params["a"], 1 - t.params["a"] + t.params["b"]), n_trials=30)
    fig = viz.plot_pareto(s)
    assert fig.data[1].name == "Pareto front" and len(fig.data[1].x) == len(s.best_trials)
    imp = viz.plot_importance(s, n_trees=4)
    assert list(imp.data[0].y)[-1] == "a"


def test_save_html_and_png(study, tmp_path):
    fig = viz.plot_history(study)
    html = viz.save(fig, tmp_path / "h.html").read_text()
    assert "<html>" in html and "plotly" in html and "cdn.plot.ly" not in html.split("</script>")[-1]
    png = viz.save(fig, tmp_path / "h.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(tc.ConfigError, match=".html"):
        viz.save(fig, tmp_path / "h.svg")
