"""Conformance suite for storages: what every storage (built-in or yours) must do.

>>> from tiaocan.storage import InMemoryStorage
>>> check_storage(InMemoryStorage)
"""

from __future__ import annotations

from collections.abc import Callable

from tiaocan.errors import (
    DuplicateStudyError,
    DuplicateTrialKeyError,
    StaleStudyError,
    StudyNotFoundError,
)
from tiaocan.storage.base import Storage
from tiaocan.storage.cache import TrialCache
from tiaocan.trial import Direction, TrialState

__all__ = ["check_storage"]

_SPACE = {"params": [{"name": "x", "type": "float", "low": 0.0, "high": 1.0, "log": False,
                      "step": None}]}


def _fail(message: str) -> None:
    raise AssertionError(f"check_storage: {message}")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        _fail(message)


def check_storage(make_storage: Callable[[], Storage]) -> None:
    """Run every check on fresh storages from ``make_storage``; raises AssertionError."""
    for check in (_check_studies, _check_trials, _check_cas_and_keys, _check_reports_and_changes,
                  _check_heartbeats, _check_delete):
        storage = make_storage()
        try:
            check(storage)
        finally:
            storage.close()


def _new_study(storage: Storage, name: str = "conformance") -> int:
    return storage.create_study(name, directions=[Direction.MINIMIZE, Direction.MAXIMIZE],
                                space=_SPACE, seed=7, attrs={"a": 1}).study_id


def _check_studies(storage: Storage) -> None:
    record = storage.create_study("s1", directions=[Direction.MAXIMIZE], space=_SPACE, seed=3,
                                  attrs={"note": "héllo <b>"})
    got = storage.get_study("s1")
    _expect(got == record, f"get_study returned {got!r}, created {record!r}")
    _expect(got.directions == (Direction.MAXIMIZE,) and got.seed == 3 and got.space == _SPACE,
            "study fields do not round-trip")
    try:
        storage.create_study("s1", directions=[Direction.MINIMIZE], space=_SPACE, seed=0, attrs={})
        _fail("a duplicate study name was accepted")
    except DuplicateStudyError:
        pass
    try:
        storage.get_study("missing")
        _fail("get_study of an unknown name did not raise StudyNotFoundError")
    except StudyNotFoundError:
        pass
    storage.set_study_attrs(record.study_id, {"b": [1, 2], "note": "changed"})
    attrs = storage.get_study("s1").attrs
    _expect(attrs == {"note": "changed", "b": [1, 2]}, f"attrs were not merged: {attrs!r}")
    storage.create_study("s2", directions=[Direction.MINIMIZE], space=_SPACE, seed=0, attrs={})
    names = [s.name for s in storage.list_studies()]
    _expect(sorted(names) == ["s1", "s2"], f"list_studies returned {names}")


def _check_trials(storage: Storage) -> None:
    sid = _new_study(storage)
    params = {"x": 0.25, "name": "a\u00e9\"'<>", "n": 3, "flag": True, "none": None}
    made = [storage.create_trial(sid, params=params, state=TrialState.RUNNING) for _ in range(5)]
    _expect([t.number for t in made] == list(range(5)), f"numbers are {[t.number for t in made]}")
    _expect(len({t.trial_id for t in made}) == 5, "trial ids are not unique")
    _expect(len({t.seed for t in made}) == 5, "per-trial seeds repeat")
    _expect(dict(made[0].params) == params, f"params did not round-trip: {made[0].params!r}")
    other = _new_study(storage, "other")
    _expect(storage.create_trial(other, params={}, state=TrialState.WAITING).number == 0,
            "numbers are not per study")
    ok = storage.update_trial(made[1].trial_id, state=TrialState.COMPLETE, values=(1.5, -2.0),
                              user_attrs={"u": 1}, system_attrs={"s": {"k": [1]}})
    _expect(ok, "update_trial without expect returned False")
    storage.update_trial(made[1].trial_id, user_attrs={"v": 2})
    trials = TrialCache(storage, sid).refresh()
    t1 = trials[1]
    _expect(t1.state is TrialState.COMPLETE and t1.values == (1.5, -2.0), f"update lost: {t1!r}")
    _expect(dict(t1.user_attrs) == {"u": 1, "v": 2}, f"user attrs not merged: {t1.user_attrs!r}")
    _expect(t1.completed_at is not None, "completed_at not set on a finished trial")
    counts = storage.count_trials(sid)
    _expect(counts[TrialState.RUNNING] == 4 and counts[TrialState.COMPLETE] == 1,
            f"count_trials returned {counts}")


