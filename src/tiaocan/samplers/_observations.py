"""Trials as arrays for the model-based samplers: unit-cube rows, losses, the space's layout.

Rows are cached per trial number (a trial's parameters never change once proposed), checked
against the parameters on every use, so the cache cannot change a proposal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tiaocan.space import Categorical, Float, Int, Space
from tiaocan.trial import FrozenTrial

__all__ = ["MAX_CELLS", "Layout", "RowCache", "layout_of"]

MAX_CELLS = 1000  # integers with more values than this are modelled as continuous


@dataclass(frozen=True)
class Layout:
    """Which coordinates are numerical or categorical, and the cells of discrete ones."""

    names: tuple[str, ...]
    numeric: tuple[int, ...]
    categorical: tuple[int, ...]
    n_choices: tuple[int, ...]
    edges: tuple[np.ndarray | None, ...]  # per numerical coordinate

    def split(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit rows (n, D) → numerical (n, d) and category indices (n, c) (NaN rows: -1)."""
        x = rows[:, list(self.numeric)]
        u = rows[:, list(self.categorical)]
        k = np.array(self.n_choices, dtype=float)
        cats = np.where(np.isnan(u), -1, np.floor(np.nan_to_num(u) * k)).astype(int)
        return x, np.minimum(cats, np.array(self.n_choices, dtype=int) - 1)

    def join(self, x: np.ndarray, cats: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`split` (category index → cell centre)."""
        rows = np.full((len(x), len(self.names)), np.nan)
        rows[:, list(self.numeric)] = x
        rows[:, list(self.categorical)] = (cats + 0.5) / np.array(self.n_choices, dtype=float)
        return rows


def _edges(p: Float | Int) -> np.ndarray | None:
    if isinstance(p, Float):
        return np.linspace(0.0, 1.0, p._n_steps + 1) if p.step is not None else None
    n = p._n_values
    if n > MAX_CELLS:
        return None
    if not p.log:
        return np.linspace(0.0, 1.0, n + 1)
    lo, hi = p._log_bounds()
    values = np.arange(p.low, p.high + 2, dtype=float) - 0.5
    return np.clip((np.log(values) - lo) / (hi - lo), 0.0, 1.0)


def layout_of(space: Space) -> Layout:
    """The layout of ``space`` (coordinates in :attr:`Space.names` order)."""
    numeric, categorical, n_choices, edges = [], [], [], []
    for i, (name, p) in enumerate(space.items()):
        if isinstance(p, Categorical):
            categorical.append(i)
            n_choices.append(len(p.choices))
        else:
            numeric.append(i)
            edges.append(_edges(p))
    return Layout(tuple(space.names), tuple(numeric), tuple(categorical), tuple(n_choices),
                  tuple(edges))


class RowCache:
    """Unit-cube rows of trials, encoded once per trial and space."""

    def __init__(self) -> None:
        self._space: Space | None = None
        self._layout: Layout | None = None
        self._rows: dict[int, tuple[Mapping[str, Any], np.ndarray]] = {}

    def layout(self, space: Space) -> Layout:
        if self._space is not space:
            self._space, self._layout, self._rows = space, layout_of(space), {}
        assert self._layout is not None  # set just above
        return self._layout

    def rows(self, space: Space, trials: Sequence[FrozenTrial]) -> np.ndarray:
        """(n, D) rows in the unit cube, NaN where a parameter is inactive."""
        layout = self.layout(space)
        cached = self._rows
        rows = []
        for t in trials:
            hit = cached.get(t.number)
            if hit is None or (hit[0] is not t.params and hit[0] != t.params):
                hit = cached[t.number] = (t.params, space.encode(t.params))
            rows.append(hit[1])
        # one stack instead of a row assignment per trial (the loop above is the hot path)
        return np.array(rows) if rows else np.empty((0, len(layout.names)))


def unit_of(value: float) -> float:
    """Clip to [0, 1] (NaN stays NaN)."""
    return value if math.isnan(value) else min(max(value, 0.0), 1.0)
