"""Thin plotly renderers of :mod:`tiaocan.viz.data`, and saving as HTML or PNG.

PNG export uses kaleido 0.2 directly with the plotly.js of the installed plotly package, so
it works offline and with plotly versions whose own ``write_image`` expects kaleido 1.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import TrialState
from tiaocan.viz import data as D

__all__ = [
    "contour_figure",
    "curves_figure",
    "history_figure",
    "importance_figure",
    "parallel_figure",
    "pareto_figure",
    "plotly_js_path",
    "rungs_figure",
    "save",
    "slice_figure",
    "timeline_figure",
]

_STATE_COLORS = {TrialState.COMPLETE: "#1f77b4", TrialState.PRUNED: "#ff7f0e",
                 TrialState.FAILED: "#d62728", TrialState.RUNNING: "#2ca02c",
                 TrialState.WAITING: "#7f7f7f"}


def _go() -> Any:
    return require("plotly.graph_objects", "viz", "plots")


def _figure(traces: list[Any], title: str, **layout: Any) -> Any:
    go = _go()
    fig = go.Figure(traces)
    fig.update_layout(title=title, template="plotly_white", margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      **layout)
    return fig


def history_figure(h: D.History, title: str = "Optimization history") -> Any:
    go = _go()
    return _figure([
        go.Scatter(x=h.numbers, y=h.values, mode="markers", name="objective",
                     marker={"size": 5, "opacity": 0.6}),
        go.Scatter(x=h.best_numbers, y=h.best_values, mode="lines", name="best so far",
                   line={"shape": "hv", "width": 2}),
    ], f"{title} ({h.n_total} complete trials)", xaxis_title="trial", yaxis_title="objective")


def parallel_figure(p: D.Parallel, title: str = "Parallel coordinates") -> Any:
    go = _go()
    dims = []
    for a in p.axes:
        dim: dict[str, Any] = {"label": f"log10 {a.name}" if a.log else a.name, "values": a.values}
        if a.ticks:
            dim.update(tickvals=[v for v, _ in a.ticks], ticktext=[t for _, t in a.ticks])
        dims.append(dim)
    dims.append({"label": "objective", "values": p.objective})
    line = {"color": p.objective, "colorscale": "Viridis", "showscale": True}
    fig = _figure([go.Parcoords(dimensions=dims, line=line)], title)
    fig.update_layout(margin={"l": 60, "r": 40, "t": 100, "b": 30})  # room for the axis labels
    return fig


def importance_figure(importance: Any, title: str = "Hyperparameter importance (fANOVA)") -> Any:
    go = _go()
    ranked = list(reversed(importance.ranked()))
    names = [n for n, _ in ranked]
    return _figure([go.Bar(x=[v for _, v in ranked], y=names, orientation="h",
                           error_x={"type": "data", "array": [importance.std[n] for n in names]})],
                   title, xaxis_title="fraction of variance", xaxis_tickformat=".0%")


def slice_figure(slices: Sequence[D.Slice], title: str = "Slice") -> Any:
    sp: Any = require("plotly.subplots", "viz", "plots")
    go = _go()
    n = max(1, len(slices))
    fig = sp.make_subplots(rows=1, cols=n, subplot_titles=[s.name for s in slices], shared_yaxes=True)
    for i, s in enumerate(slices, start=1):
        fig.add_trace(go.Scatter(x=s.x, y=s.y, mode="markers", name=s.name, showlegend=False,
                                   marker={"size": 5, "opacity": 0.6, "color": s.numbers,
                                               "colorscale": "Blues"}), row=1, col=i)
        if s.log:
            fig.update_xaxes(type="log", row=1, col=i)
    fig.update_layout(title=title, template="plotly_white", margin={"l": 50, "r": 20, "t": 60, "b": 40})
    return fig


def contour_figure(c: D.Contour, log_x: bool = False, log_y: bool = False) -> Any:
    go = _go()
    fig = _figure([
        go.Contour(x=c.x_edges, y=c.y_edges, z=c.z, connectgaps=True, colorscale="Viridis",
                   colorbar={"title": "objective"}),
        go.Scatter(x=c.points_x, y=c.points_y, mode="markers", name="trials",
                   marker={"size": 4, "color": "white", "line": {"width": 1, "color": "black"}}),
    ], f"Contour: {c.x_name} × {c.y_name}", xaxis_title=c.x_name, yaxis_title=c.y_name)
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def curves_figure(curves: Sequence[D.Curve], title: str = "Learning curves") -> Any:
    go = _go()
    traces = []
    for c in curves:
        pruned = c.state is TrialState.PRUNED
        traces.append(go.Scatter(
            x=c.steps, y=c.values, mode="lines+markers" if pruned else "lines",
            name=f"#{c.number} ({c.state.value})", showlegend=False,
            line={"color": _STATE_COLORS.get(c.state, "#444"), "width": 1,
                      "dash": "dot" if pruned else "solid"},
            marker={"symbol": "x", "size": 5} if pruned else None, opacity=0.7))
    return _figure(traces, f"{title} (orange dotted: pruned)", xaxis_title="step",
                   yaxis_title="reported value")


def rungs_figure(r: D.Rungs, title: str = "Rungs (trials by budget)") -> Any:
    go = _go()
    brackets = sorted({p[3] for p in r.points})
    traces = []
    for b in brackets:
        pts = [p for p in r.points if p[3] == b]
        traces.append(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers",
                                   name=f"bracket {b}", text=[f"trial {p[2]}" for p in pts],
                                   marker={"size": 6, "opacity": 0.6}))
    counts = ", ".join(f"{b:g}: {n}" for b, n in r.counts.items())
    return _figure(traces, title, xaxis_title=f"budget (trials per budget: {counts})",
                   yaxis_title="value", xaxis_type="log" if _spread(list(r.counts)) else None)


def _spread(levels: list[float]) -> bool:
    return len(levels) > 1 and min(levels) > 0 and max(levels) / min(levels) >= 9


def pareto_figure(p: D.Pareto, names: Sequence[str] = ("objective 0", "objective 1")) -> Any:
    go = _go()
    if p.values and len(p.values[0]) < 2:
        raise ConfigError("a Pareto plot needs a study with >= 2 objectives, received 1")
    front = sorted((v for v, m in zip(p.values, p.on_front) if m), key=lambda v: v[0])
    rest = [v for v, m in zip(p.values, p.on_front) if not m]
    return _figure([
        go.Scatter(x=[v[0] for v in rest], y=[v[1] for v in rest], mode="markers",
                     name="dominated", marker={"color": "#aaa", "size": 5}),
        go.Scatter(x=[v[0] for v in front], y=[v[1] for v in front], mode="lines+markers",
                   name="Pareto front", line={"shape": "hv"}, marker={"color": "#d62728", "size": 7}),
    ], "Pareto front", xaxis_title=names[0], yaxis_title=names[1])


def timeline_figure(spans: Sequence[D.Span], title: str = "Worker timeline") -> Any:
    go = _go()
    t0 = min((s.start for s in spans), default=0.0)
    traces = []
    for state in TrialState:
        mine = [s for s in spans if s.state is state]
        if mine:
            traces.append(go.Bar(
                base=[s.start - t0 for s in mine], x=[max(s.end - s.start, 1e-3) for s in mine],
                y=[s.worker for s in mine], orientation="h", name=state.value,
                hovertext=[f"trial {s.number}" for s in mine], textposition="none",
                marker_color=_STATE_COLORS[state]))
    return _figure(traces, title, xaxis_title="seconds since the first start", barmode="overlay")


def plotly_js_path() -> Path:
    """The plotly.js bundled with the installed plotly package (served, never fetched)."""
    plotly: Any = require("plotly", "viz", "plots")
    return Path(os.path.dirname(plotly.__file__)) / "package_data" / "plotly.min.js"


@functools.lru_cache(maxsize=1)
def _scope() -> Any:
    """One kaleido process for the session (starting it takes about a second)."""
    scopes = require("kaleido.scopes.plotly", "viz", "PNG export")
    return scopes.PlotlyScope(plotlyjs=str(plotly_js_path()))  # type: ignore[attr-defined]


def save(fig: Any, path: str | os.PathLike[str], width: int = 900, height: int = 500) -> Path:
    """Write a figure as ``.html`` (plotly.js inlined: opens offline) or ``.png``."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".html":
        fig.write_html(str(out), include_plotlyjs=True, full_html=True)
    elif suffix == ".png":
        spec = json.loads(fig.to_json())
        with warnings.catch_warnings():  # kaleido 0.2 calls the deprecated Thread.setDaemon
            warnings.filterwarnings("ignore", "setDaemon", DeprecationWarning)
            png = _scope().transform(spec, format="png", width=width, height=height)
        out.write_bytes(png)
    else:
        raise ConfigError(f"save: path must end in '.html' or '.png', received {str(path)!r}")
    return out
