"""Discrete, categorical, conditional and noisy problems with a known optimum.

- ``int_ellipsoid6``: six integers in [-20, 20], a rotated ill-conditioned bowl whose
  optimum sits between grid points (the best integer point is found by enumeration nearby).
- ``ordinal8``: eight numeric choices (log-spaced grids such as [1, 2, 4, ..., 256]), a
  quadratic in the log of each with interactions: order matters, labels do not.
- ``nominal10``: ten nominal parameters of five labels; a fixed random cost per label plus
  pairwise interactions between neighbours (no order to exploit).
- ``floats_nominal``: four floats (shifted Rosenbrock) plus three nominal parameters whose
  best labels change the continuous optimum's depth.
- ``conditional``: a model choice with its own parameters below each branch, of unequal size.
- ``hartmann6_noisy``, ``branin2_noisy``: Gaussian noise on each evaluation; regret is taken
  on the noiseless value (``Problem.noise``, added by the runner with the run's seed).
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem, shifted_box
from benchmarks.problems.synthetic import branin, hartmann

__all__ = ["DISCRETE"]


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def int_ellipsoid6() -> Problem:
    d, rng = 6, _rng("int_ellipsoid6")
    centre = rng.uniform(-12, 12, d)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    w = 10.0 ** (3 * np.arange(d) / (d - 1))  # condition number 1e3

    def f(x: Mapping[str, Any]) -> float:
        z = q @ (np.array([x[f"k{i}"] for i in range(d)], float) - centre)
        return float((w * z ** 2).sum())

    # The integer optimum, searched within two units of the rounded real one (5^6 points).
    steps = np.array(list(itertools.product(range(-2, 3), repeat=d)))
    z = (np.round(centre) + steps - centre) @ q.T
    best = np.round(centre).astype(int) + steps[int((w * z ** 2).sum(axis=1).argmin())]
    x_opt = {f"k{i}": int(v) for i, v in enumerate(best)}
    space = tc.Space(**{f"k{i}": tc.Int(-20, 20) for i in range(d)})
    return Problem("int_ellipsoid6", space, f, f(x_opt), x_opt, kind="integer")


_GRIDS = [[2 ** i for i in range(9)], [10.0 ** -i for i in range(7)], [16, 32, 64, 128, 256, 512],
          [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [1, 2, 3, 4, 5, 6, 7, 8], [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0],
          [4, 8, 16, 32], [0.5, 0.9, 0.99, 0.999]]


def ordinal8() -> Problem:
    rng = _rng("ordinal8")
    pos = [rng.uniform(0.2, 0.8) for _ in _GRIDS]  # the best relative position on each grid
    coupling = rng.normal(0, 0.5, len(_GRIDS) - 1)

    def rel(name: str, v: Any) -> float:
        grid = _GRIDS[int(name[1:])]
        return grid.index(v) / (len(grid) - 1)

    def f(x: Mapping[str, Any]) -> float:
        u = np.array([rel(f"o{i}", x[f"o{i}"]) for i in range(len(_GRIDS))]) - pos
        return float(4 * (u ** 2).sum() + (coupling * u[:-1] * u[1:]).sum())

    # The exact optimum: every grid point (1.7 million), vectorised.
    rels = [np.arange(len(g)) / (len(g) - 1) - p for g, p in zip(_GRIDS, pos)]
    mesh = np.stack([m.ravel() for m in np.meshgrid(*rels, indexing="ij")], axis=1)
    scores = 4 * (mesh ** 2).sum(axis=1) + (coupling * mesh[:, :-1] * mesh[:, 1:]).sum(axis=1)
    best = np.unravel_index(int(scores.argmin()), [len(g) for g in _GRIDS])
    x = {f"o{i}": g[j] for i, (g, j) in enumerate(zip(_GRIDS, best))}
    space = tc.Space(**{f"o{i}": tc.Categorical(g) for i, g in enumerate(_GRIDS)})
    return Problem("ordinal8", space, f, f(x), x, kind="ordinal")


def nominal10() -> Problem:
    d, k, rng = 10, 5, _rng("nominal10")
    labels = ["a", "b", "c", "d", "e"]
    unary = rng.uniform(0, 1, (d, k))
    pair = rng.uniform(0, 0.6, (d - 1, k, k))

    def f(x: Mapping[str, Any]) -> float:
        idx = [labels.index(x[f"c{i}"]) for i in range(d)]
        return float(sum(unary[i, j] for i, j in enumerate(idx))
                     + sum(pair[i, idx[i], idx[i + 1]] for i in range(d - 1)))

    # A chain: the exact optimum by dynamic programming (Viterbi).
    cost, back = unary[0].copy(), []
    for i in range(1, d):
        total = cost[:, None] + pair[i - 1] + unary[i][None, :]
        back.append(total.argmin(axis=0))
        cost = total.min(axis=0)
    idx = [int(cost.argmin())]
    for b in reversed(back):
        idx.append(int(b[idx[-1]]))
    x_opt = {f"c{i}": labels[j] for i, j in enumerate(reversed(idx))}
    space = tc.Space(**{f"c{i}": tc.Categorical(labels) for i in range(d)})
    return Problem("nominal10", space, f, f(x_opt), x_opt, kind="nominal")


_FN_X = np.ones(4)
_FN_BOX = shifted_box("floats_nominal", -2.0, 3.0, _FN_X)
_FN_COST = {"n0": {"red": 0.0, "green": 2.0, "blue": 5.0},
            "n1": {"lin": 3.0, "poly": 0.0, "rbf": 1.0, "sig": 6.0},
            "n2": {"on": 0.0, "off": 4.0}}


def _floats_nominal(x: Mapping[str, Any]) -> float:
    v = np.array([x[f"x{i}"] for i in range(4)])
    rosen = float((100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum())
    penalty = sum(_FN_COST[n][x[n]] for n in _FN_COST)
    return math.log1p(rosen) + penalty * (1 + 0.1 * abs(v[0] - 1))


def floats_nominal() -> Problem:
    space = tc.Space(**{f"x{i}": tc.Float(*_FN_BOX[i]) for i in range(4)},
                     **{n: tc.Categorical(list(c)) for n, c in _FN_COST.items()})
    x_opt = {**{f"x{i}": 1.0 for i in range(4)}, "n0": "red", "n1": "poly", "n2": "on"}
    return Problem("floats_nominal", space, _floats_nominal, 0.0, x_opt, kind="mixed")


def _conditional(x: Mapping[str, Any]) -> float:
    if x["model"] == "linear":  # a simple branch with a worse floor
        return 0.5 + (math.log10(x["reg"]) + 2.3) ** 2 / 4
    if x["model"] == "tree":
        return 0.3 + 0.02 * (x["depth"] - 7) ** 2 + 3 * (x["min_frac"] - 0.05) ** 2
    # "net": the best branch, with the most knobs
    return (0.1 * (math.log10(x["lr"]) + 2.6) ** 2 + 0.5 * (x["dropout"] - 0.35) ** 2
            + 0.05 * (math.log2(x["units"]) - 7) ** 2 + (0.0 if x["act"] == "gelu" else 0.15))


def conditional() -> Problem:
    space = tc.Space(
        model=tc.Categorical(["linear", "tree", "net"]),
        reg=tc.Float(1e-5, 10.0, log=True, when={"model": "linear"}),
        depth=tc.Int(1, 16, when={"model": "tree"}),
        min_frac=tc.Float(0.0, 0.5, when={"model": "tree"}),
        lr=tc.Float(1e-5, 1.0, log=True, when={"model": "net"}),
        dropout=tc.Float(0.0, 0.8, when={"model": "net"}),
        units=tc.Int(8, 1024, log=True, when={"model": "net"}),
        act=tc.Categorical(["relu", "tanh", "gelu"], when={"model": "net"}),
    )
    x_opt = {"model": "net", "lr": 10 ** -2.6, "dropout": 0.35, "units": 128, "act": "gelu"}
    return Problem("conditional", space, _conditional, 0.0, x_opt, kind="conditional")


def _noisy(base: Problem, name: str, sd: float) -> Problem:
    return Problem(name, base.space, base.f, base.optimum, base.optimum_x, kind="noisy", noise=sd)


#: Name → factory.
DISCRETE: dict[str, Callable[[], Problem]] = {
    "int_ellipsoid6": int_ellipsoid6,
    "ordinal8": ordinal8,
    "nominal10": nominal10,
    "floats_nominal": floats_nominal,
    "conditional": conditional,
    "hartmann6_noisy": lambda: _noisy(hartmann(6), "hartmann6_noisy", 0.1),
    "branin2_noisy": lambda: _noisy(branin(), "branin2_noisy", 2.0),
}
