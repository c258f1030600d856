"""Fine-tuning in the guide's style: freeze the pretrained layers, warm up, anneal.

A small CNN is "pretrained" on digits 0-4, then fine-tuned on digits 5-9 (a new head). The
study searches the guide's fine-tuning space: epochs in [3, 5], freezing the first layer
(``requires_grad = False`` while the head learns) and unfreezing it at a later epoch, linear
warmup, cosine annealing, the optimizer with its learning-rate prior, batch size, weight
decay, label smoothing. Runs in well under a minute on one core.

    python examples/finetune_freeze_warmup.py
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

import tiaocan as tc
from tiaocan.recipe import TrainConfig, fit, lr_of, training_space
from tiaocan.recipe.cv import stratified_folds
from tiaocan.recipe.models import Inputs, build_model

torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
old, new = y < 5, y >= 5
ARCH = {"model": "cnn", "channels": 16, "depth": 2, "kernel_size": 3, "dropout": 0.1}


def pretrained_backbone() -> dict[str, torch.Tensor]:
    model = build_model(ARCH, Inputs("image", (1, 8, 8), 5), seed=0)
    fit(model, TrainConfig(epochs=3, device="cpu"), (X[old], y[old]))
    return {k: v for k, v in model.state_dict().items() if k.startswith("features.")}


BACKBONE = pretrained_backbone()
Xn, yn = X[new], y[new] - 5
val = stratified_folds(yn, 4, seed=0)[0]
train = np.setdiff1d(np.arange(len(yn)), val)


def objective(trial: tc.Trial) -> float:
    model = build_model(ARCH, Inputs("image", (1, 8, 8), 5), seed=trial.seed)
    model.load_state_dict(BACKBONE, strict=False)  # new head, pretrained features
    cfg = TrainConfig.from_params(lr_of(trial.params), seed=trial.seed, device="cpu")
    result = fit(model, cfg, (Xn[train], yn[train]), (Xn[val], yn[val]), trial=trial)
    return result.best_score


if __name__ == "__main__":
    space = training_space(optimizers=("momentum", "adam"), fine_tuning=True, batch_size=(8, 64))
    study = tc.create_study(space=space, storage=":memory:", sampler="random",
                            direction="maximize", seed=0)
    study.optimize(objective, n_trials=12)
    best = study.best_trial
    print(f"best validation accuracy {best.value:.4f} with")
    for k, v in best.params.items():
        print(f"  {k} = {v}")
    frozen = [t for t in study.trials if t.params.get("freeze") == 1 and t.value is not None]
    free = [t for t in study.trials if t.params.get("freeze") == 0 and t.value is not None]
    for label, group in (("first layer frozen", frozen), ("all layers trained", free)):
        if group:
            print(f"{label:>20}: mean accuracy {np.mean([t.value for t in group]):.4f} "
                  f"over {len(group)} trials")
