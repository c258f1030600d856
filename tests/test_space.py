from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.errors import ConfigError

SPACE = tc.Space(
    lr=tc.Float(1e-5, 1e-1, log=True),
    batch_size=tc.Int(8, 256, log=True),
    optimizer=tc.Categorical(["sgd", "momentum", "adam"]),
    momentum=tc.Float(0.5, 0.99, when={"optimizer": "momentum"}),
    nesterov=tc.Categorical([True, False], when={"momentum": [0.5, 0.99]}),
    beta1=tc.Float(0.8, 0.999, when={"optimizer": ["adam"]}),
    layers=tc.Int(1, 9, step=2),
    dropout=tc.Float(0.0, 0.5, step=0.1),
)


@st.composite
def params(draw: st.DrawFn) -> tc.space.Param:
    kind = draw(st.sampled_from(["float", "logfloat", "stepfloat", "int", "logint", "cat"]))
    if kind == "cat":
        choices = draw(st.lists(st.one_of(st.text(max_size=5), st.integers(-5, 5), st.booleans(),
                                          st.none()), min_size=1, max_size=6,
                                unique_by=lambda c: (type(c), c)))
        return tc.Categorical(choices)
    if kind in ("int", "logint"):
        low = draw(st.integers(1, 1000))
        high = draw(st.integers(low + 1, low + 5000))
        step = 1 if kind == "logint" else draw(st.integers(1, max(1, (high - low))))
        return tc.Int(low, high, log=kind == "logint", step=step)
    low = draw(st.floats(1e-6, 1e3))
    high = draw(st.floats(low * 1.001 + 1e-6, low * 1e4 + 1))
    if kind == "stepfloat":
        return tc.Float(low, high, step=(high - low) / draw(st.integers(1, 50)))
    return tc.Float(low, high, log=kind == "logfloat")


@given(params(), st.floats(0.0, 1.0))
def test_decode_lies_in_range_and_round_trips(p: tc.space.Param, u: float) -> None:
    p.validate("p")
    value = p.from_unit(u)
    assert p.contains(value)
    again = p.from_unit(p.to_unit(value))
    if isinstance(value, float):
        assert math.isclose(again, value, rel_tol=1e-9, abs_tol=1e-9)
    else:
        assert again == value and type(again) is type(value)


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=60)
def test_samples_are_valid_and_respect_conditions(seed: int) -> None:
    config = SPACE.sample(np.random.default_rng(seed))
    assert SPACE.contains(config)
    assert ("momentum" in config) == (config["optimizer"] == "momentum")
    assert ("beta1" in config) == (config["optimizer"] == "adam")
    assert ("nesterov" in config) == (config.get("momentum") in (0.5, 0.99))
    encoded = SPACE.encode(config)
    assert np.isnan(encoded).sum() == len(SPACE) - len(config)
    assert SPACE.decode(np.nan_to_num(encoded, nan=0.5)) == config


def test_json_round_trip() -> None:
    data = json.loads(json.dumps(SPACE.to_json()))
    assert tc.Space.from_json(data) == SPACE


def test_grid_is_exhaustive_and_unique() -> None:
    space = tc.Space(opt=tc.Categorical(["sgd", "momentum"]), m=tc.Float(0.0, 1.0, when={"opt": "momentum"}),
                     k=tc.Int(1, 3))
    points = list(space.grid(points_per_float=3))
    # sgd: 3 values of k; momentum: 3 of m × 3 of k
    assert len(points) == 3 + 9
    assert len({json.dumps(p, sort_keys=True) for p in points}) == len(points)
    assert all(space.contains(p) for p in points)


def test_log_and_step_values() -> None:
    p = tc.Float(1e-4, 1.0, log=True)
    assert p.from_unit(0.5) == pytest.approx(1e-2)
    s = tc.Float(0.0, 1.0, step=0.25)
    s.validate("s")
    assert s.grid(99) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert not s.contains(0.3)
    i = tc.Int(0, 10, step=5)
    assert i.grid(99) == [0, 5, 10]
    assert tc.Int(1, 1000, log=True).from_unit(0.5) == pytest.approx(31, abs=2)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: tc.Space(lr=tc.Float(1.0, 0.5)), ["'lr'", "low < high", "low=1.0", "high=0.5"]),
        (lambda: tc.Space(lr=tc.Float(0.0, 1.0, log=True)), ["'lr'", "low > 0", "low=0.0"]),
        (lambda: tc.Space(n=tc.Int(0, 10, log=True)), ["'n'", "low >= 1"]),
        (lambda: tc.Space(n=tc.Int(1.5, 10)), ["'n'", "integer", "1.5"]),
        (lambda: tc.Space(c=tc.Categorical([])), ["'c'", "at least one choice"]),
        (lambda: tc.Space(c=tc.Categorical(["a", "a"])), ["'c'", "distinct"]),
        (lambda: tc.Space(c=tc.Categorical([object()])), ["'c'", "str, int, float, bool or None"]),
        (lambda: tc.Space(m=tc.Float(0, 1, when={"opt": "x"})), ["'m'", "unknown parameter 'opt'"]),
        (lambda: tc.Space(o=tc.Categorical(["a"]), m=tc.Float(0, 1, when={"o": "b"})),
         ["'m'", "['b']", "'o'"]),
        (lambda: tc.Space(a=tc.Categorical([1, 2], when={"b": 1}), b=tc.Categorical([1, 2], when={"a": 1})),
         ["cycle", "->"]),
        (lambda: tc.Space(x=3), ["'x'", "tc.Float"]),
        (lambda: tc.Space(x=tc.Float(0, float("inf"))), ["'x'", "finite", "inf"]),
    ],
)
def test_invalid_definitions_name_the_parameter(build, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        build()
    for w in words:
        assert w in str(info.value)
    assert isinstance(info.value, ValueError)


def test_validate_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown parameter"):
        SPACE.validate({"nope": 1})
    with pytest.raises(ConfigError, match="'lr'.*outside"):
        SPACE.validate({"lr": 5.0, "batch_size": 8, "optimizer": "sgd", "layers": 1, "dropout": 0.0})
    with pytest.raises(ConfigError, match="'momentum' is active but missing"):
        SPACE.validate({"lr": 0.01, "batch_size": 8, "optimizer": "momentum", "layers": 1, "dropout": 0.0})
    ok = SPACE.validate({"lr": 0.01, "batch_size": np.int64(8), "optimizer": "sgd", "layers": 3,
                         "dropout": 0.2, "momentum": 0.9})
    assert "momentum" not in ok and type(ok["batch_size"]) is int


def test_spaces_are_immutable_mappings() -> None:
    assert list(SPACE)[:3] == ["lr", "batch_size", "optimizer"]
    with pytest.raises(TypeError):
        SPACE["lr"] = tc.Float(0, 1)  # type: ignore[index]
    with pytest.raises(AttributeError):
        SPACE["lr"].low = 3  # type: ignore[misc]
