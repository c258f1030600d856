"""The storage role: what is remembered about studies, trials and their learning curves.

A storage speaks JSON only. Reads are incremental: every write to a trial (and every report)
takes the next value of a per-study sequence, and :meth:`Storage.read_changes` returns what
changed after a cursor, so a client keeps a cache and never reloads a large study.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from tiaocan.trial import Direction, FrozenTrial, Report, TrialState

__all__ = ["SCHEMA_VERSION", "UNSET", "Changes", "Storage", "StudyRecord", "to_json"]

SCHEMA_VERSION = 1


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class StudyRecord:
    """A stored study: its name, directions, space (JSON), seed and attributes."""

    study_id: int
    name: str
    directions: tuple[Direction, ...]
    space: Mapping[str, Any]
    seed: int
    created_at: float
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """What changed after a cursor: whole trial rows (without reports) and new reports."""

    trials: Sequence[FrozenTrial]
    reports: Sequence[tuple[int, Report]]  # (trial_id, report)
    cursor: int


@runtime_checkable
class Storage(Protocol):
    """What every storage implements. ``tiaocan.testing.check_storage`` checks a storage."""

    url: str

    def create_study(
        self, name: str, *, directions: Sequence[Direction], space: Mapping[str, Any],
        seed: int, attrs: Mapping[str, Any],
    ) -> StudyRecord: ...

    def get_study(self, name: str) -> StudyRecord: ...

    def list_studies(self) -> list[StudyRecord]: ...

    def delete_study(self, name: str) -> None: ...

    def set_study_attrs(self, study_id: int, attrs: Mapping[str, Any]) -> None:
        """Merge ``attrs`` into the study's attributes."""

    def count_trials(self, study_id: int) -> dict[TrialState, int]: ...

    def create_trial(
        self, study_id: int, *, params: Mapping[str, Any], state: TrialState,
        budget: float | None = None, key: str | None = None,
        system_attrs: Mapping[str, Any] | None = None, expect_number: int | None = None,
    ) -> FrozenTrial:
        """Create the study's next trial (numbers are dense and unique).

        With ``expect_number``, only if the next number is that one: a proposal drawn for
        trial k (from the generator of k, with trials < k as its history) is stored as k or
        not at all, so workers asking at the same moment never store the same draw.

        Raises:
            DuplicateTrialKeyError: ``key`` is already used by a trial of the study.
            TrialNumberTakenError: the next number is not ``expect_number``.
        """

    def update_trial(
        self, trial_id: int, *, expect: Sequence[TrialState] | None = None,
        expect_budget: float | None = UNSET, state: TrialState = UNSET, values: tuple[float, ...] | None = UNSET,
        budget: float | None = UNSET, error: str | None = UNSET,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
    ) -> bool:
        """Change a trial; attrs are merged. With ``expect`` (and ``expect_budget``), only if
        its state is one of them (and its budget is that one): a compare-and-set, so two
        workers never both claim, promote or fail the same trial. Returns whether it changed."""

    def add_report(self, trial_id: int, step: float, values: tuple[float, ...]) -> None: ...

    def heartbeat(self, trial_id: int) -> None:
        """Record that the trial's worker is alive (does not count as a change), on the
        storage's own clock (the database server's), never the worker's."""

    def stale_trials(self, study_id: int, grace: float) -> list[int]:
        """Ids of RUNNING trials silent for more than ``grace`` seconds of the storage's clock."""

    def read_changes(self, study_id: int, cursor: int) -> Changes: ...

    def close(self) -> None: ...


def to_json(obj: Any) -> str:
    """Strict JSON (NaN and infinities become null; sets and tuples become lists)."""
    return json.dumps(_clean(obj), allow_nan=False, separators=(",", ":"))


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:
        return _clean(obj.item())
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    raise TypeError(f"value {obj!r} of type {type(obj).__name__} is not JSON-serialisable")
