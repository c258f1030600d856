"""Lockstep k-fold training: OOF predictions for every row, mean curve reported per epoch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn

from tiaocan.recipe.config import TrainConfig
from tiaocan.recipe.cv import stratified_folds
from tiaocan.recipe.kfold import fit_folds, split_folds


def _problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    X = (np.eye(3)[y] * 2 + rng.normal(0, 0.5, (60, 3))).astype(np.float32)
    return X, y


def _seeded_linear(i: int) -> nn.Module:
    torch.manual_seed(i)
    return nn.Linear(3, 3)


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
    out = fit_folds(_seeded_linear, TrainConfig(lr=0.1, epochs=4, device="cpu"), data,
                    trial=trial)
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


def test_promoted_trials_resume_from_their_checkpoint_in_a_real_study(tmp_path: object) -> None:
    import tiaocan as tc
    from tiaocan.schedulers import SCHEDULERS

    if "hyperband" not in SCHEDULERS:
        pytest.skip("no Hyperband scheduler registered")
    X, y = _problem()
    data = split_folds(X, y, stratified_folds(y, 3, 0))

    def objective(trial: tc.Trial) -> float:
        cfg = TrainConfig(lr=trial.params["lr"], epochs=3, device="cpu")
        return fit_folds(_seeded_linear, cfg, data, trial=trial,
                         epochs=int(trial.budget)).cv.mean

    study = tc.create_study(space=tc.Space(lr=tc.Float(1e-3, 0.3, log=True)), storage=":memory:",
                            scheduler="hyperband", fidelity=tc.Fidelity("epoch", 1, 3),
                            direction="maximize", seed=0)
    study.optimize(objective, n_trials=6)
    promoted = [t for t in study.trials if t.last_step is not None and t.last_step > 1]
    assert promoted
    for t in promoted:
        steps = [r.step for r in t.reports]
        assert steps == sorted(set(steps)) == list(range(1, int(steps[-1]) + 1))
