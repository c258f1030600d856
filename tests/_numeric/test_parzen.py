"""Parzen estimators: densities integrate to one, samples stay in the cube, mass follows data."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiaocan._numeric.parzen import (
    default_weights,
    fit_parzen,
    log_cell_mass,
    log_diff_ndtr,
    stable_orders,
)

NO_CATS = np.zeros((0, 0), int)


def _grid_integral(pe, n=4001):
    x = np.linspace(0.0, 1.0, n)[:, None]
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 (pyproject allows 1.24)
    return trapezoid(np.exp(pe.log_pdf(x, np.zeros((n, 0), int))), x[:, 0])


@given(st.lists(st.floats(0.0, 1.0), min_size=0, max_size=12), st.sampled_from(["neighbour", "scott"]))
@settings(max_examples=30, deadline=None)
def test_continuous_density_integrates_to_one(points, bandwidth):
    pe = fit_parzen(np.array(points, float).reshape(-1, 1), np.zeros((len(points), 0), int), [],
                    bandwidth=bandwidth)
    assert abs(_grid_integral(pe) - 1.0) < 2e-3


@given(st.lists(st.integers(0, 4), min_size=1, max_size=10), st.integers(0, 9))
@settings(max_examples=30, deadline=None)
def test_samples_stay_in_the_cube_and_on_cells(cells, seed):
    edges = np.linspace(0.0, 1.0, 6)
    x = ((np.array(cells) + 0.5) / 5.0)[:, None]
    pe = fit_parzen(x, np.zeros((len(x), 1), int), [3], edges=[edges])
    xs, cs = pe.sample(np.random.default_rng(seed), 50)
    assert ((xs >= 0) & (xs <= 1)).all() and set(np.round(xs[:, 0] * 5 - 0.5, 9)) <= set(range(5))
    assert ((cs >= 0) & (cs < 3)).all()
    # cell masses over the 5 cells sum to one
    centres = ((np.arange(5) + 0.5) / 5.0)[:, None]
    total = sum(np.exp(pe.log_pdf(centres, np.full((5, 1), c))).sum() for c in range(3))
    assert abs(total - 1.0) < 1e-9


@given(st.integers(0, 2**32 - 1), st.floats(1.5, 5.0))
@settings(max_examples=20, deadline=None)
def test_widened_draws_spread_further_and_leave_the_density_alone(seed, widen):
    x = np.array([[0.45], [0.5], [0.55]])
    pe = fit_parzen(x, np.zeros((3, 0), int), [], prior_weight=1e-9)
    grid = np.linspace(0.0, 1.0, 11)[:, None]
    before = pe.log_pdf(grid, np.zeros((11, 0), int))
    narrow, _ = pe.sample(np.random.default_rng(seed), 4000)
    wide, _ = pe.sample(np.random.default_rng(seed), 4000, widen=widen)
    assert ((wide >= 0) & (wide <= 1)).all()
    assert np.abs(wide - 0.5).mean() > 1.2 * np.abs(narrow - 0.5).mean()
    assert np.array_equal(before, pe.log_pdf(grid, np.zeros((11, 0), int)))


def test_mass_concentrates_on_observations():
    rng = np.random.default_rng(0)
    x = np.clip(rng.normal(0.8, 0.02, (30, 2)), 0, 1)
    cats = np.full((30, 1), 2)
    pe = fit_parzen(x, cats, [4])
    near, far = pe.log_pdf(np.array([[0.8, 0.8], [0.1, 0.1]]), np.array([[2], [2]]))
    assert near > far + 5
    other = pe.log_pdf(np.array([[0.8, 0.8]]), np.array([[0]]))[0]
    assert near > other + 1  # the observed category is the likely one
    xs, cs = pe.sample(rng, 200)
    assert np.mean(np.abs(xs - 0.8) < 0.2) > 0.8 and np.mean(cs[:, 0] == 2) > 0.8


def test_log_diff_ndtr_is_accurate_in_both_tails():
    from scipy.stats import norm

    a, b = np.array([-40.0, 38.0, -0.5]), np.array([-39.0, 39.0, 0.5])
    got = log_diff_ndtr(a, b)
    assert np.all(np.isfinite(got))
    assert abs(got[2] - np.log(norm.cdf(0.5) - norm.cdf(-0.5))) < 1e-12
    assert abs(got[0] - norm.logcdf(-39.0)) < 0.01  # lower tail, no -inf
    assert abs(got[1] - norm.logsf(38.0)) < 0.01


def test_default_weights_ramp_old_observations():
    w = default_weights(100)
    assert len(w) == 100 and w[0] < w[50] < w[-1] == 1.0 and (w[-25:] == 1).all()


# --- the fast paths against straightforward formulas ---------------------------------------

def _pairwise_log_cell_mass(edges, xj, mus, sigmas):
    """Every (point, kernel) pair's log cell mass, evaluated in full (the unoptimised formula)."""
    from scipy.special import ndtr

    cell = np.clip(np.searchsorted(edges, xj, side="right") - 1, 0, len(edges) - 2)
    z_lo = (edges[cell][:, None] - mus) / sigmas
    z_hi = (edges[cell + 1][:, None] - mus) / sigmas
    sign = np.where(z_lo > 0, -1.0, 1.0)  # difference of upper tails above the centre
    return np.log(np.maximum(np.abs(ndtr(sign * z_hi) - ndtr(sign * z_lo)), 1e-300))


