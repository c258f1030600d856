"""Integer steps for trackers whose step axis is an int (MLflow, TensorBoard).

A learning curve's steps may be fractions (data fraction 0.25, 0.5, 1.0); cast to int they
would all collapse to step 0. A curve whose steps are all whole numbers keeps them; any
other curve is indexed 1, 2, 3, … and its true steps are logged as a metric of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from tiaocan.trial import Report

__all__ = ["STEP_METRIC", "integer_steps"]

#: the metric that holds a curve's true steps when they are not whole numbers
STEP_METRIC = "step"


def integer_steps(reports: Sequence[Report]) -> tuple[list[int], bool]:
    """The int step of each report, and whether they are indices (true steps logged apart).

    >>> integer_steps([Report(1.0, (0.5,)), Report(3, (0.4,))])
    ([1, 3], False)
    >>> integer_steps([Report(0.25, (0.5,)), Report(0.5, (0.4,))])
    ([1, 2], True)
    """
    if all(float(r.step).is_integer() for r in reports):
        return [int(r.step) for r in reports], False
    return list(range(1, len(reports) + 1)), True
