"""The median / percentile stopping rule."""

from __future__ import annotations

import pytest

import tiaocan as tc
from tests.schedulers._helpers import run
from tiaocan.errors import ConfigError
from tiaocan.samplers import History
from tiaocan.schedulers import Decision, MedianStopping
from tiaocan.trial import FrozenTrial, Report, TrialState


def _curve(number: int, values: list[float], state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    reports = tuple(Report(i + 1, (v,)) for i, v in enumerate(values))
    return FrozenTrial(number, number, state, {"x": 0.0}, 0, budget=10, reports=reports)


def test_stops_a_trial_worse_than_the_median_of_running_averages() -> None:
    others = [_curve(i, [1.0 + i, 0.5 + i, 0.4 + i]) for i in range(5)]
    history = History(others, fidelity=tc.Fidelity("epoch", 1, 10))
    rule = MedianStopping(min_trials=5)
    bad = _curve(5, [9.0, 8.0], TrialState.RUNNING)
    good = _curve(5, [1.0, 0.2], TrialState.RUNNING)
    assert rule.on_report(bad, history) is Decision.STOP
    assert rule.on_report(good, history) is Decision.CONTINUE
    # too few others have reached the step: no decision
    assert MedianStopping(min_trials=6).on_report(bad, history) is Decision.CONTINUE


def test_percentile_is_stricter_than_the_median() -> None:
    others = [_curve(i, [float(i), float(i)]) for i in range(8)]
    history = History(others, fidelity=tc.Fidelity("epoch", 1, 10))
    middling = _curve(8, [2.5, 2.5], TrialState.RUNNING)
    assert MedianStopping(50, min_trials=3).on_report(middling, history) is Decision.CONTINUE
    assert MedianStopping(25, min_trials=3).on_report(middling, history) is Decision.STOP


def test_median_stopping_prunes_on_the_simulated_clock() -> None:
    study = run("median", n_trials=16, high=9)
    states = {t.state for t in study.trials}
    assert TrialState.PRUNED in states and TrialState.COMPLETE in states


def test_rejects_bad_options() -> None:
    with pytest.raises(ConfigError, match="percentile"):
        MedianStopping(percentile=0)
    with pytest.raises(ConfigError, match="min_trials"):
        MedianStopping(min_trials=0)
