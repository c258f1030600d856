"""Synthetic functions moved off the grid: shifted and rotated, ill-conditioned, 2 to 50 dimensions.

A rotation mixes the coordinates, so a method that searches one axis at a time (or a model
that is additive over axes) gains nothing from the function's separability; a shift puts
the optimum away from the centre of the box and off any grid a sampler might try first.
Both are drawn from the problem's name, so a problem is the same in every run.
Formulas: Surjanovic & Bingham, Virtual Library of Simulation Experiments.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from benchmarks.problems.base import Problem, shifted_box
from benchmarks.problems.synthetic import continuous, rosenbrock

__all__ = ["TRANSFORMED"]


def _rotation(name: str, d: int) -> np.ndarray:
    """A random orthogonal matrix (QR of a Gaussian matrix, signs fixed: Mezzadri 2007)."""
    rng = np.random.default_rng(zlib.crc32(("rot" + name).encode()))
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def _moved(name: str, base: Callable[[np.ndarray], float], d: int, lo: float, hi: float,
           rotate: bool = True) -> Problem:
    """``base(R (x - x_opt))`` on a box of ``[lo, hi]``'s width that holds ``x_opt`` off-centre."""
    rng = np.random.default_rng(zlib.crc32(("opt" + name).encode()))
    x_opt = rng.uniform(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo), d)
    rot = _rotation(name, d) if rotate else np.eye(d)
    bounds = shifted_box(name, lo, hi, x_opt)
    return continuous(name, lambda v: base(rot @ (v - x_opt)), bounds, base(np.zeros(d)), x_opt)


def _rastrigin(z: np.ndarray) -> float:
    return float(10 * len(z) + (z ** 2 - 10 * np.cos(2 * np.pi * z)).sum())


def _ellipsoid(z: np.ndarray) -> float:
    """Condition number 1e6: axis i weighted 10^(6 i / (d - 1))."""
    w = 10.0 ** (6 * np.arange(len(z)) / max(len(z) - 1, 1))
    return float((w * z ** 2).sum())


def _griewank(z: np.ndarray) -> float:
    i = np.arange(1, len(z) + 1)
    return float(1 + (z ** 2).sum() / 4000 - np.prod(np.cos(z / np.sqrt(i))))


def _sphere(z: np.ndarray) -> float:
    return float((z ** 2).sum())


def _ackley(z: np.ndarray) -> float:
    """Ackley on rotated axes (the issue's kind: many local optima, one global)."""
    return float(-20 * np.exp(-0.2 * np.sqrt((z ** 2).mean())) - np.exp(np.cos(2 * np.pi * z).mean())
                 + 20 + np.e)


def _camel(v: np.ndarray) -> float:
    x, y = v
    return float((4 - 2.1 * x ** 2 + x ** 4 / 3) * x ** 2 + x * y + (-4 + 4 * y ** 2) * y ** 2)


def camel2() -> Problem:
    """Six-hump camel: six local minima, two global ones (±(0.0898, -0.7126))."""
    return continuous("camel2", _camel, [(-3.0, 3.0), (-2.0, 2.0)], -1.031628453489877,
                      np.array([0.0898420131, -0.7126564030]))


def _goldstein(v: np.ndarray) -> float:
    x, y = v
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)
    return float(np.log(a * b))  # log scale, as usual: the raw range spans six decades


def goldstein2() -> Problem:
    return continuous("goldstein2", _goldstein, [(-2.0, 2.0), (-2.0, 2.0)], float(np.log(3.0)),
                      np.array([0.0, -1.0]))


#: Name → factory.
TRANSFORMED: dict[str, Callable[[], Problem]] = {
    "camel2": camel2,
    "goldstein2": goldstein2,
    "rastrigin5_rot": lambda: _moved("rastrigin5_rot", _rastrigin, 5, -5.12, 5.12),
    "ackley10_rot": lambda: _moved("ackley10_rot", _ackley, 10, -10.0, 10.0),
    "ellipsoid10_rot": lambda: _moved("ellipsoid10_rot", _ellipsoid, 10, -5.0, 5.0),
    "griewank8": lambda: _moved("griewank8", _griewank, 8, -30.0, 30.0, rotate=False),
    "sphere50": lambda: _moved("sphere50", _sphere, 50, -5.0, 5.0, rotate=False),
    "rosenbrock20": lambda: rosenbrock(20),
}