def _check_cas_and_keys(storage: Storage) -> None:
    sid = _new_study(storage)
    t = storage.create_trial(sid, params={"x": 0.1}, state=TrialState.WAITING, key="grid:0")
    _expect(storage.update_trial(t.trial_id, expect=[TrialState.WAITING], state=TrialState.RUNNING),
            "compare-and-set from the right state failed")
    _expect(not storage.update_trial(t.trial_id, expect=[TrialState.WAITING], state=TrialState.RUNNING),
            "compare-and-set from the wrong state succeeded")
    try:
        storage.create_trial(sid, params={"x": 0.2}, state=TrialState.RUNNING, key="grid:0")
        _fail("a duplicate trial key was accepted")
    except DuplicateTrialKeyError:
        pass
    nxt = storage.create_trial(sid, params={"x": 0.2}, state=TrialState.RUNNING, key="grid:1")
    _expect(nxt.number == 1, f"a refused key consumed a number: next number is {nxt.number}")
    storage.update_trial(nxt.trial_id, state=TrialState.COMPLETE, values=(0.0, 0.0), budget=3)
    _expect(not storage.update_trial(nxt.trial_id, expect=[TrialState.COMPLETE], expect_budget=1,
                                     state=TrialState.RUNNING, budget=9),
            "compare-and-set on a stale budget succeeded (a double promotion)")
    _expect(storage.update_trial(nxt.trial_id, expect=[TrialState.COMPLETE], expect_budget=3,
                                 state=TrialState.RUNNING, budget=9),
            "compare-and-set on the current budget failed")


def _check_reports_and_changes(storage: Storage) -> None:
    sid = _new_study(storage)
    cache = TrialCache(storage, sid)
    a = storage.create_trial(sid, params={"x": 0.1}, state=TrialState.RUNNING)
    b = storage.create_trial(sid, params={"x": 0.2}, state=TrialState.RUNNING)
    for step in (1, 2, 3):
        storage.add_report(a.trial_id, step, (1.0 / step, 0.0))
    first = cache.refresh()
    _expect([r.step for r in first[0].reports] == [1, 2, 3], f"reports: {first[0].reports!r}")
    _expect(first[0].reports[1].values == (0.5, 0.0), "report values did not round-trip")
    changes = storage.read_changes(sid, 0)
    cursor = changes.cursor
    _expect(len(storage.read_changes(sid, cursor).trials) == 0, "no change, yet trials were returned")
    storage.add_report(b.trial_id, 1, (9.0, 1.0))
    delta = storage.read_changes(sid, cursor)
    _expect([t.number for t in delta.trials] == [1], f"changed trials: {[t.number for t in delta.trials]}")
    _expect(len(delta.reports) == 1, f"new reports: {delta.reports!r}")
    second = cache.refresh()
    _expect(len(second[0].reports) == 3 and len(second[1].reports) == 1, "cache lost reports")


def _check_heartbeats(storage: Storage) -> None:
    sid = _new_study(storage)
    t = storage.create_trial(sid, params={"x": 0.1}, state=TrialState.RUNNING)
    _expect(storage.stale_trials(sid, 60.0) == [], "a fresh trial is stale")
    # a negative grace asks for trials silent since a minute in the future: every running one
    _expect(storage.stale_trials(sid, -60.0) == [t.trial_id], "a silent trial is not stale")
    storage.heartbeat(t.trial_id)
    _expect(storage.stale_trials(sid, 60.0) == [], "a trial is stale right after its heartbeat")
    storage.update_trial(t.trial_id, state=TrialState.COMPLETE, values=(0.0, 0.0))
    _expect(storage.stale_trials(sid, -60.0) == [], "a finished trial is stale")


def _check_delete(storage: Storage) -> None:
    sid = _new_study(storage)
    t = storage.create_trial(sid, params={"x": 0.1}, state=TrialState.RUNNING)
    storage.add_report(t.trial_id, 1, (0.0, 0.0))
    storage.delete_study("conformance")
    try:
        storage.get_study("conformance")
        _fail("a deleted study is still there")
    except StudyNotFoundError:
        pass
    sid2 = _new_study(storage)
    _expect(TrialCache(storage, sid2).refresh() == [], "a re-created study inherited trials")
    t2 = storage.create_trial(sid2, params={"x": 0.2}, state=TrialState.RUNNING)
    _expect(sid2 != sid and t2.trial_id != t.trial_id,
            "ids were reused: a handle kept across a deletion would write into the new study")
    for write in (lambda: storage.update_trial(t.trial_id, state=TrialState.COMPLETE, values=(1.0,)),
                  lambda: storage.add_report(t.trial_id, 2, (0.0,)),
                  lambda: storage.create_trial(sid, params={"x": 0.3}, state=TrialState.RUNNING)):
        try:
            write()
            _fail("a write through a deleted study's ids did not raise StaleStudyError")
        except StaleStudyError:
            pass
    _expect([x.state for x in TrialCache(storage, sid2).refresh()] == [TrialState.RUNNING],
            "a write through a deleted study's ids changed the new study")
