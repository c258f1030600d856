"""Fuzzed objective returns and tell calls: each becomes a stored result or a failed trial with
a message; a refused tell changes nothing; nothing escapes optimize; nothing is left RUNNING."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tests.fuzz._support import examples, tally


class _Weird:
    def __init__(self, how: str) -> None:
        self.how = how

    def __float__(self) -> float:
        if self.how == "float":
            return 0.5
        raise {"value": ValueError, "type": TypeError, "runtime": RuntimeError}[self.how]("no")

    def __repr__(self) -> str:
        if self.how == "runtime":
            raise RuntimeError("no repr either")
        return f"_Weird({self.how})"


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([10**400, -10**400, 2**1000]),
    st.floats(), st.text(max_size=5), st.binary(max_size=3),
    st.sampled_from(["float", "value", "type", "runtime"]).map(_Weird),
    st.floats(width=32).map(np.float32), st.integers(-5, 5).map(np.int64),
)
returns = st.one_of(
    scalars, st.lists(scalars, max_size=4), st.tuples(scalars, scalars),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2),
    st.lists(st.floats(width=32), max_size=4).map(np.array),
    st.lists(st.lists(st.floats(), min_size=2, max_size=2), max_size=2).map(np.array),
    st.floats().map(np.array),
)
states = st.one_of(st.none(), st.sampled_from(list(tc.TrialState)),
                   st.sampled_from(["complete", "pruned", "failed", "running", "COMPLETE", "x"]),
                   st.integers(), st.floats())


def _expected(value: Any, n: int) -> tuple[float, ...] | None:
    """The values a correct result stores, or None where the trial must fail."""
    if value is None or isinstance(value, (bool, str, bytes, dict)):
        return None
    items = value.tolist() if isinstance(value, np.ndarray) else value
    if isinstance(value, np.ndarray) and value.ndim > 1:
        return None
    if not isinstance(items, (list, tuple)):
        items = [items]
    numeric = [v for v in items if not isinstance(v, (bool, str, bytes, type(None)))
               and (not isinstance(v, _Weird) or v.how == "float")]
    try:
        out = tuple(float(v) for v in numeric)
    except (OverflowError, TypeError):
        return None
    if len(out) != len(items) or len(out) != n or not all(math.isfinite(v) for v in out):
        return None
    return out


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(value=returns, n=st.integers(1, 3))
def test_objective_returns(value: Any, n: int) -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            sampler="random", directions=["minimize"] * n)
    study.optimize(lambda t: value, n_trials=1)
    (trial,) = study.trials
    expected = _expected(value, n)
    if expected is None:
        assert trial.state is tc.TrialState.FAILED and trial.error, trial
        tally("objective outputs", "failed with message")
    else:
        assert trial.state is tc.TrialState.COMPLETE and trial.values == expected, trial
        tally("objective outputs", "stored result")
    tally("objective outputs: left running", "0")


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(value=returns, state=states)
def test_tell(value: Any, state: Any) -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            sampler="random")
    trial = study.ask()
    try:
        stored = study.tell(trial, value, state=state)
    except tc.ConfigError:
        after = study.trials[0]
        assert after.state is tc.TrialState.RUNNING and after.values is None  # nothing changed
        tally("tell", "clean error, unchanged")
        return
    after = study.trials[0]
    assert after.state is stored and after.state is not tc.TrialState.RUNNING
    if after.state is tc.TrialState.FAILED:
        assert after.error or state in (tc.TrialState.FAILED, "failed", "FAILED"), after
    tally("tell", "stored")


@pytest.mark.parametrize("value", [10**400, None, "0.1", float("nan"), [1.0, 2.0]])
def test_bad_values_in_many_workers_leave_nothing_running(value: Any) -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            sampler="random")
    study.optimize(lambda t: value, n_trials=4, n_workers=2)
    assert [t.state for t in study.trials] == [tc.TrialState.FAILED] * 4
