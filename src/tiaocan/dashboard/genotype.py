"""A cell genotype in NAS-Bench-201 notation drawn as a small DAG (inline SVG, no script).

``|conv_3x3~0|+|skip_connect~0|none~1|+|conv_1x1~0|avg_pool_3x3~1|conv_3x3~2|`` lists, for
node ``j = 1, 2, ...``, the incoming edges ``op~i`` from earlier nodes ``i < j`` (groups
separated by ``+``). Node 0 is the cell's input, the last node its output. Op names are user
strings: every one goes through :func:`html.escape`.

>>> edges = parse("|conv_3x3~0|+|skip_connect~0|none~1|")
>>> edges
[(0, 1, 'conv_3x3'), (0, 2, 'skip_connect'), (1, 2, 'none')]
>>> svg(edges).startswith("<svg")
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["OP_COLORS", "cell_edges", "from_params", "parse", "svg"]

_EDGE = re.compile(r"([^|~+]+)~(\d+)")
_PARAM = re.compile(r"edge_(\d+)_(\d+)")
OP_COLORS = {"none": "#9ca3af", "skip_connect": "#2ca02c", "conv_1x1": "#1f77b4",
           "conv_3x3": "#d62728", "avg_pool_3x3": "#9467bd"}
_MAX_NODES = 16


def parse(genotype: object) -> list[tuple[int, int, str]] | None:
    """``(from, to, op)`` edges of a genotype string, or None when it is not one."""
    if not isinstance(genotype, str) or "~" not in genotype or len(genotype) > 4000:
        return None
    edges = []
    groups = genotype.strip().split("+")
    if len(groups) >= _MAX_NODES:
        return None
    for j, group in enumerate(groups, start=1):
        cells = [c for c in group.strip().split("|") if c.strip()]
        if not cells:
            return None
        for cell in cells:
            m = _EDGE.fullmatch(cell.strip())
            if m is None or int(m.group(2)) >= j:
                return None
            edges.append((int(m.group(2)), j, m.group(1).strip()))
    return edges


def from_params(params: Mapping[str, Any]) -> list[tuple[int, int, str]] | None:
    """Edges of a cell space's configuration (``edge_i_j`` parameters holding op names), or
    None when the parameters are not a whole cell."""
    edges = []
    for name, op in params.items():
        m = _PARAM.fullmatch(name)
        if m and isinstance(op, str) and int(m.group(1)) < int(m.group(2)) < _MAX_NODES:
            edges.append((int(m.group(1)), int(m.group(2)), op))
    n = max((j for _, j, _ in edges), default=0) + 1
    if n < 2 or len(edges) != n * (n - 1) // 2:
        return None
    return sorted(edges, key=lambda e: (e[1], e[0]))


def cell_edges(user_attrs: Mapping[str, Any], params: Mapping[str, Any]) -> list[tuple[int, int, str]] | None:
    """The cell of a trial: its ``genotype`` user attribute, else its ``edge_i_j`` parameters."""
    return parse(user_attrs.get("genotype")) or from_params(params)


def svg(edges: list[tuple[int, int, str]], step: int = 150) -> str:
    """The DAG: nodes on a line, each edge an arc above it labelled with its op."""
    n = max(j for _, j, _ in edges) + 1
    rise = 34  # height per node skipped, so longer edges arc higher and labels do not collide
    top = 30 + rise * max(j - i for i, j, _ in edges)
    width, height, y = 60 + step * (n - 1), top + 50, top + 10
    parts = [f'<svg class="genotype" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="cell genotype">']
    for i, j, op in edges:
        x0, x1 = 30 + step * i, 30 + step * j
        peak = y - rise * (j - i) - 10
        color = OP_COLORS.get(op, "#444")
        dash = ' stroke-dasharray="4 3"' if op == "none" else ""
        parts.append(f'<path class="edge" d="M{x0},{y} Q{(x0 + x1) / 2},{2 * peak - y} {x1},{y}" '
                     f'fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        parts.append(f'<text class="op" x="{(x0 + x1) / 2}" y="{peak - 3}" text-anchor="middle" '
                     f'font-size="11" fill="{color}" stroke="#fff" stroke-width="3" '
                     f'paint-order="stroke">{escape(op)}</text>')
    for k in range(n):
        label = "in" if k == 0 else "out" if k == n - 1 else str(k)
        parts.append(f'<circle class="node" cx="{30 + step * k}" cy="{y}" r="13" fill="#fff" '
                     f'stroke="#1f2937" stroke-width="1.5"/><text x="{30 + step * k}" y="{y + 4}" '
                     f'text-anchor="middle" font-size="10">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)
