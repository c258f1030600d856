"""The main job on small images: scikit-learn's 8×8 digits (1,797 images, 10 classes).

Inspect (sizes, channels, balance) → choose MLP or small CNN (depth, kernel size, activation
searchable) → tune with the guide's priors under Hyperband/BOHB and 5-fold CV, with shifted
copies as a switchable augmentation → ensemble → compare with the same family at defaults,
logistic regression and an RBF SVM.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

import tiaocan as tc
from tiaocan.data.images import shift_augment
from tiaocan.data.inspect import inspect_images
from tiaocan.demos.runner import Baseline, run_study
from tiaocan.recipe.cv import stratified_folds
from tiaocan.recipe.kfold import FoldData
from tiaocan.recipe.models import Inputs
from tiaocan.recipe.spaces import image_model_space, training_space

__all__ = ["ImageTask", "run_image_demo"]


class ImageTask:
    """Digits for :func:`~tiaocan.demos.runner.run_study`."""

    name = "digits"

    def __init__(self, seed: int = 0, k: int = 5, subsample: int | None = None) -> None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        if subsample is not None:
            keep = np.sort(stratified_folds(y, max(len(y) // subsample, 2), seed)[0])
            X, y = X[keep], y[keep]
        self.X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
        self.y, self.k, self.seed = y, k, seed
        self.test = np.sort(stratified_folds(y, 5, seed + 1)[0])
        self.dev = np.setdiff1d(np.arange(len(y)), self.test)
        self.y_dev, self.y_test = y[self.dev], y[self.test]
        self.folds = stratified_folds(self.y_dev, k, seed)

    def space(self) -> tc.Space:
        params = dict(training_space(widen=3.0, batch_size=(8, 128), max_accumulation=2))
        params.update(image_model_space())
        params["augment"] = tc.Categorical([False, True])
        return tc.Space(params)

    def fold_data(self, params: dict[str, Any]) -> list[FoldData]:
        return [_fold(self, f, bool(params.get("augment", False))) for f in range(self.k)]

    def inputs(self, params: dict[str, Any], fold: int) -> Inputs:
        return Inputs("image", (1, 8, 8), 10)

    def model_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def defaults(self, model: str) -> dict[str, Any]:
        base = {"model": model, "optimizer": "adam", "lr_adam": 1e-3, "batch_size": 32,
                "dropout": 0.1, "epochs": 5, "activation": "relu", "depth": 2, "augment": False}
        extra = {"mlp": {"hidden": 128}, "cnn": {"channels": 16, "kernel_size": 3}}
        return {**base, **extra[model]}

    def baseline_models(self, best_model: str) -> tuple[str, ...]:
        """The tuned family at its defaults."""
        return (best_model,)

    def priors(self) -> list[dict[str, Any]]:
        """The guide's priors as a first trial (see :meth:`TextTask.priors`), small CNN."""
        return [{"optimizer": "adamw", "lr_adamw": 3e-3, "batch_size": 32, "lr_scaling": "none",
                 "weight_decay": 0.05, "label_smoothing": 0.1, "warmup_fraction": 0.1,
                 "cosine": True, "accumulation_steps": 1, "model": "cnn", "dropout": 0.1,
                 "activation": "relu", "depth": 2, "channels": 32, "kernel_size": 3,
                 "augment": True}]

    def refit_data(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every development image (and shifted copies when the trial augments), and the
        held-out images: what a single model of the configuration is trained on."""
        Xtr, ytr = self.X[self.dev], self.y_dev
        if params.get("augment", False):
            Xtr, ytr = shift_augment(Xtr, ytr, copies=1, max_shift=1, seed=self.seed + self.k)
        return Xtr, ytr, self.X[self.test]

    def describe_data(self) -> list[str]:
        report = inspect_images(list(self.X), list(self.y))
        return [(f"data: scikit-learn digits ({len(self.y)} images of 8x8, 10 classes); "
                 f"{len(self.dev)} for {self.k}-fold CV, {len(self.test)} held out"),
                "inspect: " + report.summary(),
                ("prepare: pixels scaled to [0, 1]; augment: one copy shifted by up to 1 pixel "
                 "when the trial's 'augment' is True")]

    def extra_baselines(self) -> list[Baseline]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import SVC

        Xd, Xt = self.X[self.dev].reshape(len(self.dev), -1), self.X[self.test].reshape(len(self.test), -1)
        out = []
        for name, clf, ref in (
                ("logistic regression (sklearn defaults)", LogisticRegression(max_iter=2000), False),
                ("RBF SVM (sklearn defaults)", SVC(), True)):
            clf.fit(Xd, self.y_dev)
            out.append(Baseline(name, float(np.mean(clf.predict(Xt) == self.y_test)), ref))
        return out


@lru_cache(maxsize=32)
def _fold(task: ImageTask, fold: int, augmented: bool) -> FoldData:
    val = task.folds[fold]
    train = np.setdiff1d(np.arange(len(task.dev)), val)
    Xtr, ytr = task.X[task.dev[train]], task.y_dev[train]
    if augmented:
        Xtr, ytr = shift_augment(Xtr, ytr, copies=1, max_shift=1, seed=task.seed + fold)
    return FoldData(Xtr, ytr, task.X[task.dev[val]], task.y_dev[val], val, task.X[task.test])


def run_image_demo(storage: str, *, seed: int = 0, n_workers: int = 2, timeout: float = 150.0,
                   n_trials: int | None = None, max_epochs: int = 9, subsample: int | None = None,
                   show_progress: bool | None = None) -> dict[str, Any]:
    """Run the image demo end to end and print its report."""
    task = ImageTask(seed=seed, subsample=subsample)
    return run_study(task, storage=storage, seed=seed, n_workers=n_workers, timeout=timeout,
                     max_epochs=max_epochs, n_trials=n_trials, show_progress=show_progress)
