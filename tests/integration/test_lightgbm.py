"""LightGBMCallback with the real LightGBM on generated data."""

from __future__ import annotations

import numpy as np
import pytest

lgb = pytest.importorskip("lightgbm")

import tiaocan as tc
from tiaocan.integration.lightgbm import LightGBMCallback

from ._stopping import StopAfter

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # LightGBM's small-data notes


def _objective(rounds: int, metric: str | None = "binary_logloss"):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] - X[:, 2] + rng.normal(scale=0.5, size=300) > 0).astype(int)

    def objective(trial: tc.Trial) -> float:
        dtrain = lgb.Dataset(X[:200], label=y[:200])
        dvalid = lgb.Dataset(X[200:], label=y[200:], reference=dtrain)
        params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1,
                  "learning_rate": trial.params["lr"], "num_leaves": 4, "num_threads": 1}
        log: dict[str, dict[str, list[float]]] = {}
        booster = lgb.train(params, dtrain, num_boost_round=rounds, valid_sets=[dtrain, dvalid],
                            valid_names=["training", "valid"],
                            callbacks=[LightGBMCallback(trial, metric), lgb.record_evaluation(log)])
        trial.set_user_attr("rounds", booster.current_iteration())
        return log["valid"]["binary_logloss"][-1]

    return objective


def _study(scheduler: object = None) -> tc.Study:
    return tc.create_study(space=tc.Space(lr=tc.Float(0.05, 0.3, log=True)), storage=":memory:",
                           scheduler=scheduler, seed=0)


def test_every_round_is_reported_on_the_validation_set() -> None:
    study = _study()
    study.optimize(_objective(rounds=6), n_trials=2)
    for trial in study.trials:
        steps = [r.step for r in trial.reports]
        assert steps == [1, 2, 3, 4, 5, 6]
        # the curve is the validation loss: not the training loss, which only falls
        assert all(0 < r.value < 1 for r in trial.reports)


def test_training_stops_when_the_scheduler_says_so() -> None:
    study = _study(StopAfter(3))
    study.optimize(_objective(rounds=40), n_trials=2)
    for trial in study.trials:
        assert trial.user_attrs["rounds"] == 3
        assert [r.step for r in trial.reports] == [1, 2, 3]


def test_unknown_metric_fails_the_trial_with_the_choices() -> None:
    study = _study()
    study.optimize(_objective(rounds=2, metric="l2"), n_trials=1)
    trial = study.trials[0]
    assert trial.state is tc.TrialState.FAILED and "valid:auc" in trial.error