def _reference_log_pdf(pe, x, cats):
    """The mixture density written out with scipy.stats, kernel by kernel."""
    from scipy.special import logsumexp
    from scipy.stats import norm

    total = np.tile(pe.log_weights, (len(x), 1))
    for j, e in enumerate(pe.edges):
        mu, sigma = pe.mus[:, j], pe.sigmas[:, j]
        unit = np.log(norm.cdf((1 - mu) / sigma) - norm.cdf(-mu / sigma))
        if e is None:
            total += norm.logpdf(x[:, j][:, None], mu, sigma) - unit
        else:
            cell = np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
            lo, hi = (e[cell][:, None] - mu) / sigma, (e[cell + 1][:, None] - mu) / sigma
            mass = np.where(lo > 0, norm.sf(lo) - norm.sf(hi), norm.cdf(hi) - norm.cdf(lo))
            total += np.log(np.maximum(mass, 1e-300)) - unit
    for j, lp in enumerate(pe.cat_log_probs):
        total += lp[:, cats[:, j]].T
    return logsumexp(total, axis=1)


def _discrete_data(rng, n, d, n_cells):
    """Points on cell centres of ``d`` coordinates with ``n_cells`` cells, some log-spaced."""
    edges, x = [], rng.random((n, d))
    for j in range(d):
        e = np.linspace(0, 1, n_cells + 1) if j % 2 == 0 else np.geomspace(1, 2, n_cells + 1) - 1
        edges.append(e)
        cell = np.minimum((x[:, j] * n_cells).astype(int), n_cells - 1)
        x[:, j] = 0.5 * (e[cell] + e[cell + 1])
    return x, edges


@given(st.integers(0, 2**32 - 1), st.integers(1, 1000), st.sampled_from([3, 40, 250]),
       st.booleans())
