"""Trackers: objects a study carries that hear about every finished trial.

A tracker implements one method, ``on_trial_complete(study, trial)`` (called in the process
that ran the trial, after its outcome is stored, for complete, pruned and failed trials).
``export(study, tracker)`` replays a finished study through a tracker after the fact, which
is also the way to export studies run by worker processes.

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
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tiaocan.trial import FrozenTrial

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["Tracker", "export", "notify"]

log = logging.getLogger("tiaocan")


@runtime_checkable
class Tracker(Protocol):
    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None: ...


def notify(study: Study, record: FrozenTrial) -> None:
    """Tell the study's trackers about a trial that just finished; a tracker error is logged,
    never raised (tracking must not fail a study)."""
    trackers: list[Any] = getattr(study, "trackers", None) or []
    if not trackers:
        return
    trial = study.history().trials[record.number]
    if not trial.state.is_finished:
        return
    for tracker in trackers:
        try:
            tracker.on_trial_complete(study, trial)
        except Exception as exc:  # noqa: BLE001 - a broken exporter must not stop the study
            log.warning("tracker %s failed on trial %d: %s", type(tracker).__name__, trial.number, exc)


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
