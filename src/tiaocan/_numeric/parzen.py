"""Parzen estimators for TPE, in the unit cube.

References:
    Bergstra, Bardenet, Bengio, Kégl (2011). Algorithms for Hyper-Parameter Optimization. NeurIPS.
    Watanabe (2023). Tree-Structured Parzen Estimator: Understanding Its Algorithm Components
    and Their Roles for Better Empirical Performance. arXiv:2304.11127.

A mixture of product kernels: numerical coordinates get normal kernels truncated to [0, 1]
(discrete coordinates — integers, stepped floats — the kernel's mass over the value's cell),
categorical coordinates an Aitchison–Aitken-like kernel; a prior kernel (wide normal, uniform
categories) with weight ``prior_weight`` keeps the density positive everywhere.
Kernels are joint over the dimensions given (multivariate TPE passes a group of parameters,
univariate TPE one parameter at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ParzenEstimator", "default_weights", "fit_parzen", "log_diff_ndtr"]

_PRIOR_SIGMA = 1.0  # width of the prior kernel over the unit interval (Watanabe 2023, Sec. 3.3)
_SCOTT_MAGIC = 0.2  # multivariate bandwidth scale, sigma = 0.2 n^(-1/(d+4)) (Scott's rule)


@dataclass(frozen=True)
class ParzenEstimator:
    """A fitted mixture. Shapes: ``k`` kernels, ``d`` numerical and ``c`` categorical dims.

    Attributes:
        log_weights: (k,) log mixture weights (sum of weights = 1).
        mus, sigmas: (k, d) kernel centres and bandwidths in [0, 1].
        edges: per numerical dim, sorted cell edges of a discrete coordinate, or None.
        cat_log_probs: per categorical dim, (k, n_choices) log probabilities.
    """

    log_weights: np.ndarray
    mus: np.ndarray
    sigmas: np.ndarray
    edges: tuple[np.ndarray | None, ...]
    cat_log_probs: tuple[np.ndarray, ...]

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws: numerical (n, d) in [0, 1] (discrete ones at cell centres), categorical (n, c)."""
        from scipy.special import ndtr, ndtri

        k = rng.choice(len(self.log_weights), size=n, p=np.exp(self.log_weights))
        mu, sigma = self.mus[k], self.sigmas[k]
        lo, hi = ndtr(-mu / sigma), ndtr((1.0 - mu) / sigma)
        # inverse-CDF draw of a truncated normal; [lo, hi] contains 0.5 since mu is in [0, 1]
        u = lo + rng.random(mu.shape) * (hi - lo)
        x = np.clip(mu + sigma * ndtri(np.clip(u, 1e-300, 1 - 1e-16)), 0.0, 1.0)
        for j, e in enumerate(self.edges):
            if e is not None:
                cell = np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
                x[:, j] = 0.5 * (e[cell] + e[cell + 1])
        cats = np.empty((n, len(self.cat_log_probs)), dtype=int)
        for j, lp in enumerate(self.cat_log_probs):
            p = np.exp(lp[k])
            cum = np.cumsum(p, axis=1)
            r = rng.random(n)[:, None] * cum[:, -1:]
            cats[:, j] = np.minimum((cum < r).sum(axis=1), lp.shape[1] - 1)
        return x, cats

    def __post_init__(self) -> None:
        from scipy.special import ndtr

        mu, sigma = self.mus, self.sigmas
        cont = np.array([e is None for e in self.edges], dtype=bool)
        # log normaliser of each truncated kernel; [0, 1] holds mu, so no tail cancellation
        log_norm = np.log(ndtr((1.0 - mu) / sigma) - ndtr(-mu / sigma))
        const = -(np.log(sigma) + 0.5 * np.log(2 * np.pi) + log_norm)[:, cont].sum(axis=1)
        if not cont.all():  # a discrete kernel's cell masses are normalised by its mass on [0, 1]
            md, sd = mu[:, ~cont], sigma[:, ~cont]
            const -= log_diff_ndtr(-md / sd, (1.0 - md) / sd).sum(axis=1)
        object.__setattr__(self, "_cont", cont)
        object.__setattr__(self, "_offset", self.log_weights + const)
        # Σ_d ((x_d - μ_kd)/σ_kd)² = x²·w - 2 x·(μw) + Σ μ²w with w = 1/σ²: two small GEMMs
        w = 1.0 / sigma[:, cont] ** 2
        object.__setattr__(self, "_quad", (w.T, (mu[:, cont] * w).T, (mu[:, cont] ** 2 * w).sum(1)))

    def log_pdf(self, x: np.ndarray, cats: np.ndarray) -> np.ndarray:
        """Log density (mass, for discrete coordinates) of ``m`` points, shape (m,)."""
        cont: np.ndarray = self._cont  # type: ignore[attr-defined]
        total = np.broadcast_to(self._offset, (len(x), len(self.log_weights))).copy()  # type: ignore[attr-defined]
        if cont.any():
            w_t, muw_t, mu2w = self._quad  # type: ignore[attr-defined]
            xc = x[:, cont]
            total -= 0.5 * np.maximum((xc * xc) @ w_t - 2.0 * xc @ muw_t + mu2w, 0.0)
        for j, e in enumerate(self.edges):
            if e is not None:
                total += self._log_cell_mass(j, e, x[:, j])
        for j, lp in enumerate(self.cat_log_probs):
            total += lp[:, cats[:, j]].T
        top = total.max(axis=1, keepdims=True)
        return np.asarray((top + np.log(np.exp(total - top).sum(axis=1, keepdims=True)))[:, 0])


    def _log_cell_mass(self, j: int, e: np.ndarray, xj: np.ndarray) -> np.ndarray:
        """(m, k) log mass of each kernel on the cell holding each point, for discrete dim j.

        Φ is evaluated once per distinct cell edge (few, as candidates share cells), on the
        side of the lower tail for accuracy. Masses are floored at 1e-300: the prior kernel
        (sigma = 1) gives every cell ~1e-3 of its width, so a floored term changes nothing.
        """
        from scipy.special import ndtr

        cell = np.clip(np.searchsorted(e, xj, side="right") - 1, 0, len(e) - 2)
        cells, per_point = np.unique(cell, return_inverse=True)  # work per distinct cell
        z_lo = (e[cells][:, None] - self.mus[:, j]) / self.sigmas[:, j]  # (c, k)
        z_hi = (e[cells + 1][:, None] - self.mus[:, j]) / self.sigmas[:, j]
        # Both edges above the centre: a difference of upper tails, else of lower tails, so
        # each Φ is evaluated where it is exact: Φ(-z_lo) - Φ(-z_hi) or Φ(z_hi) - Φ(z_lo).
        upper = z_lo > 0
        sign = np.where(upper, -1.0, 1.0)
        mass = np.abs(ndtr(sign * z_hi) - ndtr(sign * z_lo))
        return np.asarray(np.log(np.maximum(mass, 1e-300)))[per_point]


