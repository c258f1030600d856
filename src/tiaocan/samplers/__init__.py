"""Samplers decide *which* configuration to try next.

Pass a name (``"auto"`` — the default —, ``"tpe"``, ``"gp"``, ``"cmaes"``, ``"evolution"``,
``"reinforce"``, ``"random"``, ``"grid"``, ``"sobol"``) for the default options, or an object
with its own options, e.g. ``tc.samplers.GridSampler(points_per_float=9)``.
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.samplers.auto import AutoSampler
from tiaocan.samplers.base import FunctionSampler, History, Proposal, Sampler, describe, rebuild
from tiaocan.samplers.candidates import CandidateSampler
from tiaocan.samplers.cmaes import CMAESSampler
from tiaocan.samplers.evolution import RegularizedEvolutionSampler
from tiaocan.samplers.gp import GPSampler
from tiaocan.samplers.grid import GridSampler
from tiaocan.samplers.random import RandomSampler
from tiaocan.samplers.reinforce import ReinforceSampler
from tiaocan.samplers.sobol import SobolSampler
from tiaocan.samplers.tpe import TPESampler

__all__ = [
    "SAMPLERS",
    "AutoSampler",
    "CMAESSampler",
    "CandidateSampler",
    "FunctionSampler",
    "GPSampler",
    "GridSampler",
    "History",
    "Proposal",
    "RandomSampler",
    "RegularizedEvolutionSampler",
    "ReinforceSampler",
    "Sampler",
    "SobolSampler",
    "TPESampler",
    "describe",
    "get_sampler",
    "rebuild",
]

#: Names accepted by ``create_study(sampler=...)`` and the class each builds (default options).
SAMPLERS: dict[str, type] = {
    "random": RandomSampler,
    "grid": GridSampler,
    "sobol": SobolSampler,
    "tpe": TPESampler,
    "gp": GPSampler,
    "cmaes": CMAESSampler,
    "evolution": RegularizedEvolutionSampler,
    "reinforce": ReinforceSampler,
    "auto": AutoSampler,
}

DEFAULT_SAMPLER = "auto"


def get_sampler(sampler: str | Sampler | None) -> Any:
    """The sampler for a name or object (``None``: the default)."""
    if sampler is None:
        sampler = DEFAULT_SAMPLER
    if isinstance(sampler, str):
        if sampler.lower() not in SAMPLERS:
            raise ConfigError(f"sampler must be one of {sorted(SAMPLERS)} or a Sampler object, "
                              f"received {sampler!r}")
        return SAMPLERS[sampler.lower()]()
    if not callable(getattr(sampler, "sample", None)):
        raise ConfigError(f"sampler must be one of {sorted(SAMPLERS)} or an object with a "
                          f"sample(space, history, rng) method, received {sampler!r}")
    return sampler
