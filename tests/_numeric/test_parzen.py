"""Parzen estimators: densities integrate to one, samples stay in the cube, mass follows data."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiaocan._numeric.parzen import default_weights, fit_parzen, log_diff_ndtr

NO_CATS = np.zeros((0, 0), int)


def _grid_integral(pe, n=4001):
    x = np.linspace(0.0, 1.0, n)[:, None]
    return np.trapezoid(np.exp(pe.log_pdf(x, np.zeros((n, 0), int))), x[:, 0])


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
