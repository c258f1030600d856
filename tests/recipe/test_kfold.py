"""Lockstep k-fold training: OOF predictions for every row, mean curve reported per epoch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from tiaocan.recipe.config import TrainConfig  # noqa: E402
from tiaocan.recipe.cv import stratified_folds  # noqa: E402
from tiaocan.recipe.kfold import fit_folds, split_folds  # noqa: E402


def _problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    X = (np.eye(3)[y] * 2 + rng.normal(0, 0.5, (60, 3))).astype(np.float32)
    return X, y


class _Trial:
    def __init__(self) -> None:
        self.steps: list[int] = []
        self.saved: object = None

    def report(self, value: float, step: int) -> None:
        self.steps.append(step)

    def should_stop(self) -> bool:
        return False

    def save_checkpoint(self, obj: object) -> None:
        self.saved = obj

    def load_checkpoint(self) -> object:
        return self.saved


def test_fit_folds_predicts_every_row_out_of_fold() -> None:
    X, y = _problem()
    folds = stratified_folds(y, 5, 0)
    data = split_folds(X, y, folds, X_test=X[:7])
    trial = _Trial()
    out = fit_folds(lambda i: nn.Linear(3, 3), TrainConfig(lr=0.05, epochs=4, device="cpu"),
                    data, trial=trial)
    assert trial.steps == [1, 2, 3, 4]
    assert out.cv.oof.shape == (60, 3) and np.allclose(out.cv.oof.sum(1), 1.0)
    assert len(out.cv.scores) == 5 and out.cv.mean > 0.8
    assert out.test_proba is not None and out.test_proba.shape == (7, 3)
    assert out.history[out.best_epoch - 1] == max(out.history)


def test_fit_folds_resumes_a_promoted_trial() -> None:
    X, y = _problem()
    data = split_folds(X, y, stratified_folds(y, 3, 0))
    cfg = TrainConfig(lr=0.05, epochs=4, device="cpu", cosine=True)

    def build(i: int) -> nn.Module:
        torch.manual_seed(i)
        return nn.Linear(3, 3)

    straight = fit_folds(build, cfg, data)
    trial = _Trial()
    fit_folds(build, cfg, data, trial=trial, epochs=2)
    resumed = fit_folds(build, cfg, data, trial=trial, epochs=4)
    assert trial.steps == [1, 2, 3, 4]
    assert resumed.history == pytest.approx(straight.history)
