"""TPE: conformance, search quality against random, constant liar, conditions, objectives."""

from __future__ import annotations

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.samplers.tpe import TPESampler, split_below
from tiaocan.testing import check_sampler


@pytest.mark.parametrize("multivariate", [True, False])
def test_conformance(multivariate):
    check_sampler(lambda: TPESampler(multivariate=multivariate))


def _sphere(trial):
    return sum((v - 1.3) ** 2 for k, v in trial.params.items() if k.startswith("x")) + \
        (0.0 if trial.params.get("c", "b") == "b" else 2.0) + abs(trial.params.get("n", 7) - 7) / 10


SPACE = tc.Space(x0=tc.Float(-5, 5), x1=tc.Float(-5, 5), x2=tc.Float(-5, 5),
                 n=tc.Int(1, 50, log=True), c=tc.Categorical(["a", "b", "c"]))


def _best(sampler, seed, n=60):
    study = tc.create_study(space=SPACE, sampler=sampler, seed=seed, storage=":memory:")
    study.optimize(_sphere, n_trials=n, show_progress=False)
    return study.best_trial.value


def test_beats_random_search():
    tpe = np.median([_best(TPESampler(), s) for s in range(5)])
    rnd = np.median([_best("random", s) for s in range(5)])
    assert tpe < rnd


def test_integers_and_categories_are_native():
    study = tc.create_study(space=SPACE, sampler=TPESampler(n_startup_trials=5), seed=1,
                            storage=":memory:")
    study.optimize(_sphere, n_trials=40, show_progress=False)
    late = study.trials[20:]
    assert all(isinstance(t.params["n"], int) for t in late)
    assert sum(t.params["c"] == "b" for t in late) > len(late) / 2


def test_constant_liar_spreads_parallel_proposals():
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), sampler=TPESampler(n_startup_trials=3),
                            seed=0, storage=":memory:")
    study.optimize(lambda t: (t.params["x"] - 0.3) ** 2, n_trials=15, show_progress=False)
    first, second = study.ask(), study.ask()  # the first is still running for the second
    assert first.params != second.params
    assert second.record.system_attrs["sampler"]["n_above"] > first.record.system_attrs["sampler"]["n_above"]


def test_pure_function_of_history():
    study = tc.create_study(space=SPACE, sampler="random", seed=3, storage=":memory:")
    study.optimize(_sphere, n_trials=30, show_progress=False)
    history = study.history()
    a = TPESampler().sample(SPACE, history, np.random.default_rng(5))
    warm = TPESampler()
    warm.sample(SPACE, history, np.random.default_rng(1))
    b = warm.sample(SPACE, history, np.random.default_rng(5))
    assert a.params == b.params


def test_conditional_groups_follow_the_tree():
    space = tc.Space(opt=tc.Categorical(["sgd", "adam"]), lr=tc.Float(1e-4, 1, log=True),
                     momentum=tc.Float(0, 1, when={"opt": "sgd"}),
                     beta=tc.Float(0.5, 1, when={"opt": "adam"}))

    def objective(trial):
        p = trial.params
        return abs(np.log10(p["lr"]) + 2) + (abs(p["momentum"] - 0.9) if p["opt"] == "sgd" else 1.0)

    study = tc.create_study(space=space, sampler=TPESampler(), seed=0, storage=":memory:")
    study.optimize(objective, n_trials=50, show_progress=False)
    assert all(space.contains(t.params) for t in study.trials)
    assert study.best_trial.params["opt"] == "sgd" and study.best_trial.value < 0.5


def test_multi_objective_split_by_rank():
    losses = np.array([[1.0, 5.0], [5.0, 1.0], [3.0, 3.0], [6.0, 6.0], [7.0, 7.0]])
    assert split_below(losses, gamma=0.5).tolist() == [True, True, True, False, False]
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), sampler=TPESampler(n_startup_trials=4),
                            directions=["minimize", "minimize"], seed=0, storage=":memory:")
    study.optimize(lambda t: (t.params["x"], 1 - t.params["x"]), n_trials=12, show_progress=False)
    assert len(study.trials) == 12


@pytest.mark.parametrize("kwargs", [{"gamma": 1.5}, {"n_ei_candidates": 0}, {"prior_weight": 0.0},
                                    {"n_startup_trials": -1}, {"candidate_widening": 0.5},
                                    {"candidate_widening": "3"}])
def test_invalid_options_name_the_parameter(kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        TPESampler(**kwargs)


def test_caches_never_change_a_proposal():
    """A sampler warm from a whole run (row cache, trial table, sort hints) proposes exactly
    what a fresh one does, with pruned, running and failed trials in the history."""
    space = tc.Space(x0=tc.Float(-5, 5), x1=tc.Float(1e-4, 1, log=True), n=tc.Int(1, 50, log=True),
                     k=tc.Int(1, 4), c=tc.Categorical(["a", "b", "c"]))
    warm = TPESampler(n_startup_trials=5)
    study = tc.create_study(space=space, sampler=warm, seed=2, storage=":memory:")
    rng = np.random.default_rng(0)
    for i in range(60):
        trial = study.ask()
        if i % 7 == 3:
            study.tell(trial, state="pruned")
        elif i % 11 == 5:
            study.tell(trial, state="failed")
        elif i % 13 != 8:  # a few stay running
            study.tell(trial, float(rng.random() + trial.params["x0"] ** 2))
        history = study.history()
        a = warm.sample(space, history, np.random.default_rng(i))
        b = TPESampler(n_startup_trials=5).sample(space, history, np.random.default_rng(i))
        assert a.params == b.params and a.info == b.info


def test_trial_table_follows_changes_anywhere_in_the_history():
    from tiaocan.samplers._observations import STATE_CODES, RowCache

    study = tc.create_study(space=SPACE, sampler="random", seed=1, storage=":memory:")
    study.optimize(_sphere, n_trials=20, show_progress=False)
    running = [study.ask() for _ in range(3)]
    cache = RowCache()
    cache.table(SPACE, study.history().trials, 1)
    study.tell(running[0], 1.5)  # a trial in the middle changes
    study.tell(study.ask(), state="pruned")  # and new ones arrive
    trials = study.history().trials
    table = cache.table(SPACE, trials, 1)
    assert table.numbers.tolist() == [t.number for t in trials]
    assert table.states.tolist() == [STATE_CODES[t.state] for t in trials]
    np.testing.assert_array_equal(table.rows, np.array([SPACE.encode(t.params) for t in trials]))
    values = [t.values[0] if t.values else np.nan for t in trials]
    np.testing.assert_array_equal(table.values[:, 0], values)


def test_sampler_pickles_without_its_caches():
    import pickle

    study = tc.create_study(space=SPACE, sampler=TPESampler(n_startup_trials=3), seed=0,
                            storage=":memory:")
    study.optimize(_sphere, n_trials=6, show_progress=False)
    copy = pickle.loads(pickle.dumps(study.sampler))
    history = study.history()
    assert copy.sample(SPACE, history, np.random.default_rng(3)).params == \
        study.sampler.sample(SPACE, history, np.random.default_rng(3)).params
