"""A DARTS trial's α trajectories (the ``alpha_curves`` user attribute that
:func:`tiaocan.nas.darts_search` stores) as a figure for the trial page.

The attribute is ``{edge: {op: [softmax weight per epoch]}}``. A database is someone else's
data: anything of another shape (not a dict, wrong nesting, strings, NaN, weights outside
[0, 1], series of different lengths) or beyond :data:`MAX_EDGES` × :data:`MAX_OPS` ×
:data:`MAX_EPOCHS` gives no figure. A long search is drawn with every k-th epoch (and the
last), at most :data:`MAX_DRAWN` points in all. Names reach the page only as JSON data
(:func:`tiaocan.dashboard.pages.json_for_script`).

>>> series(parse({"edge_0_1": {"none": [0.5, 0.2], "conv_3x3": [0.5, 0.8]}}))
[('edge_0_1', 'none', [1, 2], [0.5, 0.2]), ('edge_0_1', 'conv_3x3', [1, 2], [0.5, 0.8])]
>>> parse({"edge_0_1": {"none": [float("nan")]}}) is None
True
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping
from typing import Any

from tiaocan.dashboard.genotype import OP_COLORS

__all__ = ["MAX_DRAWN", "MAX_EDGES", "MAX_EPOCHS", "MAX_NAME", "MAX_OPS", "figure_json", "parse",
           "series"]

log = logging.getLogger("tiaocan")

MAX_EDGES, MAX_OPS, MAX_EPOCHS = 64, 16, 10_000
MAX_NAME = 100  # characters of an edge or op name
MAX_DRAWN = 50_000  # points on the page, all lines together
_OTHER_COLORS = ("#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79",
                 "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                 "#756bb1", "#636363")

Curves = dict[str, dict[str, list[float]]]


def _name(x: Any) -> bool:
    return type(x) is str and 0 < len(x) <= MAX_NAME


def _weights(x: Any) -> bool:
    # type() is exact: no bools, no strings; a comparison is False for NaN and cannot overflow
    return type(x) is list and all(type(v) in (int, float) and 0 <= v <= 1 for v in x)


def parse(value: Any) -> Curves | None:
    """``value`` when it is a well-formed ``alpha_curves`` within the bounds, else None."""
    if not isinstance(value, Mapping) or not 0 < len(value) <= MAX_EDGES:
        return None
    lengths = set()
    for edge, per_op in value.items():
        if not _name(edge) or not isinstance(per_op, Mapping) or not 0 < len(per_op) <= MAX_OPS:
            return None
        for op, points in per_op.items():
            if not _name(op) or type(points) is not list:
                return None
            lengths.add(len(points))
    if len(lengths) != 1 or not 0 < (n := lengths.pop()) <= MAX_EPOCHS:
        return None  # every line has the same epochs
    if not all(_weights(points) for per_op in value.values() for points in per_op.values()):
        return None
    return {edge: {op: list(points) for op, points in per_op.items()} for edge, per_op in value.items()}


def series(curves: Curves) -> list[tuple[str, str, list[int], list[float]]]:
    """``(edge, op, epochs, weights)`` lines, grouped by op (ops in first-seen order), with
    every k-th epoch (and the last) when there are more than :data:`MAX_DRAWN` points."""
    ops = list(dict.fromkeys(op for per_op in curves.values() for op in per_op))
    lines = [(edge, op, per_op[op]) for op in ops for edge, per_op in curves.items() if op in per_op]
    n = len(lines[0][2]) if lines else 0
    step = max(1, -(-len(lines) * n // MAX_DRAWN))
    keep = sorted(set(range(0, n, step)) | {n - 1}) if n else []
    return [(edge, op, [i + 1 for i in keep], [points[i] for i in keep]) for edge, op, points in lines]


def colors(ops: list[str]) -> dict[str, str]:
    """A colour per op: the genotype drawing's for the built-in ops, a fixed list for others."""
    others = itertools.cycle(c for c in _OTHER_COLORS if c not in OP_COLORS.values())
    return {op: OP_COLORS[op] if op in OP_COLORS else next(others) for op in ops}


def figure_json(user_attrs: Mapping[str, Any]) -> Any | None:
    """The α figure of a trial as plotly JSON, or None (no or malformed ``alpha_curves``)."""
    curves = parse(user_attrs.get("alpha_curves"))
    if curves is None:
        return None
    from tiaocan.viz.plotly import alphas_figure

    lines = series(curves)
    try:
        fig = alphas_figure(lines, colors(list(dict.fromkeys(op for _, op, _, _ in lines))))
        return json.loads(fig.to_json())
    except (ValueError, TypeError) as exc:  # plotly refused it: no figure rather than no page
        log.debug("dashboard: no α figure: %s", exc)
        return None
