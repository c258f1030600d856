"""Parameter types of a search space: what one coordinate of a configuration is.

Each parameter maps its values to ``[0, 1]`` and back (``to_unit`` / ``from_unit``), so
samplers can work in the unit cube; ``Space`` (in :mod:`tiaocan.space`) names and combines them.

>>> p = Float(1e-4, 1.0, log=True)
>>> round(p.from_unit(0.5), 6)
0.01
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["Categorical", "Condition", "Float", "Int", "Param", "describe"]

Condition = tuple[tuple[str, tuple[Any, ...]], ...]
# Below 1e-9 of the bounds' magnitude, low + k * step drifts off the grid by more than the
# tolerance `contains` allows (float has 2**-52 relative precision).
_MIN_RELATIVE_STEP = 1e-9
# Int bounds stay where floats count every integer (samplers model in floats).
_MAX_INT = 2**53
# A stepped Float with more steps than this is listed by GridSampler at `n` points, not all.
_MAX_GRID_STEPS = 10_000
_JSON_SCALARS = (str, int, float, bool, type(None))


def _normalise_when(when: Any) -> Condition:
    if when is None or (isinstance(when, tuple) and not when):
        return ()
    if isinstance(when, tuple):  # already normalised (dataclasses.replace, copies)
        return when
    if not isinstance(when, Mapping):
        raise ConfigError(
            f"'when' must be a mapping {{parent: value or [values]}}, received {when!r}"
        )
    items = []
    for parent, allowed in when.items():
        values = tuple(allowed) if isinstance(allowed, (list, tuple, set, frozenset)) else (allowed,)
        items.append((str(parent), values))
    return tuple(items)


@dataclass(frozen=True)
class _Base:
    # Given as {parent: value or [values]}; stored normalised as a tuple (see `condition`).
    when: Any = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "when", _normalise_when(self.when))

    @property
    def condition(self) -> dict[str, tuple[Any, ...]]:
        """The activation condition as ``{parent: allowed values}`` (empty: always active)."""
        return dict(self.when)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.from_unit(float(rng.random()))

    def from_unit(self, u: float) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_unit(self, value: Any) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def _when_json(self) -> dict[str, Any]:
        return {"when": {k: list(v) for k, v in self.when}} if self.when else {}


@dataclass(frozen=True)
class Float(_Base):
    """A real number in ``[low, high]``, on a linear or log scale, optionally on a grid of ``step``."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def validate(self, name: str) -> None:
        _check_number(name, "low", self.low)
        _check_number(name, "high", self.high)
        if not self.low < self.high:
            raise ConfigError(
                f"parameter '{name}': Float needs low < high, received low={self.low!r}, "
                f"high={self.high!r}"
            )
        if self.log and self.low <= 0:
            raise ConfigError(
                f"parameter '{name}': a log-scale Float needs low > 0, received low={self.low!r}"
            )
        if not math.isfinite(float(self.high) - float(self.low)):
            raise ConfigError(f"parameter '{name}': high - low must be a finite float, received "
                              f"low={self.low!r}, high={self.high!r}")
        if self.step is not None:
            _check_number(name, "step", self.step)
            if self.log or not 0 < self.step <= self.high - self.low:
                raise ConfigError(
                    f"parameter '{name}': step must be in (0, high - low] and not combined "
                    f"with log=True, received step={self.step!r}, log={self.log!r}"
                )
            finest = _MIN_RELATIVE_STEP * max(abs(float(self.low)), abs(float(self.high)))
            if self.step < finest:
                raise ConfigError(
                    f"parameter '{name}': step must be at least {finest:.3g} (1e-9 of the "
                    f"largest bound: finer steps are below float precision), received "
                    f"step={self.step!r}; leave step=None for a continuous parameter")

    @property
    def _n_steps(self) -> int:
        assert self.step is not None
        return int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1

    def from_unit(self, u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        if self.step is not None:
            k = min(int(u * self._n_steps), self._n_steps - 1)
            return float(min(self.low + k * self.step, self.high))
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return float(min(max(math.exp(lo + u * (hi - lo)), self.low), self.high))
        # clipped: low + 1.0 * (high - low) can round past high (Float(-11, -1e-249): 0.0)
        return float(min(max(self.low + u * (self.high - self.low), self.low), self.high))

    def to_unit(self, value: Any) -> float:
        v = float(value)
        if self.step is not None:
            k = round((v - self.low) / self.step)
            return (min(max(k, 0), self._n_steps - 1) + 0.5) / self._n_steps
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return min(max((math.log(max(v, self.low)) - lo) / (hi - lo), 0.0), 1.0)
        return min(max((v - self.low) / (self.high - self.low), 0.0), 1.0)

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return False
        v = float(value)
        if math.isnan(v) or not (self.low <= v <= self.high):
            return False
        if self.step is not None:
            k = (v - self.low) / self.step
            return bool(abs(k - round(k)) < 1e-6)
        return True

    def grid(self, n: int) -> list[float]:
        if self.step is not None and self._n_steps <= max(n, _MAX_GRID_STEPS):
            return [self.from_unit((k + 0.5) / self._n_steps) for k in range(self._n_steps)]
        if self.step is not None:  # too many steps to list: n of them, evenly spread
            return sorted({self.from_unit(u) for u in np.linspace(0.0, 1.0, n)})
        return [self.from_unit(u) for u in np.linspace(0.0, 1.0, n)]

    def to_json(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "log": self.log,
                "step": self.step, **self._when_json()}


@dataclass(frozen=True)
class Int(_Base):
    """An integer in ``[low, high]`` (both included), on a linear or log scale, with a ``step``."""

    low: int
    high: int
    log: bool = False
    step: int = 1

    def validate(self, name: str) -> None:
        for label, v in (("low", self.low), ("high", self.high), ("step", self.step)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ConfigError(
                    f"parameter '{name}': Int {label} must be an integer, received {_short(v)}"
                )
            if abs(int(v)) > _MAX_INT:
                raise ConfigError(f"parameter '{name}': Int {label} must be within ±2**53 "
                                  f"(integers floats count exactly), received {_short(v)}")
        if not self.low < self.high:
            raise ConfigError(
                f"parameter '{name}': Int needs low < high, received low={self.low!r}, "
                f"high={self.high!r}"
            )
        if self.log and self.low < 1:
            raise ConfigError(
                f"parameter '{name}': a log-scale Int needs low >= 1, received low={self.low!r}"
            )
        if self.step < 1 or (self.log and self.step != 1):
            raise ConfigError(
                f"parameter '{name}': Int step must be >= 1 (and 1 with log=True), "
                f"received step={self.step!r}, log={self.log!r}"
            )

    @property
    def _n_values(self) -> int:
        return (int(self.high) - int(self.low)) // int(self.step) + 1

    def _log_bounds(self) -> tuple[float, float]:
        # Log-uniform on [low, high], then rounded: decode(encode(v)) == v for every v.
        return math.log(self.low), math.log(self.high)

    def from_unit(self, u: float) -> int:
        u = min(max(u, 0.0), 1.0)
        if self.log:
            lo, hi = self._log_bounds()
            return int(min(max(round(math.exp(lo + u * (hi - lo))), self.low), self.high))
        k = min(int(u * self._n_values), self._n_values - 1)
        return int(self.low + k * self.step)

    def to_unit(self, value: Any) -> float:
        v = int(round(float(value)))
        if self.log:
            lo, hi = self._log_bounds()
            return min(max((math.log(min(max(v, self.low), self.high)) - lo) / (hi - lo), 0.0), 1.0)
        k = min(max((v - self.low) // self.step, 0), self._n_values - 1)
        return (k + 0.5) / self._n_values

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return False
        return bool(self.low <= value <= self.high and (value - self.low) % self.step == 0)

    def grid(self, n: int) -> list[int]:
        if self._n_values <= n:
            return [int(self.low + k * self.step) for k in range(self._n_values)]
        return sorted({self.from_unit(u) for u in np.linspace(0.0, 1.0, n)})

    def to_json(self) -> dict[str, Any]:
        return {"type": "int", "low": int(self.low), "high": int(self.high), "log": self.log,
                "step": int(self.step), **self._when_json()}


@dataclass(frozen=True)
class Categorical(_Base):
    """One of a list of JSON scalars (str, int, float, bool, None)."""

    choices: Sequence[Any]

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.choices, (list, tuple)):
            object.__setattr__(self, "choices", tuple(self.choices))

    def validate(self, name: str) -> None:
        if not isinstance(self.choices, tuple):
            raise ConfigError(
                f"parameter '{name}': Categorical choices must be a list, "
                f"received {self.choices!r}"
            )
        if not self.choices:
            raise ConfigError(
                f"parameter '{name}': Categorical needs at least one choice, received []"
            )
        for c in self.choices:
            if not isinstance(c, _JSON_SCALARS) or (isinstance(c, float) and not math.isfinite(c)):
                raise ConfigError(
                    f"parameter '{name}': choices must be str, int, float, bool or None (floats "
                    f"finite), received {_short(c)} of type {type(c).__name__}"
                )
        if len({(type(c), c) for c in self.choices}) != len(self.choices):
            raise ConfigError(
                f"parameter '{name}': choices must be distinct, received {list(self.choices)!r}"
            )

    def index(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if type(c) is type(value) and c == value:
                return i
        for i, c in enumerate(self.choices):  # 1 == 1.0 and numpy scalars
            if c == value and not isinstance(c, bool) and not isinstance(value, bool):
                return i
        raise ValueError(value)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self.choices[min(int(min(max(u, 0.0), 1.0) * n), n - 1)]

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def contains(self, value: Any) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def grid(self, n: int) -> list[Any]:
        return list(self.choices)

    def to_json(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices), **self._when_json()}


Param = Float | Int | Categorical
_TYPES: dict[str, type] = {"float": Float, "int": Int, "categorical": Categorical}


def _check_number(name: str, label: str, v: Any) -> None:
    try:
        finite = math.isfinite(v)
    except (OverflowError, TypeError):  # an int beyond float range (10**400), or no number
        finite = False
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not finite:
        raise ConfigError(f"parameter '{name}': {label} must be a finite number within float "
                          f"range, received {_short(v)}")


def _short(v: Any) -> str:
    try:
        text = repr(v)
    except Exception:  # an int past Python's digit limit, or a hostile __repr__
        return f"a {type(v).__name__} too large to print"
    return text if len(text) <= 80 else text[:40] + f"…({len(text)} characters)"


def describe(p: Param) -> str:
    if isinstance(p, Categorical):
        return f"the choices {list(p.choices)!r}"
    scale = " (log)" if p.log else ""
    step = f" with step {p.step}" if p.step not in (None, 1) else ""
    return f"[{p.low}, {p.high}]{scale}{step} ({type(p).__name__})"
