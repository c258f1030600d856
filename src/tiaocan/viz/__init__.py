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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError
from tiaocan.viz import data
from tiaocan.viz.meta import StudyMeta, study_meta

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = [
    "Choice",
    "data",
    "figures",
    "plot_contour",
    "plot_edf",
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


def _meta(study: Study) -> StudyMeta:
    return study_meta(study)


def plot_history(study: Study, objective: int = 0) -> Any:
    """Values by trial (coloured by budget; stopped trials as crosses), best so far at the
    full budget."""
    m = _meta(study)
    h = data.history(study.trials, study.directions[objective], objective, full=m.full)
    return _r().history_figure(h, metric=m.name(objective), budget_name=m.fidelity)


def plot_parallel(study: Study, objective: int = 0, params: Sequence[str] | None = None) -> Any:
    m = _meta(study)
    p = data.parallel(data.final(study.trials, m.full), study.space, objective, params=params)
    return _r().parallel_figure(p, names=m.names, objective=objective)


def plot_importance(study: Study, objective: int = 0, **fanova_options: Any) -> Any:
    from tiaocan.analysis import importance

    imp = importance(study, objective=objective, **fanova_options)
    return _r().importance_figure(imp, metric=_meta(study).name(objective))


def plot_slice(study: Study, objective: int = 0, params: Sequence[str] | None = None) -> Any:
    m = _meta(study)
    s = data.slices(data.final(study.trials, m.full), study.space, objective, params=params)
    return _r().slice_figure(s, metric=m.name(objective))


def plot_contour(study: Study, x: str, y: str, objective: int = 0) -> Any:
    m = _meta(study)
    return _contour(_r(), study, data.final(study.trials, m.full), (x, y), objective, m, 2000)


def plot_edf(study: Study, objective: int = 0) -> Any:
    """The empirical distribution of the objective (one line per budget level)."""
    m = _meta(study)
    return _r().edf_figure(data.edf(study.trials, objective), m.name(objective), m.fidelity)


def plot_learning_curves(study: Study, objective: int = 0) -> Any:
    m = _meta(study)
    return _r().curves_figure(data.learning_curves(study.trials, objective, full=m.full),
                              metric=m.name(objective))


def plot_rungs(study: Study, objective: int = 0) -> Any:
    return _r().rungs_figure(data.rungs(study.trials, objective), metric=_meta(study).name(objective))


def plot_pareto(study: Study, x: int = 0, y: int = 1) -> Any:
    """The Pareto front of objectives ``x`` and ``y`` (by index)."""
    m = _meta(study)
    p = data.pareto(data.final(study.trials, m.full), study.directions, objectives=(x, y))
    return _r().pareto_figure(p, names=(m.names[x], m.names[y]))


def plot_timeline(study: Study) -> Any:
    return _r().timeline_figure(data.timeline(study.trials, now=time.time(), full=_meta(study).full))


@dataclass(frozen=True)
class Choice:
    """What the user picked for the plots that take parameters: the objective that colours
    the shared plots, the contour pair, and the slice and parallel-coordinates parameters
    (None: the defaults)."""

    objective: int = 0
    contour: tuple[str, str] | None = None
    slice: tuple[str, ...] | None = None
    parallel: tuple[str, ...] | None = None


def _contour(r: Any, study: Any, trials: Any, pair: tuple[str, str], objective: int,
             m: StudyMeta, max_points: int) -> Any:
    x, y = pair
    c = data.contour(trials, study.space, x, y, objective, max_points=max_points)
    return r.contour_figure(c, bool(getattr(study.space[x], "log", False)),
                            bool(getattr(study.space[y], "log", False)), metric=m.name(objective))


def _default_pair(space: Any) -> tuple[str, str] | None:
    from tiaocan.space import Categorical

    names = [n for n in space.names if not isinstance(space[n], Categorical)]
    return (names[0], names[1]) if len(names) >= 2 else None


def figures(study: Study, trials: Any = None, importance: Any = None,
            max_points: int = 4000, choice: Choice | None = None) -> dict[str, Any]:
    """Every plot that applies to the study, by name (for the dashboard and the report).

    With several objectives, history, slice and importance come once per objective (keys
    ``history-0``, ``history-1``…); ``importance`` is one fANOVA result, or a dict of them by
    objective. ``max_points`` bounds what each plot draws (a browser draws a few thousand
    SVG points quickly, not 100k): the history keeps every improvement plus evenly spread
    trials.
    """
    from tiaocan.trial import TrialState

    r, m = _r(), _meta(study)
    choice = choice or Choice()
    k = choice.objective
    if not 0 <= k < len(m.names):
        raise ConfigError(f"objective must be in [0, {len(m.names) - 1}], received {k!r}")
    trials = study.trials if trials is None else trials
    final = data.final(trials, m.full)
    imps = importance if isinstance(importance, dict) else {0: importance}
    multi = len(m.names) > 1
    out: dict[str, Any] = {}
    for j in range(1, len(m.names)):  # the first metric (accuracy) against each other one
        p = data.pareto(final, study.directions, max_points, (0, j))
        out["pareto" if j == 1 else f"pareto-{j}"] = r.pareto_figure(p, (m.names[0], m.names[j]))
    for i, metric in enumerate(m.names):
        suffix = f"-{i}" if multi else ""
        h = data.history(trials, study.directions[i], i, max_points, m.full)
        out["history" + suffix] = r.history_figure(h, metric=metric, budget_name=m.fidelity)
        if imps.get(i) is not None:
            out["importance" + suffix] = r.importance_figure(imps[i], metric=metric)
        out["slice" + suffix] = r.slice_figure(
            data.slices(final, study.space, i, max_points // 2, choice.slice), metric=metric)
    pair = choice.contour or _default_pair(study.space)
    if pair is not None:
        out["contour"] = _contour(r, study, final, pair, k, m, max_points // 2)
    out["edf"] = r.edf_figure(data.edf(trials, k, max_points // 2), m.name(k), m.fidelity)
    if any(t.reports for t in trials):
        out["learning_curves"] = r.curves_figure(data.learning_curves(
            trials, k, max(20, max_points // 40), m.full), metric=m.name(k))
    if any(t.budget is not None for t in trials):
        out["rungs"] = r.rungs_figure(data.rungs(trials, k, max_points), metric=m.name(k))
    if any(t.started_at is not None and t.state is not TrialState.WAITING for t in trials):
        out["timeline"] = r.timeline_figure(data.timeline(trials, time.time(), max_points // 8, m.full))
    # last: parallel coordinates draw with WebGL, the slowest to draw without a GPU
    out["parallel"] = r.parallel_figure(
        data.parallel(final, study.space, k, max_points // 4, choice.parallel), names=m.names,
        objective=k)
    return out
