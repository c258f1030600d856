"""Define-by-run: the parameters an objective asks for with ``trial.suggest_*``.

A study created without ``space=`` learns its space from the calls. Each new parameter is
added to the study's stored space (one storage transaction, so workers adding parameters
at the same time lose none) with the condition under which it was asked: the values of the
categorical parameters suggested before it in that trial. A later trial that asks it under
other values widens the condition. The sampler proposes jointly over the space known when
the trial starts; a parameter the proposal lacks is drawn from its own distribution with a
generator derived from the trial's seed and the parameter's name, as Optuna samples a new
parameter independently until it has history.

In a study with a declared space, ``suggest_*`` returns the declared parameter's value after
checking that the call describes the same parameter.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.parameters import Categorical, Float, Int, Param
from tiaocan.parameters import describe as describe_param

if TYPE_CHECKING:
    from tiaocan.trial import Trial

__all__ = ["categorical_param", "float_param", "int_param", "merge_param", "suggest"]


# Parameters from Optuna-style arguments ------------------------------------------------------
def float_param(name: str, low: Any, high: Any, step: Any, log: Any) -> Param:
    """``suggest_float``'s arguments as a parameter (low == high: the one value)."""
    _check_name(name)
    _check_flag(name, "log", log)
    if step is not None and log:
        raise ConfigError(f"suggest_float('{name}'): step and log=True cannot be combined, "
                          f"received step={step!r}, log=True")
    if _is_number(low) and _is_number(high) and low == high:
        return Categorical((float(low),))
    param = Float(_number(name, "low", low), _number(name, "high", high), log=bool(log),
                  step=None if step is None else _number(name, "step", step))
    param.validate(name)
    return param


def int_param(name: str, low: Any, high: Any, step: Any, log: Any) -> Param:
    """``suggest_int``'s arguments as a parameter (low == high: the one value)."""
    _check_name(name)
    _check_flag(name, "log", log)
    for label, value in (("low", low), ("high", high), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ConfigError(f"suggest_int('{name}'): {label} must be an integer, received "
                              f"{value!r} of type {type(value).__name__}")
    if low == high:
        return Categorical((int(low),))
    # As in Optuna, a high that is not low + k * step is never drawn (values low, low + step, …)
    param = Int(int(low), int(high), log=bool(log), step=int(step))
    param.validate(name)
    return param


def categorical_param(name: str, choices: Any) -> Param:
    """``suggest_categorical``'s choices as a parameter."""
    _check_name(name)
    if not isinstance(choices, Sequence) or isinstance(choices, (str, bytes)):
        raise ConfigError(f"suggest_categorical('{name}'): choices must be a list or tuple, "
                          f"received {choices!r}")
    param = Categorical(tuple(choices))
    param.validate(name)
    return param


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"a parameter name must be a non-empty string, received {name!r}")


def _check_flag(name: str, label: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"parameter '{name}': {label} must be True or False, received {value!r}")


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.number))


def _number(name: str, label: str, value: Any) -> float:
    if not _is_number(value):
        raise ConfigError(f"parameter '{name}': {label} must be a number, received {value!r}")
    return float(value)


# The stored space ---------------------------------------------------------------------------
def definition(param: Param) -> dict[str, Any]:
    """A parameter's JSON without its condition (what two calls must agree on)."""
    data = param.to_json()
    data.pop("when", None)
    return data


def _describe(data: Mapping[str, Any]) -> str:
    from tiaocan.space import Space

    spec = {k: v for k, v in data.items() if k != "when"}
    return describe_param(Space.from_json({"params": [{"name": "_", **spec}]})["_"])


