"""AdaptiveHyperband: bracket weights follow how far the low fidelities can be trusted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.executors.simulated import SimulatedExecutor
from tiaocan.samplers.multifidelity import (
    BudgetFiltered,
    BudgetGP,
    ladder_trust,
    rank_agreement,
    trusted_budgets,
)
from tiaocan.samplers.random import RandomSampler
from tiaocan.schedulers import SCHEDULERS, AdaptiveHyperband, JobKind
from tiaocan.testing import check_scheduler

SPACE = tc.Space(x=tc.Float(0.0, 1.0))
TOP = 27


def informative(x: float, budget: float) -> float:
    return (x - 0.3) ** 2 + 0.5 / budget


def misleading(x: float, budget: float) -> float:
    """The low budgets rank configurations in reverse: their best are the worst at the top."""
    return (x - 0.3) ** 2 if budget >= TOP else 1.0 - (x - 0.3) ** 2


def run(loss: Callable[[float, float], float], n_trials: int = 80, n_workers: int = 2,
        seed: int = 0, **kw: Any) -> tc.Study:
    """One virtual second per epoch, resumed from the trained epochs; one report per job."""
    trained: dict[int, float] = {}

    def objective(trial: tc.Trial) -> float:
        trial.sleep(trial.budget - trained.get(trial.number, 0))
        trained[trial.number] = trial.budget
        return loss(trial.params["x"], trial.budget)

    study = tc.create_study(space=SPACE, storage=":memory:", seed=seed,
                            scheduler=AdaptiveHyperband(**kw), fidelity=tc.Fidelity("epoch", 1, TOP))
    study.optimize(objective, n_trials=n_trials, n_workers=n_workers, executor=SimulatedExecutor())
    return study


def last_weights(study: tc.Study) -> list[float]:
    starts = [t for t in study.trials if "weights" in t.system_attrs.get("job", {})]
    return list(max(starts, key=lambda t: t.number).system_attrs["job"]["weights"])


def test_conforms() -> None:
    check_scheduler(AdaptiveHyperband, n_trials=24, workers=(1, 3))
    check_scheduler(lambda: AdaptiveHyperband(model="gp"), n_trials=12, workers=(2,))
    assert SCHEDULERS["adaptive_hyperband"] is AdaptiveHyperband


def test_weights_start_as_hyperband() -> None:
    study = run(informative, n_trials=1, n_workers=1)
    assert last_weights(study) == pytest.approx([27 / 49, 12 / 49, 6 / 49, 4 / 49], abs=1e-3)


def test_misleading_low_fidelity_moves_the_weights_to_the_full_budget() -> None:
    study = run(misleading)
    weights = last_weights(study)
    assert weights[-1] > 0.5 > 4 / 49          # the full-budget bracket: from 8 % to most trials
    assert weights[0] < 0.25 < 27 / 49         # the lowest rung: only the min_weight floor
    assert ladder_trust(study.history(), [1.0, 3.0, 9.0, 27.0])[:3] == [0.0, 0.0, 0.0]
    history = study.history()
    concordant, pairs = rank_agreement(history, 9, TOP)  # 1 and 3: through the chain
    assert pairs > 0 and concordant / pairs < 0.5
    assert 1 not in trusted_budgets(history, 0.5) and TOP in trusted_budgets(history, 0.5)


def test_informative_low_fidelity_keeps_the_weights_spread() -> None:
    weights = last_weights(run(informative))
    assert weights[0] > 0.3 and max(weights) < 0.7
    assert weights[-1] < 0.2


def test_decisions_are_valid_jobs() -> None:
    study = run(misleading, n_trials=40)
    levels = [1, 3, 9, 27]
    for t in study.trials:
        job = t.system_attrs["job"]
        assert t.budget in levels and 0 <= job["bracket"] < len(levels)
        assert t.budget >= levels[job["bracket"]]
        if "weights" in job:
            assert sum(job["weights"]) == pytest.approx(1.0, abs=1e-3)
    sched = AdaptiveHyperband()
    assert sched.next_job(study.history()).kind in (JobKind.START, JobKind.RESUME)


def test_deterministic() -> None:
    def fingerprint(study: tc.Study) -> list[Any]:
        return [(t.number, t.params["x"], t.budget, t.system_attrs["job"]) for t in study.trials]

    assert fingerprint(run(misleading, n_trials=30, seed=3)) == fingerprint(run(misleading, n_trials=30, seed=3))


def test_ladder_trust_is_full_without_evidence_and_one_at_the_top() -> None:
    study = run(informative, n_trials=1, n_workers=1)
    assert ladder_trust(study.history(), [1.0, 3.0, 9.0, 27.0]) == [1.0, 1.0, 1.0, 1.0]


def test_default_sampler_models_only_trusted_budgets() -> None:
    sampler = AdaptiveHyperband(model="tpe").default_sampler()
    assert isinstance(sampler, BudgetFiltered) and sampler.min_trust == 0.5
    assert isinstance(AdaptiveHyperband().default_sampler(), BudgetGP)
    study = run(misleading, model="tpe")
    budgets = [info["model_budget"] for t in study.trials
               if isinstance(info := t.system_attrs.get("sampler"), dict) and "model_budget" in info]
    assert budgets and budgets[-1] == TOP  # the low rungs are distrusted by then


@pytest.mark.parametrize(("kw", "name"), [({"min_weight": 2}, "min_weight"), ({"prior_pairs": -1}, "prior_pairs"),
                                          ({"min_trust": "x"}, "min_trust"), ({"model": "forest"}, "model")])
def test_bad_options_are_named(kw: dict[str, Any], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        AdaptiveHyperband(**kw)
    with pytest.raises(ConfigError, match="min_trust"):
        BudgetFiltered(RandomSampler(), min_trust=1.5)


def buried_top_history(n: int = 60) -> Any:
    """Configurations seen at budget 1 and the full budget: budget 1 orders them as the full
    budget does, except the best tenth, which it ranks worst."""
    from tiaocan.samplers.base import History
    from tiaocan.trial import FrozenTrial, Report, TrialState

    trials = []
    for i in range(n):
        x = (i + 0.5) / n
        full = abs(x - 0.3)
        low = 2.0 - full if full < 0.05 else full
        trials.append(FrozenTrial(i, i, TrialState.COMPLETE, {"x": x}, 0, values=(full,), budget=TOP,
                                  reports=(Report(1, (low,)), Report(TOP, (full,)))))
    trials.append(FrozenTrial(n, n, TrialState.COMPLETE, {"x": 1.0}, 0, values=(0.7,), budget=1,
                              reports=(Report(1, (0.7,)),)))  # a job at budget 1: a rung there
    return History(tuple(trials), fidelity=tc.Fidelity("epoch", 1, TOP))


def test_trust_counts_the_pairs_that_involve_the_full_budgets_top() -> None:
    history = buried_top_history()
    concordant, pairs = rank_agreement(history, 1, TOP, top_fraction=None)
    assert pairs == 60 * 59 // 2 and concordant / pairs > 0.75      # Kendall's tau over all: > 0.5
    top_concordant, top_pairs = rank_agreement(history, 1, TOP)     # default: the top third
    assert top_pairs < pairs and top_concordant / top_pairs < 0.75  # tau there < 0.5
    assert ladder_trust(history, [1.0, TOP], top_fraction=None)[0] > 0.5
    assert ladder_trust(history, [1.0, TOP])[0] < 0.5
    assert 1 not in trusted_budgets(history, 0.5) and 1 in trusted_budgets(history, 0.5, top_fraction=None)
    with pytest.raises(ConfigError, match=r"top_fraction .*\(0, 1\].*received 0"):
        rank_agreement(history, 1, TOP, top_fraction=0)
