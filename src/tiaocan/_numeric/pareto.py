"""Pareto dominance for minimisation problems (rows are points, columns objectives)."""

from __future__ import annotations

import numpy as np

__all__ = ["non_dominated_mask", "non_dominated_ranks"]


def non_dominated_mask(losses: np.ndarray) -> np.ndarray:
    """True for rows no other row dominates (≤ in every objective, < in one).

    >>> non_dominated_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [True, True, False]
    """
    losses = np.asarray(losses, dtype=float)
    n = len(losses)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        dominated = np.all(losses[i] <= losses, axis=1) & np.any(losses[i] < losses, axis=1)
        mask &= ~dominated
    return mask


def non_dominated_ranks(losses: np.ndarray) -> np.ndarray:
    """Front index of each row (0 = Pareto front), by repeated peeling (Deb et al. 2002)."""
    losses = np.asarray(losses, dtype=float)
    ranks = np.full(len(losses), -1, dtype=int)
    remaining = np.arange(len(losses))
    front = 0
    while remaining.size:
        mask = non_dominated_mask(losses[remaining])
        ranks[remaining[mask]] = front
        remaining = remaining[~mask]
        front += 1
    return ranks
