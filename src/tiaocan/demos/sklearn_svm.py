"""Tune a support-vector classifier on scikit-learn's bundled digits (8×8 images, 10 classes).

Cross-validated accuracy of an RBF/poly SVM over C, gamma and the kernel's own knobs.
"""

from __future__ import annotations

import time
from typing import Any

import tiaocan as tc
from tiaocan.errors import require

SPACE = tc.Space(
    C=tc.Float(1e-2, 1e3, log=True),
    gamma=tc.Float(1e-5, 1e-1, log=True),
    kernel=tc.Categorical(["rbf", "poly"]),
    degree=tc.Int(2, 5, when={"kernel": "poly"}),
    scale=tc.Categorical([True, False]),
)


def objective(trial: tc.Trial) -> float:
    require("sklearn", "sklearn", "the demo")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    p = trial.params
    X, y = load_digits(return_X_y=True)
    svc = SVC(C=p["C"], gamma=p["gamma"], kernel=p["kernel"], degree=p.get("degree", 3))
    model = make_pipeline(StandardScaler(), svc) if p["scale"] else svc
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=trial.seed)
    return float(cross_val_score(model, X, y, cv=cv).mean())


def run_demo(storage: str, n_trials: int = 40, n_workers: int = 2, seed: int = 0) -> Any:
    started = time.time()
    study = tc.create_study(name=f"demo-digits-svm-seed{seed}", space=SPACE, storage=storage,
                            sampler="sobol", direction="maximize", seed=seed, load_if_exists=True)
    before = len(study.trials)
    study.optimize(objective, n_trials=n_trials, n_workers=n_workers)
    best = study.best_trial
    print(f"tuned an SVM on digits: {len(study.trials) - before} trials in "
          f"{time.time() - started:.1f} s ({n_workers} workers), stored in {storage}")
    print(f"best 3-fold CV accuracy {best.value:.4f} (trial {best.number}, seed {best.seed})")
    for k, v in best.params.items():
        print(f"  {k} = {v!r}")
    print(f"look at it:  tiaocan trials {study.name} --storage {storage}")
    return study
