"""CandidateSampler: only listed configurations, each once, ranked by the inner sampler."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.executors.simulated import SimulatedExecutor
from tiaocan.samplers import CandidateSampler, GPSampler, RandomSampler, TPESampler
from tiaocan.samplers.multifidelity import BudgetFiltered, BudgetGP
from tiaocan.trial import TrialState

SPACE = tc.Space(x=tc.Float(0.0, 1.0), n=tc.Int(1, 8), act=tc.Categorical(["relu", "tanh"]))


def _configs(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [SPACE.sample(rng) for _ in range(n)]


def _loss(params: dict[str, Any]) -> float:
    return (params["x"] - 0.3) ** 2 + 0.01 * abs(params["n"] - 5) + (params["act"] == "tanh") * 0.05


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_configs=st.integers(1, 12), extra=st.integers(0, 4), seed=st.integers(0, 2**16),
       inner=st.sampled_from(["random", "tpe", "gp", None]))
def test_every_trial_is_a_listed_candidate_and_none_twice(n_configs: int, extra: int, seed: int,
                                                         inner: str | None) -> None:
    configs = _configs(n_configs, seed)
    sampler = {"random": RandomSampler(), "tpe": TPESampler(n_startup_trials=2),
               "gp": GPSampler(n_startup_trials=2), None: None}[inner]
    study = tc.create_study(space=SPACE, storage=":memory:", seed=seed,
                            sampler=CandidateSampler(configs, sampler))
    study.optimize(lambda t: _loss(t.params), n_trials=n_configs + extra, show_progress=False)
    trials = study.trials
    assert len(trials) == n_configs  # exhausted: optimize stops at the list's end
    picked = [t.system_attrs["sampler"]["candidate"] for t in trials]
    assert sorted(picked) == list(range(n_configs))
    assert all(t.params == configs[i] for t, i in zip(trials, picked))
    assert len({t.key for t in trials}) == n_configs


def test_the_pick_is_the_inner_samplers_best_free_candidate() -> None:
    configs = _configs(60)
    tpe = TPESampler(n_startup_trials=5)
    study = tc.create_study(space=SPACE, storage=":memory:", seed=1, sampler=CandidateSampler(configs, tpe))
    study.optimize(lambda t: _loss(t.params), n_trials=15, show_progress=False)
    history = study.history()
    units = study.sampler.units(SPACE)
    taken = {t.system_attrs["sampler"]["candidate"] for t in study.trials}
    free = np.array([i for i in range(len(configs)) if i not in taken])
    scores = tpe.score_candidates(SPACE, history, units[free], np.random.default_rng(0))
    proposal = study.sampler.sample(SPACE, history, np.random.default_rng(0))
    assert proposal.info["candidate"] == free[int(np.argmax(scores))]
    # TPE's l/g ratio prefers the good region: the best-scored free candidates are better
    # than the median free candidate
    losses = np.array([_loss(configs[i]) for i in free])
    assert np.median(losses[np.argsort(-scores)[:5]]) < np.median(losses)


@pytest.mark.parametrize("inner", [TPESampler(n_startup_trials=5), GPSampler(n_startup_trials=5)])
def test_model_ranking_finds_the_best_candidate_sooner_than_random(inner: Any) -> None:
    space = tc.Space(x=tc.Float(-2, 2), y=tc.Float(-2, 2))
    rng = np.random.default_rng(3)
    configs = [space.sample(rng) for _ in range(300)]
    loss = [(c["x"] - 0.7) ** 2 + (c["y"] + 0.4) ** 2 for c in configs]
    top5 = set(np.argsort(loss)[:5].tolist())

    def trials_to_top5(sampler: Any, seed: int) -> int:
        study = tc.create_study(space=space, storage=":memory:", seed=seed,
                                sampler=CandidateSampler(configs, sampler))
        study.optimize(lambda t: (t.params["x"] - 0.7) ** 2 + (t.params["y"] + 0.4) ** 2,
                       n_trials=60, show_progress=False)
        hits = [t.number for t in study.trials if t.system_attrs["sampler"]["candidate"] in top5]
        return hits[0] + 1 if hits else 61

    model = [trials_to_top5(inner, s) for s in range(3)]
    random = [trials_to_top5(RandomSampler(), s) for s in range(3)]
    assert max(model) <= 30 and sum(model) < sum(random)


def test_scheduler_default_sampler_ranks_the_candidates_and_nothing_is_trained_twice() -> None:
    configs = [{"x": float(x)} for x in np.linspace(0, 1, 40)]
    for scheduler, inner in (("mobster", BudgetGP), ("bohb", BudgetFiltered), ("asha", type(tc.samplers.get_sampler(None)))):
        study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                                scheduler=scheduler, sampler=CandidateSampler(configs),
                                fidelity=tc.Fidelity("epoch", 1, 9))
        assert isinstance(study.sampler.inner, inner)

        def objective(trial: tc.Trial) -> float:
            trial.sleep(trial.budget)
            return (trial.params["x"] - 0.62) ** 2 + 1.0 / trial.budget

        study.optimize(objective, n_trials=200, n_workers=3, executor=SimulatedExecutor())
        new = [t for t in study.trials if t.key]
        assert len(new) == 40 == len({t.key for t in new})  # every candidate once, then it stops
        assert all(t.state is TrialState.COMPLETE for t in study.trials)
        assert abs(study.best_params["x"] - 0.62) < 0.03


def test_two_processes_never_start_the_same_candidate(sqlite_url: str) -> None:
    configs = _configs(30, seed=5)
    study = tc.create_study(name="cand", space=SPACE, storage=sqlite_url, seed=0,
                            sampler=CandidateSampler(configs, RandomSampler()))
    study.optimize(_loss_of_trial, n_trials=40, n_workers=2)
    trials = tc.load_study("cand", storage=sqlite_url).trials
    assert len(trials) == 30 and len({t.key for t in trials}) == 30
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) == 2
    assert sorted(map(repr, (t.params for t in trials))) == sorted(map(repr, configs))


def _loss_of_trial(trial: tc.Trial) -> float:
    return _loss(trial.params)


def test_a_loaded_study_rebuilds_the_list_and_its_ranking(sqlite_url: str) -> None:
    configs = _configs(10)
    tc.create_study(name="kept", space=SPACE, storage=sqlite_url, seed=0,
                    sampler=CandidateSampler(configs, TPESampler(n_startup_trials=3)))
    study = tc.load_study("kept", storage=sqlite_url)
    assert isinstance(study.sampler, CandidateSampler) and study.sampler.configs == configs
    assert isinstance(study.sampler.inner, TPESampler) and study.sampler.inner.n_startup_trials == 3
    study.optimize(lambda t: _loss(t.params), n_trials=4, show_progress=False)
    study.optimize(lambda t: _loss(t.params), n_trials=20, show_progress=False)
    assert len(study.trials) == 10


@pytest.mark.parametrize("configs, match", [
    ([], "non-empty list"),
    ({"x": 0.5}, "non-empty list"),
    ("abc", "non-empty list"),
    ([{"x": 0.5, "n": 2, "act": "relu"}, 3], r"configs\[1\] is 3"),
])
def test_bad_lists_are_refused_at_construction(configs: Any, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        CandidateSampler(configs)


def test_a_candidate_outside_the_space_is_named_and_nothing_is_stored() -> None:
    configs = [{"x": 0.5, "n": 2, "act": "relu"}, {"x": 1.5, "n": 2, "act": "relu"}]
    storage = tc.storage.get_storage(":memory:")
    with pytest.raises(ConfigError, match=r"configs\[1\].*x"):  # refused at creation
        tc.create_study(space=SPACE, storage=storage, seed=0, sampler=CandidateSampler(configs))
    assert storage.list_studies() == []


def test_a_sampler_without_sample_is_refused() -> None:
    with pytest.raises(ConfigError, match="sampler must be None or have a sample"):
        CandidateSampler(_configs(3), sampler=42)


@pytest.mark.parametrize("space_name", ["continuous", "mixed", "conditional"])
@pytest.mark.parametrize("inner", [TPESampler, GPSampler])
def test_same_seed_same_picks_on_every_kind_of_space(space_name: str, inner: Any) -> None:
    from tiaocan.testing.sampler import CONFORMANCE_SPACES

    space = CONFORMANCE_SPACES[space_name]
    rng = np.random.default_rng(0)
    configs = [space.sample(rng) for _ in range(40)]

    def picks() -> list[int]:
        study = tc.create_study(space=space, storage=":memory:", seed=4,
                                sampler=CandidateSampler(configs, inner(n_startup_trials=4)))
        study.optimize(lambda t: float(sum(abs(v) for v in t.params.values() if isinstance(v, float))),
                       n_trials=14, show_progress=False)
        return [t.system_attrs["sampler"]["candidate"] for t in study.trials]

    first = picks()
    assert first == picks() and len(set(first)) == 14


def test_running_out_of_candidates_still_lets_asha_promote_on_four_workers() -> None:
    # 12 candidates, 4 workers: the list is used up while the first rungs are still running;
    # each worker that finishes a trial still takes the promotion it unlocks, so the best
    # candidate reaches the top rung ASHA can fill (9 = 1 · 3², with 12 < 27 candidates).
    configs = [{"x": float(x)} for x in np.linspace(0, 1, 12)]
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            scheduler="asha", sampler=CandidateSampler(configs, "random"),
                            fidelity=tc.Fidelity("epoch", 1, 9))

    def objective(trial: tc.Trial) -> float:
        trial.sleep(trial.budget)
        return trial.params["x"] + 1.0 / trial.budget

    study.optimize(objective, n_trials=100, n_workers=4, executor=SimulatedExecutor())
    assert len(study.trials) == 12
    assert max(t.budget for t in study.trials) == 9
    assert study.best_params == {"x": 0.0}
