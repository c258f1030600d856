"""Typed search spaces: what a configuration is.

A :class:`Space` maps names to parameters (:class:`Float`, :class:`Int`,
:class:`Categorical`). A parameter with ``when={"parent": value}`` is active only where the
condition holds (conditions nest and may allow several values). Every parameter maps to one
coordinate of the unit cube, so samplers can work on ``[0, 1]^d`` and decode back;
inactive parameters encode as NaN.

>>> import numpy as np
>>> space = Space(
...     lr=Float(1e-5, 1e-1, log=True),
...     optimizer=Categorical(["sgd", "momentum"]),
...     momentum=Float(0.5, 0.99, when={"optimizer": "momentum"}),
... )
>>> config = space.sample(np.random.default_rng(0))
>>> space.contains(config)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError

__all__ = ["Categorical", "Float", "Int", "Param", "Space"]

Condition = tuple[tuple[str, tuple[Any, ...]], ...]
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
        if self.step is not None:
            _check_number(name, "step", self.step)
            if self.log or not 0 < self.step <= self.high - self.low:
                raise ConfigError(
                    f"parameter '{name}': step must be in (0, high - low] and not combined "
                    f"with log=True, received step={self.step!r}, log={self.log!r}"
                )

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
        return float(self.low + u * (self.high - self.low))

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
        if self.step is not None:
            return [self.from_unit((k + 0.5) / self._n_steps) for k in range(self._n_steps)]
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
                    f"parameter '{name}': Int {label} must be an integer, received {v!r}"
                )
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
            if not isinstance(c, _JSON_SCALARS):
                raise ConfigError(
                    f"parameter '{name}': choices must be str, int, float, bool or None, "
                    f"received {c!r} of type {type(c).__name__}"
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
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not math.isfinite(v):
        raise ConfigError(f"parameter '{name}': {label} must be a finite number, received {v!r}")


class Space(Mapping[str, Param]):
    """An ordered set of named parameters, with conditions; immutable.

    Args:
        params: a mapping of names to parameters, or the same as keyword arguments.

    Raises:
        ConfigError: a definition is invalid (the message names the parameter).
    """

    def __init__(self, params: Mapping[str, Param] | None = None, /, **kwargs: Param) -> None:
        merged: dict[str, Param] = dict(params or {})
        for name in kwargs:
            if name in merged:
                raise ConfigError(f"parameter '{name}' is given twice")
        merged.update(kwargs)
        for name, p in merged.items():
            if not isinstance(p, (Float, Int, Categorical)):
                raise ConfigError(
                    f"parameter '{name}': expected tc.Float, tc.Int or tc.Categorical, "
                    f"received {p!r}"
                )
            p.validate(name)
        self._params = merged
        self._order = _topological_order(merged)
        self._names = tuple(merged)
        self._index = {n: i for i, n in enumerate(self._names)}

    # Mapping protocol ------------------------------------------------------------------
    def __getitem__(self, name: str) -> Param:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={p!r}" for n, p in self._params.items())
        return f"Space({inner})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def is_conditional(self) -> bool:
        return any(p.when for p in self._params.values())

    # Conditions ------------------------------------------------------------------------
    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        """Whether ``name`` is active given the values of its parents in ``config``."""
        for parent, allowed in self._params[name].when:
            if parent not in config or not any(_same(config[parent], a) for a in allowed):
                return False
        return True

    def active_names(self, config: Mapping[str, Any]) -> list[str]:
        """The names active in ``config``, in dependency order."""
        out: dict[str, Any] = {}
        for name in self._order:
            if self.is_active(name, out) and name in config:
                out[name] = config[name]
        return [n for n in self._order if n in out]

    # Unit cube -------------------------------------------------------------------------
    def decode(self, u: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """Map a point of ``[0, 1]^d`` (in :attr:`names` order) to the active configuration."""
        config: dict[str, Any] = {}
        for name in self._order:
            if self.is_active(name, config):
                config[name] = self._params[name].from_unit(float(u[self._index[name]]))
        return {n: config[n] for n in self._names if n in config}

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """Map a configuration to ``[0, 1]^d``; inactive parameters become NaN."""
        out = np.full(len(self._names), np.nan)
        for name, value in config.items():
            if name in self._index:
                out[self._index[name]] = self._params[name].to_unit(value)
        return out

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """One configuration drawn uniformly (on each parameter's own scale)."""
        return self.decode(rng.random(len(self._names)))

    # Checks ----------------------------------------------------------------------------
    def contains(self, config: Mapping[str, Any]) -> bool:
        try:
            self.validate(config)
        except ConfigError:
            return False
        return True

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Check a configuration; return it with only active parameters, in space order.

        Raises:
            ConfigError: a value is missing, unknown or out of its range.
        """
        unknown = [k for k in config if k not in self._params]
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {unknown}; the space has {list(self._names)}"
            )
        checked: dict[str, Any] = {}
        for name in self._order:
            if not self.is_active(name, checked):
                continue
            if name not in config:
                raise ConfigError(f"parameter '{name}' is active but missing from {dict(config)!r}")
            p, v = self._params[name], config[name]
            if not p.contains(v):
                raise ConfigError(
                    f"parameter '{name}': value {v!r} is outside {_describe(p)}"
                )
            checked[name] = _native(v)
        return {n: checked[n] for n in self._names if n in checked}

    # Grid ------------------------------------------------------------------------------
    def grid(self, points_per_float: int = 5, max_points_per_int: int = 32) -> Iterator[dict[str, Any]]:
        """Every configuration of the grid, each once (inactive parameters are not varied)."""

        def expand(i: int, partial: dict[str, Any]) -> Iterator[dict[str, Any]]:
            if i == len(self._order):
                yield {n: partial[n] for n in self._names if n in partial}
                return
            name = self._order[i]
            if not self.is_active(name, partial):
                yield from expand(i + 1, partial)
                return
            p = self._params[name]
            n = max_points_per_int if isinstance(p, Int) else points_per_float
            for value in p.grid(n):
                yield from expand(i + 1, {**partial, name: value})

        return expand(0, {})

    # JSON ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"params": [{"name": n, **p.to_json()} for n, p in self._params.items()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Space:
        params: dict[str, Param] = {}
        for item in data["params"]:
            spec = dict(item)
            name, kind = spec.pop("name"), spec.pop("type")
            if kind not in _TYPES:
                raise ConfigError(
                    f"parameter '{name}': type must be one of {sorted(_TYPES)}, received {kind!r}"
                )
            if kind == "categorical":
                params[name] = Categorical(tuple(spec["choices"]), when=spec.get("when"))
            else:
                params[name] = _TYPES[kind](**spec)
        return cls(params)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    return bool(a == b)


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _describe(p: Param) -> str:
    if isinstance(p, Categorical):
        return f"the choices {list(p.choices)!r}"
    scale = " (log)" if p.log else ""
    step = f" with step {p.step}" if p.step not in (None, 1) else ""
    return f"[{p.low}, {p.high}]{scale}{step} ({type(p).__name__})"


def _topological_order(params: Mapping[str, Param]) -> list[str]:
    for name, p in params.items():
        for parent, allowed in p.when:
            if parent not in params:
                raise ConfigError(
                    f"parameter '{name}': condition on unknown parameter '{parent}'; "
                    f"known parameters are {list(params)}"
                )
            bad = [a for a in allowed if not params[parent].contains(a)]
            if bad or not allowed:
                raise ConfigError(
                    f"parameter '{name}': condition values {bad or list(allowed)!r} are not "
                    f"values of '{parent}' ({_describe(params[parent])})"
                )
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join(path[path.index(name):] + [name])
            raise ConfigError(f"parameter '{name}': conditions form a cycle ({cycle})")
        state[name] = 1
        for parent, _ in params[name].when:
            visit(parent, path + [name])
        state[name] = 2
        order.append(name)

    for name in params:
        visit(name, [])
    return order

