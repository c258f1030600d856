"""Trials: the stored record (:class:`FrozenTrial`) and the live handle (:class:`Trial`).

An objective receives a :class:`Trial`: it reads ``trial.params``, ``trial.seed`` and
``trial.budget``, reports its learning curve with :meth:`Trial.report` and asks
:meth:`Trial.should_stop`. Everything stored about a trial is a :class:`FrozenTrial`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError

if TYPE_CHECKING:
    from tiaocan.loop import TrialRuntime

__all__ = ["Direction", "FrozenTrial", "Report", "Trial", "TrialState", "as_values"]


class TrialState(enum.Enum):
    """Where a trial is in its life. WAITING trials are queued (enqueued or retries)."""

    WAITING = "waiting"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)


class Direction(enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def parse(cls, value: str | Direction, name: str = "direction") -> Direction:
        if isinstance(value, Direction):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ConfigError(
                f"{name} must be 'minimize' or 'maximize', received {value!r}"
            ) from None

    @property
    def sign(self) -> float:
        """Multiply a value by this to get a quantity to minimise."""
        return 1.0 if self is Direction.MINIMIZE else -1.0


@dataclass(frozen=True)
class Report:
    """One point of a learning curve: the value(s) at a step (epoch, iteration, budget)."""

    step: float
    values: tuple[float, ...]
    at: float = 0.0

    @property
    def value(self) -> float:
        return self.values[0]


@dataclass(frozen=True)
class FrozenTrial:
    """Everything stored about one trial. Immutable; storages hand out new copies."""

    number: int
    trial_id: int
    state: TrialState
    params: Mapping[str, Any]
    seed: int
    values: tuple[float, ...] | None = None
    budget: float | None = None
    reports: tuple[Report, ...] = ()
    started_at: float | None = None
    completed_at: float | None = None
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    key: str | None = None

    @property
    def value(self) -> float | None:
        """The single objective value (None for unfinished, failed or multi-objective)."""
        if self.values is None or len(self.values) != 1:
            return None
        return self.values[0]

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.completed_at is None:
            return None
        return self.completed_at - self.started_at

    @property
    def last_step(self) -> float | None:
        return self.reports[-1].step if self.reports else None

    def curve(self, objective: int = 0) -> dict[float, float]:
        """The learning curve as ``{step: value}`` (the last report wins on a repeated step)."""
        return {r.step: r.values[objective] for r in self.reports}


def as_values(result: Any, n_objectives: int, what: str = "objective") -> tuple[float, ...]:
    """Turn an objective's return into a tuple of finite floats, or raise ``ValueError``.

    Accepted: a number, a sequence of numbers, or an array (numpy, torch…) of shape () or
    (k,) for k objectives. Anything else, a value no float holds (``10**400``), a ``__float__``
    that raises, NaN or the wrong count is a ValueError whose message names what was received.
    """
    if result is None:
        raise ValueError(f"{what} returned None; it must return a number (or a sequence of "
                         f"{n_objectives} numbers, one per objective)")
    try:
        items = _items(result, what)
    except ValueError:
        raise
    except Exception as exc:  # a returned object whose attributes raise
        raise ValueError(f"{what} returned an unreadable {type(result).__name__} object "
                         f"({type(exc).__name__})") from None
    values = []
    for v in items:
        if isinstance(v, (bool, str, bytes)):  # as refused alone: True or "0.5" is no value
            raise ValueError(f"{what} returned a non-numeric value {_short(v)}")
        try:
            values.append(float(v))
        except OverflowError:
            raise ValueError(f"{what} returned {_short(v)}, too large for a float") from None
        except Exception as exc:  # a user type whose __float__ raises anything
            raise ValueError(f"{what} returned a non-numeric value {_short(v)} "
                             f"({type(exc).__name__})") from None
    if len(values) != n_objectives:
        raise ValueError(
            f"{what} returned {len(values)} value(s), the study has {n_objectives} direction(s)"
        )
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{what} returned a non-finite value {tuple(values)!r}")
    return tuple(values)


def _items(result: Any, what: str) -> Sequence[Any]:
    """The values of a number, a sequence, or an array of shape () or (k,)."""
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return (result,)
    ndim = getattr(result, "ndim", None)
    if isinstance(ndim, int) and callable(getattr(result, "tolist", None)):  # numpy, torch, jax
        if ndim > 1:
            raise ValueError(f"{what} returned an array of shape {tuple(result.shape)}; expected a "
                             "number or an array of shape (k,), one value per objective")
        try:
            out = result.tolist()
        except Exception as exc:
            raise ValueError(f"{what} returned an array that cannot be read "
                             f"({type(exc).__name__})") from None
        return out if isinstance(out, list) else [out]
    if isinstance(result, Sequence) and not isinstance(result, (str, bytes)):
        return result
    if callable(getattr(type(result), "__float__", None)) and not isinstance(result, (str, bytes)):
        return (result,)  # a number type of its own (Fraction, a framework's scalar)
    raise ValueError(f"{what} must return a number or a sequence of numbers, "
                     f"returned {_short(result)}")


def _short(value: Any) -> str:
    """A bounded repr that never raises (a returned object's __repr__ is user code)."""
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"
    return text if len(text) <= 200 else text[:200] + "…"


class Trial:
    """The live handle an objective receives.

    >>> # inside an objective:
    >>> # lr = trial.params["lr"]; trial.report(loss, step=epoch)
    """

    def __init__(self, record: FrozenTrial, runtime: TrialRuntime) -> None:
        self._record = record
        self._runtime = runtime

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={dict(self.params)!r})"

    @property
    def number(self) -> int:
        """Study-wide index of the trial (0, 1, 2, …)."""
        return self._record.number

    @property
    def params(self) -> dict[str, Any]:
        """The active parameters (a fresh dict: changing it changes nothing stored); in a
        define-by-run study, those suggested so far."""
        if getattr(self._runtime.study, "define_by_run", False):
            return dict(self._runtime.suggested.get(self._record.trial_id, {}))
        return dict(self._record.params)

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        """A float in ``[low, high]`` (Optuna's signature): on a log scale, or on a grid of
        ``step``. A study created without ``space=`` learns the parameter from this call; in a
        declared space it returns the declared parameter's value.

        >>> # lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        """
        from tiaocan.suggest import float_param, suggest

        return suggest(self, name, float_param(name, low, high, step, log))  # type: ignore[no-any-return]

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        """An integer in ``[low, high]``, both included (Optuna's signature)."""
        from tiaocan.suggest import int_param, suggest

        return suggest(self, name, int_param(name, low, high, step, log))  # type: ignore[no-any-return]

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of ``choices`` (None, bool, int, float or str), Optuna's signature."""
        from tiaocan.suggest import categorical_param, suggest

        return suggest(self, name, categorical_param(name, choices))

    @property
    def seed(self) -> int:
        """Per-trial seed derived from the study seed and :attr:`number`."""
        return self._record.seed

    @property
    def budget(self) -> Any:
        """The scheduler's allowance for this run (None when the study has no fidelity)."""
        return self._runtime.budget_of(self._record)

    @property
    def study_name(self) -> str:
        return self._runtime.study_name

    @property
    def record(self) -> FrozenTrial:
        """The stored record as it was when the trial (re)started."""
        return self._record

    def report(self, value: float | Sequence[float], step: float) -> None:
        """Store a point of the learning curve and let the scheduler decide on it."""
        if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step):
            raise ConfigError(f"report: step must be a finite number, received {step!r}")
        values = as_values(value, self._runtime.n_objectives, what="report value")
        self._runtime.report(self._record, values, float(step) if isinstance(step, float) else step)

    def should_stop(self) -> bool:
        """True when the scheduler decided this trial should stop now."""
        return self._runtime.should_stop(self._record)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value with the trial."""
        self._runtime.set_user_attr(self._record, key, value)

    def sleep(self, seconds: float) -> None:
        """Spend ``seconds`` on the executor's clock: real time, or virtual time on the
        simulated executor (surrogate benchmarks declare their training time this way)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ConfigError(f"sleep: seconds must be a number >= 0, received {seconds!r}")
        self._runtime.sleep(float(seconds))

    def save_checkpoint(self, obj: Any) -> None:
        """Store ``obj`` (a torch state dict, or JSON data) as this trial's checkpoint at its
        budget, so a promoted or paused trial resumes and PBT clones copy it."""
        from tiaocan.checkpoint import save_checkpoint

        save_checkpoint(self._runtime.study, self._record, obj, self.budget)

    def load_checkpoint(self) -> Any:
        """The latest checkpoint of this trial (or of the trial it was cloned from), or None."""
        from tiaocan.checkpoint import load_checkpoint

        return load_checkpoint(self._runtime.study, self._record)
