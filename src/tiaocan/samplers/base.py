"""The sampler role: *which* configuration next, from the history.

A sampler is a function of (space, history, rng). It may cache, but everything it needs is
in the :class:`History`, so a resumed study or another worker proposes the same way.
The one method to implement is :meth:`Sampler.sample`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tiaocan.fidelity import Fidelity
from tiaocan.space import Space
from tiaocan.trial import Direction, FrozenTrial, TrialState

__all__ = ["FunctionSampler", "History", "Proposal", "Sampler", "describe", "rebuild"]


@dataclass(frozen=True)
class History:
    """What a sampler or scheduler may look at: the study's trials and settings.

    Attributes:
        trials: every trial of the study, any state, ordered by number.
        directions: one per objective.
        study_seed: the study's seed.
        number: the trial number the proposal is (most likely) for.
        budget: the budget the proposed trial will run at (None without fidelity).
        fidelity: the study's fidelity, if any.
    """

    trials: Sequence[FrozenTrial]
    directions: tuple[Direction, ...] = (Direction.MINIMIZE,)
    study_seed: int = 0
    number: int = 0
    budget: float | None = None
    fidelity: Fidelity | None = None
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_budget(self, budget: float | None) -> History:
        return History(self.trials, self.directions, self.study_seed, self.number, budget,
                       self.fidelity)

    @property
    def complete(self) -> list[FrozenTrial]:
        if "complete" not in self._cache:
            self._cache["complete"] = [t for t in self.trials if t.state is TrialState.COMPLETE]
        return self._cache["complete"]  # type: ignore[no-any-return]

    @property
    def running(self) -> list[FrozenTrial]:
        return [t for t in self.trials if t.state is TrialState.RUNNING]

    def losses(self, trials: Sequence[FrozenTrial]) -> np.ndarray:
        """Objective values turned into losses (lower is better), shape (n, n_objectives)."""
        signs = np.array([d.sign for d in self.directions])
        if not trials:
            return np.empty((0, len(signs)))
        losses: np.ndarray = np.array([t.values for t in trials], dtype=float) * signs
        return losses


@dataclass(frozen=True)
class Proposal:
    """A sampler's answer: the parameters, an optional uniqueness key, and why (stored)."""

    params: Mapping[str, Any]
    key: str | None = None
    info: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Sampler(Protocol):
    def sample(
        self, space: Space, history: History, rng: np.random.Generator
    ) -> Mapping[str, Any] | Proposal:
        """Propose the next configuration (a dict of active parameters, or a Proposal)."""


class FunctionSampler:
    """A sampler built from a function ``fn(space, history, rng) -> dict``.

    >>> s = FunctionSampler(lambda space, history, rng: {"x": 0.5})
    >>> s.sample(None, None, None)
    {'x': 0.5}
    """

    def __init__(self, fn: Callable[[Space, History, np.random.Generator], Mapping[str, Any]]) -> None:
        self.fn = fn

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Mapping[str, Any]:
        return self.fn(space, history, rng)


def describe(obj: object) -> dict[str, Any]:
    """The class and constructor parameters of a sampler or scheduler, as JSON.

    Like scikit-learn estimators, constructors store their keyword parameters as attributes
    of the same names, so an object can be described and rebuilt.
    """
    cls = type(obj)
    params: dict[str, Any] = {}
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        signature = None
    for name in (signature.parameters if signature else {}):
        if name == "self" or not hasattr(obj, name):
            continue
        value = getattr(obj, name)
        if _is_json(value):
            params[name] = value
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "params": params}


def rebuild(description: Mapping[str, Any], role: str = "sampler") -> Any:
    """The object a :func:`describe` output describes, built through the registry.

    Only registered classes (built-ins and installed plug-ins, see :mod:`tiaocan.registry`)
    are built; any other name raises UnregisteredClassError without importing anything.
    """
    from tiaocan.registry import rebuild_registered

    return rebuild_registered(role, description)


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False
