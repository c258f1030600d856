"""Thin plotly renderers of :mod:`tiaocan.viz.data`, and saving as HTML or PNG.

PNG export uses kaleido 0.2 directly with the plotly.js of the installed plotly package, so
it works offline and with plotly versions whose own ``write_image`` expects kaleido 1.
"""

from __future__ import annotations

import functools
import json
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import TrialState
from tiaocan.viz import data as D

__all__ = [
    "alphas_figure",
    "contour_figure",
    "curves_figure",
    "edf_figure",
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


def history_figure(h: D.History, title: str = "Optimization history", metric: str = "objective",
                   budget_name: str | None = None) -> Any:
    """Trials as points (coloured by budget in a multi-fidelity study, crosses for those
    stopped early) and the best so far among the trials that ran to the full budget."""
    go = _go()
    stopped = h.stopped or [False] * len(h.numbers)
    levels = sorted({b for b in h.budgets if b is not None})
    log = _spread(levels)  # a halving ladder's rungs are evenly spaced on a log scale
    traces = []
    for flag, name, symbol in ((False, "complete", "circle"), (True, "pruned (stopped early)", "x")):
        idx = [i for i, s in enumerate(stopped) if s == flag]
        if flag and not idx:
            continue
        marker: dict[str, Any] = {"size": 6, "opacity": 0.7, "symbol": symbol}
        if levels:
            marker.update(coloraxis="coloraxis", color=[
                math.log10(h.budgets[i]) if log else h.budgets[i] for i in idx])  # type: ignore[arg-type]
        traces.append(go.Scatter(
            x=[h.numbers[i] for i in idx], y=[h.values[i] for i in idx], mode="markers",
            name=name if levels or any(stopped) else metric, marker=marker,
            text=[f"budget {h.budgets[i]:g}" for i in idx] if levels else None))
    traces.append(go.Scatter(x=h.best_numbers, y=h.best_values, mode="lines",
                             name="best so far (full budget)" if levels else "best so far",
                             line={"shape": "hv", "width": 2, "color": "#d62728"}))
    layout: dict[str, Any] = {"xaxis_title": "trial", "yaxis_title": metric}
    if levels:
        bar: dict[str, Any] = {"title": {"text": budget_name or "budget"}}
        if log:
            bar.update(tickvals=[math.log10(v) for v in levels], ticktext=[f"{v:g}" for v in levels])
        layout["coloraxis"] = {"colorscale": "Viridis", "colorbar": bar}
        # the legend under the plot: on the right it would sit on the colour bar
        layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0}
    sub = f"{h.n_total} trials" + (f", {h.n_stopped} stopped early" if h.n_stopped else "")
    return _figure(traces, f"{title}: {metric} ({sub})", **layout)


def parallel_figure(p: D.Parallel, title: str = "Parallel coordinates",
                    names: Sequence[str] = ("objective",), objective: int = 0) -> Any:
    go = _go()
    dims = []
    for a in p.axes:
        dim: dict[str, Any] = {"label": f"log10 {a.name}" if a.log else a.name, "values": a.values}
        if a.ticks:
            dim.update(tickvals=[v for v, _ in a.ticks], ticktext=[t for _, t in a.ticks])
        dims.append(dim)
    if len(names) > 1 and p.values:
        dims += [{"label": n, "values": [v[i] for v in p.values]} for i, n in enumerate(names)]
    else:
        dims.append({"label": names[objective], "values": p.objective})
    line = {"color": p.objective, "colorscale": "Viridis", "showscale": True,
            "colorbar": {"title": {"text": names[objective]}}}
    fig = _figure([go.Parcoords(dimensions=dims, line=line)], f"{title}: {names[objective]}")
    fig.update_layout(margin={"l": 60, "r": 40, "t": 100, "b": 30})  # room for the axis labels
    return fig


def importance_figure(importance: Any, title: str = "Hyperparameter importance (fANOVA)",
                      metric: str = "objective") -> Any:
    go = _go()
    ranked = list(reversed(importance.ranked()))
    names = [n for n, _ in ranked]
    return _figure([go.Bar(x=[v for _, v in ranked], y=names, orientation="h",
                           error_x={"type": "data", "array": [importance.std[n] for n in names]})],
                   f"{title}: {metric}", xaxis_title=f"fraction of the variance of {metric}",
                   xaxis_tickformat=".0%")


