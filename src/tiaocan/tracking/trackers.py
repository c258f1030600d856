"""Trackers: objects a study carries that hear about every finished trial.

A tracker implements one method, ``on_trial_complete(study, trial)``, called after a trial's
outcome is stored, for complete, pruned and failed trials (again for a promoted trial each
time it finishes at a larger budget). When ``optimize`` runs its trials in other processes
(local processes, Dask), those hold no trackers: the process that called ``optimize`` reads
the trials from the storage as they finish and calls its trackers itself (:class:`Relay`), so a
tracker hears about every trial wherever it ran, once. ``export(study, tracker)`` replays a
study through a tracker after the fact.

>>> class Printer:
...     def on_trial_complete(self, study, trial):
...         print(trial.number, trial.state.value)
>>> import tiaocan as tc
>>> s = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
>>> s.add_tracker(Printer())
>>> s.optimize(lambda t: t.params["x"], n_trials=2)
0 complete
1 complete
"""

from __future__ import annotations

import logging
import threading
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tiaocan.trial import FrozenTrial

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["Relay", "Tracker", "export", "notify"]

log = logging.getLogger("tiaocan")


@runtime_checkable
class Tracker(Protocol):
    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None: ...


# Per study object: the finished-trial events its trackers were told about, so a trial seen
# both by the process that ran it and by a Relay is sent once.
_SENT: weakref.WeakKeyDictionary[Any, set[tuple[Any, ...]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _event(trial: FrozenTrial) -> tuple[Any, ...]:
    """One finishing of a trial (a promoted trial finishes once per budget)."""
    return (trial.number, trial.state.value, trial.budget, trial.completed_at)


def notify(study: Study, record: FrozenTrial) -> None:
    """Tell the study's trackers about a trial that just finished; a tracker error is logged,
    never raised (tracking must not fail a study)."""
    trackers: list[Any] = getattr(study, "trackers", None) or []
    if not trackers:
        return
    trial = study.history().trials[record.number]
    if trial.state.is_finished:
        _send(study, trial, study)


def _send(study: Study, trial: FrozenTrial, shown: Study) -> None:
    """Call ``study``'s trackers with (``shown``, ``trial``) unless this event was sent."""
    with _LOCK:
        sent = _SENT.setdefault(study, set())
        if _event(trial) in sent:
            return
        sent.add(_event(trial))
        for tracker in list(getattr(study, "trackers", None) or []):
            try:
                tracker.on_trial_complete(shown, trial)
            except Exception as exc:  # noqa: BLE001 - a broken exporter must not stop the study
                log.warning("tracker %s failed on trial %d: %s", type(tracker).__name__,
                            trial.number, exc)


class Relay:
    """While workers in other processes run a study's trials, call the study's trackers here
    for each trial the storage shows finished (polled every ``interval`` seconds, and once
    more on exit, so none is missed). Trials finished before it started are not sent.

    >>> # with Relay(study): executor.run(worker, n_workers)
    """

    def __init__(self, study: Study, interval: float = 0.5, enabled: bool = True) -> None:
        self.study = study
        self.interval = interval
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: Study | None = None
        self._before: set[tuple[Any, ...]] = set()

    def __enter__(self) -> Relay:
        if self.enabled and getattr(self.study, "trackers", None):
            self._reader = self.study.reopen()  # its own connection, for the polling thread
            self._before = {_event(t) for t in self._reader.trials if t.state.is_finished}
            self._thread = threading.Thread(target=self._run, name="tiaocan-tracker-relay",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.poll()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - a failed read is retried at the next interval
                log.debug("tracker relay: reading the storage failed", exc_info=True)

    def poll(self) -> int:
        """Send the trials finished since the relay started that were not sent yet; returns
        how many finished trials it looked at."""
        if self._reader is None:
            return 0
        new = [t for t in self._reader.trials
               if t.state.is_finished and _event(t) not in self._before]
        for trial in new:
            _send(self.study, trial, self._reader)
        return len(new)


def export(study: Study, tracker: Tracker) -> int:
    """Send every finished trial of a study to a tracker; returns how many were sent."""
    sent = 0
    for trial in study.trials:
        if trial.state.is_finished:
            tracker.on_trial_complete(study, trial)
            sent += 1
    close = getattr(tracker, "close", None)
    if callable(close):
        close()
    return sent