def log_diff_ndtr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails."""
    from scipy.special import log_ndtr, ndtr

    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    flip = a > 0  # upper tail: Phi(b) - Phi(a) = Phi(-a) - Phi(-b)
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    diff = ndtr(hi) - ndtr(lo)
    out = np.log(np.maximum(diff, 1e-300))
    tail = diff < 1e-10  # cancellation: redo these in log space
    if tail.any():
        lhi, llo = log_ndtr(hi[tail]), log_ndtr(lo[tail])
        gap = np.clip(llo - lhi, -np.inf, -1e-300)
        out[tail] = lhi + np.log(-np.expm1(gap))
    return np.asarray(np.maximum(out, -1e4))


def default_weights(n: int) -> np.ndarray:
    """Observation weights: the 25 newest count fully, older ones ramp down (Watanabe 2023, Sec. 3.4).

    >>> default_weights(3).tolist()
    [1.0, 1.0, 1.0]
    """
    if n < 25:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - 25), np.ones(25)])


def fit_parzen(
    x: np.ndarray, cats: np.ndarray, n_choices: Sequence[int], *,
    edges: Sequence[np.ndarray | None] | None = None, weights: np.ndarray | None = None,
    prior_weight: float = 1.0, bandwidth: str = "neighbour",
) -> ParzenEstimator:
    """Fit a Parzen estimator to observations (rows in the unit cube / category indices).

    Args:
        x: (n, d) numerical coordinates in [0, 1].
        cats: (n, c) category indices.
        n_choices: number of choices of each categorical dim.
        edges: cell edges of discrete numerical dims (None for continuous ones).
        weights: (n,) observation weights (default equal).
        prior_weight: weight of the prior kernel, relative to one observation's.
        bandwidth: ``"neighbour"``, per dimension the wider gap to a neighbouring observation
            (Bergstra et al. 2011; Optuna's default also for joint kernels), or ``"scott"``,
            one Scott-rule width 0.2 n^(-1/(d+4)) (Falkner et al. 2018).

    >>> pe = fit_parzen(np.array([[0.2], [0.3]]), np.zeros((2, 0), int), [])
    >>> bool(pe.log_pdf(np.array([[0.25]]), np.zeros((1, 0), int))[0] > 0)
    True
    """
    x = np.asarray(x, float)
    n, d = x.shape
    edges_t = tuple(edges) if edges is not None else (None,) * d
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    w = np.append(w, prior_weight)
    log_weights = np.log(w / w.sum())
    sigmas = _bandwidths(x, bandwidth, edges_t)
    mus = np.vstack([x, np.full((1, d), 0.5)])
    sigmas = np.vstack([sigmas, np.full((1, d), _PRIOR_SIGMA)])
    cat_lp = []
    for j, k in enumerate(n_choices):
        probs = np.full((n + 1, k), prior_weight / max(n, 1) / k)
        probs[np.arange(n), np.asarray(cats[:, j], int)] += 1.0
        probs[n] = 1.0 / k
        cat_lp.append(np.log(probs / probs.sum(axis=1, keepdims=True)))
    return ParzenEstimator(log_weights, mus, sigmas, edges_t, tuple(cat_lp))


def _bandwidths(x: np.ndarray, bandwidth: str, edges: tuple[np.ndarray | None, ...]) -> np.ndarray:
    n, d = x.shape
    if n == 0:
        return np.empty((0, d))
    # "magic clip": no kernel narrower than 1/min(100, kernels + 1) of the range (Bergstra 2011)
    floor = 1.0 / min(100.0, n + 2.0)  # n observations and the prior kernel
    if bandwidth == "scott":
        sigma = np.full((n, d), _SCOTT_MAGIC * max(n, 1) ** (-1.0 / (d + 4)))
    else:  # the wider gap to a sorted neighbour, the box ends not counted as neighbours
        sigma = np.empty((n, d))
        for j in range(d):
            order = np.argsort(x[:, j], kind="stable")
            pts = np.concatenate([[0.0], x[order, j], [1.0]])
            gaps = np.maximum(pts[1:-1] - pts[:-2], pts[2:] - pts[1:-1])
            if n >= 2:
                gaps[0], gaps[-1] = pts[2] - pts[1], pts[-2] - pts[-3]
            sigma[order, j] = gaps
    for j, e in enumerate(edges):
        if e is not None:  # never narrower than half a cell, so neighbours keep some mass
            sigma[:, j] = np.maximum(sigma[:, j], 0.5 * float(np.min(np.diff(e))))
    return np.asarray(np.clip(sigma, floor, 1.0))
