"""Classic test functions (Surjanovic & Bingham, Virtual Library of Simulation Experiments).

Each is ``f(x: dict) -> float`` over parameters ``x0 .. x{d-1}`` with its known optimum.
Functions whose optimum sits at the centre of the usual box (Ackley, Levy, Rosenbrock,
Styblinski–Tang) get a shifted box (see :func:`~benchmarks.problems.base.shifted_box`);
Branin (three optima) and Hartmann (optimum off-centre, defined on the unit cube) keep theirs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem, shifted_box

__all__ = ["ackley", "branin", "continuous", "hartmann", "levy", "rosenbrock", "styblinski_tang"]

_HARTMANN = {
    3: (np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]),
        1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                         [381, 5743, 8828]]),
        -3.86278214782076, [0.114614, 0.555649, 0.852547]),
    6: (np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]),
        1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]),
        -3.32236801141551, [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]),
}
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _vec(x: dict, d: int) -> np.ndarray:
    return np.array([x[f"x{i}"] for i in range(d)], dtype=float)


def continuous(name: str, fn: Callable[[np.ndarray], float], bounds: list[tuple[float, float]],
               optimum: float, x_opt: np.ndarray) -> Problem:
    d = len(bounds)
    space = tc.Space(**{f"x{i}": tc.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)})
    return Problem(name, space, lambda x: fn(_vec(x, d)), optimum,
                   {f"x{i}": float(v) for i, v in enumerate(x_opt)})


def _branin(v: np.ndarray) -> float:
    x1, x2 = v
    return float((x2 - 5.1 / (4 * np.pi ** 2) * x1 ** 2 + 5 / np.pi * x1 - 6) ** 2
                 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10)


def branin() -> Problem:
    return continuous("branin2", _branin, [(-5.0, 10.0), (0.0, 15.0)], 0.397887357729738,
                      np.array([np.pi, 2.275]))


def hartmann(d: int) -> Problem:
    a, p, f_opt, x_opt = _HARTMANN[d]

    def fn(v: np.ndarray) -> float:
        return float(-(_ALPHA * np.exp(-(a * (v - p) ** 2).sum(axis=1))).sum())

    return continuous(f"hartmann{d}", fn, [(0.0, 1.0)] * d, f_opt, np.array(x_opt))


def rosenbrock(d: int) -> Problem:
    x_opt = np.ones(d)

    def fn(v: np.ndarray) -> float:
        return float((100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum())

    return continuous(f"rosenbrock{d}", fn, shifted_box(f"rosenbrock{d}", -5, 10, x_opt), 0.0, x_opt)


def ackley(d: int) -> Problem:
    x_opt = np.zeros(d)

    def fn(v: np.ndarray) -> float:
        return float(-20 * np.exp(-0.2 * np.sqrt((v ** 2).mean())) - np.exp(np.cos(2 * np.pi * v).mean())
                     + 20 + np.e)

    return continuous(f"ackley{d}", fn, shifted_box(f"ackley{d}", -32.768, 32.768, x_opt), 0.0, x_opt)


def levy(d: int) -> Problem:
    x_opt = np.ones(d)

    def fn(v: np.ndarray) -> float:
        w = 1 + (v - 1) / 4
        return float(np.sin(np.pi * w[0]) ** 2
                     + ((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2)).sum()
                     + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2))

    return continuous(f"levy{d}", fn, shifted_box(f"levy{d}", -10, 10, x_opt), 0.0, x_opt)


def styblinski_tang(d: int) -> Problem:
    x_opt = np.full(d, -2.903534027771177)

    def fn(v: np.ndarray) -> float:
        return float(0.5 * (v ** 4 - 16 * v ** 2 + 5 * v).sum())

    return continuous(f"styblinski_tang{d}", fn, shifted_box(f"styblinski_tang{d}", -5, 5, x_opt),
                      fn(x_opt), x_opt)
