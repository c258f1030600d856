"""A client-side view of one study's trials, kept current with incremental reads."""

from __future__ import annotations

import threading
from dataclasses import replace

from tiaocan.storage.base import Storage
from tiaocan.trial import FrozenTrial, Report

__all__ = ["TrialCache"]


class TrialCache:
    """All trials of a study, refreshed from the storage with what changed since last time."""

    def __init__(self, storage: Storage, study_id: int) -> None:
        self._storage = storage
        self._study_id = study_id
        self._cursor = 0
        self._by_id: dict[int, FrozenTrial] = {}
        self._by_number: list[FrozenTrial | None] = []
        self._reports: dict[int, list[Report]] = {}
        self._lock = threading.Lock()

    def refresh(self) -> list[FrozenTrial]:
        """Read what changed and return every trial, ordered by number."""
        with self._lock:
            changes = self._storage.read_changes(self._study_id, self._cursor)
            for trial_id, report in changes.reports:
                self._reports.setdefault(trial_id, []).append(report)
            touched = {t.trial_id for t in changes.trials} | {tid for tid, _ in changes.reports}
            for trial in changes.trials:
                self._by_id[trial.trial_id] = trial
            for trial_id in touched:
                trial = self._by_id.get(trial_id)
                if trial is None:  # its row arrives with a later read
                    continue
                trial = replace(trial, reports=tuple(self._reports.get(trial_id, ())))
                self._by_id[trial_id] = trial
                while len(self._by_number) <= trial.number:
                    self._by_number.append(None)
                self._by_number[trial.number] = trial
            self._cursor = changes.cursor
            return [t for t in self._by_number if t is not None]
