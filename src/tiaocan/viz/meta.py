"""What the plots need to know about a study besides its trials: the metric names, the
directions and the full budget (to tell trials stopped at a low rung from complete ones)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.outcome import full_budget
from tiaocan.trial import Direction

__all__ = [
    "METRIC_NAMES_KEY",
    "StudyMeta",
    "check_metric_names",
    "default_metric_names",
    "metric_names",
    "study_meta",
]

METRIC_NAMES_KEY = "metric_names"


def default_metric_names(n: int) -> list[str]:
    """``["objective"]``, or ``["objective 0", "objective 1", ...]`` for several objectives."""
    return ["objective"] if n == 1 else [f"objective {i}" for i in range(n)]


def metric_names(attrs: Mapping[str, Any], n: int) -> list[str]:
    """The names set with ``study.set_metric_names`` (defaults when unset or malformed)."""
    names = attrs.get(METRIC_NAMES_KEY)
    if isinstance(names, Sequence) and not isinstance(names, str) and len(names) == n \
            and all(isinstance(x, str) and x for x in names):
        return list(names)
    return default_metric_names(n)


@dataclass(frozen=True)
class StudyMeta:
    """Metric names, directions, the full budget and the fidelity's name of a study."""

    names: tuple[str, ...]
    directions: tuple[Direction, ...]
    full: float | None = None
    fidelity: str | None = None

    def name(self, objective: int) -> str:
        return self.names[objective]


def study_meta(study: Any) -> StudyMeta:
    """The :class:`StudyMeta` of a :class:`~tiaocan.Study` or of anything with ``directions``
    and ``attrs`` (the dashboard's study view)."""
    attrs: Mapping[str, Any] = getattr(study, "attrs", None) or {}
    directions = tuple(study.directions)
    fidelity = attrs.get("fidelity")
    fname = fidelity.get("name") if isinstance(fidelity, Mapping) else None
    return StudyMeta(tuple(metric_names(attrs, len(directions))), directions, full_budget(attrs),
                     fname if isinstance(fname, str) else None)


def check_metric_names(names: Any, n: int) -> list[str]:
    """``names`` as a list of ``n`` distinct non-empty strings, or a ConfigError."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ConfigError(f"metric names must be a list of {n} strings (one per direction), "
                          f"received {names!r}")
    items = list(names)
    if len(items) != n or not all(isinstance(x, str) and x.strip() for x in items) \
            or len(set(items)) != n:
        raise ConfigError(f"metric names must be {n} distinct non-empty strings (one per "
                          f"direction), received {items!r}")
    return items
