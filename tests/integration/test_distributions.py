"""Spaces written as lists, scipy.stats or Optuna distributions become tiaocan spaces that
sample what the original would."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.integration._distributions import to_space

scalars = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans(), st.none(),
                    st.floats(-1, 1, allow_nan=False))


class Thing:
    """An object that is no JSON scalar (an estimator, a callable, …)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return "Thing()"  # the same for every instance: labels must still tell them apart


@settings(max_examples=50, deadline=None)
@given(st.lists(scalars, min_size=1, max_size=6, unique_by=lambda v: (type(v), v)))
def test_lists_of_scalars_are_categoricals_of_the_same_choices(choices: list[object]) -> None:
    space, decoders = to_space({"p": choices})
    assert decoders == {} and list(space["p"].choices) == choices


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_object_choices_round_trip_through_their_stored_labels(n: int, seed: int) -> None:
    things = [Thing(k) for k in range(n)]
    space, decoders = to_space({"p": things})
    stored = space.sample(np.random.default_rng(seed))["p"]
    assert isinstance(stored, str)  # what storage keeps is JSON
    assert decoders["p"](stored) in things
    assert sorted(decoders["p"](label).k for label in space["p"].choices) == list(range(n))


def test_scipy_distributions_keep_their_support() -> None:
    stats = pytest.importorskip("scipy.stats")
    space, _ = to_space({"a": stats.uniform(2, 3), "b": stats.loguniform(1e-3, 1e1),
                         "c": stats.randint(1, 5)})
    assert space["a"] == tc.Float(2.0, 5.0)
    assert space["b"] == tc.Float(1e-3, 1e1, log=True)
    assert space["c"] == tc.Int(1, 4)  # scipy's randint excludes its upper bound


def test_optuna_distributions_keep_their_meaning() -> None:
    d = pytest.importorskip("optuna.distributions")
    space, _ = to_space({"f": d.FloatDistribution(0.1, 1.0, step=0.1),
                         "g": d.FloatDistribution(1e-4, 1.0, log=True),
                         "i": d.IntDistribution(2, 64, log=True),
                         "c": d.CategoricalDistribution(["a", "b"])})
    assert space["f"] == tc.Float(0.1, 1.0, step=0.1)
    assert space["g"] == tc.Float(1e-4, 1.0, log=True)
    assert space["i"] == tc.Int(2, 64, log=True)
    assert space["c"] == tc.Categorical(["a", "b"])
