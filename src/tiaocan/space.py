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

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.parameters import _TYPES, Categorical, Float, Int, Param
from tiaocan.parameters import describe as _describe

__all__ = ["Categorical", "Float", "Int", "Param", "Space"]


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
        """The space :meth:`to_json` wrote; a definition of any other shape is a ConfigError."""
        items = data.get("params") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise ConfigError(f"a space definition must be {{'params': [...]}}, received "
                              f"{data!r:.200}")
        params: dict[str, Param] = {}
        for item in items:
            name, param = _param_from_json(item)
            params[name] = param
        return cls(params)


def _param_from_json(item: Any) -> tuple[str, Param]:
    spec = dict(item) if isinstance(item, Mapping) else {}
    name, kind = spec.pop("name", None), spec.pop("type", None)
    if not isinstance(name, str) or not isinstance(kind, str):
        raise ConfigError(f"a parameter definition needs a string 'name' and 'type', received "
                          f"{item!r:.200}")
    if kind not in _TYPES:
        raise ConfigError(f"parameter '{name}': type must be one of {sorted(_TYPES)}, "
                          f"received {kind!r:.80}")
    try:
        if kind == "categorical":
            return name, Categorical(_choices(spec.pop("choices")), when=spec.pop("when", None),
                                     **spec)
        return name, _TYPES[kind](**spec)
    except KeyError as exc:
        raise ConfigError(f"parameter '{name}': a {kind} needs {exc}") from None
    except TypeError as exc:  # an unknown or missing key
        detail = str(exc).split(".", 1)[-1].replace("__init__() ", "")
        raise ConfigError(f"parameter '{name}': {detail}; a {kind} takes "
                          f"{_KEYS_OF[kind]}") from None


_KEYS_OF = {"float": "low, high, log, step, when", "int": "low, high, log, step, when",
            "categorical": "choices, when"}


def _choices(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"Categorical choices must be a list, received {value!r:.80}")
    return tuple(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    return bool(a == b)


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


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
