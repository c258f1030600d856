"""XGBoost with early stopping by the scheduler: each boosting round's validation log-loss is
reported to the trial, and ASHA (stopping mode) stops the unpromising configurations at its
rungs (5, 15, 45 rounds) instead of training every one for 135 rounds.
A few seconds on one core.

    python examples/xgboost_pruning.py
"""

from __future__ import annotations

import xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import tiaocan as tc
from tiaocan.integration.xgboost import XGBoostCallback

X, y = load_breast_cancer(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)
DTRAIN, DVALID = xgb.DMatrix(X_train, label=y_train), xgb.DMatrix(X_valid, label=y_valid)

SPACE = tc.Space(
    eta=tc.Float(1e-3, 0.5, log=True),
    max_depth=tc.Int(1, 8),
    subsample=tc.Float(0.4, 1.0),
    min_child_weight=tc.Float(0.1, 10, log=True),
)


def objective(trial: tc.Trial) -> float:
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1,
              "seed": trial.seed % 2**31, **trial.params}
    log: dict[str, dict[str, list[float]]] = {}
    xgb.train(params, DTRAIN, num_boost_round=int(trial.budget), evals=[(DVALID, "valid")],
              evals_result=log, verbose_eval=False,
              callbacks=[XGBoostCallback(trial, "valid-logloss")])
    return log["valid"]["logloss"][-1]


if __name__ == "__main__":
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0,
                            scheduler=tc.schedulers.ASHA(mode="stopping"),
                            fidelity=tc.Fidelity("round", 5, 135))
    study.optimize(objective, n_trials=30)
    pruned = [t for t in study.trials if t.state is tc.TrialState.PRUNED]
    rounds = sum(len(t.reports) for t in study.trials)
    print(f"best valid log-loss {study.best_value:.4f} with {study.best_params}")
    print(f"{len(pruned)} of {len(study.trials)} trials stopped early; {rounds} boosting rounds "
          f"in all instead of {len(study.trials) * 135}")
