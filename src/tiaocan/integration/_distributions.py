"""Search spaces written the ways other libraries write them, turned into a :class:`Space`.

Accepted per parameter: a tiaocan ``Float``/``Int``/``Categorical``, a list of choices (as in
``GridSearchCV``), an Optuna distribution, or a scipy.stats ``uniform``/``loguniform``/
``randint`` (as in ``RandomizedSearchCV``). Choices that are not JSON scalars (estimators,
callables) are stored by their ``repr`` and mapped back by a decoder, so storage stays JSON.

>>> space, decoders = to_space({"C": [0.1, 1.0], "kernel": ["rbf", "linear"]})
>>> space.names, decoders
(('C', 'kernel'), {})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.space import Categorical, Float, Int, Space

__all__ = ["to_space"]

_SCALARS = (str, int, float, bool, type(None))
Decoder = Callable[[Any], Any]


def to_space(distributions: Any) -> tuple[Space, dict[str, Decoder]]:
    """``(space, decoders)``: the space to search and, for parameters whose choices are
    objects, a function from the stored value back to the object."""
    if isinstance(distributions, Space):
        return distributions, {}
    if not isinstance(distributions, Mapping) or not distributions:
        raise ConfigError("param_distributions must be a tiaocan Space or a non-empty dict from "
                          f"parameter name to a distribution or a list, received {distributions!r}")
    params: dict[str, Any] = {}
    decoders: dict[str, Decoder] = {}
    for name, dist in distributions.items():
        if not isinstance(name, str):
            raise ConfigError(f"param_distributions keys must be parameter names, received {name!r}")
        params[name], decoder = _one(name, dist)
        if decoder is not None:
            decoders[name] = decoder
    return Space(params), decoders


def _one(name: str, dist: Any) -> tuple[Any, Decoder | None]:
    if isinstance(dist, (Float, Int, Categorical)):
        return dist, None
    if isinstance(dist, (list, tuple)):
        return _choices(name, list(dist))
    kind = type(dist).__name__
    if type(dist).__module__.startswith("optuna.distributions"):
        return _optuna(name, dist, kind)
    if hasattr(dist, "dist") and hasattr(dist, "args"):  # a frozen scipy.stats distribution
        return _scipy(name, dist), None
    raise ConfigError(f"parameter {name!r}: expected a tiaocan Float/Int/Categorical, a list of "
                      "choices, an Optuna distribution or a scipy.stats uniform/loguniform/"
                      f"randint, received {dist!r}")


def _choices(name: str, choices: list[Any]) -> tuple[Categorical, Decoder | None]:
    if not choices:
        raise ConfigError(f"parameter {name!r}: the list of choices is empty")
    if all(isinstance(c, _SCALARS) for c in choices):
        return Categorical(choices), None
    labels = [repr(c) for c in choices]
    if len(set(labels)) != len(labels):  # objects whose repr does not tell them apart
        labels = [f"{i}: {label}" for i, label in enumerate(labels)]
    by_label = dict(zip(labels, choices))
    return Categorical(labels), by_label.__getitem__


def _optuna(name: str, dist: Any, kind: str) -> tuple[Any, Decoder | None]:
    if kind == "CategoricalDistribution":
        return _choices(name, list(dist.choices))
    if kind in ("FloatDistribution", "UniformDistribution", "LogUniformDistribution",
                "DiscreteUniformDistribution"):
        step = getattr(dist, "step", None) or getattr(dist, "q", None)
        log = bool(getattr(dist, "log", kind == "LogUniformDistribution"))
        return Float(float(dist.low), float(dist.high), log=log,
                     step=float(step) if step else None), None
    if kind in ("IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution"):
        log = bool(getattr(dist, "log", kind == "IntLogUniformDistribution"))
        return Int(int(dist.low), int(dist.high), log=log, step=int(getattr(dist, "step", 1) or 1)), None
    raise ConfigError(f"parameter {name!r}: the Optuna distribution {kind} has no tiaocan form; "
                      "accepted: FloatDistribution, IntDistribution, CategoricalDistribution")


def _scipy(name: str, dist: Any) -> Any:
    kind = dist.dist.name
    args = dict(zip(("a", "b") if kind in ("loguniform", "reciprocal", "randint") else
                    ("loc", "scale"), dist.args))
    args.update(dist.kwds)
    if kind == "uniform":
        loc, scale = float(args.get("loc", 0.0)), float(args.get("scale", 1.0))
        return Float(loc, loc + scale)
    if kind in ("loguniform", "reciprocal"):
        if args.get("loc", 0) or args.get("scale", 1) != 1:
            raise ConfigError(f"parameter {name!r}: loguniform with loc/scale is not supported")
        return Float(float(args["a"]), float(args["b"]), log=True)
    if kind == "randint":
        low, high = int(args["a"]) + int(args.get("loc", 0)), int(args["b"]) + int(args.get("loc", 0))
        return Int(low, high - 1)  # scipy's randint excludes its upper bound
    raise ConfigError(f"parameter {name!r}: the scipy.stats distribution {kind!r} has no tiaocan "
                      f"form; accepted: uniform, loguniform, randint (received {dist!r})")

