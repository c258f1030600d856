"""Stored rows turned back into records, checked: a database is data from anywhere.

A row whose JSON does not have the shape tiaocan writes (a hand-edited or hostile file) is a
:class:`~tiaocan.errors.StorageError` naming the row and the field, never a crash further on.
The checks are type checks only, so reading a large study stays fast.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tiaocan.errors import StorageError
from tiaocan.trial import Direction, FrozenTrial, TrialState

__all__ = ["checked", "directions", "json_object", "report_values", "state", "trial_check",
           "values"]

T = TypeVar("T")
_STATES = {s.value: s for s in TrialState}
_DIRECTIONS = {d.value: d for d in Direction}


def checked(what: str, decode: Callable[[], T]) -> T:
    """``decode()``, with any error of shape turned into a StorageError naming ``what``."""
    try:
        return decode()
    except StorageError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise StorageError(f"the database holds a malformed {what}: {str(exc)[:200]}; it was "
                           "not written by tiaocan (or was edited by hand)") from None


def directions(text: str) -> tuple[Direction, ...]:
    raw = json.loads(text)
    if not isinstance(raw, list) or not raw or not all(isinstance(d, str) for d in raw):
        raise ValueError(f"directions must be a non-empty list of names, found {raw!r:.80}")
    return tuple(_DIRECTIONS[d] for d in raw)


def json_object(raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{field} must be a JSON object, found {raw!r:.80}")
    return raw


def state(raw: Any) -> TrialState:
    if raw not in _STATES:
        raise ValueError(f"state must be one of {sorted(_STATES)}, found {raw!r:.80}")
    return _STATES[raw]


def values(raw: Any, field: str = "values") -> tuple[float, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in raw):
        raise ValueError(f"{field} must be a non-empty list of finite numbers, found {raw!r:.80}")
    return tuple(raw)


def numbers(rows: Sequence[Any], *names: str) -> None:
    """Check that the named columns of every row hold numbers (SQLite stores any type)."""
    for r in rows:
        for name in names:
            v = getattr(r, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ValueError(f"{name} must be a number, found {v!r:.80}")


def report_values(raw: Any) -> tuple[float, ...]:
    out = values(raw, "report values")
    if out is None:
        raise ValueError("report values must be a non-empty list of finite numbers, found null")
    return out


def trial_check(space: Any, n_objectives: int) -> Callable[[FrozenTrial], None]:
    """A check that a stored trial fits its study: one value per objective, and parameters
    of the space's types (a Float a number, an Int an int, a Categorical one of its choices)."""
    from tiaocan.parameters import Categorical, Float

    def check(trial: FrozenTrial) -> None:
        if trial.values is not None and len(trial.values) != n_objectives:
            _refuse(trial, f"{len(trial.values)} values for {n_objectives} objective(s)")
        for name, value in trial.params.items():
            param = space.get(name) if hasattr(space, "get") else None
            if param is None:
                continue  # define-by-run: a name the declared space does not hold yet
            if isinstance(param, Categorical):
                fits = param.contains(value)
            elif isinstance(param, Float):
                fits = isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and math.isfinite(value)
            else:
                fits = isinstance(value, int) and not isinstance(value, bool)
            if not fits:
                _refuse(trial, f"parameter {name!r} = {value!r:.80} is not a {type(param).__name__}")

    return check


def _refuse(trial: FrozenTrial, why: str) -> None:
    raise StorageError(f"the database holds a malformed trial row (trial {trial.number}): {why}; "
                       "it was not written by tiaocan (or was edited by hand)")
