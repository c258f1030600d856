"""When workers die or come back late: heartbeats, lost workers, retries and late results.

A running trial's worker writes a heartbeat every ``heartbeat_interval`` seconds, on the
storage's clock (the database server's), so hosts with skewed clocks never fail each other's
trials. A trial is declared lost when its worker is silent for ``heartbeat_grace`` seconds, or
at once when the executor sees the worker's process (or Dask worker) end. A lost trial is
failed and its configuration queued again; the retry runs without spending a ticket of
``n_trials``, so asking for 100 trials gives 100 finished configurations. A worker declared
lost that comes back (a paused process, a stalled database) and reports its result never
raises: the result is kept, and the retry is cancelled if it has not started.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from tiaocan.errors import DuplicateTrialKeyError
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["Heartbeat", "fail_stale_trials", "is_retry", "keep_late_result", "queue_retry",
           "worker_lost"]

log = logging.getLogger("tiaocan")


def is_retry(trial: FrozenTrial) -> bool:
    """Whether ``trial`` re-runs the configuration of a failed or lost trial."""
    return "retry_of" in trial.system_attrs


def queue_retry(study: Study, record: FrozenTrial, *, force: bool = False,
                lost: bool = False) -> FrozenTrial | None:
    """Queue ``record``'s configuration to run again (WAITING), if its attempts allow.

    ``lost``: the worker died, not the objective; such a trial is retried at least once even
    when ``max_retries`` is 0 (a crashed machine is not the configuration's fault).
    """
    root = int(record.system_attrs.get("retry_of", record.number))
    attempt = int(record.system_attrs.get("attempt", 0)) + 1
    allowed = max(study.max_retries, 1) if lost else study.max_retries
    if not force and attempt > allowed:
        return None
    try:
        return study.storage.create_trial(
            study.study_id, params=record.params, state=TrialState.WAITING, budget=record.budget,
            key=f"retry:{root}:{attempt}", system_attrs={"retry_of": root, "attempt": attempt})
    except DuplicateTrialKeyError:
        return None  # another worker queued this retry already


def _fail_lost(study: Study, trial_ids: list[int], message: str, why: dict[str, Any]) -> list[int]:
    """Fail the RUNNING trials among ``trial_ids`` (compare-and-set) and queue their retries."""
    failed = [tid for tid in trial_ids if study.storage.update_trial(
        tid, expect=[TrialState.RUNNING], state=TrialState.FAILED, error=message, system_attrs=why)]
    if failed:
        by_id = {t.trial_id: t for t in study.history().trials}
        for trial_id in failed:
            log.warning("trial %d of %r failed: %s", by_id[trial_id].number, study.name, message)
            queue_retry(study, by_id[trial_id], lost=True)
    return failed


def fail_stale_trials(study: Study, force: bool = False) -> list[int]:
    """Fail RUNNING trials whose worker stopped sending heartbeats (and queue their retries)."""
    if not study._check_stale:
        return []  # workers on a simulated clock send no heartbeats and cannot die alone
    now = time.monotonic()  # only throttles the check; staleness is the storage's clock
    if not force and now - study._last_stale_check < study.heartbeat_interval:
        return []
    study._last_stale_check = now
    stale = study.storage.stale_trials(study.study_id, study.heartbeat_grace)
    message = f"worker lost: no heartbeat for more than {study.heartbeat_grace:g} s"
    return _fail_lost(study, stale, message, {"stale": True})


def worker_lost(study: Study, tag: str, reason: str) -> list[int]:
    """Fail the trials that the worker ``tag`` was running (its process or task ended).

    Called by executors that see their workers end (processes, Dask), so a crash costs the
    time to notice it, not the heartbeat grace. Returns the ids of the trials failed.
    """
    running = [t.trial_id for t in study.history().trials if t.state is TrialState.RUNNING
               and (t.system_attrs.get("worker") or {}).get("tag") == tag]
    return _fail_lost(study, running, f"worker lost: {reason}", {"lost": True})


def keep_late_result(study: Study, record: FrozenTrial, state: TrialState,
                     values: tuple[float, ...] | None, error: str | None) -> TrialState:
    """Store the outcome of a trial that was declared lost while its worker still ran it.

    If its retry has not started, the retry is cancelled and the trial gets its result;
    otherwise the result is kept beside the failed trial (``system_attrs["late_result"]``).
    Returns the state the trial ends in.
    """
    trials = study.history().trials
    current = trials[record.number]
    retry = next((t for t in trials if t.system_attrs.get("retry_of") ==
                  record.system_attrs.get("retry_of", record.number)
                  and t.system_attrs.get("attempt") == record.system_attrs.get("attempt", 0) + 1), None)
    late = {"state": state.value, "values": list(values) if values is not None else None}
    if current.state is TrialState.FAILED and (retry is None or study.storage.update_trial(
            retry.trial_id, expect=[TrialState.WAITING], state=TrialState.FAILED,
            error=f"cancelled: the late result of trial {record.number} arrived",
            system_attrs={"cancelled": True})) and study.storage.update_trial(
            record.trial_id, expect=[TrialState.FAILED], state=state, values=values, error=error,
            system_attrs={"late_result": late}):
        log.warning("trial %d of %r: its worker came back after being declared lost; its result "
                    "is kept%s", record.number, study.name,
                    f" and its retry (trial {retry.number}) cancelled" if retry else "")
        return state
    study.storage.update_trial(record.trial_id, system_attrs={"late_result": late})
    log.warning("trial %d of %r: its worker came back after the trial was %s; the late result "
                "is kept in system_attrs['late_result']", record.number, study.name, current.state.value)
    return current.state


class Heartbeat:
    """A thread that tells the storage, every ``heartbeat_interval``, that a trial is alive."""

    def __init__(self, study: Study, trial_id: int) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(study, trial_id), daemon=True)
        self._thread.start()

    def _beat(self, study: Study, trial_id: int) -> None:
        while not self._stop.wait(study.heartbeat_interval):
            try:
                study.storage.heartbeat(trial_id)
            except Exception:  # a missed beat is retried at the next interval
                log.debug("heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
