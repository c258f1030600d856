"""XGBoostCallback with the real XGBoost on generated data."""

from __future__ import annotations

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost")

import tiaocan as tc
from tiaocan.integration.xgboost import XGBoostCallback

from ._stopping import StopAfter


def _data(seed: int = 0) -> tuple[object, object]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    return xgb.DMatrix(X[:200], label=y[:200]), xgb.DMatrix(X[200:], label=y[200:])


def _objective(rounds: int, key: str | None = "valid-logloss"):  # type: ignore[no-untyped-def]
    dtrain, dvalid = _data()

    def objective(trial: tc.Trial) -> float:
        callback = XGBoostCallback(trial, key)
        params = {"objective": "binary:logistic", "eval_metric": ["error", "logloss"],
                  "eta": trial.params["eta"], "max_depth": 2, "nthread": 1}
        log: dict[str, dict[str, list[float]]] = {}
        booster = xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dvalid, "valid")],
                            callbacks=[callback], verbose_eval=False, evals_result=log)
        trial.set_user_attr("rounds", booster.num_boosted_rounds())
        return log["valid"]["logloss"][-1]

    return objective


def _study(scheduler: object = None) -> tc.Study:
    return tc.create_study(space=tc.Space(eta=tc.Float(0.05, 0.5, log=True)), storage=":memory:",
                           scheduler=scheduler, seed=0)


def test_every_round_is_reported() -> None:
    study = _study()
    study.optimize(_objective(rounds=8), n_trials=2)
    for trial in study.trials:
        assert trial.state is tc.TrialState.COMPLETE
        assert [r.step for r in trial.reports] == list(range(1, 9))
        assert trial.reports[-1].value == pytest.approx(trial.value, abs=1e-5)


def test_training_stops_when_the_scheduler_says_so() -> None:
    study = _study(StopAfter(3))
    study.optimize(_objective(rounds=50), n_trials=2)
    for trial in study.trials:
        assert trial.state is tc.TrialState.PRUNED
        assert trial.user_attrs["rounds"] == 3
        assert [r.step for r in trial.reports] == [1, 2, 3]


def test_default_key_is_the_last_metric_and_a_wrong_key_fails_the_trial() -> None:
    study = _study()
    study.optimize(_objective(rounds=2, key=None), n_trials=1)
    assert study.trials[0].state is tc.TrialState.COMPLETE  # logloss, the last metric
    study.optimize(_objective(rounds=2, key="valid-auc"), n_trials=1)
    failed = study.trials[1]
    assert failed.state is tc.TrialState.FAILED and "observation_key must be one of" in failed.error


def test_the_scikit_learn_interface() -> None:
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(200, 4)), rng.normal(size=200)
    study = _study(StopAfter(4))

    def objective(trial: tc.Trial) -> float:
        model = xgb.XGBRegressor(n_estimators=30, learning_rate=trial.params["eta"], n_jobs=1,
                                 callbacks=[XGBoostCallback(trial, "validation_0-rmse")])
        model.fit(X[:150], y[:150], eval_set=[(X[150:], y[150:])], verbose=False)
        return float(model.evals_result()["validation_0"]["rmse"][-1])

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state is tc.TrialState.PRUNED and len(study.trials[0].reports) == 4
