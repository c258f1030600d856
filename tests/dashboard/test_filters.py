"""The trial table's filter: numeric comparisons agree with Python's, text still matches."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiaocan.dashboard.filters import parse
from tiaocan.errors import ConfigError
from tiaocan.trial import FrozenTrial, TrialState

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
numbers = st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: float(f"{v:.6g}"))


def _trial(lr, value, budget=None, state=TrialState.COMPLETE):
    return FrozenTrial(0, 0, state, {"lr": lr, "opt": "adam"}, 0,
                       values=None if value is None else (value, -value), budget=budget)


@settings(max_examples=80, deadline=None)
@given(numbers, numbers, numbers, numbers, st.sampled_from(list(OPS)), st.sampled_from(list(OPS)),
       st.sampled_from([", ", " ", " and ", ","]))
def test_comparisons_combine_like_python(lr, value, a, b, op1, op2, sep):
    flt = parse(f"lr{op1}{a!r}{sep}value {op2} {b!r}", ["lr", "opt"], ["loss", "neg"])
    assert flt.text == ""
    assert flt.holds(_trial(lr, value), "") == (OPS[op1](lr, a) and OPS[op2](value, b))


def test_names_metrics_equality_and_text():
    t = _trial(0.01, 0.25, budget=27)
    assert parse("lr=0.01 budget==27", ["lr"]).holds(t, "")
    assert parse("neg<0", ["lr"], ["loss", "neg"]).holds(t, "")
    assert parse("value_1<0", ["lr"], ["loss", "neg"]).holds(t, "")
    assert not parse("lr!=0.01", ["lr"]).holds(t, "")
    flt = parse("opt=adam, lr>1e-3 fast", ["lr", "opt"])
    assert flt.text == "opt=adam fast" and flt.holds(t, "0 complete lr=0.01 opt=adam fast run")
    assert not parse("value<1", ["lr"]).holds(_trial(0.01, None, state=TrialState.FAILED), "")
    assert not parse("opt>1", ["lr", "opt"]).holds(t, "")  # a categorical is never a number
    with pytest.raises(ConfigError, match="received 'speed'"):
        parse("speed>3", ["lr"])
