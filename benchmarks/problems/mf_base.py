"""Multi-fidelity benchmark problems: a loss at a budget, a simulated cost, a known optimum.

A problem is a plain object any harness can drive: ``loss(x, budget)`` is what a trial
observes after training to ``budget`` (noisy where the problem is), ``true_loss(x)`` the
noise-free full-budget loss used for regret, ``cost(x, budget)`` the simulated seconds to
train from scratch to ``budget``. ``resumable`` problems (epochs) continue from a checkpoint
(going from b1 to b2 costs ``cost(b2) - cost(b1)``); the others (data fraction) retrain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tiaocan as tc

__all__ = ["MFProblem", "TableSurrogate", "map_forked"]


@dataclass(frozen=True)
class MFProblem:
    name: str
    space: tc.Space
    fidelity: tc.Fidelity
    loss: Callable[[Mapping[str, Any], float], float]
    true_loss: Callable[[Mapping[str, Any]], float]
    cost: Callable[[Mapping[str, Any], float], float]
    optimum: float
    resumable: bool = True
    steps: Sequence[int] = field(default=())  # budgets at which a curve point exists
    row: Callable[[Mapping[str, Any]], int] | None = None  # tables: the row x maps to
    configs: Sequence[Mapping[str, Any]] = field(default=())  # tables: the tabulated configurations


class TableSurrogate:
    """A nearest-neighbour surrogate over a precomputed table of learning curves.

    As the blackbox-repository surrogates of Syne Tune (Salinas et al. 2022) with one
    neighbour: a configuration gets the curve of the closest tabulated configuration in the
    unit cube, so continuous samplers can run on a tabular benchmark and the optimum is known
    exactly (the best tabulated full-budget value).
    """

    def __init__(self, space: tc.Space, configs: Sequence[Mapping[str, Any]],
                 curves: np.ndarray, seconds: np.ndarray, steps: Sequence[int]) -> None:
        self.space = space
        self.configs = [dict(c) for c in configs]
        self.units = np.nan_to_num(np.array([space.encode(c) for c in configs]), nan=0.5)
        self.curves = np.asarray(curves, float)    # (n_configs, n_steps) losses
        self.seconds = np.asarray(seconds, float)  # (n_configs, n_steps) cumulative cost
        self.steps = list(steps)

    def row(self, x: Mapping[str, Any]) -> int:
        """The index of the tabulated configuration ``x`` maps to."""
        u = np.nan_to_num(self.space.encode(x), nan=0.5)
        return int(np.argmin(((self.units - u) ** 2).sum(axis=1)))

    def _col(self, budget: float) -> int:
        return max(i for i, s in enumerate(self.steps) if s <= budget + 1e-9)

    def loss(self, x: Mapping[str, Any], budget: float) -> float:
        return float(self.curves[self.row(x), self._col(budget)])

    def true_loss(self, x: Mapping[str, Any]) -> float:
        return float(self.curves[self.row(x), -1])

    def cost(self, x: Mapping[str, Any], budget: float) -> float:
        return float(self.seconds[self.row(x), self._col(budget)])

    @property
    def optimum(self) -> float:
        return float(self.curves[:, -1].min())


_FORKED: tuple[Any, ...] = ()  # (fn, shared), inherited by the forked table builders


def _apply_forked(item: Any) -> Any:
    fn, shared = _FORKED
    return fn(shared, item)


def map_forked(fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any) -> list[Any]:
    """``[fn(shared, item) for item in items]`` in one forked process per core; ``shared``
    (data sets, count matrices) is inherited by the processes, not pickled for each item."""
    global _FORKED
    import os
    from multiprocessing import get_context

    _FORKED = (fn, shared)
    try:
        with get_context("fork").Pool(os.cpu_count()) as pool:
            return pool.map(_apply_forked, items, chunksize=1)
    finally:
        _FORKED = ()
