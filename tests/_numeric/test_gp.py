"""GP numerics: marginal-likelihood gradients, posterior gradients, LogEI stability."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.special import ndtr
from scipy.stats import norm

import tiaocan as tc
from tiaocan._numeric.acquisition import _coordinate_search, _starts, log_ei, log_h, maximize_log_ei
import tiaocan._numeric.gp as gp_module
from tiaocan._numeric.gp import _neg_log_posterior, fit_gp
from tiaocan.samplers._observations import layout_of
from tiaocan.samplers.gp import discrete_grids, ordinal_layout


def _data(seed=0, n=25):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3))
    x[:, 2] = rng.integers(0, 3, n)
    y = np.sin(5 * x[:, 0]) + x[:, 1] ** 2 + 0.3 * x[:, 2]
    return x, (y - y.mean()) / y.std(), np.array([False, False, True])


def test_marginal_likelihood_gradient_matches_finite_differences():
    x, y, is_cat = _data()
    theta = np.array([0.3, -0.4, 0.2, 0.1, -3.0])
    _, grad = _neg_log_posterior(theta, x, y, is_cat)
    numeric = approx_fprime(theta, lambda t: _neg_log_posterior(t, x, y, is_cat)[0], 1e-6)
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-4)


def test_posterior_interpolates_and_gradients_match():
    x, y, is_cat = _data()
    gp = fit_gp(x, y, is_cat)
    mean, var = gp.posterior(x)
    assert np.max(np.abs(mean - y)) < 0.2 and np.all(var < 0.2)
    xq = np.array([[0.3, 0.6, 1.0], [0.7, 0.2, 2.0]])
    val, grad = log_ei(gp, xq, float(y.min()), grad=True)
    for i in (0, 1):
        step = np.zeros(3)
        step[i] = 1e-6
        fd = (log_ei(gp, xq + step, float(y.min()))[0] - val) / 1e-6
        assert np.allclose(grad[:, i], fd, rtol=1e-3, atol=1e-4)
    assert np.all(grad[:, 2] == 0)  # categorical columns are not differentiated


def _log_posterior_of(gp, x, y, is_cat) -> float:
    theta = np.concatenate([np.log(gp.rho), [np.log(gp.scale), np.log(gp.noise)]])
    return -_neg_log_posterior(theta, x, y, is_cat)[0]


def _fit_from(starts, x, y, is_cat):
    saved = gp_module._NOISE_STARTS
    gp_module._NOISE_STARTS = starts
    try:
        return fit_gp(x, y, is_cat)
    finally:
        gp_module._NOISE_STARTS = saved


def _noisy(seed, n, dim, sigma):
    rng = np.random.default_rng(seed)
    x = rng.random((n, dim))
    y = np.sin(3 * x[:, 0]) + sigma * rng.standard_normal(n)
    return x, (y - y.mean()) / (y.std() or 1.0), np.zeros(dim, bool)


@given(seed=st.integers(0, 10_000), n=st.integers(6, 30), dim=st.integers(1, 5),
       sigma=st.sampled_from([0.0, 0.1, 0.5, 2.0]))
@settings(max_examples=15, deadline=None)
def test_the_fit_keeps_the_better_of_its_starts(seed, n, dim, sigma):
    x, y, is_cat = _noisy(seed, n, dim, sigma)
    both = _log_posterior_of(fit_gp(x, y, is_cat), x, y, is_cat)
    for start in gp_module._NOISE_STARTS:
        alone = _log_posterior_of(_fit_from((start,), x, y, is_cat), x, y, is_cat)
        assert both >= alone - 1e-9


def test_noisy_data_get_the_noise_that_the_low_noise_start_misses():
    # σ = 0.5 on sin(3x): started at noise 0.01 the fit interpolates the noise (σ²_n ≈ 0.01);
    # started at 1 it finds σ²_n ≈ 0.28, a posterior e^1.5 times more probable, and is kept
    x, y, is_cat = _noisy(2, 20, 3, 0.5)
    low = _fit_from((np.log(1e-2),), x, y, is_cat)
    kept = fit_gp(x, y, is_cat)
    assert low.noise < 0.05 and kept.noise > 0.1
    assert _log_posterior_of(kept, x, y, is_cat) > _log_posterior_of(low, x, y, is_cat) + 1.0


@given(st.floats(-30.0, 8.0))
@settings(max_examples=50, deadline=None)
def test_log_h_matches_the_direct_formula_where_that_is_accurate(z):
    direct = np.log(norm.pdf(z) + z * ndtr(z))
    assert abs(log_h(np.array([z]))[0] - direct) < 1e-6 * max(1.0, abs(direct))


def test_log_h_is_finite_and_monotone_far_in_the_tail():
    z = -np.logspace(0, 12, 60)
    values = log_h(z)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) < 0)


def test_acquisition_prefers_the_promising_region():
    x = np.array([[0.1, 0.0], [0.3, 0.0], [0.5, 0.0], [0.7, 0.0], [0.9, 0.0]])
    y = np.array([2.0, 1.0, 0.0, 1.0, 2.0])
    gp = fit_gp(x, (y - y.mean()) / y.std(), np.array([False, False]))
    point, score = maximize_log_ei(gp, float(((y - y.mean()) / y.std()).min()),
                                   np.random.default_rng(0), n_choices=np.zeros(2),
                                   snap=lambda a: a, anchors=x[2:3])
    assert np.isfinite(score) and 0.3 < point[0] < 0.7


def test_acquisition_refines_the_incumbent_below_the_old_exclusion_radius():
    # Observed points bracket the minimum at 0.503 within 0.005: the maximiser must still be
    # able to propose next to them (it used to refuse anything within 0.01 of a seen point).
    x = np.array([0.0, 0.2, 0.4, 0.5, 0.507, 0.6, 0.8, 1.0])[:, None]
    y = (x[:, 0] - 0.503) ** 2
    ys = (y - y.mean()) / y.std()
    gp = fit_gp(x, ys, np.array([False]))
    point, _ = maximize_log_ei(gp, float(ys.min()), np.random.default_rng(0), n_choices=np.zeros(1),
                               snap=lambda a: a, anchors=x[np.argsort(ys)[:2]], avoid=x)
    gap = np.min(np.abs(x[:, 0] - point[0]))
    assert abs(point[0] - 0.503) < 0.015 and 0 < gap < 0.01  # close to seen points, no repeat


def test_starting_points_are_the_best_then_an_ei_weighted_draw():
    scores = np.array([-50.0, 0.0, -1.0, -2.0, -60.0, -0.5])
    picks = _starts(scores, 4, np.random.default_rng(0))
    assert picks[0] == 1 and len(set(picks.tolist())) == 4
    assert not {0, 4} & set(picks.tolist())  # weight exp(-50) is never drawn
    assert len(_starts(np.array([0.0, -np.inf, -np.inf]), 5, np.random.default_rng(0))) == 1


def _integer_gp(n_values):
    """A GP on one integer coordinate, Int(0, n_values - 1), and the centres of its cells."""
    space = tc.Space(n=tc.Int(0, n_values - 1))
    [(_, centres)] = discrete_grids(ordinal_layout(space, layout_of(space)))  # every integer counts
    rng = np.random.default_rng(3)
    x = rng.choice(centres, size=12, replace=False)[:, None]
    y = np.sin(9 * x[:, 0]) + 2 * (x[:, 0] - 0.6) ** 2
    return fit_gp(x, (y - y.mean()) / y.std(), np.array([False])), centres


def test_coordinate_search_finds_the_best_value_of_an_integer_coordinate():
    # every value is tried, not only the cell nearest a relaxed optimum
    gp, centres = _integer_gp(60)
    best = float(gp.y.min())
    x = _coordinate_search(gp, best, np.array([centres[0]]), [(0, centres)])
    scores = log_ei(gp, centres[:, None], best)[0]
    assert x[0] in centres
    assert np.isclose(log_ei(gp, x[None], best)[0][0], scores.max(), rtol=0, atol=1e-9)


def test_coordinate_search_on_a_wide_range_looks_at_a_window_per_round():
    gp, centres = _integer_gp(1000)
    best = float(gp.y.min())
    start = np.array([centres[500]])
    one_round = _coordinate_search(gp, best, start, [(0, centres)], max_rounds=1, window=65)
    near = centres[np.argsort(np.abs(centres - start[0]))[:65]]  # 32 each side
    reached = float(log_ei(gp, one_round[None], best)[0][0])
    assert np.isclose(reached, log_ei(gp, near[:, None], best)[0].max(), rtol=0, atol=1e-9)
    assert one_round[0] in near  # nothing beyond the window in one round
