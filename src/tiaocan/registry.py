"""The classes a stored description may name: built-ins and installed plug-ins.

A study stores its sampler and scheduler as JSON (``{"class": "module.Name", "params":
{...}}``). Opening a study must never run code that the database names, so a description is
rebuilt only if its class is in this registry:

- the built-ins (a fixed table below: the stored name maps to the class tiaocan imports);
- plug-ins the user installed, registered through a Python entry point in the group
  ``tiaocan.samplers``, ``tiaocan.schedulers`` or ``tiaocan.executors``, e.g. in the plug-in's
  ``pyproject.toml``::

      [project.entry-points."tiaocan.samplers"]
      my_sampler = "my_package.sampling:MySampler"

  A plug-in matches a stored name ``my_package.sampling.MySampler`` (its module and class,
  which is what :func:`tiaocan.samplers.describe` stores) or the entry point's own name.

Any other name is refused with :class:`~tiaocan.errors.UnregisteredClassError`; nothing is
imported for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from tiaocan.errors import UnregisteredClassError

__all__ = ["ROLES", "lookup", "rebuild_registered", "registered_names"]

#: role -> entry point group a plug-in registers in.
ROLES: dict[str, str] = {"sampler": "tiaocan.samplers", "scheduler": "tiaocan.schedulers",
                         "executor": "tiaocan.executors"}

_SAMPLERS = {
    "tiaocan.samplers.auto.AutoSampler", "tiaocan.samplers.candidates.CandidateSampler",
    "tiaocan.samplers.cmaes.CMAESSampler", "tiaocan.samplers.evolution.RegularizedEvolutionSampler",
    "tiaocan.samplers.gp.GPSampler", "tiaocan.samplers.grid.GridSampler",
    "tiaocan.samplers.multifidelity.BudgetFiltered", "tiaocan.samplers.multifidelity.BudgetGP",
    "tiaocan.samplers.random.RandomSampler", "tiaocan.samplers.sobol.SobolSampler",
    "tiaocan.samplers.tpe.TPESampler", "tiaocan.samplers.reinforce.ReinforceSampler",
}
_SCHEDULERS = {
    "tiaocan.schedulers.adaptive_hyperband.AdaptiveHyperband", "tiaocan.schedulers.asha.ASHA",
    "tiaocan.schedulers.base.FIFOScheduler", "tiaocan.schedulers.bohb.BOHB",
    "tiaocan.schedulers.hyperband.Hyperband", "tiaocan.schedulers.hyperband.AsyncHyperband",
    "tiaocan.schedulers.median.MedianStopping", "tiaocan.schedulers.mobster.MOBSTER",
    "tiaocan.schedulers.pbt.PBT", "tiaocan.schedulers.successive_halving.SuccessiveHalving",
}
_EXECUTORS = {
    "tiaocan.executors.local.InlineExecutor", "tiaocan.executors.local.ThreadExecutor",
    "tiaocan.executors.local.ProcessExecutor", "tiaocan.executors.simulated.SimulatedExecutor",
    "tiaocan.executors.dask.DaskExecutor",
}
#: The built-in classes by role, as "module.Class" (the form :func:`describe` stores).
#: A new built-in sampler or scheduler adds its line here.
BUILTINS: dict[str, set[str]] = {"sampler": _SAMPLERS, "scheduler": _SCHEDULERS,
                                 "executor": _EXECUTORS}


def lookup(role: str, name: str) -> type:
    """The registered class stored as ``name`` for ``role``, or UnregisteredClassError."""
    group = ROLES.get(role)
    if group is None:
        raise ValueError(f"role must be one of {sorted(ROLES)}, received {role!r}")
    if not isinstance(name, str) or not name:
        raise UnregisteredClassError(_refusal(role, name))
    if name in BUILTINS[role]:
        module_name, _, qualname = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), qualname, None)
        except ImportError as exc:  # a built-in whose optional dependency is missing here
            raise UnregisteredClassError(f"the stored {role} {name!r} cannot be loaded here: "
                                         f"{exc}") from None
        if isinstance(cls, type):
            return cls
    for ep in entry_points(group=group):
        if name in (ep.name, ep.value.replace(":", ".")):
            cls = ep.load()  # the user installed this plug-in: its code is trusted
            if isinstance(cls, type):
                return cls
    raise UnregisteredClassError(_refusal(role, name))


def registered_names(role: str) -> list[str]:
    """The stored names ``role`` accepts: built-ins, then installed plug-ins."""
    plugins = [ep.value.replace(":", ".") for ep in entry_points(group=ROLES[role])]
    return sorted(BUILTINS[role]) + sorted(plugins)


def rebuild_registered(role: str, description: Mapping[str, Any]) -> Any:
    """The object a stored description names, built with its stored keyword parameters.

    Raises UnregisteredClassError for a class outside the registry (nothing is imported),
    and ConfigError for a description or parameters the class does not accept.
    """
    from tiaocan.errors import ConfigError

    if not isinstance(description, Mapping):
        raise ConfigError(f"a stored {role} must be a JSON object with 'class' and 'params', "
                          f"received {description!r:.200}")
    cls = lookup(role, description.get("class"))  # type: ignore[arg-type]
    params = description.get("params") or {}
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise ConfigError(f"the stored {role} {description.get('class')!r} has params "
                          f"{params!r:.200}; expected a JSON object")
    try:
        return cls(**dict(params))
    except Exception as exc:  # a plug-in's or built-in's own validation of stored values
        raise ConfigError(f"the stored {role} {description.get('class')!r} cannot be built "
                          f"from its stored params: {exc}"[:500]) from None


def _refusal(role: str, name: object) -> str:
    return (f"the stored {role} class {name!r:.200} is not a registered {role}; tiaocan rebuilds "
            f"only built-in classes and plug-ins installed with an entry point in the group "
            f"'{ROLES[role]}' (e.g. [project.entry-points.\"{ROLES[role]}\"] "
            f"my_{role} = \"my_package.module:MyClass\"), and never imports a name read from a "
            f"database; pass {role}=... to load_study to choose one")
