"""A mixed problem: floats, a log-scale integer, a stepped integer, a categorical choice with
conditional parameters below it — the shape of a real training configuration.

The continuous part is a shifted Styblinski–Tang in 2-D; each optimizer choice has its own
conditional knob and best value; the optimum is known by construction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem, shifted_box

__all__ = ["mixed"]

_X_OPT = np.full(2, -2.903534027771177)
_BOX = shifted_box("mixed", -5, 5, _X_OPT)
_OPTIMUM = {"x0": float(_X_OPT[0]), "x1": float(_X_OPT[1]), "width": 12, "layers": 6,
            "opt": "adam", "beta": 0.95}


def _f(x: Mapping[str, Any]) -> float:
    v = np.array([x["x0"], x["x1"]])
    st = 0.5 * float((v ** 4 - 16 * v ** 2 + 5 * v).sum()) / 10.0 + 7.832  # ≈ 0 at the optimum
    size = 0.5 * (math.log2(x["width"]) - math.log2(12)) ** 2 + 0.05 * (x["layers"] - 6) ** 2
    if x["opt"] == "sgd":
        choice = 1.5
    elif x["opt"] == "momentum":
        choice = 0.4 + 20 * (x["momentum"] - 0.93) ** 2 + (0.0 if x["nesterov"] else 0.3)
    else:
        choice = 40 * (x["beta"] - 0.95) ** 2
    return st + size + choice


def mixed() -> Problem:
    space = tc.Space(
        x0=tc.Float(*_BOX[0]), x1=tc.Float(*_BOX[1]),
        width=tc.Int(2, 512, log=True), layers=tc.Int(0, 10, step=2),
        opt=tc.Categorical(["sgd", "momentum", "adam"]),
        momentum=tc.Float(0.5, 0.99, when={"opt": "momentum"}),
        nesterov=tc.Categorical([True, False], when={"opt": "momentum"}),
        beta=tc.Float(0.8, 0.999, when={"opt": "adam"}),
    )
    return Problem("mixed", space, _f, _f(_OPTIMUM), _OPTIMUM, kind="mixed")
