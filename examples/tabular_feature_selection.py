"""Tabular data with model-based feature selection as a hyperparameter.

The wine data (13 features) gets 20 pure-noise columns; the study decides whether to select
features with an L1 logistic regression or a random forest (fitted on the training folds
only) or keep them all, together with the MLP's knobs, by 3-fold CV. Under a minute.

    python examples/tabular_feature_selection.py
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

import tiaocan as tc
from tiaocan.data.features import select_model_based
from tiaocan.recipe import TrainConfig, build_model, cross_validate, lr_of, training_space
from tiaocan.recipe.loop import Trainer
from tiaocan.recipe.models import Inputs
from tiaocan.recipe.spaces import dense_model_space

torch.set_num_threads(1)
X0, y = load_wine(return_X_y=True)
X = np.hstack([X0, np.random.default_rng(0).normal(size=(len(y), 20))]).astype(np.float32)


def objective(trial: tc.Trial) -> float:
    p = lr_of(trial.params)
    cfg = TrainConfig.from_params(p, seed=trial.seed, device="cpu", epochs=30)

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        scaler = StandardScaler().fit(X[train])
        Xtr, Xte = scaler.transform(X[train]), scaler.transform(X[test])
        if p["selection"] != "none":
            sel = select_model_based(Xtr, y[train], model=p["selection"], seed=trial.seed)
            Xtr, Xte = sel.transform(Xtr), sel.transform(Xte)
        model = build_model(p, Inputs("dense", (Xtr.shape[1],), 3), seed=trial.seed)
        t = Trainer(model, cfg, Xtr.astype(np.float32), y[train])
        for _ in range(cfg.epochs):
            t.train_epoch()
        return t.predict_proba(Xte.astype(np.float32))

    result = cross_validate(fit_predict, y, k=3, seed=0)
    trial.set_user_attr("cv_std", result.std)
    return result.mean


if __name__ == "__main__":
    space = dict(training_space(optimizers=("adam",), batch_size=(8, 64), max_accumulation=1))
    space.update(dense_model_space(), selection=tc.Categorical(["none", "l1", "forest"]))
    study = tc.create_study(space=tc.Space(space), storage=":memory:", sampler="random",
                            direction="maximize", seed=0)
    study.optimize(objective, n_trials=12)
    best = study.best_trial
    print(f"best 3-fold CV accuracy {best.value:.4f} ± {best.user_attrs['cv_std']:.4f} with "
          f"selection={best.params['selection']}")
    for choice in ("none", "l1", "forest"):
        vals = [t.value for t in study.trials if t.params["selection"] == choice and t.value]
        if vals:
            print(f"  selection={choice:<7} mean CV accuracy {np.mean(vals):.4f} ({len(vals)} trials)")
