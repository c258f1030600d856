"""The multi-fidelity sampler wrappers: one budget's view of the history, and BudgetGP."""

from __future__ import annotations

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.samplers import History, describe, rebuild
from tiaocan.samplers.multifidelity import BudgetFiltered, BudgetGP, at_budget, model_budget
from tiaocan.samplers.tpe import TPESampler
from tiaocan.trial import FrozenTrial, Report, TrialState

FID = tc.Fidelity("epoch", 1, 9)
SPACE = tc.Space(x=tc.Float(0.0, 1.0))


def _t(number: int, curve: dict[int, float], state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    reports = tuple(Report(s, (v,)) for s, v in curve.items())
    last = reports[-1].values if reports and state is not TrialState.RUNNING else None
    return FrozenTrial(number, number, state, {"x": number / 10}, 0, values=last,
                       budget=max(curve) if curve else 1, reports=reports)


HISTORY = History([_t(0, {1: 0.5, 3: 0.4}), _t(1, {1: 0.3, 3: 0.2, 9: 0.1}), _t(2, {1: 0.9}),
                   _t(3, {1: 0.2, 3: 0.25}), _t(4, {1: 0.6}, TrialState.RUNNING),
                   _t(5, {1: 0.7}, TrialState.FAILED)], fidelity=FID)


def test_model_budget_is_the_largest_with_enough_points() -> None:
    assert model_budget(HISTORY, 3) == 3
    assert model_budget(HISTORY, 1) == 9
    assert model_budget(HISTORY, 5) == 1
    assert model_budget(HISTORY, 50) == 1  # never more than there is: the budget most reached
    assert model_budget(History([], fidelity=FID), 3) is None


def test_at_budget_shows_the_values_there_and_keeps_running_trials() -> None:
    view = at_budget(HISTORY, 3)
    got = {t.number: (t.state, t.values) for t in view.trials}
    assert got == {0: (TrialState.COMPLETE, (0.4,)), 1: (TrialState.COMPLETE, (0.2,)),
                   3: (TrialState.COMPLETE, (0.25,)), 4: (TrialState.RUNNING, None)}


def test_lower_as_worse_ranks_stopped_trials_after_every_trial_at_the_budget() -> None:
    view = at_budget(HISTORY, 3, lower_as_worse=True)
    values = {t.number: t.values[0] for t in view.trials if t.values}
    assert values[2] > max(values[0], values[1], values[3])
    assert 5 not in values  # failed trials stay out


def test_budget_filtered_is_described_and_rebuilt_with_its_inner_sampler() -> None:
    wrapped = BudgetFiltered(TPESampler(n_startup_trials=3), random_fraction=0.25, lower_as_worse=True)
    again = rebuild(describe(wrapped))
    assert isinstance(again.inner, TPESampler) and again.inner.n_startup_trials == 3
    assert again.random_fraction == 0.25 and again.lower_as_worse
    with pytest.raises(ConfigError, match="random_fraction"):
        BudgetFiltered(TPESampler(), random_fraction=2)
    with pytest.raises(ConfigError, match="sample"):
        BudgetFiltered(object())


def test_budget_filtered_is_random_until_a_budget_has_enough_points() -> None:
    few = History(HISTORY.trials[:2], fidelity=FID)
    proposal = BudgetFiltered(TPESampler(), min_points=5).sample(SPACE, few, np.random.default_rng(0))
    assert proposal.info["phase"] == "startup"


def test_budget_gp_acquires_at_a_budget_it_has_data_for() -> None:
    rng = np.random.default_rng(0)
    trials = [_t(i, {1: (x - 0.3) ** 2 + 0.5, 3: (x - 0.3) ** 2 + 0.2})
              for i, x in enumerate(rng.random(12))]
    trials = [FrozenTrial(t.number, t.number, t.state, {"x": float(x)}, 0, values=t.values, budget=3,
                          reports=t.reports) for t, x in zip(trials, rng.random(12))]
    proposal = BudgetGP(min_points=5).sample(SPACE, History(trials, fidelity=FID), rng)
    assert proposal.info["acq_budget"] == 3 and SPACE.contains(proposal.params)
