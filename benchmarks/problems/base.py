"""A benchmark problem: a search space, a function ``f(x: dict) -> float`` to minimise, its optimum.

Problems are shared by the sampler benchmarks and the multi-fidelity ones; a problem is a
plain object, so any harness can call it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tiaocan as tc

__all__ = ["Problem", "coerce", "shifted_box"]


@dataclass(frozen=True)
class Problem:
    """A minimisation problem.

    Attributes:
        name: unique name, e.g. ``"ackley10"``.
        space: the tiaocan search space (peers translate it).
        f: the objective on an active configuration.
        optimum: the known minimum value, or None (regret is then taken against the best
            value any optimizer found in the same run).
        optimum_x: a configuration reaching it, where known.
        kind: ``"synthetic"``, ``"mixed"``, ``"real"``, ``"tabular"``... (the space's shape).
        noise: standard deviation of Gaussian noise the harness adds to each evaluation
            (regret is still measured on the noiseless value).
    """

    name: str
    space: tc.Space
    f: Callable[[Mapping[str, Any]], float]
    optimum: float | None = None
    optimum_x: Mapping[str, Any] | None = None
    kind: str = "synthetic"
    tags: tuple[str, ...] = field(default=())
    noise: float = 0.0

    def __call__(self, x: Mapping[str, Any]) -> float:
        return float(self.f(x))


def shifted_box(name: str, lo: float, hi: float, x_opt: np.ndarray) -> list[tuple[float, float]]:
    """Per-dimension bounds of the same width as [lo, hi] that put ``x_opt`` away from the centre.

    The optimum lands at a relative position in [0.15, 0.35] or [0.65, 0.85] of each axis,
    drawn from the problem's name, so no optimizer scores by trying the centre first.
    """
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    width = hi - lo
    rel = rng.uniform(0.15, 0.35, len(x_opt))
    rel = np.where(rng.random(len(x_opt)) < 0.5, rel, 1.0 - rel)
    return [(float(x - r * width), float(x - r * width + width)) for x, r in zip(x_opt, rel)]


def coerce(space: tc.Space, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A peer's raw values (all parameters, maybe off-grid) as a valid active configuration."""
    out: dict[str, Any] = {}
    for name in space.active_names(dict(raw)):
        p, v = space[name], raw[name]
        if isinstance(p, tc.Categorical):
            out[name] = p.choices[p.index(v)]
        elif isinstance(p, tc.Int):
            v = round(float(v))
            v = min(max(v, p.low), p.high)
            out[name] = int(p.low + round((v - p.low) / p.step) * p.step)
        else:
            v = min(max(float(v), p.low), p.high)
            out[name] = p.from_unit(p.to_unit(v)) if p.step is not None else v
    return space.validate(out)
