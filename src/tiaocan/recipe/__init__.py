"""The tuning guide's training recipe (extra ``torch``): every knob a hyperparameter.

- :mod:`~tiaocan.recipe.config`: :class:`TrainConfig` (optimizer, lr and its batch-size
  scaling, epochs, weight decay, label smoothing, warmup, cosine, accumulation, freezing,
  early stopping, seed, device);
- :mod:`~tiaocan.recipe.spaces`: the guide's priors as default search spaces;
- :mod:`~tiaocan.recipe.models`: candidate models (text, images, tabular);
- :mod:`~tiaocan.recipe.loop` and :mod:`~tiaocan.recipe.kfold`: training with per-epoch
  reports to a trial, alone or as k folds in lockstep;
- :mod:`~tiaocan.recipe.cv` and :mod:`~tiaocan.recipe.ensemble`: stratified k-fold and
  greedy ensemble selection (numpy only).

Torch-free parts (config, spaces, cv, ensemble) import without torch; the rest is loaded on
first use and names the extra to install when torch is missing.

>>> from tiaocan.recipe import TrainConfig, default_space
>>> TrainConfig(optimizer="sgd", lr=0.05).effective_lr
0.05
"""

from __future__ import annotations

import importlib
from typing import Any

from tiaocan.recipe.config import LRScaling, OptimizerName, TrainConfig
from tiaocan.recipe.cv import CVResult, cross_validate, stratified_folds
from tiaocan.recipe.ensemble import EnsembleFit, greedy_ensemble, weighted_average
from tiaocan.recipe.spaces import default_space, lr_of, training_space

__all__ = [
    "CVResult",
    "EnsembleFit",
    "FitResult",
    "FoldData",
    "Inputs",
    "LRScaling",
    "OptimizerName",
    "TrainConfig",
    "Trainer",
    "build_model",
    "cross_validate",
    "default_space",
    "fit",
    "fit_folds",
    "greedy_ensemble",
    "lr_of",
    "split_folds",
    "stratified_folds",
    "training_space",
    "weighted_average",
]

_LAZY = {"Trainer": "loop", "fit": "loop", "FitResult": "loop", "fit_folds": "kfold",
         "FoldData": "kfold", "split_folds": "kfold", "build_model": "models", "Inputs": "models"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from tiaocan.errors import require

        require("torch", "torch", "tiaocan.recipe")
        return getattr(importlib.import_module(f"tiaocan.recipe.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'tiaocan.recipe' has no attribute {name!r}")
