"""Configurations tried at most once: a uniqueness key per configuration, and a fresh
configuration when a proposal is taken.

The key (``config:`` and a hash of the configuration's JSON) goes with the proposal; the
storage refuses a second trial with the same key, so two workers that propose the same
architecture at the same moment never both train it: the loser samples again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tiaocan.errors import GridExhaustedError
from tiaocan.samplers.base import History
from tiaocan.space import Categorical, Float, Int, Space

__all__ = ["PREFIX", "config_key", "fresh", "taken_keys"]

PREFIX = "config:"
_RANDOM_DRAWS = 200
_ENUMERABLE = 200_000


def config_key(params: Mapping[str, Any]) -> str:
    """The uniqueness key of a configuration (stable across processes and runs)."""
    text = json.dumps(dict(params), sort_keys=True, separators=(",", ":"), default=str)
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40]


def taken_keys(history: History) -> set[str]:
    """Keys of every configuration the study has tried or is trying (any state)."""
    return {t.key if t.key and t.key.startswith(PREFIX) else config_key(t.params)
            for t in history.trials if t.params}


def fresh(space: Space, history: History, rng: np.random.Generator,
          propose: Callable[[], dict[str, Any]], attempts: int = 32) -> dict[str, Any]:
    """A configuration not tried yet: ``propose()`` up to ``attempts`` times, then uniform
    draws, then (for a small finite space) a pick among the configurations left.

    Raises:
        GridExhaustedError: every configuration of a finite space has been tried.
    """
    taken = taken_keys(history)
    for _ in range(attempts):
        params = propose()
        if config_key(params) not in taken:
            return params
    for _ in range(_RANDOM_DRAWS):
        params = space.sample(rng)
        if config_key(params) not in taken:
            return params
    size = space_size(space)
    if size is None or size > _ENUMERABLE:
        return params  # a huge space where 200 draws all collided: let the storage decide
    left = [p for p in space.grid() if config_key(p) not in taken]
    if not left:
        raise GridExhaustedError(f"all {len(taken)} configurations of the space have been tried")
    return left[int(rng.integers(len(left)))]


def space_size(space: Space) -> int | None:
    """The number of configurations of a space without continuous parameters (None: infinite);
    an upper bound when there are conditions."""
    size = 1
    for p in space.values():
        if isinstance(p, Categorical):
            size *= len(p.choices)
        elif isinstance(p, Int):
            size *= p._n_values
        elif isinstance(p, Float) and p.step is not None:
            size *= p._n_steps
        else:
            return None
        if size > 10 * _ENUMERABLE:
            return size
    return int(size) if math.isfinite(size) else None
