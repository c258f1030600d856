"""Quasi-random search with a scrambled Sobol' sequence (Owen scrambling, seeded by the study).

Sobol' points fill the unit cube more evenly than independent draws; the i-th trial takes
the i-th point, so the sequence rebuilds from the history alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Space

__all__ = ["SobolSampler"]


class SobolSampler:
    """Scrambled Sobol' points decoded into the space; the point index is the trial number."""

    def __init__(self, scramble: bool = True) -> None:
        self.scramble = scramble
        self._engine: Any = None
        self._engine_key: tuple[int, int] | None = None
        self._next_index = 0

    def point(self, dim: int, seed: int, index: int) -> np.ndarray:
        from scipy.stats import qmc

        if self._engine_key != (dim, seed) or index < self._next_index:
            self._engine = qmc.Sobol(dim, scramble=self.scramble, seed=seed)
            self._engine_key, self._next_index = (dim, seed), 0
        if index > self._next_index:
            self._engine.fast_forward(index - self._next_index)
        self._next_index = index + 1
        return np.asarray(self._engine.random(1)[0])

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        index = history.number
        u = self.point(len(space), history.study_seed, index)
        return Proposal(space.decode(u), key=f"sobol:{index}", info={"sobol_index": index})
