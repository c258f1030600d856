"""Random search (Bergstra & Bengio 2012): each parameter drawn independently on its scale."""

from __future__ import annotations

from typing import Any

import numpy as np

from tiaocan.samplers.base import History
from tiaocan.space import Space

__all__ = ["RandomSampler"]


class RandomSampler:
    """Uniform draws from the space (log parameters uniform in log space).

    >>> import tiaocan as tc
    >>> s = RandomSampler()
    >>> cfg = s.sample(tc.Space(x=tc.Float(0, 1)), None, np.random.default_rng(0))
    >>> 0 <= cfg["x"] <= 1
    True
    """

    def sample(self, space: Space, history: History | None, rng: np.random.Generator) -> dict[str, Any]:
        return space.sample(rng)

    def score_candidates(self, space: Space, history: History | None, unit: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
        """Random scores: a uniform draw among the candidates."""
        return rng.random(len(unit))
