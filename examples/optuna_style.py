"""Optuna-style objectives, run by tiaocan as written.

The two objectives below are Optuna's scikit-learn examples (a conditional space: SVC or a
random forest; pruning an SGD classifier trained with partial_fit). The only change is
``trial.should_prune()`` → ``trial.should_stop()`` and ``optuna.TrialPruned`` →
``tc.TrialPruned``. No space is declared: the study learns it from the ``suggest_*`` calls,
conditions included, and stores it with the trials (open ``tiaocan dashboard --storage
sqlite:///optuna_style.db`` to look at it). Under a minute on two cores.

    python examples/optuna_style.py
"""

from __future__ import annotations

import sklearn.datasets
import sklearn.ensemble
import sklearn.linear_model
import sklearn.model_selection
import sklearn.svm

import tiaocan as tc

STORAGE = "sqlite:///optuna_style.db"


def objective(trial):
    iris = sklearn.datasets.load_iris()
    x, y = iris.data, iris.target

    classifier_name = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
    if classifier_name == "SVC":
        svc_c = trial.suggest_float("svc_c", 1e-10, 1e10, log=True)
        classifier_obj = sklearn.svm.SVC(C=svc_c, gamma="auto")
    else:
        rf_max_depth = trial.suggest_int("rf_max_depth", 2, 32, log=True)
        classifier_obj = sklearn.ensemble.RandomForestClassifier(
            max_depth=rf_max_depth, n_estimators=10
        )

    score = sklearn.model_selection.cross_val_score(classifier_obj, x, y, n_jobs=1, cv=3)
    accuracy = score.mean()
    return accuracy


def pruned_objective(trial):
    iris = sklearn.datasets.load_iris()
    classes = list(set(iris.target))
    train_x, valid_x, train_y, valid_y = sklearn.model_selection.train_test_split(
        iris.data, iris.target, test_size=0.25, random_state=0
    )

    alpha = trial.suggest_float("alpha", 1e-5, 1e-1, log=True)
    clf = sklearn.linear_model.SGDClassifier(alpha=alpha, random_state=0)

    for step in range(100):
        clf.partial_fit(train_x, train_y, classes=classes)

        # Report intermediate objective value.
        intermediate_value = 1.0 - clf.score(valid_x, valid_y)
        trial.report(intermediate_value, step)

        # Handle pruning based on the intermediate value.
        if trial.should_stop():
            raise tc.TrialPruned()

    return 1.0 - clf.score(valid_x, valid_y)


def main() -> None:
    # TPE, as Optuna's default; sampler="auto" picks a GP for small budgets like this one
    study = tc.create_study("optuna-style", storage=STORAGE, direction="maximize",
                            sampler="tpe", seed=0, load_if_exists=True)
    study.optimize(objective, n_trials=30)
    print(f"best accuracy {study.best_value:.3f} with {study.best_params}")
    print("learned space:")
    for name, param in study.space.items():
        print(f"  {name}: {param!r}")

    # Optuna's MedianPruner is tiaocan's "median" scheduler
    pruning = tc.create_study("optuna-style-pruning", storage=STORAGE, sampler="tpe",
                              scheduler="median", seed=0, load_if_exists=True)
    pruning.optimize(pruned_objective, n_trials=20)
    states = [t.state.value for t in pruning.trials]
    print(f"pruning: best error {pruning.best_value:.3f}; {states.count('pruned')} of "
          f"{len(states)} trials stopped early")


if __name__ == "__main__":
    main()
