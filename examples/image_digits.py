"""Small images: model choice (MLP or CNN with searchable depth, kernel size, activation)
tuned with 3-fold CV in lockstep under BOHB (or Hyperband), then a weighted ensemble of the best
trials, fitted on out-of-fold predictions. About half a minute on one core.

    python examples/image_digits.py
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

import tiaocan as tc
from tiaocan.recipe import (
    TrainConfig,
    build_model,
    default_space,
    fit_folds,
    greedy_ensemble,
    lr_of,
    split_folds,
    stratified_folds,
)
from tiaocan.recipe.cv import accuracy_score
from tiaocan.recipe.models import Inputs
from tiaocan.schedulers import SCHEDULERS

torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
test = stratified_folds(y, 5, seed=1)[0]
dev = np.setdiff1d(np.arange(len(y)), test)
FOLDS = split_folds(X[dev], y[dev], stratified_folds(y[dev], 3, seed=0), X_test=X[test])
PREDICTIONS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def objective(trial: tc.Trial) -> float:
    params = lr_of(trial.params)
    cfg = TrainConfig.from_params(params, seed=trial.seed, device="cpu", epochs=6)
    out = fit_folds(lambda i: build_model(params, Inputs("image", (1, 8, 8), 10), seed=i),
                    cfg, FOLDS, trial=trial, epochs=int(trial.budget))
    PREDICTIONS[trial.number] = (out.cv.oof, out.test_proba)
    return out.cv.mean


if __name__ == "__main__":
    scheduler = next((s for s in ("bohb", "hyperband") if s in SCHEDULERS), "fifo")
    study = tc.create_study(space=default_space("image", batch_size=(16, 128)),
                            storage=":memory:", scheduler=scheduler,
                            sampler=None if scheduler == "bohb" else "random",
                            fidelity=tc.Fidelity("epoch", 2, 6), direction="maximize", seed=0)
    study.optimize(objective, n_trials=14)
    ranked = sorted((t for t in study.trials if t.value is not None), key=lambda t: -t.value)[:6]
    oofs = [PREDICTIONS[t.number][0] for t in ranked]
    tests = [PREDICTIONS[t.number][1] for t in ranked]
    ens = greedy_ensemble(oofs, y[dev])
    print(f"{scheduler}: best trial {ranked[0].number} CV accuracy {ranked[0].value:.4f} "
          f"({ranked[0].params['model']})")
    print(f"held-out accuracy: best single {accuracy_score(y[test], tests[0]):.4f}, "
          f"ensemble {accuracy_score(y[test], ens.predict(tests)):.4f} "
          f"(weights {[round(w, 2) for w in ens.weights]})")
