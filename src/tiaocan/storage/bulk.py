"""Writing a whole finished study at once (imports from other tools).

On a SQL storage the study, its trials and their reports go in one transaction: an import
interrupted halfway (an error, Ctrl-C, a killed process) leaves no half study. Other storages
are written through the ordinary calls and the study is deleted again if any of them fails.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tiaocan.errors import DuplicateStudyError
from tiaocan.seeding import trial_seed
from tiaocan.storage.base import Storage, StudyRecord, to_json
from tiaocan.trial import Direction, Report, TrialState

__all__ = ["TrialRow", "write_study"]


@dataclass(frozen=True)
class TrialRow:
    """One trial to write, numbered by its position in the list."""

    state: TrialState
    params: Mapping[str, Any]
    values: tuple[float, ...] | None = None
    reports: Sequence[Report] = ()
    started_at: float | None = None
    completed_at: float | None = None
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


def write_study(storage: Storage, name: str, *, directions: Sequence[Direction],
                space: Mapping[str, Any], seed: int, attrs: Mapping[str, Any],
                trials: Sequence[TrialRow]) -> StudyRecord:
    """Create study ``name`` with ``trials``, all or nothing.

    Raises:
        DuplicateStudyError: a study of that name exists (nothing is written).
    """
    from tiaocan.storage.sql import SQLStorage

    if isinstance(storage, SQLStorage):
        _write_sql(storage, name, directions, space, seed, attrs, trials)
        return storage.get_study(name)
    return _write_calls(storage, name, directions, space, seed, attrs, trials)


def _write_sql(storage: Any, name: str, directions: Sequence[Direction], space: Mapping[str, Any],
               seed: int, attrs: Mapping[str, Any], trials: Sequence[TrialRow]) -> None:
    import sqlalchemy as sa

    from tiaocan.storage.schema import reports, studies
    from tiaocan.storage.schema import trials as trials_table

    study_row = {"name": name, "directions": to_json([d.value for d in directions]),
                 "space": to_json(space), "seed": int(seed), "attrs": to_json(attrs),
                 "created_at": time.time(), "n_trials": len(trials), "seq": 0}
    rows = [_sql_trial_row(t, number, seed) for number, t in enumerate(trials)]

    def run() -> None:
        with storage._write() as conn:
            if conn.execute(sa.select(studies.c.study_id).where(studies.c.name == name)).first():
                raise DuplicateStudyError(f"a study named {name!r} already exists in "
                                          f"{storage.url}; nothing was imported")
            study_id = conn.execute(studies.insert().values(**study_row)).inserted_primary_key[0]
            for seq, row in enumerate(rows, start=1):
                row.update(study_id=study_id, seq=seq)
            if rows:
                conn.execute(trials_table.insert(), rows)
            ids = dict(conn.execute(sa.select(trials_table.c.number, trials_table.c.trial_id)
                                    .where(trials_table.c.study_id == study_id)).all())
            seq = len(rows)
            points = []
            for number, t in enumerate(trials):
                for r in t.reports:
                    seq += 1
                    points.append({"study_id": study_id, "trial_id": ids[number], "seq": seq,
                                   "step": float(r.step), "values_": to_json(list(r.values)),
                                   "at": r.at})
            if points:
                conn.execute(reports.insert(), points)
            conn.execute(studies.update().where(studies.c.study_id == study_id).values(seq=seq))

    storage._retry(run)


def _sql_trial_row(t: TrialRow, number: int, seed: int) -> dict[str, Any]:
    return {"number": number, "state": t.state.value, "params": to_json(t.params),
            "values_": None if t.values is None else to_json(list(t.values)),
            "seed": trial_seed(int(seed), number), "budget": None, "key": None,
            "user_attrs": to_json(t.user_attrs), "system_attrs": to_json(t.system_attrs),
            "error": t.error, "started_at": t.started_at, "completed_at": t.completed_at,
            "heartbeat_at": t.completed_at or t.started_at}


def _write_calls(storage: Storage, name: str, directions: Sequence[Direction],
                 space: Mapping[str, Any], seed: int, attrs: Mapping[str, Any],
                 trials: Sequence[TrialRow]) -> StudyRecord:
    record = storage.create_study(name, directions=directions, space=space, seed=seed,
                                  attrs=attrs)
    try:
        for t in trials:
            created = storage.create_trial(record.study_id, params=t.params,
                                           state=TrialState.RUNNING, system_attrs=t.system_attrs)
            for r in t.reports:
                storage.add_report(created.trial_id, r.step, r.values)
            storage.update_trial(created.trial_id, state=t.state, values=t.values,
                                 error=t.error, user_attrs=dict(t.user_attrs) or None)
    except BaseException:
        storage.delete_study(name)  # a clean roll back: no half study
        raise
    return storage.get_study(name)
