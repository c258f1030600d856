"""Successive halving, ASHA, Hyperband, BOHB and MOBSTER on the simulated clock."""

from __future__ import annotations

from collections import Counter

import pytest

import tiaocan as tc
from tests.schedulers._helpers import SPACE, curve_objective, run
from tiaocan.errors import ConfigError
from tiaocan.executors.simulated import SimulatedExecutor
from tiaocan.samplers import History
from tiaocan.samplers.multifidelity import BudgetFiltered, BudgetGP
from tiaocan.schedulers import (
    ASHA,
    BOHB,
    MOBSTER,
    AsyncHyperband,
    Decision,
    Hyperband,
    JobKind,
    SuccessiveHalving,
)
from tiaocan.schedulers._rungs import bracket_sizes, ladder
from tiaocan.trial import Direction, FrozenTrial, Report, TrialState


def test_ladder_and_bracket_sizes_follow_hyperband() -> None:
    assert ladder(tc.Fidelity("epoch", 1, 81), 3) == [1, 3, 9, 27, 81]
    assert ladder(tc.Fidelity("epoch", 1, 100), 3) == [1, 4, 11, 33, 100]
    assert ladder(tc.Fidelity("frac", 0.1, 1.0), 3) == pytest.approx([1 / 9, 1 / 3, 1.0])
    # Li et al. 2018, Table 1 (R = 81, eta = 3): n = 81, 34, 15, 8, 5
    assert bracket_sizes(5, 3) == [81, 34, 15, 8, 5]


def test_successive_halving_keeps_the_best_third_per_rung() -> None:
    study = run(SuccessiveHalving(), n_trials=9, n_workers=3, high=9)
    budgets = Counter(t.budget for t in study.trials)
    assert budgets == {1: 6, 3: 2, 9: 1}
    rung1 = sorted(study.trials, key=lambda t: t.reports[0].values[0])[:3]
    assert {t.number for t in rung1} == {t.number for t in study.trials if t.budget >= 3}
    assert study.best_trial.budget == 9


def test_successive_halving_waits_for_a_full_rung() -> None:
    """Synchronous: nothing at budget 3 starts before every budget-1 run has ended."""
    study = run(SuccessiveHalving(), n_trials=9, n_workers=2, high=9)
    promoted = [t for t in study.trials if t.budget > 1]
    first_rung_end = max(t.reports[0].at for t in study.trials)
    assert all(t.reports[1].at >= first_rung_end for t in promoted)


def test_asha_promotes_without_waiting_and_resumes_from_checkpoints() -> None:
    ex = SimulatedExecutor()
    study = tc.create_study(space=SPACE, storage=":memory:", seed=1, scheduler=ASHA(),
                            fidelity=tc.Fidelity("epoch", 1, 27))
    study.optimize(curve_objective, n_trials=30, n_workers=4, executor=ex)
    work = sum(len(t.reports) for t in study.trials)  # epochs trained: one report each
    assert ex.clock.now() == pytest.approx(work / 4, abs=27)  # 4 workers always busy
    for t in study.trials:  # resumed runs continue the curve: steps never repeat
        steps = [r.step for r in t.reports]
        assert steps == sorted(set(steps))
    assert max(t.budget for t in study.trials) == 27


def test_asha_stopping_variant_stops_bad_trials_at_rungs() -> None:
    study = run(ASHA(mode="stopping"), n_trials=20)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned and all(t.last_step in (1, 3, 9) for t in pruned)
    assert all(t.budget == 27 for t in study.trials)


def test_asha_rejects_bad_options() -> None:
    with pytest.raises(ConfigError, match="eta"):
        ASHA(eta=1)
    with pytest.raises(ConfigError, match="mode"):
        ASHA(mode="sometimes")
    with pytest.raises(ConfigError, match="needs a fidelity"):  # refused at creation
        tc.create_study(space=SPACE, storage=":memory:", scheduler=ASHA())


def _trial(number: int, values: tuple[float, float], step: int = 1) -> FrozenTrial:
    return FrozenTrial(number=number, trial_id=number, state=TrialState.COMPLETE, params={"x": 0.1},
                       seed=0, values=values, budget=step, reports=(Report(step, values),),
                       system_attrs={"job": {"bracket": 0}})


