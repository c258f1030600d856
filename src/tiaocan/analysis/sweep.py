"""One-at-a-time sensitivity: start from a baseline, change one value, retrain, repeat.

The sweep is an ordinary study: every configuration (the baseline, then each parameter moved
over its grid with the others held at the baseline) is enqueued, so it is stored, resumable,
shown in the dashboard and run by any executor like any other study.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError
from tiaocan.space import Categorical, Space
from tiaocan.trial import TrialState

if TYPE_CHECKING:
    from tiaocan.storage import Storage
    from tiaocan.study import Study

__all__ = ["SweepResult", "sweep", "sweep_configs"]


@dataclass(frozen=True)
class SweepResult:
    """The sweep's study, the baseline's value and, per parameter, ``[(value, objective)]``."""

    study: Study
    baseline: dict[str, Any]
    baseline_value: float | None
    effects: dict[str, list[tuple[Any, float | None]]]

    @property
    def sensitivity(self) -> dict[str, float]:
        """Per parameter: the spread (max − min) of the objective over its sweep, baseline included."""
        out = {}
        for name, points in self.effects.items():
            vals = [v for _, v in points if v is not None]
            if self.baseline_value is not None:
                vals.append(self.baseline_value)
            out[name] = max(vals) - min(vals) if vals else 0.0
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def sweep_configs(space: Space, baseline: Mapping[str, Any], points: int = 5,
                  values: Mapping[str, Sequence[Any]] | None = None) -> list[tuple[str | None, Any, dict[str, Any]]]:
    """``(parameter, value, config)`` for the baseline (parameter None) and each variant.

    >>> import tiaocan as tc
    >>> s = tc.Space(a=tc.Float(0, 1), b=tc.Int(1, 3))
    >>> [(p, v) for p, v, _ in sweep_configs(s, {"a": 0.5, "b": 2}, points=3)]
    [(None, None), ('a', 0.0), ('a', 1.0), ('b', 1), ('b', 3)]
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ConfigError(f"points must be an int >= 2, received {points!r}")
    base = space.validate(baseline)
    out: list[tuple[str | None, Any, dict[str, Any]]] = [(None, None, base)]
    for name in space.names:
        if name not in base:
            continue  # inactive at the baseline: nothing to move
        param = space[name]
        grid = list((values or {}).get(name) or (
            param.choices if isinstance(param, Categorical) else param.grid(points)))
        for v in grid:
            if v == base[name]:
                continue
            config = _complete(space, {**base, name: v})
            out.append((name, v, config))
    return out


def _complete(space: Space, config: dict[str, Any]) -> dict[str, Any]:
    """Fill parameters that a changed parent activates with their mid-range value."""
    for name in space.active_names({**config, **{n: None for n in space.names if n not in config}}):
        if name not in config:
            config[name] = space[name].from_unit(0.5)
    return space.validate({k: v for k, v in config.items()})


def sweep(objective: Callable[..., Any], space: Space, baseline: Mapping[str, Any], *,
          storage: str | Storage | None = ":memory:", points: int = 5, name: str | None = None,
          values: Mapping[str, Sequence[Any]] | None = None, direction: str = "minimize",
          seed: int = 0, n_workers: int = 1) -> SweepResult:
    """Run the baseline and every one-parameter change of it as a study.

    Args:
        objective: ``objective(trial) -> float`` as for ``study.optimize``.
        space: the search space; ``baseline`` must be a valid configuration of it.
        points: grid points per numeric parameter (categoricals try every choice).
        values: explicit values for some parameters, e.g. ``{"lr": [1e-3, 1e-2, 1e-1]}``.

    >>> import tiaocan as tc
    >>> s = tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1))
    >>> r = sweep(lambda t: 10 * t.params["a"] + t.params["b"], s, {"a": .5, "b": .5}, points=3)
    >>> list(r.sensitivity)
    ['a', 'b']
    """
    from tiaocan.study import create_study

    configs = sweep_configs(space, baseline, points, values)
    study = create_study(name, space=space, storage=storage, sampler="random",
                         direction=direction, seed=seed)
    study.storage.set_study_attrs(study.study_id, {"sweep": {"baseline": configs[0][2]}})
    numbers = [study.enqueue(config).number for _, _, config in configs]
    study.optimize(objective, n_trials=len(configs), n_workers=n_workers, show_progress=False)
    by_number = {t.number: t for t in study.trials}

    def value_of(number: int) -> float | None:
        t = by_number.get(number)
        return t.value if t is not None and t.state is TrialState.COMPLETE else None

    effects: dict[str, list[tuple[Any, float | None]]] = {}
    for (param, v, _), number in zip(configs[1:], numbers[1:]):
        effects.setdefault(str(param), []).append((v, value_of(number)))
    return SweepResult(study, configs[0][2], value_of(numbers[0]), effects)
