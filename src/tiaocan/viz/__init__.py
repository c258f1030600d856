"""Plots of a study: data from pure functions (:mod:`tiaocan.viz.data`), drawn with plotly.

>>> import tiaocan as tc
>>> from tiaocan import viz
>>> s = tc.create_study(space=tc.Space(x=tc.Float(-1, 1)), storage=":memory:", seed=0)
>>> s.optimize(lambda t: t.params["x"] ** 2, n_trials=10)
>>> fig = viz.plot_history(s)          # a plotly Figure
>>> # viz.save(fig, "history.html"); viz.save(fig, "history.png")

Needs plotly (``pip install "tiaocan[viz]"``), imported when a plot is drawn.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tiaocan.viz import data

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = [
    "data",
    "figures",
    "plot_contour",
    "plot_history",
    "plot_importance",
    "plot_learning_curves",
    "plot_parallel",
    "plot_pareto",
    "plot_rungs",
    "plot_slice",
    "plot_timeline",
    "save",
]


def _r() -> Any:
    from tiaocan.viz import plotly as renderers

    return renderers


def save(fig: Any, path: str, width: int = 900, height: int = 500) -> Any:
    """Write a figure as HTML (self-contained) or PNG, by the path's suffix."""
    return _r().save(fig, path, width, height)


def plot_history(study: Study, objective: int = 0) -> Any:
    return _r().history_figure(data.history(study.trials, study.directions[objective], objective))


def plot_parallel(study: Study, objective: int = 0) -> Any:
    return _r().parallel_figure(data.parallel(study.trials, study.space, objective))


def plot_importance(study: Study, objective: int = 0, **fanova_options: Any) -> Any:
    from tiaocan.analysis import importance

    return _r().importance_figure(importance(study, objective=objective, **fanova_options))


def plot_slice(study: Study, objective: int = 0) -> Any:
    return _r().slice_figure(data.slices(study.trials, study.space, objective))


def plot_contour(study: Study, x: str, y: str, objective: int = 0) -> Any:
    c = data.contour(study.trials, study.space, x, y, objective)
    return _r().contour_figure(c, bool(getattr(study.space[x], "log", False)),
                               bool(getattr(study.space[y], "log", False)))


def plot_learning_curves(study: Study, objective: int = 0) -> Any:
    return _r().curves_figure(data.learning_curves(study.trials, objective))


def plot_rungs(study: Study, objective: int = 0) -> Any:
    return _r().rungs_figure(data.rungs(study.trials, objective))


def plot_pareto(study: Study) -> Any:
    return _r().pareto_figure(data.pareto(study.trials, study.directions))


def plot_timeline(study: Study) -> Any:
    return _r().timeline_figure(data.timeline(study.trials, now=time.time()))


def figures(study: Study, trials: Any = None, importance: Any = None,
            max_points: int = 4000) -> dict[str, Any]:
    """Every plot that applies to the study, by name (for the dashboard and the report).

    ``max_points`` bounds what each plot draws (a browser draws a few thousand SVG points
    quickly, not 100k): the history keeps every improvement plus evenly spread trials.
    """
    from tiaocan.trial import TrialState

    r = _r()
    trials = study.trials if trials is None else trials
    out: dict[str, Any] = {}
    if len(study.directions) > 1:
        out["pareto"] = r.pareto_figure(data.pareto(trials, study.directions, max_points))
    out["history"] = r.history_figure(data.history(trials, study.directions[0], 0, max_points))
    if importance is not None:
        out["importance"] = r.importance_figure(importance)
    out["slice"] = r.slice_figure(data.slices(trials, study.space, 0, max_points // 2))
    from tiaocan.space import Categorical

    names = [n for n in study.space.names if not isinstance(study.space[n], Categorical)]
    if len(names) >= 2:
        c = data.contour(trials, study.space, names[0], names[1], max_points=max_points // 2)
        out["contour"] = r.contour_figure(c, bool(getattr(study.space[names[0]], "log", False)),
                                          bool(getattr(study.space[names[1]], "log", False)))
    if any(t.reports for t in trials):
        out["learning_curves"] = r.curves_figure(data.learning_curves(trials, 0, max(20, max_points // 40)))
    if any(t.budget is not None for t in trials):
        out["rungs"] = r.rungs_figure(data.rungs(trials, 0, max_points))
    if any(t.started_at is not None and t.state is not TrialState.WAITING for t in trials):
        out["timeline"] = r.timeline_figure(data.timeline(trials, time.time(), max_points // 8))
    # last: parallel coordinates draw with WebGL, the slowest to draw without a GPU
    out["parallel"] = r.parallel_figure(data.parallel(trials, study.space, 0, max_points // 4))
    return out
