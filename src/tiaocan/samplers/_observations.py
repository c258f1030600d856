"""Trials as arrays for the model-based samplers: unit-cube rows, losses, the space's layout.

Rows are cached per trial number (a trial's parameters never change once proposed), checked
against the parameters on every use, so the cache cannot change a proposal. A history's
table (states, rows, values) is rebuilt only past the longest run of trials equal to those
of the previous call, found with list comparisons in C: with a thousand trials, a proposal
reads the few that changed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tiaocan.space import Categorical, Float, Int, Space
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["MAX_CELLS", "STATE_CODES", "Layout", "RowCache", "TrialTable", "layout_of"]

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
    if isinstance(p, Float):  # a fine step is modelled as continuous, rounded on output
        if p.step is None or p._n_steps > MAX_CELLS:
            return None
        return np.linspace(0.0, 1.0, p._n_steps + 1)
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


@dataclass(frozen=True)
class TrialTable:
    """A history's trials as arrays, one entry per trial in the history's order (read only).

    Attributes:
        numbers: (n,) trial numbers.
        states: (n,) state codes, ``STATE_CODES[trial.state]``.
        has_params: (n,) whether the trial has parameters.
        rows: (n, D) unit-cube rows, NaN where a parameter is inactive.
        values: (n, m) objective values, NaN where the trial has no m values.
    """

    numbers: np.ndarray
    states: np.ndarray
    has_params: np.ndarray
    rows: np.ndarray
    values: np.ndarray


STATE_CODES = {state: i for i, state in enumerate(TrialState)}


class RowCache:
    """Unit-cube rows of trials, encoded once per trial and space.

    Rows live in one matrix indexed by trial number, so a history of ``n`` trials costs one
    gather per use; each trial's parameters are checked (by identity, else by value)
    against those its row was encoded from, so the cache cannot change a proposal.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._space: Space | None = None
        self._layout: Layout | None = None
        self._params: dict[int, Mapping[str, Any]] = {}
        self._matrix = np.empty((0, 0))
        self._last: tuple[list[FrozenTrial], TrialTable] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {}  # a cache: rebuilt where it is unpickled

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def layout(self, space: Space) -> Layout:
        if self._space is not space:
            with self._lock:
                self._space, self._layout = space, layout_of(space)
                self._params, self._matrix = {}, np.full((64, len(space.names)), np.nan)
                self._last = None
        assert self._layout is not None  # set just above
        return self._layout

    def rows(self, space: Space, trials: Sequence[FrozenTrial]) -> np.ndarray:
        """(n, D) rows in the unit cube, NaN where a parameter is inactive."""
        layout = self.layout(space)
        if not trials:
            return np.empty((0, len(layout.names)))
        numbers = [t.number for t in trials]
        params = [t.params for t in trials]
        with self._lock:
            # the hot path: a list comparison checks identity first, then equality, in C
            if list(map(self._params.get, numbers)) != params:
                self._encode(space, trials)
            return self._matrix.take(np.fromiter(numbers, np.intp, len(numbers)), axis=0)

    def table(self, space: Space, trials: Sequence[FrozenTrial], n_objectives: int) -> TrialTable:
        """The arrays of ``trials``; only trials past the longest prefix unchanged since the
        previous call are read (a study's history mostly grows at its end)."""
        self.layout(space)
        current = list(trials)
        last = self._last
        keep = 0
        if last is not None and last[1].values.shape[1] == n_objectives:
            keep = _common_prefix(last[0], current)
        tail = current[keep:]
        values = np.full((len(tail), n_objectives), np.nan)
        for i, t in enumerate(tail):
            if t.values is not None and len(t.values) == n_objectives:
                values[i] = t.values
        fresh = TrialTable(
            np.fromiter((t.number for t in tail), np.intp, len(tail)),
            np.fromiter((STATE_CODES[t.state] for t in tail), np.int8, len(tail)),
            np.fromiter((bool(t.params) for t in tail), bool, len(tail)),
            self.rows(space, tail), values)
        if keep:
            assert last is not None  # keep > 0 only with a previous call
            old = last[1]
            fresh = TrialTable(*(np.concatenate([a[:keep], b]) for a, b in zip(
                (old.numbers, old.states, old.has_params, old.rows, old.values),
                (fresh.numbers, fresh.states, fresh.has_params, fresh.rows, fresh.values))))
        self._last = (current, fresh)  # one reference swap: safe for concurrent callers
        return fresh

    def _encode(self, space: Space, trials: Sequence[FrozenTrial]) -> None:
        top = max(t.number for t in trials)
        if top >= len(self._matrix):
            grown = np.full((max(2 * len(self._matrix), top + 1), len(space.names)), np.nan)
            grown[:len(self._matrix)] = self._matrix
            self._matrix = grown
        known = self._params
        for t in trials:
            seen = known.get(t.number)
            if seen is t.params:
                continue
            if seen is None or seen != t.params:
                self._matrix[t.number] = space.encode(t.params)
            known[t.number] = t.params


def _common_prefix(old: list[FrozenTrial], new: list[FrozenTrial]) -> int:
    """Length of the longest common prefix: list comparisons in C, halving the range."""
    n = min(len(old), len(new))
    if old[:n] == new[:n]:
        return n
    same, differs = 0, n  # old[:same] == new[:same]; old[:differs] != new[:differs]
    while differs - same > 1:
        mid = (same + differs) // 2
        if old[same:mid] == new[same:mid]:
            same = mid
        else:
            differs = mid
    return same


def unit_of(value: float) -> float:
    """Clip to [0, 1] (NaN stays NaN)."""
    return value if math.isnan(value) else min(max(value, 0.0), 1.0)
