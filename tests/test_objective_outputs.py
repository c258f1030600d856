"""Whatever an objective returns becomes a stored result or a failed trial with a message."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError


class _FloatRaises:
    def __float__(self) -> float:
        raise RuntimeError("no float here")


class _ReprRaises:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _study(n_objectives: int = 1) -> tc.Study:
    return tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                           sampler="random", directions=["minimize"] * n_objectives)


@pytest.mark.parametrize(("returned", "message"), [
    (10**400, "too large for a float"), ([1.0, 10**400], "too large for a float"),
    (_FloatRaises(), "non-numeric value"), ([_FloatRaises()], "non-numeric value"),
    (_ReprRaises(), "_ReprRaises object"), (None, "objective returned None"),
    ("0.5", "returned '0.5'"), (float("nan"), "non-finite"), ([1.0, 2.0], "2 value"),
    (np.ones((2, 2)), "shape (2, 2)"), (True, "value True"), ({"loss": 1.0}, "must return"),
])
def test_bad_returns_fail_the_trial_with_a_stored_and_logged_message(
        returned: object, message: str, caplog: pytest.LogCaptureFixture) -> None:
    study = _study()
    with caplog.at_level(logging.WARNING, logger="tiaocan"):
        study.optimize(lambda t: returned, n_trials=2)
    assert [t.state for t in study.trials] == [tc.TrialState.FAILED] * 2
    assert all(message in (t.error or "") for t in study.trials)
    assert message in caplog.text


@pytest.mark.parametrize("returned", [np.float32(0.25), np.array(0.25), np.array([0.25]),
                                      [np.float64(0.25)], (0.25,)])
def test_numpy_values_are_one_objective(returned: object) -> None:
    study = _study()
    study.optimize(lambda t: returned, n_trials=1)
    assert study.trials[0].values == (0.25,)


def test_arrays_of_shape_k_are_k_objectives() -> None:
    torch = pytest.importorskip("torch")
    study = _study(2)
    study.optimize(lambda t: np.array([1.0, 2.0]), n_trials=1)
    study.optimize(lambda t: torch.tensor([3.0, 4.0], requires_grad=True), n_trials=1)
    study.optimize(lambda t: torch.tensor(5.0), n_trials=1)
    assert [t.values for t in study.trials] == [(1.0, 2.0), (3.0, 4.0), None]
    assert "1 value(s)" in study.trials[2].error


def test_sys_exit_in_an_objective_fails_only_its_trial() -> None:
    study = _study()
    study.optimize(lambda t: sys.exit(3), n_trials=2)
    assert [t.state for t in study.trials] == [tc.TrialState.FAILED] * 2


@pytest.mark.parametrize("state", [5, "running", object(), tc.TrialState.WAITING])
def test_tell_with_a_bad_state_is_a_config_error_and_changes_nothing(state: object) -> None:
    study = _study()
    trial = study.ask()
    with pytest.raises(ConfigError, match="state must be one of"):
        study.tell(trial, 1.0, state=state)  # type: ignore[arg-type]
    assert study.trials[0].state is tc.TrialState.RUNNING
    study.tell(trial, 1.0)
    assert study.trials[0].values == (1.0,)
