"""Multi-fidelity Hartmann-3 and -6, with informative and misleading low fidelities.

Hartmann functions (Dixon & Szegő 1978; constants from Surjanovic & Bingham's library):
``f(x) = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2)`` on ``[0, 1]^d``, minima -3.86278
(d = 3) and -3.32237 (d = 6). The fidelity version of Kandasamy et al. (2017), "Multi-fidelity
Bayesian Optimisation with Continuous Approximations" (BOCA), lowers the weights at low
fidelity, ``alpha'(z) = alpha - b (1 - s(z))``; as in mfpbench's MF-Hartmann (Mallik et al.
2023, "PriorBand"), ``s(z)`` is the log-scaled fidelity in [0, 1] and the low fidelities also
get noise ``|N(0, 1)| * n (1 - s(z))``. Presets: *good* ``(b, n) = (0.5, 0.1)`` keeps the
ranking (informative); *terrible* ``(4.0, 0.8)`` flips the sign of every weight at the lowest
fidelity, so the best low-fidelity points are the worst ones (misleading).
Cost: one simulated second per fidelity unit (epochs 1..27).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.mf_base import MFProblem

__all__ = ["PRESETS", "mf_hartmann"]

ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
A3 = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
P3 = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                      [381, 5743, 8828]])
A6 = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
               [17, 8, 0.05, 10, 0.1, 14]])
P6 = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                      [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
OPTIMA = {3: -3.86278, 6: -3.32237}
PRESETS = {"good": (0.5, 0.1), "terrible": (4.0, 0.8)}
LOW, HIGH = 1, 27


def _scaled(z: float) -> float:
    return float(np.log(z / LOW) / np.log(HIGH / LOW))


def _hartmann(x: np.ndarray, alpha: np.ndarray, d: int) -> float:
    a, p = (A3, P3) if d == 3 else (A6, P6)
    return float(-np.sum(alpha * np.exp(-np.sum(a * (x[None, :] - p) ** 2, axis=1))))


def mf_hartmann(d: int, preset: str) -> MFProblem:
    bias, noise = PRESETS[preset]
    names = [f"x{i}" for i in range(d)]
    space = tc.Space({n: tc.Float(0.0, 1.0) for n in names})

    def vec(x: Mapping[str, Any]) -> np.ndarray:
        return np.array([x[n] for n in names], float)

    def loss(x: Mapping[str, Any], z: float) -> float:
        s = _scaled(z)
        v = vec(x)
        seed = zlib.crc32(np.round(np.append(v, z), 12).tobytes())  # the same point, the same noise
        eps = abs(np.random.default_rng(seed).standard_normal()) * noise * (1.0 - s)
        return _hartmann(v, ALPHA - bias * (1.0 - s), d) + eps

    return MFProblem(
        name=f"mf_hartmann{d}_{preset}", space=space, fidelity=tc.Fidelity("epoch", LOW, HIGH),
        loss=loss, true_loss=lambda x: _hartmann(vec(x), ALPHA, d),
        cost=lambda x, z: float(z), optimum=OPTIMA[d], resumable=True,
        steps=tuple(range(LOW, HIGH + 1)))
