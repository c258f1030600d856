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


@pytest.mark.parametrize("popsize", [2, 3, True, 4.0])
def test_a_population_cma_es_cannot_learn_from_is_refused(popsize):
    with pytest.raises(ConfigError, match=r"popsize must be None or an int >= 4, received"):
        CMAESSampler(popsize=popsize)


def test_the_smallest_population_runs_without_warnings():
    import warnings

    space = tc.Space(a=tc.Int(0, 1), b=tc.Float(0, 1), c=tc.Float(-1, 1))
    study = tc.create_study(space=space, storage=":memory:", sampler=CMAESSampler(popsize=4), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the library's divide-by-zero for c_mu = 0 among them
        study.optimize(lambda t: 1.0, n_trials=30)
    generations = {t.system_attrs["sampler"]["cma"]["gen"] for t in study.trials}
    assert all(t.state is tc.TrialState.COMPLETE for t in study.trials)
    assert len(generations) >= 7  # populations of 4 told and renewed
