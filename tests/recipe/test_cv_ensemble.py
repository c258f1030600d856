"""k-fold CV tests every sample once; the ensemble's weights are a convex combination no
worse than the best single model on the data they were fitted on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiaocan.errors import ConfigError
from tiaocan.recipe.cv import cross_validate, log_loss, stratified_folds
from tiaocan.recipe.ensemble import error_rate, greedy_ensemble, weighted_average


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=10, max_size=60), st.integers(2, 5),
       st.integers(0, 2**16))
def test_every_sample_is_tested_exactly_once(labels: list[int], k: int, seed: int) -> None:
    y = np.array(labels)
    folds = stratified_folds(y, k, seed)
    everything = np.sort(np.concatenate(folds))
    assert everything.tolist() == list(range(len(y)))
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    for c in np.unique(y):  # stratified: each class spread within one sample per fold
        per_fold = [int(np.sum(y[f] == c)) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1


def test_folds_are_seeded() -> None:
    y = np.arange(50) % 3
    a, b = stratified_folds(y, 5, 1), stratified_folds(y, 5, 1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, stratified_folds(y, 5, 2)))
    with pytest.raises(ConfigError, match="k must be"):
        stratified_folds(y, 1)


def test_cross_validate_keeps_out_of_fold_predictions() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    seen: list[np.ndarray] = []

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        assert not set(train) & set(test)
        seen.append(test)
        return np.eye(2)[y[test]] * 0.8 + 0.1  # a perfect model

    result = cross_validate(fit_predict, y, k=4, seed=0)
    assert len(result.scores) == 4 and result.mean == 1.0 and result.std == 0.0
    assert not np.isnan(result.oof).any()
    assert np.array_equal(np.argmax(result.oof, 1), y)
    assert sorted(np.concatenate(seen).tolist()) == list(range(40))
    assert "±" in str(result)


def _noisy_models(seed: int, n: int = 120, k: int = 3, m: int = 5) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    preds = []
    for _ in range(m):
        logits = np.eye(k)[y] * rng.uniform(0.5, 2.0) + rng.normal(0, 1.0, (n, k))
        p = np.exp(logits)
        preds.append(p / p.sum(1, keepdims=True))
    return preds, y


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16))
def test_ensemble_weights_convex_and_not_worse_than_best_single(seed: int) -> None:
    preds, y = _noisy_models(seed)
    for loss in (log_loss, error_rate):
        fit = greedy_ensemble(preds, y, n_rounds=20, loss=loss)
        w = np.array(fit.weights)
        assert np.all(w >= 0) and np.isclose(w.sum(), 1.0)
        assert fit.loss <= min(fit.single_losses) + 1e-12
        assert loss(y, fit.predict(preds)) == pytest.approx(fit.loss)


def test_ensemble_of_complementary_models_beats_each() -> None:
    preds, y = _noisy_models(3, n=400)
    fit = greedy_ensemble(preds, y)
    assert fit.loss < min(fit.single_losses) - 0.01
    assert sum(w > 0 for w in fit.weights) >= 2


def test_weighted_average_validates_weights() -> None:
    a = np.ones((2, 2)) / 2
    with pytest.raises(ConfigError, match="non-negative"):
        weighted_average([a, a], [1.5, -0.5])
    with pytest.raises(ConfigError, match="one weight per"):
        weighted_average([a], [0.5, 0.5])


def _onehot(labels: np.ndarray, confidence: float = 0.9) -> np.ndarray:
    out = np.full((len(labels), 2), 1 - confidence)
    out[np.arange(len(labels)), labels] = confidence
    return out


def test_an_ensemble_that_wins_by_noise_is_not_kept() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    a, b = _onehot(y, 0.9), _onehot(y, 0.9)
    a[:100] = a[:100, ::-1]          # a is wrong on rows 0-99 ...
    a[:2] = [[0.45, 0.55][::1 if y[i] == 0 else -1] for i in range(2)]  # ... barely on rows 0, 1
    b[2:102] = b[2:102, ::-1]        # b is wrong on rows 2-101 ...
    b[100:102] = [[0.45, 0.55][::1 if y[i] == 0 else -1] for i in (100, 101)]  # ... barely on 100, 101
    loose = greedy_ensemble([a, b], y, loss=error_rate, min_gain_se=0)
    assert all(w > 0 for w in loose.weights)  # mixing fixes rows 0, 1, 100, 101: 2 samples net
    fit = greedy_ensemble([a, b], y, loss=error_rate)
    assert sorted(fit.weights) == [0.0, 1.0]  # 2 of 2000 is noise: the best single model is kept
    assert fit.loss == min(fit.single_losses)


def test_an_ensemble_of_complementary_models_is_kept() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 3000)
    members = []
    for k in range(3):  # each wrong on a different third of 30 % of rows
        p = y.copy()
        wrong = rng.random(len(y)) < 0.3
        p[wrong] = 1 - p[wrong]
        members.append(_onehot(p, 0.7 + 0.05 * k))
    fit = greedy_ensemble(members, y, loss=error_rate)
    assert sum(w > 0 for w in fit.weights) >= 2
    assert fit.loss < min(fit.single_losses) - 0.05


def test_sorted_initialisation_starts_from_the_average_of_the_best() -> None:
    preds, y = _noisy_models(5, n=300, m=6)
    fit = greedy_ensemble(preds, y, loss=error_rate, init_size=3, n_rounds=0)
    best3 = np.argsort(fit.single_losses, kind="stable")[:3]
    expected = np.zeros(6)
    expected[best3] = 1 / 3
    if fit.weights != tuple(np.eye(6)[fit.best_single]):  # unless the single won significantly
        assert np.allclose(fit.weights, expected)
        assert fit.trace[0] == pytest.approx(error_rate(y, np.mean([preds[i] for i in best3], 0)))
    with pytest.raises(ConfigError, match="init_size"):
        greedy_ensemble(preds, y, init_size=0)


def test_sorted_initialisation_gives_way_to_a_clearly_better_single_model() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 1000)
    good = _onehot(y, 0.9)
    bad = [_onehot(np.where(rng.random(1000) < 0.4, 1 - y, y), 0.9) for _ in range(2)]
    fit = greedy_ensemble([good, *bad], y, loss=error_rate, init_size=3, n_rounds=0)
    assert fit.weights == (1.0, 0.0, 0.0)  # the average of all three is far worse


def test_sorted_initialisation_keeps_the_average_of_equally_good_models() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 1000)
    members = []
    for _ in range(3):  # equally accurate, independent errors: the average fixes most of them
        p = np.where(rng.random(1000) < 0.15, 1 - y, y)
        members.append(_onehot(p, 0.8))
    fit = greedy_ensemble(members, y, loss=error_rate, init_size=3)
    assert all(w > 0 for w in fit.weights)
    assert fit.loss < min(fit.single_losses) - 0.05
