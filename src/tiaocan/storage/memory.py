"""In-memory storage: for tests, notebooks and throw-away studies (lost at exit)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tiaocan.errors import (
    DuplicateStudyError,
    DuplicateTrialKeyError,
    StaleStudyError,
    StudyNotFoundError,
    TrialNumberTakenError,
)
from tiaocan.seeding import trial_seed
from tiaocan.storage.base import UNSET, Changes, StudyRecord, to_json


def _copy(obj: Any) -> Any:
    """A JSON round trip: the same checks and the same values as the SQL storage."""
    return json.loads(to_json(obj))
from tiaocan.trial import Direction, FrozenTrial, Report, TrialState

__all__ = ["InMemoryStorage"]


@dataclass
class _StudyData:
    record: StudyRecord
    trials: list[FrozenTrial] = field(default_factory=list)
    # One entry per change, so the change with sequence number s is log[s - 1]:
    # (trial number, the report it added or None).
    log: list[tuple[int, Report | None]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    heartbeats: dict[int, float] = field(default_factory=dict)


class InMemoryStorage:
    """A storage that lives in this process (thread-safe)."""

    url = ":memory:"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[str, _StudyData] = {}
        self._by_id: dict[int, _StudyData] = {}
        self._trial_index: dict[int, tuple[_StudyData, int]] = {}
        self._next_study_id = 1
        self._next_trial_id = 1

    def create_study(
        self, name: str, *, directions: Sequence[Direction], space: Mapping[str, Any],
        seed: int, attrs: Mapping[str, Any],
    ) -> StudyRecord:
        attrs = _copy(attrs)
        with self._lock:
            if name in self._studies:
                raise DuplicateStudyError(f"a study named {name!r} already exists in {self.url}")
            record = StudyRecord(self._next_study_id, name, tuple(directions),
                                 _copy(space), int(seed), time.time(), attrs)
            self._next_study_id += 1
            data = _StudyData(record)
            self._studies[name] = data
            self._by_id[record.study_id] = data
            return record

    def get_study(self, name: str) -> StudyRecord:
        with self._lock:
            if name not in self._studies:
                raise StudyNotFoundError(f"no study named {name!r} in {self.url}")
            return self._studies[name].record

    def list_studies(self) -> list[StudyRecord]:
        with self._lock:
            return [d.record for d in self._studies.values()]

    def delete_study(self, name: str) -> None:
        with self._lock:
            data = self._studies.pop(name, None)
            if data is None:
                raise StudyNotFoundError(f"no study named {name!r} in {self.url}")
            del self._by_id[data.record.study_id]
            for t in data.trials:
                self._trial_index.pop(t.trial_id, None)

    def set_study_attrs(self, study_id: int, attrs: Mapping[str, Any]) -> None:
        attrs = _copy(attrs)
        with self._lock:
            data = self._study(study_id)
            merged = {**data.record.attrs, **attrs}
            data.record = replace(data.record, attrs=merged)

    def update_space(self, study_id: int,
                     merge: Callable[[Mapping[str, Any]], Mapping[str, Any] | None]) -> Mapping[str, Any]:
        """Replace the study's space by ``merge(stored space)`` atomically (None: unchanged)."""
        with self._lock:
            data = self._study(study_id)
            new = merge(_copy(data.record.space))
            if new is None:
                return data.record.space
            data.record = replace(data.record, space=_copy(new))
            return data.record.space

    def count_trials(self, study_id: int) -> dict[TrialState, int]:
        with self._lock:
            counts = dict.fromkeys(TrialState, 0)
            for t in self._study(study_id).trials:
                counts[t.state] += 1
            return counts

    def create_trial(
        self, study_id: int, *, params: Mapping[str, Any], state: TrialState,
        budget: float | None = None, key: str | None = None,
        system_attrs: Mapping[str, Any] | None = None, expect_number: int | None = None,
    ) -> FrozenTrial:
        params, system_attrs = _copy(params), _copy(system_attrs or {})
        with self._lock:
            data = self._study(study_id)
            if key is not None and key in data.keys:
                raise DuplicateTrialKeyError(f"trial key {key!r} is taken in study {study_id}")
            number = len(data.trials)
            if expect_number is not None and number != expect_number:
                raise TrialNumberTakenError(f"trial number {expect_number} is taken in study {study_id}")
            now = time.time()
            trial = FrozenTrial(
                number=number, trial_id=self._next_trial_id, state=state,
                params=params, seed=trial_seed(data.record.seed, number),
                budget=budget, key=key, system_attrs=system_attrs,
                started_at=now if state is TrialState.RUNNING else None,
            )
            self._next_trial_id += 1
            if key is not None:
                data.keys.add(key)
            data.trials.append(trial)
            data.log.append((number, None))
            data.heartbeats[trial.trial_id] = time.monotonic()
            self._trial_index[trial.trial_id] = (data, number)
            return trial

    def update_trial(
        self, trial_id: int, *, expect: Sequence[TrialState] | None = None,
        expect_budget: float | None = UNSET, state: TrialState = UNSET, values: tuple[float, ...] | None = UNSET,
        budget: float | None = UNSET, error: str | None = UNSET,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
    ) -> bool:
        user_attrs, system_attrs = _copy(user_attrs or {}), _copy(system_attrs or {})
        with self._lock:
            data, number = self._trial(trial_id)
            old = data.trials[number]
            if expect is not None and old.state not in expect:
                return False
            if expect_budget is not UNSET and old.budget != expect_budget:
                return False
            changes: dict[str, Any] = {}
            now = time.time()
            if state is not UNSET:
                changes["state"] = state
                if state is TrialState.RUNNING:
                    changes["started_at"], changes["completed_at"] = now, None
                    data.heartbeats[trial_id] = time.monotonic()
                elif state.is_finished:
                    changes["completed_at"] = now
            if values is not UNSET:
                changes["values"] = None if values is None else tuple(values)
            if budget is not UNSET:
                changes["budget"] = budget
            if error is not UNSET:
                changes["error"] = error
            if user_attrs:
                changes["user_attrs"] = {**old.user_attrs, **user_attrs}
            if system_attrs:
                changes["system_attrs"] = {**old.system_attrs, **system_attrs}
            data.trials[number] = replace(old, **changes)
            data.log.append((number, None))
            return True

    def set_trial_params(self, trial_id: int, params: Mapping[str, Any]) -> None:
        """Replace a trial's parameters (define-by-run trials add them as they ask)."""
        params = _copy(params)
        with self._lock:
            data, number = self._trial(trial_id)
            data.trials[number] = replace(data.trials[number], params=params)
            data.log.append((number, None))

    def add_report(self, trial_id: int, step: float, values: tuple[float, ...]) -> None:
        with self._lock:
            data, number = self._trial(trial_id)
            data.log.append((number, Report(step, tuple(values), time.time())))

    def heartbeat(self, trial_id: int) -> None:
        with self._lock:
            data, _ = self._trial(trial_id)
            data.heartbeats[trial_id] = time.monotonic()

    def stale_trials(self, study_id: int, grace: float) -> list[int]:
        with self._lock:
            data = self._study(study_id)
            older_than = time.monotonic() - grace  # one process: one monotonic clock
            return [t.trial_id for t in data.trials if t.state is TrialState.RUNNING
                    and data.heartbeats.get(t.trial_id, -float("inf")) < older_than]

    def read_changes(self, study_id: int, cursor: int) -> Changes:
        with self._lock:
            data = self._study(study_id)
            entries = data.log[cursor:]
            numbers = sorted({number for number, _ in entries})
            reports = [(data.trials[n].trial_id, r) for n, r in entries if r is not None]
            return Changes([data.trials[n] for n in numbers], reports, len(data.log))

    def close(self) -> None:
        pass

    def _study(self, study_id: int) -> _StudyData:
        if study_id not in self._by_id:  # ids are never reused: a deleted study's handle
            raise StaleStudyError(f"the study with id {study_id} no longer exists in {self.url}: "
                                  "it was deleted; open the study again with load_study")
        return self._by_id[study_id]

    def _trial(self, trial_id: int) -> tuple[_StudyData, int]:
        if trial_id not in self._trial_index:
            raise StaleStudyError(f"no trial with id {trial_id} in {self.url}: its study was "
                                  "deleted; open the study again with load_study")
        return self._trial_index[trial_id]