def merge_param(space: Mapping[str, Any], name: str, param: Param,
                context: Mapping[str, Any]) -> dict[str, Any] | None:
    """``space`` (JSON) with ``name`` added or its condition widened to hold in ``context``
    (the categorical values suggested before it); None when nothing changes.

    Raises:
        ConfigError: ``name`` is stored with another definition.
    """
    items = [dict(item) for item in space.get("params", [])]
    by_name = {item["name"]: item for item in items}
    wanted = definition(param)
    if name not in by_name:
        new = {"name": name, **wanted}
        if context:
            new["when"] = {parent: [value] for parent, value in context.items()}
        return {**space, "params": [*items, new]}
    stored = by_name[name]
    if {k: v for k, v in stored.items() if k not in ("name", "when")} != wanted:
        raise ConfigError(f"parameter '{name}' was first suggested as {_describe(stored)}; this "
                          f"call asks for {_describe(wanted)}. Use one definition per name.")
    when = stored.get("when") or {}
    if all(parent in context and _member(context[parent], allowed)
           for parent, allowed in when.items()):
        return None
    # Widen: keep the parents asked before it this time, each allowing the value seen now.
    widened = {parent: list(allowed) + ([] if _member(context[parent], allowed)
                                        else [context[parent]])
               for parent, allowed in when.items() if parent in context}
    widened = {parent: allowed for parent, allowed in widened.items()
               if not _covers(by_name[parent], allowed)}
    if widened:
        stored["when"] = widened
    else:
        stored.pop("when", None)
    return {**space, "params": items}


def _covers(parent: Mapping[str, Any], allowed: Sequence[Any]) -> bool:
    """Whether a condition on ``parent`` allows every choice of an always-active parent."""
    return not parent.get("when") and all(_member(c, allowed) for c in parent["choices"])


def _member(value: Any, allowed: Sequence[Any]) -> bool:
    return any(type(value) is type(a) and value == a for a in allowed)


# Trial side ---------------------------------------------------------------------------------
def suggest(trial: Trial, name: str, param: Param) -> Any:
    """The value of ``name`` for ``trial`` (see the module docstring)."""
    runtime = trial._runtime
    study = runtime.study
    asked = runtime.suggested.setdefault(trial.record.trial_id, {})
    if not study.define_by_run:
        return _declared(study.space, trial.record.params, name, param)
    known = study.space
    if name in known and definition(known[name]) != definition(param):
        raise ConfigError(f"parameter '{name}' was first suggested as "
                          f"{describe_param(known[name])}; this call asks for "
                          f"{describe_param(param)}. Use one definition per name.")
    if name in asked:
        return asked[name]
    context = {n: v for n, v in asked.items()
               if isinstance(known[n], Categorical) and len(known[n].choices) > 1}
    if name not in known or not known.is_active(name, context):
        stored = study.storage.update_space(
            study.study_id, lambda space: merge_param(space, name, param, context))
        study.set_space(stored)
    proposed = trial.record.params.get(name)
    value = proposed if name in trial.record.params and param.contains(proposed) else \
        _native(param.sample(_rng(trial.record.seed, name)))
    asked[name] = value
    if name not in trial.record.params or proposed != value:  # stored at once, for other workers
        study.storage.set_trial_params(trial.record.trial_id, {**trial.record.params, **asked})
    return value


def kept_params(trial_params: Mapping[str, Any], asked: Mapping[str, Any] | None,
                order: Sequence[str]) -> dict[str, Any] | None:
    """The parameters a finished define-by-run trial keeps: those it asked for (None when it
    asked nothing, or they are already what is stored)."""
    if not asked:
        return None
    kept = {n: asked[n] for n in order if n in asked}
    kept.update({n: v for n, v in asked.items() if n not in kept})
    return None if kept == dict(trial_params) else kept


def _declared(space: Any, params: Mapping[str, Any], name: str, param: Param) -> Any:
    if name not in space:
        raise ConfigError(f"suggest: parameter '{name}' is not in the study's declared space "
                          f"{list(space.names)}; declare it, or create the study without "
                          "space= to learn the space from the suggest_* calls")
    if definition(space[name]) != definition(param):
        raise ConfigError(f"suggest: parameter '{name}' is declared as "
                          f"{describe_param(space[name])}; this call asks for "
                          f"{describe_param(param)}")
    if name not in params:
        raise ConfigError(f"suggest: parameter '{name}' is inactive in this trial (its "
                          f"condition {space[name].condition} does not hold for {dict(params)})")
    return params[name]


def _rng(trial_seed: int, name: str) -> np.random.Generator:
    # Independent of the order of the calls: one stream per (trial seed, parameter name).
    return np.random.default_rng([int(trial_seed), zlib.crc32(name.encode())])


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
