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

A history of a thousand trials makes a thousand kernels, evaluated at every candidate: the
work is vectorised, repeated kernels of a discrete coordinate share their normal CDFs, and
CDFs, logs and exps are skipped only where their value is known exactly (far tails,
underflow), so the densities equal the direct formulas bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ParzenEstimator", "default_weights", "fit_parzen", "log_cell_mass", "log_diff_ndtr",
           "stable_orders"]

_PRIOR_SIGMA = 1.0  # width of the prior kernel over the unit interval (Watanabe 2023, Sec. 3.3)
_SCOTT_MAGIC = 0.2  # multivariate bandwidth scale, sigma = 0.2 n^(-1/(d+4)) (Scott's rule)
# Work skipped only where its result is known bit for bit (a large history's kernels are
# narrow, so most kernel-point pairs are far apart):
_EXACT_TAIL = 8.5  # Φ(-8.5) ≈ 9.5e-18 < 2^-54: beyond ±8.5, Φ(z) and 1 - Φ(-z) round to 1
_MASS_FLOOR = 1e-300  # smallest cell mass used (keeps logs finite)
_LOG_MASS_FLOOR = float(np.log(np.full(1, _MASS_FLOOR))[0])
_FAR_TAIL = 37.5  # Φ(-37.5) ≈ 4.6e-308: a cell this many widths away gets the floor
_EXP_ZERO = -746.0  # exp(x) is exactly 0 below about -745.13 (smallest subnormal 4.9e-324)
_SMALL = 4096  # array sizes below which skipping work costs more than doing it
_DEDUP_MIN = 64  # kernels from which repeated ones are merged before evaluating CDFs


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

    def sample(self, rng: np.random.Generator, n: int,
               widen: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws: numerical (n, d) in [0, 1] (discrete ones at cell centres), categorical (n, c).

        ``widen`` multiplies the numerical bandwidths of the draw (not of the density): BOHB
        draws its candidates from l(x) with widths times 3 to keep them diverse (Falkner et al.
        2018, Algorithm 2, line 9).
        """
        from scipy.special import ndtr, ndtri

        k = rng.choice(len(self.log_weights), size=n, p=np.exp(self.log_weights))
        mu, sigma = self.mus[k], self.sigmas[k] * widen
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
        mu, sigma = self.mus, self.sigmas
        cont = np.array([e is None for e in self.edges], dtype=bool)
        mc, sc = mu[:, cont], sigma[:, cont]
        # log normaliser of each truncated kernel; [0, 1] holds mu, so no tail cancellation
        log_norm = _log_unit_mass(-mc / sc, (1.0 - mc) / sc)
        const = -(np.log(sc) + 0.5 * np.log(2 * np.pi) + log_norm).sum(axis=1)
        dims = np.flatnonzero(~cont)
        md, sd = mu[:, dims], sigma[:, dims]
        discrete: list[tuple[int, Any, np.ndarray, np.ndarray, np.ndarray | None]] = []
        if len(mu) < _DEDUP_MIN:
            log_unit = log_diff_ndtr(-md / sd, (1.0 - md) / sd)
            for i, j in enumerate(dims):
                discrete.append((int(j), self.edges[j], md[:, i], sd[:, i], None))
        else:
            # Kernels repeat on a discrete coordinate (observations share cells, and so
            # bandwidths): the normal CDFs are taken once per distinct (centre, width) pair.
            log_unit = np.empty(md.shape)
            for i, j in enumerate(dims):
                pairs, inverse = np.unique(md[:, i] + 1j * sd[:, i], return_inverse=True)
                mu_u, sigma_u = pairs.real.copy(), pairs.imag.copy()
                log_unit[:, i] = log_diff_ndtr(-mu_u / sigma_u, (1.0 - mu_u) / sigma_u)[inverse]
                discrete.append((int(j), self.edges[j], mu_u, sigma_u, inverse.reshape(-1)))
        if len(dims):  # a discrete kernel's cell masses are normalised by its mass on [0, 1]
            const -= log_unit.sum(axis=1)
        object.__setattr__(self, "_cont", cont)
        object.__setattr__(self, "_discrete", tuple(discrete))
        object.__setattr__(self, "_offset", self.log_weights + const)
        # Σ_d ((x_d - μ_kd)/σ_kd)² = x²·w - 2 x·(μw) + Σ μ²w with w = 1/σ²: two small GEMMs
        w = 1.0 / sc**2
        object.__setattr__(self, "_quad", (w.T, (mc * w).T, (mc**2 * w).sum(1)))

    def log_pdf(self, x: np.ndarray, cats: np.ndarray) -> np.ndarray:
        """Log density (mass, for discrete coordinates) of ``m`` points, shape (m,)."""
        cont: np.ndarray = self._cont  # type: ignore[attr-defined]
        offset: np.ndarray = self._offset  # type: ignore[attr-defined]
        if cont.any():
            w_t, muw_t, mu2w = self._quad  # type: ignore[attr-defined]
            xc = x[:, cont]
            quad = (xc * xc) @ w_t
            quad -= 2.0 * (xc @ muw_t)  # in place; doubling is exact, so the same as (2x)·(μw)
            quad += mu2w
            np.maximum(quad, 0.0, out=quad)
            quad *= 0.5
            total = offset - quad
        else:
            total = np.broadcast_to(offset, (len(x), len(offset))).copy()
        for j, e, mu_u, sigma_u, inverse in self._discrete:  # type: ignore[attr-defined]
            total += log_cell_mass(e, x[:, j], mu_u, sigma_u, inverse)
        for j, lp in enumerate(self.cat_log_probs):
            total += lp[:, cats[:, j]].T
        return _logsumexp_rows(total)


def log_cell_mass(edges: np.ndarray, xj: np.ndarray, mus: np.ndarray, sigmas: np.ndarray,
                  inverse: np.ndarray | None = None) -> np.ndarray:
    """(m, k) log mass of each normal kernel on the cell of ``edges`` holding each point.

    Args:
        edges: sorted cell edges of one discrete coordinate.
        xj: (m,) points in [0, 1].
        mus, sigmas: (u,) distinct kernels' centres and widths.
        inverse: (k,) the distinct kernel of each kernel (default: kernel i is ``mus[i]``).

    Φ is evaluated once per distinct cell and distinct kernel (few of each: candidates share
    cells, observations share centres), on the side of the lower tail for accuracy. Masses
    are floored at 1e-300: the prior kernel (sigma = 1) gives every cell ~1e-3 of its width,
    so a floored term changes nothing.
    """
    cell = np.minimum(np.maximum(np.searchsorted(edges, xj, side="right") - 1, 0), len(edges) - 2)
    present = np.zeros(len(edges) - 1, bool)  # work per distinct cell
    present[cell] = True
    cells = np.flatnonzero(present)
    per_point = (np.cumsum(present) - 1)[cell]
    z_lo = (edges[cells][:, None] - mus) / sigmas  # (c, u)
    z_hi = (edges[cells + 1][:, None] - mus) / sigmas
    if z_lo.size <= _SMALL:
        log_mass = _log_mass_between(z_lo, z_hi)
    else:
        # A cell 37.5 widths or more away from a kernel has mass below Φ(-37.5) < 1e-300,
        # the floor: such pairs (many, in a large history) take it without evaluating Φ.
        log_mass = np.full(z_lo.shape, _LOG_MASS_FLOOR)
        near = ~((z_hi <= -_FAR_TAIL) | (z_lo >= _FAR_TAIL))
        log_mass[near] = _log_mass_between(z_lo[near], z_hi[near])
    if inverse is not None:  # (c, u) -> (c, k) -> (m, k): the second take copies whole rows
        log_mass = log_mass.take(inverse, axis=1)
    return np.asarray(log_mass.take(per_point, axis=0))


def _log_mass_between(z_lo: np.ndarray, z_hi: np.ndarray) -> np.ndarray:
    """``log(Φ(z_hi) - Φ(z_lo))`` for ``z_lo < z_hi``, floored at ``_MASS_FLOOR``.

    Both edges above the centre: a difference of upper tails, else of lower tails, so each
    Φ is evaluated where it is exact: Φ(-z_lo) - Φ(-z_hi) or Φ(z_hi) - Φ(z_lo).
    """
    from scipy.special import ndtr

    sign = np.where(z_lo > 0, -1.0, 1.0)
    mass = np.abs(ndtr(sign * z_hi) - ndtr(sign * z_lo))
    return np.asarray(np.log(np.maximum(mass, _MASS_FLOOR)))


def _log_unit_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= 0 <= b``, equal to the direct formula bit for bit.

    A narrow kernel away from the box ends (most kernels of a large history) has both
    arguments beyond ``_EXACT_TAIL``, where the difference rounds to exactly 1 and its log
    to 0: Φ and the log are skipped there.
    """
    from scipy.special import ndtr

    if np.size(a) <= _SMALL:
        return np.asarray(np.log(ndtr(b) - ndtr(a)))
    out = np.zeros(np.shape(a))
    near = (a > -_EXACT_TAIL) | (b < _EXACT_TAIL)
    out[near] = np.log(ndtr(b[near]) - ndtr(a[near]))
    return out


def _logsumexp_rows(values: np.ndarray) -> np.ndarray:
    """``log(sum(exp(values), axis=1))``, shifted by the row maxima.

    exp of a shifted value below ``_EXP_ZERO`` is exactly 0, but libm reaches it through its
    slow underflow path; most kernels are that far from a point, so those terms are set
    directly (the sums, and so the result, are unchanged bit for bit).
    """
    top = values.max(axis=1, keepdims=True)
    shifted = values - top
    live = ~(shifted <= _EXP_ZERO)  # NaN stays live, so it propagates as before
    terms = np.zeros_like(shifted)
    terms[live] = np.exp(shifted[live])
    return np.asarray((top + np.log(terms.sum(axis=1, keepdims=True)))[:, 0])


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
    prior_weight: float = 1.0, bandwidth: str = "neighbour", orders: np.ndarray | None = None,
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
        orders: (d, n) ``stable_orders(x)``, when the caller has it (else computed here).

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
    sigmas = _bandwidths(x, bandwidth, edges_t, orders)
    mus = np.empty((n + 1, d))
    mus[:n], mus[n] = x, 0.5
    sigmas = np.concatenate([sigmas, np.full((1, d), _PRIOR_SIGMA)])
    cat_lp = []
    for j, k in enumerate(n_choices):
        # a kernel's probabilities depend only on its category: one row per category, then
        # the prior's row, gathered per observation
        table = np.full((k + 1, k), prior_weight / max(n, 1) / k)
        table[np.arange(k), np.arange(k)] += 1.0
        table[k] = 1.0 / k
        log_table = np.log(table / table.sum(axis=1, keepdims=True))
        row_of = np.append(np.arange(k)[np.asarray(cats[:, j], int)], k)
        cat_lp.append(log_table.take(row_of, axis=0))
    return ParzenEstimator(log_weights, mus, sigmas, edges_t, tuple(cat_lp))


def stable_orders(x: np.ndarray, hint: np.ndarray | None = None) -> np.ndarray:
    """(d, n) stable argsort of each column of ``x`` (n, d): ties in row order.

    ``hint`` (d, n), a guess of the result (say, the previous proposal's order, mapped to these
    rows), makes the sort near linear: the rows are sorted in the hint's order, which is
    almost sorted already. The result is checked (a permutation, ties in row order), so a
    wrong hint costs time, never correctness.
    """
    n, d = x.shape
    xt = np.ascontiguousarray(x.T)  # (d, n): one row per dimension
    if hint is not None and hint.shape == (d, n) and n:
        offsets = (np.arange(d) * n)[:, None]  # flat takes: take_along_axis is much slower
        flat = (hint + offsets).reshape(-1)
        if (np.bincount(flat, minlength=d * n) == 1).all():  # a permutation in every column
            pre = xt.reshape(-1).take(flat, mode="clip")
            within = np.array([np.argsort(row, kind="stable") for row in pre.reshape(d, n)],
                              dtype=np.intp).reshape(d, n)
            flat_within = (within + offsets).reshape(-1)
            order = hint.reshape(-1).take(flat_within, mode="clip").reshape(d, n)
            values = pre.take(flat_within, mode="clip").reshape(d, n)
            misplaced = (values[:, 1:] == values[:, :-1]) & (order[:, 1:] < order[:, :-1])
            for j in np.flatnonzero(misplaced.any(axis=1)):  # ties out of row order: redo
                order[j] = np.argsort(xt[j], kind="stable")
            return np.asarray(order)
    return np.array([np.argsort(row, kind="stable") for row in xt], dtype=np.intp).reshape(d, n)


def _bandwidths(x: np.ndarray, bandwidth: str, edges: tuple[np.ndarray | None, ...],
                orders: np.ndarray | None = None) -> np.ndarray:
    n, d = x.shape
    if n == 0:
        return np.empty((0, d))
    # "magic clip": no kernel narrower than 1/min(100, kernels + 1) of the range (Bergstra 2011)
    floor = 1.0 / min(100.0, n + 2.0)  # n observations and the prior kernel
    if bandwidth == "scott":
        sigma = np.full((n, d), _SCOTT_MAGIC * max(n, 1) ** (-1.0 / (d + 4)))
    else:  # the wider gap to a sorted neighbour, the box ends not counted as neighbours
        xt = np.ascontiguousarray(x.T)  # (d, n): one row per dimension
        # stable, so tied observations get their gaps in trial order
        order = stable_orders(x) if orders is None else orders
        flat = (order + (np.arange(d) * n)[:, None]).reshape(-1)  # into xt.reshape(-1)
        pts = np.empty((d, n + 2))
        pts[:, 0], pts[:, -1] = 0.0, 1.0
        pts[:, 1:-1] = xt.reshape(-1).take(flat).reshape(d, n)
        step = pts[:, 1:] - pts[:, :-1]
        gaps = np.maximum(step[:, :-1], step[:, 1:])
        if n >= 2:
            gaps[:, 0], gaps[:, -1] = step[:, 1], step[:, -2]
        sigma_t = np.empty(d * n)
        sigma_t[flat] = gaps.reshape(-1)
        sigma = sigma_t.reshape(d, n).T
    for j, e in enumerate(edges):
        if e is not None:  # never narrower than half a cell, so neighbours keep some mass
            sigma[:, j] = np.maximum(sigma[:, j], 0.5 * float(np.min(np.diff(e))))
    return np.asarray(np.clip(sigma, floor, 1.0))