@settings(max_examples=40, deadline=None)
def test_cell_mass_fast_path_equals_the_pairwise_formula(seed, n, n_cells, narrow):
    """Distinct cells, merged kernels and skipped far pairs give the full formula, bit for bit."""
    rng = np.random.default_rng(seed)
    x, (edges,) = _discrete_data(rng, n, 1, n_cells)
    mus = x[:, 0]
    sigmas = rng.choice([0.002, 0.01, 0.3], n) if narrow else rng.uniform(0.001, 1.0, n)
    points = np.concatenate([rng.choice(mus, 20), rng.random(4)])
    expected = _pairwise_log_cell_mass(edges, points, mus, sigmas)
    np.testing.assert_array_equal(log_cell_mass(edges, points, mus, sigmas), expected)
    pairs, inverse = np.unique(mus + 1j * sigmas, return_inverse=True)
    merged = log_cell_mass(edges, points, pairs.real.copy(), pairs.imag.copy(), inverse.reshape(-1))
    np.testing.assert_array_equal(merged, expected)


@given(st.integers(0, 2**32 - 1), st.integers(1, 3000))
@settings(max_examples=30, deadline=None)
def test_skipped_tails_and_underflows_change_no_bit(seed, n):
    from scipy.special import ndtr

    from tiaocan._numeric.parzen import _log_unit_mass, _logsumexp_rows

    rng = np.random.default_rng(seed)
    mu, sigma = rng.random((n, 3)), rng.choice([0.001, 0.01, 0.1, 1.0], (n, 3))
    a, b = -mu / sigma, (1 - mu) / sigma
    np.testing.assert_array_equal(_log_unit_mass(a, b), np.log(ndtr(b) - ndtr(a)))
    values = rng.uniform(-2000.0, 0.0, (24, n)) * rng.random((24, 1))
    top = values.max(axis=1, keepdims=True)
    direct = (top + np.log(np.exp(values - top).sum(axis=1, keepdims=True)))[:, 0]
    np.testing.assert_array_equal(_logsumexp_rows(values), direct)


@given(st.integers(0, 2**32 - 1), st.sampled_from([5, 70, 1500]), st.booleans())
@settings(max_examples=12, deadline=None)
def test_log_pdf_equals_the_kernel_by_kernel_mixture(seed, n, with_continuous):
    """Large histories take every shortcut (merged kernels, skipped tails and underflows)."""
    rng = np.random.default_rng(seed)
    xd, edges = _discrete_data(rng, n, 2, 30)
    if with_continuous:
        xd, edges = np.hstack([rng.random((n, 3)), xd]), [None, None, None, *edges]
    cats = rng.integers(0, 3, (n, 1))
    pe = fit_parzen(xd, cats, [3], edges=edges, weights=default_weights(n))
    points, point_cats = pe.sample(rng, 24)
    points[:4] = rng.random((4, points.shape[1]))  # off the data as well
    np.testing.assert_allclose(pe.log_pdf(points, point_cats),
                               _reference_log_pdf(pe, points, point_cats), rtol=1e-9, atol=1e-9)


def test_skipped_work_is_exact_at_its_thresholds():
    from scipy.special import ndtr

    z = np.linspace(8.5, 40.0, 10001)
    assert (ndtr(z) == 1.0).all() and ((1.0 - ndtr(-z)) == 1.0).all()  # normaliser is 1
    assert ndtr(-37.5) < 1e-300  # far cells take the mass floor
    assert (np.exp(np.linspace(-800.0, -746.0, 101)) == 0.0).all()  # underflowed terms


@given(st.integers(0, 2**32 - 1), st.integers(1, 200), st.sampled_from(["exact", "stale", "bad"]))
@settings(max_examples=30, deadline=None)
def test_stable_orders_with_any_hint_equal_a_stable_argsort(seed, n, hint_kind):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n), rng.integers(0, 4, n) / 4.0])  # the second has ties
    expected = np.stack([np.argsort(x[:, j], kind="stable") for j in range(2)])
    if hint_kind == "exact":
        hint = expected.copy()
    elif hint_kind == "stale":  # a permutation, partly out of order, ties reversed
        hint = np.stack([np.argsort(-x[:, j]) for j in range(2)])
    else:  # not a permutation
        hint = np.zeros((2, n), int)
    assert (stable_orders(x, hint) == expected).all()
    assert (stable_orders(x) == expected).all()
