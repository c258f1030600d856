"""SearchCV against RandomizedSearchCV and OptunaSearchCV: the same estimator, space, folds and
number of fits, on four datasets that ship with scikit-learn, over several seeds, in one run.

Each search tunes a scaled SVM (C, gamma; and epsilon for regression) with 3-fold CV on 75% of
the data (digits: every other image); the table shows the best cross-validated score (what the searches maximise, mean over
seeds), the held-out score of the refitted best model on the other 25%, and the wall time.

    nice -n 10 .venv/bin/python -m benchmarks.sklearn_searchcv            # ~ a few minutes
    .venv/bin/python -m benchmarks.sklearn_searchcv --seeds 2 --trials 15  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR
from threadpoolctl import threadpool_limits

from tiaocan.integration.sklearn import SearchCV

RESULTS = Path(__file__).parent / "results" / "sklearn_searchcv.md"


@dataclass(frozen=True)
class Task:
    name: str
    load: Any
    estimator: Any
    bounds: dict[str, tuple[float, float]]  # log-uniform ranges
    scoring: str
    stratify: bool = True


TASKS = [
    Task("digits", lambda return_X_y: _half(load_digits(return_X_y=True)),
         lambda: make_pipeline(StandardScaler(), SVC()),
         {"svc__C": (1e-3, 1e3), "svc__gamma": (1e-6, 1e1)}, "accuracy"),
    Task("breast_cancer", load_breast_cancer, lambda: make_pipeline(StandardScaler(), SVC()),
         {"svc__C": (1e-3, 1e3), "svc__gamma": (1e-6, 1e1)}, "roc_auc"),
    Task("wine", load_wine, lambda: make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)),
         {"svc__C": (1e-3, 1e3), "svc__gamma": (1e-6, 1e1)}, "neg_log_loss"),
    Task("diabetes", load_diabetes, lambda: make_pipeline(StandardScaler(), SVR()),
         {"svr__C": (1e-2, 1e4), "svr__gamma": (1e-6, 1e1), "svr__epsilon": (1e-3, 1e2)},
         "neg_mean_squared_error", stratify=False),
]


def _half(data: tuple[Any, Any]) -> tuple[Any, Any]:
    """Every other digit (899 images): the same problem at half the fitting time."""
    X, y = data
    return X[::2], y[::2]


def _searches(task: Task, trials: int, seed: int) -> dict[str, Any]:
    scipy_space = {k: loguniform(lo, hi) for k, (lo, hi) in task.bounds.items()}
    common = {"cv": 3, "scoring": task.scoring}
    searches = {
        "tiaocan SearchCV": SearchCV(task.estimator(), scipy_space, n_trials=trials,
                                     random_state=seed, **common),
        "RandomizedSearchCV": RandomizedSearchCV(task.estimator(), scipy_space, n_iter=trials,
                                                 random_state=seed, **common),
    }
    try:
        import optuna
        from optuna.integration import OptunaSearchCV
    except ImportError:  # optuna-integration not installed: the table says so
        return searches
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna_space = {k: optuna.distributions.FloatDistribution(lo, hi, log=True)
                    for k, (lo, hi) in task.bounds.items()}
    searches["OptunaSearchCV (TPE)"] = OptunaSearchCV(task.estimator(), optuna_space,
                                                      n_trials=trials, random_state=seed, **common)
    return searches


def run(trials: int, seeds: int, tasks: list[Task]) -> dict[str, dict[str, dict[str, list[float]]]]:
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for task in tasks:
        X, y = task.load(return_X_y=True)
        X_dev, X_test, y_dev, y_test = train_test_split(
            X, y, test_size=0.25, random_state=0, stratify=y if task.stratify else None)
        for seed in range(seeds):
            for method, search in _searches(task, trials, seed).items():
                start = time.perf_counter()
                search.fit(X_dev, y_dev)
                row = out.setdefault(task.name, {}).setdefault(method, {"cv": [], "test": [], "s": []})
                row["s"].append(time.perf_counter() - start)
                row["cv"].append(float(search.best_score_))
                row["test"].append(float(search.score(X_test, y_test)))
            print(f"  {task.name} seed {seed} done", flush=True)
    return out


def table(results: dict[str, dict[str, dict[str, list[float]]]], trials: int, seeds: int) -> str:
    lines = [f"{trials} candidates x 3 folds per search, mean (std) over {seeds} seeds; "
             "scores: higher is better (losses negated)", "",
             "| dataset | scoring | method | best CV score | held-out score | time (s) |",
             "|---|---|---|---|---|---|"]
    wins = {"RandomizedSearchCV": 0, "OptunaSearchCV (TPE)": 0}
    scoring = {t.name: t.scoring for t in TASKS}
    for name, methods in results.items():
        ours = np.mean(methods["tiaocan SearchCV"]["cv"])
        for method, row in methods.items():
            cv, test, s = (np.asarray(row[k]) for k in ("cv", "test", "s"))
            lines.append(f"| {name} | {scoring[name]} | {method} | {cv.mean():.4f} ({cv.std():.4f}) "
                         f"| {test.mean():.4f} ({test.std():.4f}) | {s.mean():.1f} |")
            if method in wins and ours >= cv.mean():
                wins[method] += 1
    lines += ["", *(f"SearchCV's best CV score >= {peer}'s on {n} of {len(results)} datasets"
                    for peer, n in wins.items() if any(peer in m for m in results[next(iter(results))]))]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=[t.name for t in TASKS])
    parser.add_argument("--no-save", action="store_true", help="print only; keep the stored table")
    args = parser.parse_args()
    os.nice(10)
    warnings.filterwarnings("ignore")  # convergence and experimental-API notes of the peers
    tasks = [t for t in TASKS if t.name in args.datasets]
    with threadpool_limits(limits=1):
        results = run(args.trials, args.seeds, tasks)
    text = table(results, args.trials, args.seeds)
    print(text)
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("# SearchCV vs RandomizedSearchCV vs OptunaSearchCV\n\n"
                           "`python -m benchmarks.sklearn_searchcv`\n\n" + text + "\n")
        RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
