"""Real tasks: an RBF SVM on scikit-learn's digits, an MLP on MNIST-1D (generated offline).

Both minimise a validation error on a fixed split (so a configuration always scores the
same); the optimum is unknown, so regret is measured against the best value of the run.
Data are made once per process and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem

__all__ = ["mlp_mnist1d", "svm_digits"]


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return tuple(train_test_split(x / 16.0, y, test_size=0.5, random_state=0, stratify=y))


def _svm_error(cfg: Mapping[str, Any]) -> float:
    from sklearn.svm import SVC

    x_tr, x_va, y_tr, y_va = _digits()
    model = SVC(C=cfg["C"], gamma=cfg["gamma"]).fit(x_tr, y_tr)
    return float(1.0 - model.score(x_va, y_va))


def svm_digits() -> Problem:
    space = tc.Space(C=tc.Float(1e-3, 1e4, log=True), gamma=tc.Float(1e-6, 10.0, log=True))
    return Problem("svm_digits", space, _svm_error, None, kind="real")


@functools.lru_cache(maxsize=1)
def _mnist1d() -> tuple[np.ndarray, ...]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = 2000  # 1,600 train + 400 validation: ~0.15 s per fit on one core
    data = make_dataset(args)  # generated from templates, no download
    return (np.asarray(data["x"], float), np.asarray(data["y"]),
            np.asarray(data["x_test"], float), np.asarray(data["y_test"]))


def _mlp_error(cfg: Mapping[str, Any]) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_tr, y_tr, x_va, y_va = _mnist1d()
    model = MLPClassifier(hidden_layer_sizes=(cfg["width"],) * cfg["depth"], alpha=cfg["alpha"],
                          learning_rate_init=cfg["lr"], batch_size=cfg["batch_size"],
                          activation=cfg["activation"], max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_tr, y_tr)
    return float(1.0 - model.score(x_va, y_va))


def mlp_mnist1d() -> Problem:
    space = tc.Space(
        lr=tc.Float(1e-4, 1e-1, log=True), width=tc.Int(16, 256, log=True), depth=tc.Int(1, 3),
        alpha=tc.Float(1e-6, 1e-1, log=True), batch_size=tc.Int(16, 256, log=True),
        activation=tc.Categorical(["relu", "tanh"]),
    )
    return Problem("mlp_mnist1d", space, _mlp_error, None, kind="real")
