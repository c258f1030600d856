"""Fuzzed spaces × every built-in sampler: a space is refused with a ConfigError, or every
sampler proposes configurations the space contains, in bounded memory, leaving nothing RUNNING."""

from __future__ import annotations

import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tests.fuzz._support import examples, tally
from tiaocan.errors import ConfigError

# Small model-based settings, so a few trials reach the models (not only their random start).
SAMPLERS: dict[str, Any] = {
    "random": lambda: "random", "grid": lambda: "grid", "sobol": lambda: "sobol",
    "tpe": lambda: tc.samplers.TPESampler(n_startup_trials=2),
    "gp": lambda: tc.samplers.GPSampler(n_startup_trials=2, n_candidates=64, n_restarts=1),
    "cmaes": lambda: tc.samplers.CMAESSampler(popsize=4),
    "evolution": lambda: tc.samplers.RegularizedEvolutionSampler(population_size=2, sample_size=1),
    "auto": lambda: "auto",
}
N_TRIALS = 4
_MEMORY_BOUND = 200 * 2**20  # bytes: a sampler must not allocate per grid cell

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
    st.sampled_from([0, 1, -1, 1e-9, 5e-324, 1e308, -1e308, 2**53, 2**60, 10**400, 1e-300]),
)
steps = st.one_of(st.none(), numbers, st.sampled_from([1e-9, 1e-12, 0.1, 5e-324]))


def _plausible(draw: st.DrawFn, kind: str) -> Any:
    """A parameter a user would write (ordered bounds, modest steps): half the examples, so
    that most spaces reach the samplers instead of being refused."""
    if kind == "float":
        low, high = sorted(draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2,
                                          unique=True)))
        log = low > 0 and draw(st.booleans())
        step = None if log else draw(st.sampled_from([None, 1e-9, 1e-3, 0.5, (high - low) / 3]))
        return lambda: tc.Float(low, high, log=log, step=step)
    if kind == "int":
        low, high = sorted(draw(st.lists(st.integers(-1000, 10**6), min_size=2, max_size=2,
                                          unique=True)))
        log = low > 0 and draw(st.booleans())
        return lambda: tc.Int(low, high, log=log, step=1 if log else draw(st.sampled_from([1, 2, 7])))
    choices = draw(st.lists(st.one_of(st.text(max_size=4), st.integers(-5, 5)), min_size=1,
                            max_size=5, unique_by=repr))
    return lambda: tc.Categorical(choices)


@st.composite
def params(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["float", "int", "categorical"]))
    if draw(st.booleans()):
        return _plausible(draw, kind)
    if kind == "float":
        return lambda: tc.Float(draw(numbers), draw(numbers), log=draw(st.booleans()),
                                step=draw(steps))
    if kind == "int":
        ints = st.one_of(st.integers(-50, 50), st.sampled_from([2**53, -2**53, 2**60, 10**400]))
        return lambda: tc.Int(draw(ints), draw(ints), log=draw(st.booleans()),
                              step=draw(st.one_of(st.just(1), ints)))
    scalars = st.one_of(st.text(max_size=5), st.integers(), st.floats(), st.booleans(), st.none())
    return lambda: tc.Categorical(draw(st.lists(scalars, min_size=0, max_size=5)))


def _space(draw: st.DrawFn) -> tc.Space | None:
    try:
        return tc.Space({f"p{i}": draw(params())() for i in range(draw(st.integers(1, 3)))})
    except ConfigError:
        return None  # refused with the project's error: what the fuzzer checks


@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), sampler=st.sampled_from(sorted(SAMPLERS)))
def test_accepted_spaces_are_sampleable_by_every_sampler(data: st.DataObject, sampler: str) -> None:
    space = _space(data.draw)
    if space is None:
        tally("spaces x samplers", "refused (ConfigError)")
        return
    assert tc.Space.from_json(space.to_json()) == space  # what is stored reads back
    study = tc.create_study(space=space, storage=":memory:", sampler=SAMPLERS[sampler](), seed=0)
    tracemalloc.start()
    try:
        study.optimize(lambda t: float(len(repr(t.params))), n_trials=N_TRIALS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < _MEMORY_BOUND
    for trial in study.trials:
        assert trial.state is not tc.TrialState.RUNNING
        assert space.contains(trial.params), (trial.params, trial.error)
    tally("spaces x samplers", f"sampled ({len(study.trials)} trials, none running)")


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
@pytest.mark.parametrize("param", [
    tc.Float(0, 1, step=1e-9), tc.Float(-1e6, 1e6, step=1e-3), tc.Int(0, 2**53),
    tc.Int(1, 2**40, log=True), tc.Float(5e-324, 1e308, log=True), tc.Float(0, 1e-300),
])
def test_extreme_but_valid_parameters(sampler: str, param: Any) -> None:
    space = tc.Space(x=param, c=tc.Categorical(["a", "b"]))
    study = tc.create_study(space=space, storage=":memory:", sampler=SAMPLERS[sampler](), seed=0)
    tracemalloc.start()
    try:
        study.optimize(lambda t: float(t.params["x"]) % 7.0, n_trials=N_TRIALS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < _MEMORY_BOUND
    assert all(t.state is tc.TrialState.COMPLETE and space.contains(t.params)
               and math.isfinite(float(t.params["x"])) for t in study.trials), study.trials


@pytest.mark.parametrize(("make", "message"), [
    (lambda: tc.Float(10**400, 10**401), "within float range"),
    (lambda: tc.Float(0, 1, step=5e-324), "step must be at least"),
    (lambda: tc.Float(1e15, 1e15 + 1e6, step=0.1), "step must be at least"),
    (lambda: tc.Float(-1e308, 1e308), "high - low"),
    (lambda: tc.Int(0, 10**400), "2\\*\\*53"),
    (lambda: tc.Categorical([float("nan"), 1.0]), "floats finite"),
])
def test_unsampleable_parameters_are_refused(make: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tc.Space(x=make())


@settings(max_examples=examples(200), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), u=st.one_of(st.sampled_from([0.0, 1.0, 0.5, 1 - 2**-53]), st.floats(0, 1)))
def test_every_unit_point_decodes_inside_the_parameter(data: st.DataObject, u: float) -> None:
    """What every sampler relies on: any point of [0, 1] decodes to a value the parameter
    contains (low + 1.0 * (high - low) can round past high)."""
    try:
        param = data.draw(params())()
        tc.Space(x=param)
    except ConfigError:
        return
    assert param.contains(param.from_unit(u)), (param, u, param.from_unit(u))


def test_a_range_far_below_float_precision_of_its_bounds_decodes_inside() -> None:
    param = tc.Float(-11.0, -1.940311885324517e-249)
    assert param.from_unit(1.0) == param.high and param.contains(param.from_unit(1.0))
