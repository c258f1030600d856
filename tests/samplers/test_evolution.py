"""Regularized evolution: conformance, one-parameter mutation, conditions, aging."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.samplers.evolution import RegularizedEvolutionSampler
from tiaocan.testing import CONFORMANCE_SPACES, check_sampler


def test_conformance():
    check_sampler(lambda: RegularizedEvolutionSampler(population_size=6, sample_size=3))


@given(st.integers(0, 10_000), st.sampled_from(["conditional", "mixed"]))
@settings(max_examples=60, deadline=None)
def test_mutation_changes_one_parameter_and_keeps_conditions(seed, space_name):
    space = CONFORMANCE_SPACES[space_name]
    rng = np.random.default_rng(seed)
    parent = space.sample(rng)
    child, name = RegularizedEvolutionSampler().mutate(space, parent, rng)
    assert space.contains(child)
    changed = {k for k in set(parent) | set(child) if parent.get(k) != child.get(k)}
    assert name in changed, f"the mutation of {name!r} left {parent!r} unchanged"
    assert changed <= {name} | {k for k in space if space[k].when}


def test_evolution_improves_on_its_population():
    space = tc.Space(x=tc.Float(-3, 3), y=tc.Float(-3, 3), op=tc.Categorical(["a", "b", "c", "d"]))
    study = tc.create_study(space=space, sampler=RegularizedEvolutionSampler(), seed=0,
                            storage=":memory:")
    objective = lambda t: (t.params["x"] - 1) ** 2 + t.params["y"] ** 2 + (t.params["op"] != "c")
    study.optimize(objective, n_trials=120, show_progress=False)
    values = [t.value for t in study.trials]
    assert min(values[20:]) < min(values[:20])
    assert study.best_trial.params["op"] == "c"
    assert "parent" in study.trials[-1].system_attrs["sampler"]


def test_invalid_option():
    with pytest.raises(ConfigError, match="sample_size"):
        RegularizedEvolutionSampler(population_size=4, sample_size=5)