def slice_figure(slices: Sequence[D.Slice], title: str = "Slice", metric: str = "objective") -> Any:
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
    fig.update_yaxes(title_text=metric, row=1, col=1)
    fig.update_layout(title=f"{title}: {metric}", template="plotly_white",
                      margin={"l": 50, "r": 20, "t": 60, "b": 40})
    return fig


def contour_figure(c: D.Contour, log_x: bool = False, log_y: bool = False,
                   metric: str = "objective") -> Any:
    go = _go()
    fig = _figure([
        go.Contour(x=c.x_edges, y=c.y_edges, z=c.z, connectgaps=True, colorscale="Viridis",
                   colorbar={"title": {"text": metric}}),
        go.Scatter(x=c.points_x, y=c.points_y, mode="markers", name="trials",
                   marker={"size": 4, "color": "white", "line": {"width": 1, "color": "black"}}),
    ], f"Contour of {metric}: {c.x_name} × {c.y_name}", xaxis_title=c.x_name, yaxis_title=c.y_name)
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def curves_figure(curves: Sequence[D.Curve], title: str = "Learning curves",
                  metric: str = "reported value") -> Any:
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
    return _figure(traces, f"{title}: {metric} (orange dotted: pruned)", xaxis_title="step",
                   yaxis_title=metric)


def alphas_figure(series: Sequence[tuple[str, str, Sequence[float], Sequence[float]]],
                  colors: dict[str, str],
                  title: str = "Architecture weights (softmax α per edge)") -> Any:
    """One line per ``(edge, op, epochs, weights)``, coloured by op (``colors``), grouped in
    the legend by op; y is the softmax weight in [0, 1]."""
    go = _go()
    traces = [go.Scatter(x=list(xs), y=list(ys), mode="lines", name=f"{edge} · {op}",
                         legendgroup=op, legendgrouptitle_text=op,
                         line={"color": colors[op], "width": 1.5},
                         hovertemplate="%{fullData.name}<br>epoch %{x}: %{y:.4f}<extra></extra>")
              for edge, op, xs, ys in series]
    epochs = max((len(xs) for _, _, xs, _ in series), default=0)
    return _figure(traces, title, xaxis_title="epoch", yaxis_title="softmax α",
                   yaxis_range=[-0.02, 1.02], xaxis_dtick=1 if epochs <= 20 else None)


def rungs_figure(r: D.Rungs, title: str = "Rungs (trials by budget)", metric: str = "value") -> Any:
    go = _go()
    brackets = sorted({p[3] for p in r.points})
    traces = []
    for b in brackets:
        pts = [p for p in r.points if p[3] == b]
        traces.append(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers",
                                   name=f"bracket {b}", text=[f"trial {p[2]}" for p in pts],
                                   marker={"size": 6, "opacity": 0.6}))
    counts = ", ".join(f"{b:g}: {n}" for b, n in r.counts.items())
    return _figure(traces, f"{title}: {metric}", xaxis_title=f"budget (trials per budget: {counts})",
                   yaxis_title=metric, xaxis_type="log" if _spread(list(r.counts)) else None)


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
    ], f"Pareto front: {names[0]} × {names[1]}", xaxis_title=names[0], yaxis_title=names[1])


def edf_figure(e: D.Edf, metric: str = "objective", budget_name: str | None = None,
               title: str = "Empirical distribution") -> Any:
    """The EDF: for each value, the fraction of trials at or below it (one line per budget)."""
    go = _go()
    traces = []
    for level, xs, ys in zip(e.levels, e.values, e.fractions):
        label = "all trials" if level is None else f"{budget_name or 'budget'} {level:g} ({len(xs)})"
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=label, line={"shape": "hv"}))
    return _figure(traces, f"{title}: {metric}", xaxis_title=metric,
                   yaxis_title="fraction of trials ≤ value", yaxis_range=[0, 1.02])


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
