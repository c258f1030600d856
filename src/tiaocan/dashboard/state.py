"""What the dashboard remembers per study: an incremental trial cache, sorted views, plots.

Every request refreshes the study's :class:`~tiaocan.storage.TrialCache` (only what changed
since the last read travels), so a study of 100k trials is read once, then by its changes.
Sorted and filtered row orders and the plots are cached by the cache's change cursor.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from tiaocan.dashboard.filters import parse
from tiaocan.errors import ConfigError
from tiaocan.outcome import full_budget, shown_state, stopped_at
from tiaocan.space import Space
from tiaocan.storage import Storage, TrialCache
from tiaocan.storage.decode import trial_check
from tiaocan.storage.base import StudyRecord
from tiaocan.trial import FrozenTrial, TrialState
from tiaocan.viz.meta import metric_names

__all__ = ["SORT_KEYS", "StudyView", "Views", "trial_row"]

SORT_KEYS = ("number", "state", "value", "duration", "budget")
MAX_LIMIT = 500
_MAX_PLOT_CHOICES = 16


def trial_row(t: FrozenTrial, full: float | None = None) -> dict[str, Any]:
    """The JSON row of the trial table (user strings go out as data, never as markup).

    ``state`` is the state shown (``pruned`` for a trial left at a low rung, see
    :mod:`tiaocan.outcome`), ``stored_state`` the stored one, ``stopped_at`` its budget."""
    return {"number": t.number, "state": shown_state(t, full), "stored_state": t.state.value,
            "stopped_at": stopped_at(t, full),
            "values": list(t.values) if t.values is not None else None,
            "budget": t.budget, "duration": t.duration, "params": dict(t.params),
            "note": t.user_attrs.get("note"), "n_reports": len(t.reports)}


def _sort_key(column: str, space: Space, full: float | None = None) -> Any:
    if column == "number":
        return lambda t: t.number
    if column == "state":
        return lambda t: (shown_state(t, full), t.number)
    match = re.fullmatch(r"value(?:_(\d+))?", column)
    if match:
        i = int(match.group(1) or 0)
        return lambda t: (t.values is None or len(t.values) <= i,
                          t.values[i] if t.values and len(t.values) > i else 0.0, t.number)
    if column == "duration":
        return lambda t: (t.duration is None, t.duration or 0.0, t.number)
    if column == "budget":
        return lambda t: (t.budget is None, t.budget or 0.0, t.number)
    if column.startswith("param:") and column[6:] in space.names:
        name = column[6:]
        return lambda t: (name not in t.params, _comparable(t.params.get(name)), t.number)
    raise ConfigError(f"sort must be one of {list(SORT_KEYS)}, 'value_<i>' or 'param:<name>' with a name of "
                      f"{list(space.names)}, received {column!r}")


def _comparable(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool) or v is None:
        return (2, str(v))
    if isinstance(v, (int, float)):
        return (0, v if not math.isnan(v) else math.inf)
    return (1, str(v))


@dataclass
class _Cached:
    cursor: int
    value: Any
    at: float


class StudyView:
    """One study as the dashboard sees it."""

    def __init__(self, storage: Storage, record: StudyRecord) -> None:
        self.storage = storage
        self.record = record
        self.space = Space.from_json(record.space)
        self._cache = TrialCache(storage, record.study_id,  # refuses rows that do not fit
                                 check=trial_check(self.space, len(record.directions)))
        self._trials: list[FrozenTrial] = []
        self._orders: dict[tuple[Any, ...], _Cached] = {}
        self._plots: dict[Any, _Cached] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def directions(self) -> Any:
        return self.record.directions

    @property
    def attrs(self) -> Any:
        return self.record.attrs

    @property
    def full(self) -> float | None:
        """The full budget (trials finished below it were stopped early)."""
        return full_budget(self.record.attrs)

    @property
    def metric_names(self) -> list[str]:
        return metric_names(self.record.attrs, len(self.directions))

    @property
    def cursor(self) -> int:
        # the change cursor of the incremental read: it moves exactly when something changed
        return self._cache.cursor

    def refresh(self) -> list[FrozenTrial]:
        self._trials = self._cache.refresh()
        return self._trials

    def page(self, offset: int = 0, limit: int = 50, sort: str = "number", descending: bool = False,
             state: str | None = None, query: str | None = None) -> dict[str, Any]:
        """One page of the trial table, sorted and filtered on the server."""
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise ConfigError(f"limit must be in [1, {MAX_LIMIT}] and offset >= 0, received "
                              f"limit={limit!r}, offset={offset!r}")
        if state is not None and state not in {s.value for s in TrialState}:
            raise ConfigError(f"state must be one of {[s.value for s in TrialState]}, received {state!r}")
        trials = self.refresh()
        key = (sort, descending, state, (query or "").strip())
        with self._lock:
            hit = self._orders.get(key)
            if hit is None or hit.cursor != self.cursor:
                hit = _Cached(self.cursor, self._order(trials, *key), time.time())
                self._orders = {k: v for k, v in self._orders.items() if v.cursor == self.cursor}
                self._orders[key] = hit
        order: list[int] = hit.value
        full = self.full
        rows = [trial_row(trials[i], full) for i in order[offset:offset + limit]]
        return {"total": len(order), "all": len(trials), "offset": offset, "rows": rows,
                "cursor": self.cursor}

    def _order(self, trials: list[FrozenTrial], sort: str, descending: bool, state: str | None,
               query: str) -> list[int]:
        full = self.full
        flt = parse(query, list(self.space.names), self.metric_names)
        picked = [(i, t) for i, t in enumerate(trials)
                  if (state is None or shown_state(t, full) == state)
                  and (not (flt.text or flt.comparisons)
                       or flt.holds(t, lambda t: _haystack(t, full)))]
        key = _sort_key(sort, self.space, full)
        picked.sort(key=lambda it: key(it[1]), reverse=descending)
        return [i for i, _ in picked]

    def plots(self, builder: Any, min_interval: float = 2.0, key: Any = ()) -> Any:
        """``builder(trials)``'s result for the plot choice ``key``, rebuilt when trials
        changed (at most every interval)."""
        trials = self.refresh()
        with self._lock:
            hit = self._plots.get(key)
            if hit is None or (hit.cursor != self.cursor and time.time() - hit.at >= min_interval):
                hit = _Cached(self.cursor, builder(trials), time.time())
                if len(self._plots) >= _MAX_PLOT_CHOICES:  # forget the oldest choice
                    self._plots.pop(min(self._plots, key=lambda k: self._plots[k].at))
                self._plots[key] = hit
            return hit.value


def _haystack(t: FrozenTrial, full: float | None) -> str:
    parts = [str(t.number), shown_state(t, full)] + [f"{k}={v}" for k, v in t.params.items()]
    note = t.user_attrs.get("note")
    if note:
        parts.append(str(note))
    return " ".join(parts).lower()


class Views:
    """A :class:`StudyView` per study name, created on first use."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._views: dict[str, StudyView] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> StudyView:
        with self._lock:
            view = self._views.get(name)
        if view is None:
            record = self.storage.get_study(name)  # StudyNotFoundError for an unknown name
            view = StudyView(self.storage, record)
            with self._lock:
                view = self._views.setdefault(name, view)
        return view

    def record(self, name: str) -> StudyRecord:
        """The study's record with fresh attributes (notes, environments)."""
        view = self.get(name)
        view.record = self.storage.get_study(name)
        return view.record
