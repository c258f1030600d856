from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan import viz

pytest.importorskip("plotly")


@pytest.fixture(scope="module")
def study():
    space = tc.Space(x=tc.Float(-1, 1), lr=tc.Float(1e-4, 1, log=True), o=tc.Categorical(["a", "b"]))
    s = tc.create_study("v", space=space, storage=":memory:", seed=0, sampler="random",
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
    assert [t.name for t in hist.data] == ["complete", "best so far (full budget)"]
    assert min(hist.data[1].y) == pytest.approx(study.best_value)
    assert {"edf"} <= set(figs)


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


@pytest.fixture(scope="module")
def hyperband():
    s = tc.create_study("hb", space=tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)), storage=":memory:",
                        seed=0, scheduler="hyperband", fidelity=tc.Fidelity("epoch", low=1, high=9),
                        sampler="random")

    def objective(t):
        for e in range(1, int(t.budget) + 1):
            t.report(t.params["x"] + 1 / e, step=e)
        return t.params["x"] + 1 / t.budget

    s.optimize(objective, n_trials=30)
    return s


def test_hyperband_history_marks_stopped_trials_and_colours_by_budget(hyperband):
    fig = viz.plot_history(hyperband)
    complete, pruned, best = fig.data
    assert pruned.name == "pruned (stopped early)" and pruned.marker.symbol == "x"
    assert complete.marker.coloraxis == pruned.marker.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.colorbar.title.text == "epoch"
    full = [t for t in hyperband.trials if t.state is tc.TrialState.COMPLETE and t.budget == 9]
    low = [t for t in hyperband.trials if t.budget is not None and t.budget < 9]
    assert len(pruned.x) == len(low) > 0 and len(complete.x) == len(full) > 0
    # the best-so-far line reads only trials that ran to the full budget
    assert set(best.x) <= {t.number for t in full}
    assert min(best.y) == pytest.approx(min(t.value for t in full))
    assert "stopped early" in fig.layout.title.text


def test_metric_names_label_every_plot_of_a_two_objective_study():
    pytest.importorskip("sklearn")
    s = tc.create_study(space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1), c=tc.Float(0, 1)),
                        storage=":memory:", seed=0, directions=["maximize", "minimize"], sampler="random")
    s.set_metric_names(["accuracy", "latency_ms"])
    s.optimize(lambda t: (t.params["a"], 1 + t.params["a"] + t.params["b"]), n_trials=16)
    from tiaocan.analysis import importance

    imps = {i: importance(s, objective=i, n_trees=4) for i in range(2)}
    figs = viz.figures(s, importance=imps)
    for i, name in enumerate(["accuracy", "latency_ms"]):
        for kind in ("history", "slice", "importance"):
            assert name in figs[f"{kind}-{i}"].layout.title.text
    for key, fig in figs.items():
        text = fig.to_json()
        assert "objective 0" not in text and "objective 1" not in text, key
        assert key == "timeline" or "accuracy" in text or "latency_ms" in text, key  # no metric there
    assert figs["pareto"].layout.xaxis.title.text == "accuracy"
    assert figs["pareto"].layout.yaxis.title.text == "latency_ms"
    labels = [d.label for d in figs["parallel"].data[0].dimensions]
    assert labels[-2:] == ["accuracy", "latency_ms"]


def test_choice_picks_contour_pair_slice_and_parallel_parameters(hyperband):
    figs = viz.figures(hyperband, choice=viz.Choice(contour=("y", "x"), slice=("y",), parallel=("x",)))
    assert figs["contour"].layout.xaxis.title.text == "y"
    assert len(figs["slice"].data) == 1
    assert [d.label for d in figs["parallel"].data[0].dimensions] == ["x", "objective"]
    with pytest.raises(tc.ConfigError, match="slice"):
        viz.figures(hyperband, choice=viz.Choice(slice=("nope",)))
    edf = viz.plot_edf(hyperband)
    assert [d.name.split(" (")[0] for d in edf.data] == ["epoch 1", "epoch 3", "epoch 9"]
    assert all(list(d.y)[-1] == 1.0 for d in edf.data)


def test_three_objectives_give_one_pareto_plane_per_other_metric():
    s = tc.create_study(space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1)), storage=":memory:", seed=0,
                        directions={"accuracy": "maximize", "latency_ms": "minimize", "params": "minimize"})
    s.optimize(lambda t: (t.params["a"], t.params["a"] + t.params["b"], t.params["b"]), n_trials=12)
    figs = viz.figures(s)
    assert figs["pareto"].layout.yaxis.title.text == "latency_ms"
    assert figs["pareto-2"].layout.yaxis.title.text == "params"
    front = viz.plot_pareto(s, 0, 2).data[1]
    points = [(t.values[0], t.values[2]) for t in s.trials]
    assert all(not any(q[0] >= p[0] and q[1] <= p[1] and q != p for q in points)
               for p in zip(front.x, front.y))  # nothing dominates a front point in that plane
