"""CMA-ES: conformance, convergence, rebuilding from history, integer margin, fallback."""

from __future__ import annotations

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.samplers.cmaes import CMAESSampler
from tiaocan.testing import check_sampler

pytest.importorskip("cmaes")


def test_conformance():
    check_sampler(CMAESSampler, n_trials=30)


def _quadratic(trial):
    return sum((v - 1.3) ** 2 for v in trial.params.values() if not isinstance(v, str))


def test_converges_on_a_mixed_integer_quadratic():
    space = tc.Space(x=tc.Float(-5, 5), y=tc.Float(-5, 5), n=tc.Int(-10, 10))
    study = tc.create_study(space=space, sampler=CMAESSampler(), seed=0, storage=":memory:")
    study.optimize(_quadratic, n_trials=150, show_progress=False)
    best = study.best_trial
    assert best.params["n"] == 1 and best.value < 0.2
    gens = {t.system_attrs["sampler"]["cma"]["gen"] for t in study.trials}
    assert len(gens) > 5  # generations were told and replayed


def test_a_fresh_sampler_rebuilds_the_same_state():
    space = tc.Space(x=tc.Float(-5, 5), y=tc.Float(-5, 5))
    study = tc.create_study(space=space, sampler=CMAESSampler(), seed=2, storage=":memory:")
    study.optimize(_quadratic, n_trials=40, show_progress=False)
    history = study.history()
    a = CMAESSampler().sample(space, history, np.random.default_rng(9))
    b = CMAESSampler().sample(space, history, np.random.default_rng(9))
    assert a.params == b.params and a.info["cma"]["gen"] > 3


def test_categorical_parameters_use_the_fallback():
    space = tc.Space(x=tc.Float(-5, 5), y=tc.Float(-5, 5), c=tc.Categorical(["a", "b"]))
    study = tc.create_study(space=space, sampler=CMAESSampler(), seed=0, storage=":memory:")
    study.optimize(lambda t: _quadratic(t) + (t.params["c"] == "a"), n_trials=20, show_progress=False)
    info = study.trials[-1].system_attrs["sampler"]
    assert info["fallback"] == {"sampler": "tpe", "params": ["c"]}


def test_invalid_option():
    with pytest.raises(ConfigError, match="sigma0"):
        CMAESSampler(sigma0=0.0)
