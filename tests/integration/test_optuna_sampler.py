"""tiaocan's samplers inside Optuna (``tiaocan.integration.optuna.Sampler``), checked with
Optuna's own sampler conformance suite and on objectives an Optuna user writes."""

from __future__ import annotations

import pytest

optuna = pytest.importorskip("optuna")
pytest_samplers = pytest.importorskip("optuna.testing.pytest_samplers")

from tiaocan.integration.optuna import Sampler  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


class TestOptunaConformanceTPE(pytest_samplers.BasicSamplerTestCase,
                               pytest_samplers.RelativeSamplerTestCase,
                               pytest_samplers.MultiObjectiveSamplerTestCase):
    @pytest.fixture
    def sampler(self):
        return lambda: Sampler("tpe", seed=0)


class TestOptunaConformanceAuto(pytest_samplers.BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self):
        return lambda: Sampler("auto", seed=0)


def _quadratic(trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    y = trial.suggest_float("y", -1, 1)
    return (x - 0.3) ** 2 + (y + 0.2) ** 2


def test_seeded_runs_repeat() -> None:
    runs = []
    for _ in range(2):
        study = optuna.create_study(sampler=Sampler("tpe", seed=3))
        study.optimize(_quadratic, n_trials=15)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]


def test_the_gp_converges_inside_optuna() -> None:
    study = optuna.create_study(sampler=Sampler("gp", seed=0))
    study.optimize(_quadratic, n_trials=14)
    assert study.best_value < 0.05


def test_relative_proposal_covers_the_shared_parameters() -> None:
    sampler = Sampler("tpe", seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=12)
    trial = study.ask()
    space = sampler.infer_relative_search_space(study, trial)
    assert set(space) == {"x", "y"}
    proposal = sampler.sample_relative(study, trial, space)
    assert set(proposal) == {"x", "y"} and all(-1 <= v <= 1 for v in proposal.values())


def test_pruners_and_conditional_parameters_work_with_it() -> None:
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["a", "b"])
        x = trial.suggest_float("x", 0, 1) if kind == "a" else trial.suggest_int("n", 1, 8) / 8
        for step in range(4):
            trial.report(x + 1 / (step + 1), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    study = optuna.create_study(sampler=Sampler("auto", seed=0),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=2))
    study.optimize(objective, n_trials=14)
    states = {t.state.name for t in study.trials}
    assert "FAIL" not in states and "COMPLETE" in states