def test_multi_objective_asha_promotes_from_the_pareto_front() -> None:
    # trial 2 is dominated by trial 0; trials 0 and 1 are on the front
    trials = [_trial(0, (1.0, 1.0)), _trial(1, (0.5, 3.0)), _trial(2, (2.0, 2.0))]
    history = History(trials, (Direction.MINIMIZE, Direction.MINIMIZE), 0, 3, None,
                      tc.Fidelity("epoch", 1, 9))
    job = ASHA().next_job(history)
    assert job.kind is JobKind.RESUME and job.trial_number in (0, 1) and job.budget == 3
    # stopping variant: a dominated newcomer stops, a non-dominated one continues
    stopper = ASHA(mode="stopping")
    worse = FrozenTrial(3, 3, TrialState.RUNNING, {"x": 0.2}, 0, budget=9,
                        reports=(Report(1, (3.0, 3.0)),), system_attrs={"job": {"bracket": 0}})
    assert stopper.on_report(worse, history) is Decision.STOP
    # worse than trial 1 on the first objective, but it dominates trial 0: it continues
    better = FrozenTrial(3, 3, TrialState.RUNNING, {"x": 0.2}, 0, budget=9,
                         reports=(Report(1, (0.9, 0.2)),), system_attrs={"job": {"bracket": 0}})
    assert stopper.on_report(better, history) is Decision.CONTINUE


def test_hyperband_rotates_brackets_with_their_sizes() -> None:
    study = run(Hyperband(), n_trials=17, n_workers=2, high=9)
    brackets = Counter(t.system_attrs["job"]["bracket"] for t in study.trials)
    assert brackets == {0: 9, 1: 5, 2: 3}
    starts = {j: min(t.budget for t in study.trials if t.system_attrs["job"]["bracket"] == j)
              for j in brackets}
    assert starts == {0: 1, 1: 3, 2: 9}


def test_async_hyperband_spreads_trials_over_brackets() -> None:
    study = run(AsyncHyperband(), n_trials=34, n_workers=3, high=9)
    brackets = Counter(t.system_attrs["job"]["bracket"] for t in study.trials)
    assert set(brackets) == {0, 1, 2} and brackets[0] > brackets[1] > brackets[2]


def test_bohb_is_hyperband_with_budget_filtered_multivariate_tpe() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", scheduler="bohb",
                            fidelity=tc.Fidelity("epoch", 1, 9))
    assert isinstance(study.scheduler, BOHB) and isinstance(study.scheduler, Hyperband)
    assert isinstance(study.sampler, BudgetFiltered) and study.sampler.inner.multivariate
    # the paper's candidate search: 64 draws from l(x) with the bandwidths tripled
    assert (study.sampler.inner.n_ei_candidates, study.sampler.inner.candidate_widening) == (64, 3.0)
    explicit = tc.create_study(space=SPACE, storage=":memory:", scheduler="bohb", sampler="random",
                               fidelity=tc.Fidelity("epoch", 1, 9))
    assert type(explicit.sampler).__name__ == "RandomSampler"


def test_bohb_models_the_largest_budget_with_enough_points() -> None:
    study = run(BOHB(), n_trials=30, n_workers=2, high=9)
    budgets = [t.system_attrs.get("sampler", {}).get("model_budget") for t in study.trials]
    assert 1 in budgets and (3 in budgets or 9 in budgets)
    assert abs(study.best_params["x"]) < 0.2


def test_bohb_sampler_survives_load_study(sqlite_url: str) -> None:
    tc.create_study(name="b", space=SPACE, storage=sqlite_url, scheduler="bohb",
                    fidelity=tc.Fidelity("epoch", 1, 9))
    again = tc.load_study("b", storage=sqlite_url)
    assert isinstance(again.scheduler, BOHB) and isinstance(again.sampler, BudgetFiltered)


def test_mobster_model_sees_the_budget() -> None:
    study = run(MOBSTER(), n_trials=25, n_workers=2, high=9)
    assert isinstance(study.sampler, BudgetGP)
    phases = [t.system_attrs.get("sampler", {}) for t in study.trials]
    assert any("acq_budget" in p for p in phases)
    assert abs(study.best_params["x"]) < 0.2
