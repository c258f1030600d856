from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn")
from sklearn.ensemble import RandomForestRegressor

from tiaocan.analysis.fanova import decompose, decompose_forest, fanova, leaf_boxes
from tiaocan.errors import ConfigError

UNIT3 = np.array([[0.0, 1.0]] * 3)


def _brute_force(estimator, bounds, dims):
    """Var of the marginal over ``dims`` by predicting at every cell of the full threshold grid."""
    tree = estimator.tree_
    axes, masses = [], []
    for k in range(bounds.shape[0]):
        cuts = tree.threshold[tree.feature == k]
        edges = np.unique(np.concatenate([np.clip(cuts, *bounds[k]), bounds[k]]))
        axes.append((edges[:-1] + edges[1:]) / 2)
        masses.append(np.diff(edges) / (bounds[k, 1] - bounds[k, 0]))
    grid = np.array(list(itertools.product(*axes)))
    mass = np.array([np.prod(m) for m in itertools.product(*masses)])
    pred = estimator.predict(grid)
    mean = mass @ pred
    if not dims:
        return mean, mass @ (pred - mean) ** 2
    keys = [tuple(row) for row in grid[:, dims]]
    sums: dict[tuple, list[float]] = {}
    for key, m, p in zip(keys, mass, pred):
        acc = sums.setdefault(key, [0.0, 0.0])
        acc[0] += m
        acc[1] += m * p
    var = sum(w * (s / w - mean) ** 2 for w, s in sums.values())
    return mean, var


def _forest(x, y, n=4, seed=0, leaf=3):
    return RandomForestRegressor(n_estimators=n, max_features=1.0, min_samples_leaf=leaf,
                                 random_state=seed).fit(x, y)


def test_marginals_match_brute_force_on_every_tree():
    rng = np.random.default_rng(1)
    x = rng.random((60, 3))
    y = np.sin(6 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.1 * rng.standard_normal(60)
    for est in _forest(x, y).estimators_:
        total, main, pairs = decompose(leaf_boxes(est.tree_, UNIT3), [(0, 1), (1, 2)])
        _, brute_total = _brute_force(est, UNIT3, [])
        assert total == pytest.approx(brute_total, rel=1e-9, abs=1e-12)
        for i in range(3):
            assert main[i] == pytest.approx(_brute_force(est, UNIT3, [i])[1], rel=1e-9, abs=1e-12)
        for (i, j), inter in pairs.items():
            joint = _brute_force(est, UNIT3, [i, j])[1]
            assert inter == pytest.approx(joint - main[i] - main[j], rel=1e-7, abs=1e-10)


def test_additive_function_matches_exact_variance_decomposition():
    # f = 4 x0 + x1 + 0 x2 on U[0,1]^3: Var = (16 + 1) / 12, fractions 16/17, 1/17, 0.
    rng = np.random.default_rng(0)
    x = rng.random((600, 3))
    y = 4 * x[:, 0] + x[:, 1]
    imp = fanova(x, y, UNIT3, ["a", "b", "c"], n_trees=16, pairs=3)
    assert [n for n, _ in imp.ranked()] == ["a", "b", "c"]
    assert imp.main["a"] == pytest.approx(16 / 17, abs=0.05)
    assert imp.main["b"] == pytest.approx(1 / 17, abs=0.03)
    assert imp.main["c"] < 0.01
    assert max(imp.pairs.values()) < 0.03  # additive: no interaction


def test_dominating_parameter_ranked_first_among_many():
    rng = np.random.default_rng(3)
    x = rng.random((300, 6))
    y = 20 * (x[:, 4] - 0.3) ** 2 + 0.5 * x[:, 1] + 0.05 * rng.standard_normal(300)
    names = [f"p{i}" for i in range(6)]
    imp = fanova(x, y, np.array([[0.0, 1.0]] * 6), names, n_trees=16, seed=1)
    ranked = [n for n, _ in imp.ranked()]
    assert ranked[:2] == ["p4", "p1"]
    assert imp.main["p4"] > 0.6


def test_a_constant_objective_has_no_importance():
    x = np.random.default_rng(0).random((20, 2))
    imp = fanova(x, np.ones(20), UNIT3[:2], ["a", "b"], n_trees=4)
    assert imp.main == {"a": 0.0, "b": 0.0}


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 40))
def test_fractions_are_a_partition_of_the_variance(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3))
    y = rng.standard_normal(n)
    forest = _forest(x, y, n=3, seed=seed, leaf=1)
    imp = decompose_forest([e.tree_ for e in forest.estimators_], UNIT3, "abc", pairs=3)
    parts = list(imp.main.values()) + list(imp.pairs.values())
    assert all(-1e-12 <= p <= 1 + 1e-12 for p in parts)
    assert sum(parts) <= 1 + 1e-9


def test_bad_shapes_are_config_errors():
    with pytest.raises(ConfigError, match="x must be"):
        fanova(np.zeros((3, 2)), np.zeros(4), UNIT3[:2], ["a", "b"])
    with pytest.raises(ConfigError, match="n_trees"):
        fanova(np.zeros((3, 2)), np.zeros(3), UNIT3[:2], ["a", "b"], n_trees=0)
