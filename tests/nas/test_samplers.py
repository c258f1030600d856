"""The architecture-search samplers: conformance, no configuration twice, multi-objective."""

from __future__ import annotations

import collections
import logging

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.nas.cell import cell_space, genotype
from tiaocan.samplers import RegularizedEvolutionSampler, ReinforceSampler
from tiaocan.samplers._unique import config_key
from tiaocan.testing import check_sampler

SMALL = cell_space(n_nodes=3, ops=("none", "skip_connect", "conv_3x3"))  # 27 cells
GOOD = {"edge_0_1": "conv_3x3", "edge_0_2": "skip_connect", "edge_1_2": "conv_3x3"}


def cell_loss(trial: tc.Trial) -> float:
    """A cheap stand-in for a trained cell: the number of edges that differ from GOOD."""
    return float(sum(trial.params[k] != v for k, v in GOOD.items()))


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.ERROR, logger="tiaocan")


def test_conformance_of_the_rl_controller() -> None:
    check_sampler(ReinforceSampler)


def test_conformance_of_evolution_with_uniqueness() -> None:
    check_sampler(lambda: RegularizedEvolutionSampler(population_size=6, sample_size=3))


@pytest.mark.parametrize("make", [ReinforceSampler, lambda: RegularizedEvolutionSampler(5, 2)])
def test_no_cell_is_proposed_twice_and_the_space_ends(make) -> None:
    study = tc.create_study(space=SMALL, storage=":memory:", sampler=make(), seed=3)
    study.optimize(cell_loss, n_trials=40, show_progress=False)  # stops at 27: GridExhausted
    genotypes = [genotype(t.params) for t in study.trials]
    assert len(genotypes) == 27 == len(set(genotypes))
    assert all(t.key == config_key(t.params) for t in study.trials)


def cell_loss_slow(trial: tc.Trial) -> float:
    return cell_loss(trial)


def test_no_cell_twice_across_worker_processes(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    study = tc.create_study(name="u", space=SMALL, storage=url, seed=0,
                            sampler=RegularizedEvolutionSampler(population_size=6, sample_size=3))
    study.optimize(cell_loss_slow, n_trials=20, n_workers=2, show_progress=False)
    counts = collections.Counter(genotype(t.params) for t in tc.load_study("u", storage=url).trials)
    assert sum(counts.values()) == 20 and max(counts.values()) == 1


@pytest.mark.parametrize("make", [ReinforceSampler, lambda: RegularizedEvolutionSampler(10, 3)])
def test_the_nas_samplers_beat_random_search_on_a_cell_space(make) -> None:
    space = cell_space(n_nodes=4, ops=("none", "skip_connect", "conv_1x1", "conv_3x3"))  # 4096
    target = dict(zip(space.names, ["conv_3x3", "skip_connect", "conv_1x1", "none",
                                    "conv_3x3", "skip_connect"]))

    def loss(trial: tc.Trial) -> float:
        return float(sum(trial.params[k] != v for k, v in target.items()))

    def best_after(sampler, seed: int) -> float:
        study = tc.create_study(space=space, storage=":memory:", sampler=sampler, seed=seed)
        study.optimize(loss, n_trials=80, show_progress=False)
        return study.best_value

    ours = np.mean([best_after(make(), s) for s in range(4)])
    random = np.mean([best_after("random", s) for s in range(4)])
    assert ours < random


def test_rl_policy_concentrates_on_the_rewarded_choices() -> None:
    sampler = ReinforceSampler()
    study = tc.create_study(space=SMALL, storage=":memory:", sampler=sampler, seed=0)
    study.optimize(cell_loss, n_trials=20, show_progress=False)
    policy = sampler.policy(SMALL, study.history())
    for name, best in GOOD.items():
        choices = SMALL[name].choices
        assert int(np.argmax(policy.probabilities(name))) == choices.index(best), name


def test_multi_objective_evolution_and_rl_find_a_front() -> None:
    space = tc.Space(width=tc.Categorical([8, 16, 32, 64]), depth=tc.Int(1, 6))

    def objective(trial: tc.Trial) -> tuple[float, float]:
        w, d = trial.params["width"], trial.params["depth"]
        return 1.0 / (w * d), float(w * d)  # error falls, cost rises

    for sampler in (RegularizedEvolutionSampler(6, 3), ReinforceSampler(weights=[1.0, 0.0])):
        study = tc.create_study(space=space, storage=":memory:", sampler=sampler, seed=0,
                                directions=["minimize", "minimize"])
        study.optimize(objective, n_trials=20, show_progress=False)
        assert len(study.best_trials) >= 3


def test_rl_options_are_checked() -> None:
    with pytest.raises(tc.ConfigError, match="lr must be"):
        ReinforceSampler(lr=0)
    with pytest.raises(tc.ConfigError, match="weights must be"):
        ReinforceSampler(weights=[-1.0])
    study = tc.create_study(space=SMALL, storage=":memory:", sampler=ReinforceSampler(weights=[1.0]),
                            directions=["minimize", "minimize"], seed=0)
    with pytest.raises(tc.ConfigError, match="weights has 1 entries; the study has 2"):
        study.optimize(lambda t: (0.0, 1.0), n_trials=3, show_progress=False)
