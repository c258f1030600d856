"""A client-side view of one study's trials, kept current with incremental reads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tiaocan.errors import StorageError
from tiaocan.storage.base import Storage
from tiaocan.trial import FrozenTrial, Report, TrialState

__all__ = ["TrialCache"]


def _with_reports(trial: FrozenTrial, reports: tuple[Report, ...]) -> FrozenTrial:
    """``dataclasses.replace(trial, reports=reports)`` without re-running ``__init__``:
    a large study's first read builds 100k of these."""
    new = object.__new__(FrozenTrial)
    new.__dict__.update(trial.__dict__)
    new.__dict__["reports"] = reports
    return new


class TrialCache:
    """All trials of a study, refreshed from the storage with what changed since last time."""

    def __init__(self, storage: Storage, study_id: int,
                 check: Callable[[FrozenTrial], None] | None = None) -> None:
        self._storage = storage
        self._study_id = study_id
        self._check = check  # raises StorageError for a row that does not fit the study
        self._cursor = 0
        self._by_id: dict[int, FrozenTrial] = {}
        self._by_number: list[FrozenTrial | None] = []
        self._reports: dict[int, list[Report]] = {}
        self._holes = 0  # numbers whose row has not arrived yet
        self._waiting: set[int] = set()  # numbers of WAITING trials, so ask needs no scan
        self._lock = threading.Lock()

    def refresh(self) -> list[FrozenTrial]:
        """Read what changed and return every trial, ordered by number."""
        with self._lock:
            changes = self._storage.read_changes(self._study_id, self._cursor)
            for trial_id, report in changes.reports:
                self._reports.setdefault(trial_id, []).append(report)
            touched = {t.trial_id for t in changes.trials} | {tid for tid, _ in changes.reports}
            for trial in changes.trials:
                self._admit(trial)
                self._by_id[trial.trial_id] = trial
            for trial_id in touched:
                row = self._by_id.get(trial_id)
                if row is None:  # its row arrives with a later read
                    continue
                trial = _with_reports(row, tuple(self._reports.get(trial_id, ())))
                self._by_id[trial_id] = trial
                while len(self._by_number) <= trial.number:
                    self._by_number.append(None)
                    self._holes += 1
                if self._by_number[trial.number] is None:
                    self._holes -= 1
                self._by_number[trial.number] = trial
                if trial.state is TrialState.WAITING:
                    self._waiting.add(trial.number)
                else:
                    self._waiting.discard(trial.number)
            self._cursor = changes.cursor
            if self._holes:
                return [t for t in self._by_number if t is not None]
            return self._by_number.copy()  # type: ignore[return-value]

    def _admit(self, trial: FrozenTrial) -> None:
        # numbers are dense: one far past the trials read is a malformed row, not a gap to fill
        if not 0 <= trial.number <= len(self._by_id) + 1_000_000:
            raise StorageError(f"the database holds a malformed trial row: number {trial.number} "
                               f"in a study of {len(self._by_id)} trials")
        if self._check is not None:
            self._check(trial)

    @property
    def cursor(self) -> int:
        """The storage's change counter as of the last refresh."""
        return self._cursor

    def first_waiting(self) -> FrozenTrial | None:
        """The lowest-numbered WAITING trial as of the last refresh."""
        with self._lock:
            return self._by_number[min(self._waiting)] if self._waiting else None
