"""Grid search: every point of a grid, each handed out once, also with several workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, GridExhaustedError
from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Space

__all__ = ["GridSampler"]


class GridSampler:
    """Exhaustive search over a grid of the space.

    Each point carries the uniqueness key ``grid:<index>``; the storage refuses a key that is
    taken, so two workers never run the same point. When every point has been handed out,
    :class:`~tiaocan.errors.GridExhaustedError` says so and ``optimize`` stops.

    Args:
        points_per_float: grid points for a float without ``step`` (log floats spaced in log).
        max_points_per_int: integers with more values than this are thinned to this many.
        values: explicit grid values for some parameters, e.g. ``{"lr": [1e-3, 1e-2]}``.
        shuffle: visit the points in an order drawn from the study seed.
    """

    def __init__(
        self, points_per_float: int = 5, max_points_per_int: int = 32,
        values: Mapping[str, Sequence[Any]] | None = None, shuffle: bool = False,
    ) -> None:
        if not isinstance(points_per_float, int) or points_per_float < 1:
            raise ConfigError(f"points_per_float must be an int >= 1, received {points_per_float!r}")
        self.points_per_float = points_per_float
        self.max_points_per_int = max_points_per_int
        self.values = {k: list(v) for k, v in (values or {}).items()}
        self.shuffle = shuffle
        self._cache: tuple[Any, list[dict[str, Any]]] | None = None

    def points(self, space: Space, seed: int = 0) -> list[dict[str, Any]]:
        """The grid, in visiting order."""
        cache_key = (repr(space.to_json()), seed)
        if self._cache is None or self._cache[0] != cache_key:
            grid_space = self._space_with_values(space)
            points = list(grid_space.grid(self.points_per_float, self.max_points_per_int))
            if self.shuffle:
                order = np.random.default_rng(seed).permutation(len(points))
                points = [points[i] for i in order]
            self._cache = (cache_key, points)
        return self._cache[1]

    #: grids larger than this are refused: listing them would exhaust memory
    MAX_POINTS = 1_000_000

    def check_space(self, space: Space) -> None:
        """Raise :class:`ConfigError` if ``values`` name parameters or values outside ``space``,
        or if the grid would have more than ``MAX_POINTS`` points."""
        from tiaocan.space import Int

        grid_space = self._space_with_values(space)
        size = 1  # an upper bound: conditional parameters only make it smaller
        for p in grid_space.values():
            size *= len(p.grid(self.max_points_per_int if isinstance(p, Int)
                               else self.points_per_float))
        if size > self.MAX_POINTS:
            raise ConfigError(
                f"GridSampler: the grid has up to {size:,} points (more than {self.MAX_POINTS:,}); "
                "pass fewer points (points_per_float=, max_points_per_int=, values=) or a "
                "sampler that needs no list (\"random\", \"sobol\", \"tpe\")")

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        points = self.points(space, history.study_seed)
        taken = {t.key for t in history.trials if t.key and t.key.startswith("grid:")}
        for index, point in enumerate(points):
            if f"grid:{index}" not in taken:
                return Proposal(point, key=f"grid:{index}", info={"grid_index": index})
        raise GridExhaustedError(f"all {len(points)} grid points have been handed out")

    def _space_with_values(self, space: Space) -> Space:
        from tiaocan.space import Categorical

        unknown = [k for k in self.values if k not in space]
        if unknown:
            raise ConfigError(f"GridSampler values name unknown parameter(s) {unknown}; "
                              f"the space has {list(space.names)}")
        params = {}
        for name, p in space.items():
            if name in self.values:
                bad = [v for v in self.values[name] if not p.contains(v)]
                if bad:
                    raise ConfigError(f"GridSampler values for '{name}': {bad!r} are outside the space")
                p = Categorical(tuple(self.values[name]), when=p.condition or None)
            params[name] = p
        return Space(params)
