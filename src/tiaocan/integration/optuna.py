"""Bridges to and from Optuna: tiaocan's samplers inside Optuna, Optuna's studies in tiaocan.

- :class:`Sampler` is an ``optuna.samplers.BaseSampler`` that runs a tiaocan sampler (``auto``,
  GP, TPE, …): an Optuna user keeps their code and passes ``sampler=Sampler("auto")`` to
  ``optuna.create_study``. Like Optuna's own samplers it proposes jointly over the
  parameters every finished trial shares (the intersection search space) and draws any
  other parameter from its distribution.
- :func:`import_optuna` (the ``tiaocan import-optuna`` command) copies Optuna studies into a
  tiaocan storage (see :mod:`tiaocan.integration._optuna_import`).

>>> import optuna                                                    # doctest: +SKIP
>>> from tiaocan.integration.optuna import Sampler                   # doctest: +SKIP
>>> study = optuna.create_study(sampler=Sampler("tpe", seed=0))      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, require
from tiaocan.parameters import Categorical, Float, Int, Param
from tiaocan.samplers import get_sampler
from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Space
from tiaocan.trial import Direction, FrozenTrial, Report, TrialState

optuna: Any = require("optuna", "optuna", "tiaocan.integration.optuna")

__all__ = ["Sampler", "import_optuna", "to_direction", "to_param", "to_state"]

_STATES = {"COMPLETE": TrialState.COMPLETE, "PRUNED": TrialState.PRUNED,
           "FAIL": TrialState.FAILED, "RUNNING": TrialState.RUNNING,
           "WAITING": TrialState.WAITING}


def to_param(name: str, distribution: Any) -> Param:
    """The tiaocan parameter of an Optuna distribution (one value: a one-choice categorical).

    Raises:
        ConfigError: the distribution has no tiaocan form.
    """
    d = optuna.distributions
    try:
        if isinstance(distribution, (d.FloatDistribution, d.IntDistribution)):
            cast = float if isinstance(distribution, d.FloatDistribution) else int
            if distribution.low == distribution.high:
                param: Param = Categorical((cast(distribution.low),))
            elif cast is float:
                param = Float(float(distribution.low), float(distribution.high),
                              log=bool(distribution.log), step=distribution.step)
            else:
                param = Int(int(distribution.low), int(distribution.high),
                            log=bool(distribution.log), step=int(distribution.step))
        elif isinstance(distribution, d.CategoricalDistribution):
            param = Categorical(tuple(distribution.choices))
        else:
            raise ConfigError(f"accepted: FloatDistribution, IntDistribution, "
                              f"CategoricalDistribution; received {type(distribution).__name__}")
        param.validate(name)
    except ConfigError as exc:
        raise ConfigError(f"parameter '{name}': the Optuna distribution {distribution!r} "
                          f"cannot be represented in tiaocan: {exc}") from None
    return param


def to_state(state: Any) -> TrialState:
    return _STATES[state.name]


def to_direction(direction: Any) -> Direction:
    return Direction.MAXIMIZE if direction.name == "MAXIMIZE" else Direction.MINIMIZE


def to_trial(trial: Any, names: Sequence[str] | None = None, n_objectives: int = 1) -> FrozenTrial:
    """A tiaocan record of an Optuna ``FrozenTrial`` (its parameters restricted to ``names``)."""
    params = {n: v for n, v in trial.params.items() if names is None or n in names}
    values = tuple(float(v) for v in trial.values) if trial.values is not None else None
    if values is not None and not all(np.isfinite(values)):
        values = None
    curve = sorted(trial.intermediate_values.items())
    reports = tuple(Report(step, (float(v),)) for step, v in curve
                    if n_objectives == 1 and v is not None and np.isfinite(v))
    return FrozenTrial(
        number=trial.number, trial_id=trial._trial_id, state=to_state(trial.state),
        params=params, seed=0, values=values, reports=reports,
        started_at=trial.datetime_start.timestamp() if trial.datetime_start else None,
        completed_at=trial.datetime_complete.timestamp() if trial.datetime_complete else None,
        user_attrs=dict(trial.user_attrs))


class Sampler(optuna.samplers.BaseSampler):  # type: ignore[misc]
    """An Optuna sampler that proposes with a tiaocan sampler.

    Args:
        sampler: a tiaocan sampler name (``"auto"``, ``"gp"``, ``"tpe"``, …) or object.
        seed: makes the proposals repeatable (each trial's generator derives from it and the
            trial's number).
    """

    def __init__(self, sampler: Any = "auto", *, seed: int | None = None) -> None:
        self.sampler = sampler
        self.seed = seed
        self._tc_sampler = get_sampler(sampler)
        self._seed = int(seed) if seed is not None else _fresh_seed()
        self._search_space = optuna.search_space.IntersectionSearchSpace()

    def reseed_rng(self) -> None:
        self._seed = _fresh_seed()

    def _rng(self, number: int, name: str = "") -> np.random.Generator:
        import zlib

        return np.random.default_rng([self._seed, number, zlib.crc32(name.encode())])

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        space = self._search_space.calculate(study)
        # one-value distributions need no proposal
        return {n: d for n, d in space.items() if not d.single()}

    def sample_relative(self, study: Any, trial: Any,
                        search_space: Mapping[str, Any]) -> dict[str, Any]:
        if not search_space:
            return {}
        space = Space({n: to_param(n, d) for n, d in search_space.items()})
        directions = tuple(to_direction(d) for d in study.directions)
        trials = [to_trial(t, space.names, len(directions))
                  for t in study._get_trials(deepcopy=False, use_cache=True)]
        # trials that miss a parameter of the intersection (still running) count as pending
        trials = [t for t in trials if set(t.params) == set(space.names) or
                  t.state is TrialState.RUNNING]
        trials = [_renumbered(t, i) for i, t in enumerate(trials)]
        history = History(tuple(trials), directions, self._seed, len(trials))
        proposal = self._tc_sampler.sample(space, history, self._rng(trial.number))
        params = proposal.params if isinstance(proposal, Proposal) else proposal
        return {n: _external(search_space[n], params[n]) for n in search_space if n in params}

    def sample_independent(self, study: Any, trial: Any, param_name: str,
                           param_distribution: Any) -> Any:
        param = to_param(param_name, param_distribution)
        return _external(param_distribution, param.sample(self._rng(trial.number, param_name)))


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]


def _renumbered(trial: FrozenTrial, number: int) -> FrozenTrial:
    # tiaocan samplers index trials by number: the kept trials are numbered 0..n-1
    from dataclasses import replace

    return replace(trial, number=number)


def _external(distribution: Any, value: Any) -> Any:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(distribution, optuna.distributions.IntDistribution):
        return int(value)
    if isinstance(distribution, optuna.distributions.FloatDistribution):
        return float(value)
    return value


def import_optuna(source: str, target: Any, study: str | None = None) -> list[str]:
    """Copy the Optuna studies at ``source`` (a storage URL or a journal file) into ``target``
    (a tiaocan storage URL or object); ``study`` picks one. Returns the imported names."""
    from tiaocan.integration._optuna_import import import_studies

    return import_studies(source, target, study)

