"""Trials as arrays for analysis: unit-cube features and losses to minimise.

Conditional parameters: an inactive parameter is encoded as ``-1`` and its domain becomes
``[-1, 1]`` (active values keep their unit-cube position in ``[0, 1]``). A tree can then
split "inactive" from "active" like any other value, and fANOVA counts the effect of being
(in)active towards the parameter, with the inactive half of the domain weighted like the
active half. Unconditional parameters keep the domain ``[0, 1]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.space import Space
    from tiaocan.study import Study

__all__ = ["INACTIVE", "TrialArrays", "final_trials", "trial_arrays"]

INACTIVE = -1.0


@dataclass(frozen=True)
class TrialArrays:
    """Features ``x`` (n, d), losses ``y`` (n,), per-dimension ``bounds`` (d, 2), names."""

    names: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    bounds: np.ndarray
    trials: tuple[FrozenTrial, ...]


def final_trials(study: Study) -> list[FrozenTrial]:
    """Complete trials at the largest budget reached (values at smaller budgets differ)."""
    return list(study._final_trials())


def trial_arrays(space: Space, trials: Sequence[FrozenTrial], objective: int = 0,
                 sign: float = 1.0) -> TrialArrays:
    """Encode complete trials; ``sign`` = -1 turns a maximised value into a loss.

    >>> import tiaocan as tc
    >>> s = tc.Space(x=tc.Float(0, 1))
    >>> t = tc.FrozenTrial(0, 0, tc.TrialState.COMPLETE, {"x": 0.5}, 0, values=(1.0,))
    >>> trial_arrays(s, [t]).x.tolist()
    [[0.5]]
    """
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]
    if not done:
        raise ConfigError("analysis needs at least one complete trial, received none")
    names = tuple(space.names)
    x = np.array([space.encode(t.params) for t in done], dtype=float).reshape(len(done), len(names))
    conditional = np.array([bool(space[n].when) for n in names], dtype=bool)
    x[np.isnan(x)] = INACTIVE
    bounds = np.tile([0.0, 1.0], (len(names), 1))
    bounds[conditional, 0] = INACTIVE
    y = sign * np.asarray([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    return TrialArrays(names, x, y, bounds, tuple(done))
