"""create_study(constraints=..., precheck=...): stored violations, best trials, samplers."""

from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan.constraints import is_feasible, violation

SPACE = tc.Space(x=tc.Float(0.0, 1.0), y=tc.Float(0.0, 1.0))


def objective(trial: tc.Trial) -> float:
    return -(trial.params["x"] + trial.params["y"])  # best without constraint: x = y = 1


def limit(trial: tc.FrozenTrial) -> list[float]:
    return [trial.params["x"] + trial.params["y"] - 1.0]


def cheap_limit(params: dict) -> list[float]:
    return [params["x"] - 0.9]


def test_constraints_with_sqlite_and_two_worker_processes(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    study = tc.create_study(name="c", space=SPACE, storage=url, sampler="tpe", seed=1,
                            constraints=limit, precheck=cheap_limit)
    study.optimize(objective, n_trials=40, n_workers=2, show_progress=False)
    trials = study.trials
    assert len(trials) == 40
    complete = [t for t in trials if t.state is tc.TrialState.COMPLETE]
    assert all(len(t.system_attrs["constraints"]) == 1 for t in complete)
    skipped = [t for t in trials if t.system_attrs.get("skipped") == "precheck"]
    assert skipped and all(t.state is tc.TrialState.PRUNED and t.params["x"] > 0.9
                           and "skipped before training: constraint 0" in t.error for t in skipped)
    assert all(t.params["x"] <= 0.9 for t in complete)
    assert any(not is_feasible(t) for t in complete)  # the sampler explored past the limit
    best = tc.load_study("c", storage=url).best_trial
    assert is_feasible(best) and best.params["x"] + best.params["y"] <= 1.0
    infeasible_values = [t.value for t in complete if not is_feasible(t)]
    assert min(infeasible_values) < best.value  # a better value exists, but it is infeasible


@pytest.mark.parametrize("sampler, n_trials", [("tpe", 40), ("gp", 16)])
def test_model_based_samplers_move_to_the_feasible_region(sampler: str, n_trials: int) -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", sampler=sampler, seed=0,
                            constraints=limit)
    study.optimize(objective, n_trials=n_trials, show_progress=False)
    late = study.trials[-6:]
    assert sum(is_feasible(t) for t in late) >= 3
    assert study.best_value < -0.9


def test_best_trials_leave_out_infeasible_ones() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", directions=["minimize", "minimize"],
                            seed=0, sampler="random", constraints=lambda t: [t.params["x"] - 0.5])
    study.optimize(lambda t: (t.params["x"], t.params["y"]), n_trials=30, show_progress=False)
    front = study.best_trials
    assert front and all(t.params["x"] <= 0.5 for t in front)
    assert violation(max(study.trials, key=lambda t: t.params["x"])) > 0


@pytest.mark.parametrize("bad, match", [
    (lambda t: "no", "must return a list of numbers"),
    (lambda t: [], "at least one finite number"),
    (lambda t: [float("nan")], "at least one finite number"),
])
def test_a_bad_constraint_function_fails_the_trial_with_a_clear_error(bad, match) -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, constraints=bad)
    study.optimize(objective, n_trials=2, show_progress=False)
    assert all(t.state is tc.TrialState.FAILED and match in t.error for t in study.trials)


def test_the_number_of_constraints_must_not_change() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0,
                            constraints=lambda t: [0.0] * (1 + t.number % 2))
    study.optimize(objective, n_trials=2, show_progress=False)
    assert study.trials[0].state is tc.TrialState.COMPLETE
    assert "returned 2 value(s) where the study's earlier trials stored 1" in study.trials[1].error


def test_constraints_must_be_callable() -> None:
    with pytest.raises(tc.ConfigError, match="constraints must be a function"):
        tc.create_study(space=SPACE, storage=":memory:", constraints=[1.0])
