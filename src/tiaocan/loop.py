"""The loop: the one place where space, sampler, scheduler, storage and executor meet.

``ask`` turns the scheduler's next job and the sampler's proposal into a stored RUNNING
trial; ``tell`` (in :mod:`tiaocan.results`) stores its outcome and queues a retry of a failed
configuration;
``run_worker`` repeats ask → objective → tell until the tickets or the time run out;
``optimize`` runs workers on an executor.

Parallel workers never store the same draw: the proposal for trial k is drawn from the
generator of (study seed, k), with the trials before k (running ones as pending) as its
history, and stored only if k is still the next number (else it is drawn again for the
next one). In the deterministic mode the history of trial k is the finished trials below
k − window instead, so the study does not depend on how many workers ran it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import math
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from tiaocan import budget
from tiaocan.errors import (
    ConfigError,
    DuplicateTrialKeyError,
    GridExhaustedError,
    StaleStudyError,
    StorageError,
    TrialPruned,
)
from tiaocan.executors.base import check_stop, clear_stop, stop_flag_on_sigint, worker_tag
from tiaocan.recovery import (
    Heartbeat,
    fail_stale_trials,
    is_retry,
    keep_late_result,
    queue_retry,
    worker_lost,
)
from tiaocan.results import precheck, tell
from tiaocan.samplers.base import History, Proposal
from tiaocan.schedulers.base import Decision, JobKind
from tiaocan.seeding import sampler_rng
from tiaocan.tracking.manifest import environment, environment_id
from tiaocan.tracking.trackers import Relay
from tiaocan.tracking.trackers import notify as notify_trackers
from tiaocan.trial import FrozenTrial, Trial, TrialState, as_values

if TYPE_CHECKING:
    from tiaocan.executors.base import Clock, Executor, Tickets
    from tiaocan.study import Study

__all__ = ["TrialRuntime", "ask", "fail_stale_trials", "optimize", "run_trial", "run_worker",
           "tell"]

log = logging.getLogger("tiaocan")
Objective = Callable[[Trial], Any]
_MAX_ATTEMPTS = 1000
_MIN_POLL = 0.01  # seconds: the first wait of an idle worker


class TrialRuntime:
    """What a live :class:`~tiaocan.trial.Trial` calls back into: storage and scheduler."""

    def __init__(self, study: Study, clock: Clock | None = None) -> None:
        self.study = study
        self.clock = clock
        self._decisions: dict[int, Decision] = {}
        self.suggested: dict[int, dict[str, Any]] = {}  # trial id -> trial.suggest_* values

    @property
    def n_objectives(self) -> int:
        return len(self.study.directions)

    @property
    def study_name(self) -> str:
        return self.study.name

    def budget_of(self, record: FrozenTrial) -> Any:
        if record.budget is not None:
            return record.budget
        return self.study.fidelity.high if self.study.fidelity is not None else None

    def report(self, record: FrozenTrial, values: tuple[float, ...], step: float) -> None:
        self.study.storage.add_report(record.trial_id, step, values)
        history = self.study.history()
        current = history.trials[record.number]
        self._decisions[record.trial_id] = self.study.scheduler.on_report(current, history)

    def should_stop(self, record: FrozenTrial) -> bool:
        return self._decisions.get(record.trial_id) is Decision.STOP

    def set_user_attr(self, record: FrozenTrial, key: str, value: Any) -> None:
        self.study.storage.update_trial(record.trial_id, user_attrs={key: value})

    def forget(self, record: FrozenTrial) -> None:
        self._decisions.pop(record.trial_id, None)

    def sleep(self, seconds: float) -> None:
        """Spend ``seconds`` on the executor's clock (virtual time on a simulated executor)."""
        if self.clock is None:
            from tiaocan.executors.base import RealClock

            self.clock = RealClock()
        self.clock.sleep(seconds)


@functools.lru_cache(maxsize=4)
def _identity(pid: int) -> tuple[str, str]:
    """(environment id, host) of this process, computed once per process."""
    return environment_id(environment()), socket.gethostname()


def _worker_attrs(study: Study) -> dict[str, Any]:
    env_id, host = _identity(os.getpid())
    if env_id not in study._registered_envs:
        if f"env:{env_id}" not in study.record.attrs:
            study.storage.set_study_attrs(study.study_id, {f"env:{env_id}": environment()})
        study._registered_envs.add(env_id)
    return {"worker": {"host": host, "pid": os.getpid(), "env": env_id, "tag": worker_tag()}}


def ask(study: Study, tickets: Tickets | None = None) -> FrozenTrial | None:
    """Create (or claim) the next trial and mark it RUNNING.

    Returns None when the scheduler says to wait, when ``tickets`` allow no new trial, or
    (deterministic mode) while trials below k − window are unfinished. A queued retry is
    claimed without a ticket: a lost or failed attempt and its retry count as one trial.

    Raises:
        GridExhaustedError: the sampler has nothing left to propose.
    """
    fail_stale_trials(study)
    attrs = _worker_attrs(study)
    for _ in range(_MAX_ATTEMPTS):
        history = study.history()
        waiting = study._cache.first_waiting()
        job = None if waiting else study.scheduler.next_job(history)
        if job is not None and job.kind is JobKind.WAIT:
            return None
        if job is not None and job.kind is JobKind.RESUME:
            if job.trial_number is None:
                raise ConfigError("a RESUME job must name trial_number")
            target = history.trials[job.trial_number]
            info = {**attrs, **({"job": dict(job.info)} if job.info else {})}
            # Compare-and-set on state *and* budget: a worker whose history is stale cannot
            # promote a trial that another worker has promoted (and finished) meanwhile.
            if study.storage.update_trial(target.trial_id, expect=[TrialState.COMPLETE, TrialState.PRUNED],
                                          expect_budget=target.budget, state=TrialState.RUNNING,
                                          budget=job.budget, system_attrs=info):
                resumed: FrozenTrial = study.history().trials[target.number]
                return resumed
            continue
        if waiting is None and job.kind is JobKind.START and not _settled(study, history):
            return None  # deterministic mode: trials below k - window are still running
        counted = False
        if waiting is None or not is_retry(waiting):  # a retry needs no ticket
            if ((waiting is None and not budget.allows_new_trial(study, history))
                    or (tickets is not None and not tickets.take())):
                waiting = _waiting_retry(history)  # no ticket left: only retries may still run
                if waiting is None:
                    return None
            else:
                counted = tickets is not None
        try:
            trial = _start(study, history, waiting, job, attrs)
        except BaseException:
            if counted:
                tickets.give_back()  # type: ignore[union-attr]
            raise
        if trial is not None:
            return trial
        if counted:
            tickets.give_back()  # type: ignore[union-attr]
    raise StorageError(f"study {study.name!r}: no trial could be created after {_MAX_ATTEMPTS} tries")


def _start(study: Study, history: Any, waiting: FrozenTrial | None, job: Any,
           attrs: dict[str, Any]) -> FrozenTrial | None:
    """Claim ``waiting`` or create the trial ``job`` asks for; None if another worker won."""
    storage = study.storage
    if waiting is not None:
        if storage.update_trial(waiting.trial_id, expect=[TrialState.WAITING],
                                state=TrialState.RUNNING, system_attrs=attrs):
            return study.history().trials[waiting.number]
        return None
    info = {**attrs, **({"job": dict(job.info)} if job.info else {})}
    if job.kind is JobKind.CLONE:
        explore = getattr(study.scheduler, "explore", None)
        if job.trial_number is None or (job.params is None and not callable(explore)):
            raise ConfigError("a CLONE job must name trial_number and params (or the "
                              "scheduler must have explore(space, params, rng))")
        raw = job.params if job.params is not None else explore(  # type: ignore[misc]
            study.space, history.trials[job.trial_number].params,
            sampler_rng(study.seed, len(history.trials)))
        params = study.space.validate(raw)
        return storage.create_trial(study.study_id, params=params, state=TrialState.RUNNING,
                                    budget=job.budget,
                                    system_attrs={**info, "cloned_from": job.trial_number})
    number = len(history.trials)  # the draw is for this number and is stored as it or not at all
    seen = _sampler_history(study, history, number).with_budget(job.budget)
    space = study.refresh_space()  # define-by-run trials may have added parameters
    began = time.perf_counter()
    raw = study.sampler.sample(space, seen, sampler_rng(study.seed, number)) if len(space) else {}
    info["propose_seconds"] = time.perf_counter() - began  # the sampler's cost, for the report
    proposal = raw if isinstance(raw, Proposal) else Proposal(raw)
    try:
        params = space.validate(proposal.params)
    except ConfigError as exc:
        raise ConfigError(f"sampler {type(study.sampler).__name__} proposed an invalid "
                          f"configuration: {exc}") from None
    if proposal.info:
        info["sampler"] = dict(proposal.info)
    try:
        return storage.create_trial(study.study_id, params=params, state=TrialState.RUNNING,
                                    budget=job.budget, key=proposal.key, system_attrs=info,
                                    expect_number=number)
    except DuplicateTrialKeyError:  # also TrialNumberTakenError: another worker stored k first
        return None


def _sampler_history(study: Study, history: History, number: int) -> History:
    """What the sampler sees for trial ``number``: every earlier trial (running ones are
    pending), or, in the deterministic mode, only the finished trials below number − window."""
    trials = history.trials[:number]
    if study.window is not None:
        trials = trials[:max(0, number - study.window)]
    return History(tuple(trials), history.directions, history.study_seed, number, None,
                   history.fidelity)


def _settled(study: Study, history: History) -> bool:
    """Deterministic mode: whether every trial below (next number − window) is finished."""
    if study.window is None:
        return True
    below = history.trials[:max(0, len(history.trials) - study.window)]
    return all(t.state.is_finished for t in below)


def run_trial(study: Study, objective: Objective, record: FrozenTrial, *,
              heartbeat: bool = True, clock: Clock | None = None) -> TrialState:
    """Run the objective on one trial and store the outcome; only KeyboardInterrupt escapes.

    A worker that was declared lost meanwhile (paused past the grace) keeps its result with
    :func:`tiaocan.recovery.keep_late_result` instead of raising.
    """
    runtime = TrialRuntime(study, clock)
    beat = Heartbeat(study, record.trial_id) if heartbeat else None
    try:
        skipped = precheck(study, record)
        if skipped is not None:
            return skipped
        try:
            with _trial_logs(study, record):
                result = objective(Trial(record, runtime))
        except TrialPruned:
            last = study.history().trials[record.number].reports
            return _tell_once(study, record, runtime, last[-1].values if last else None,
                              TrialState.PRUNED)
        except KeyboardInterrupt as exc:
            _release_frames(exc)
            _interrupt(study, record)
            raise
        except (Exception, SystemExit) as exc:  # sys.exit() in an objective fails its trial only
            log.warning("trial %d failed: %s: %s", record.number, type(exc).__name__, _text(exc))
            return _tell_once(study, record, runtime, None, TrialState.FAILED, traceback.format_exc())
        return _tell_once(study, record, runtime, result)
    finally:
        if beat is not None:
            beat.stop()
        notify_trackers(study, record)


def _text(exc: BaseException) -> str:
    """str(exc), bounded, and never raising (an exception's __str__ is user code)."""
    try:
        return str(exc)[:1000]
    except Exception:
        return f"<{type(exc).__name__} whose str() raises>"


def _tell_once(study: Study, record: FrozenTrial, runtime: TrialRuntime, values: Any,
               state: TrialState | None = None, error: str | None = None) -> TrialState:
    """``tell``, or keep the result as a late one if the trial is no longer running."""
    try:
        return tell(study, record, values, state=state, error=error, runtime=runtime)
    except ConfigError:
        if study.history().trials[record.number].state is TrialState.RUNNING:
            raise
    stored = None
    if values is not None and state is not TrialState.FAILED:
        try:
            stored = as_values(values, len(study.directions))
        except (ValueError, TypeError) as exc:
            state, error = TrialState.FAILED, str(exc)
    if state is None:
        state = TrialState.COMPLETE if stored is not None else TrialState.FAILED
    return keep_late_result(study, record, state, stored, error)


def _trial_logs(study: Study, record: FrozenTrial) -> Any:
    """Tee the trial's stdout/stderr to its artifact directory when the study asks for it."""
    if not study.record.attrs.get("capture_logs"):
        return contextlib.nullcontext()
    from tiaocan.tracking.logs import capture_logs, log_dir

    return capture_logs(log_dir(study.storage, study.name, record.number))


def _interrupt(study: Study, record: FrozenTrial) -> None:
    """Ctrl-C: mark the running trial and queue its configuration to run first on resume.

    In the deterministic mode the trial itself goes back to the queue (WAITING, same number),
    so the resumed study is the one an uninterrupted run gives.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        if study.window is not None:
            study.storage.update_trial(record.trial_id, expect=[TrialState.RUNNING],
                                       state=TrialState.WAITING, system_attrs={"interrupted": True})
        elif study.storage.update_trial(record.trial_id, expect=[TrialState.RUNNING],
                                        state=TrialState.FAILED, error="interrupted (KeyboardInterrupt)",
                                        system_attrs={"interrupted": True}):
            queue_retry(study, record, force=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def run_worker(study: Study, objective: Objective, tickets: Tickets, deadline: float | None,
               executor: Executor, on_trial: Callable[[], None] | None = None) -> None:
    """Ask, run and tell until no ticket or time is left, or the grid is exhausted.

    While trials run that may still queue a retry (or, in the deterministic mode, that later
    trials wait for), the worker waits instead of leaving. Ctrl-C (wherever it lands: in
    the objective, in ``ask`` or in ``tell``) leaves none of this worker's trials RUNNING.
    """
    try:
        _work(study, objective, tickets, deadline, executor, on_trial)
    except StaleStudyError as exc:  # deleted under this worker: one line that names the study
        raise stale_run(study) from exc
    except KeyboardInterrupt as exc:
        _release_frames(exc)
        interrupt_worker(study, worker_tag())
        raise


def _release_frames(exc: BaseException) -> None:
    """Free the interrupted call's frames before writing to the storage: a KeyboardInterrupt
    that fell inside a transaction (an objective's ``trial.report``, a ``tell``) leaves it open
    in those frames, and on SQLite its write lock would block this very process."""
    exc.__traceback__ = None
    gc.collect()


def interrupt_worker(study: Study, tag: str) -> None:
    """Ctrl-C for the worker ``tag`` (this one, or one its executor had to terminate): each of
    its RUNNING trials as :func:`_interrupt` leaves it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        for t in study.history().trials:
            if t.state is TrialState.RUNNING and (t.system_attrs.get("worker") or {}).get("tag") == tag:
                _interrupt(study, t)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def stale_run(study: Study) -> StaleStudyError:
    """The one error of a run whose study was deleted (or deleted and re-created) under it."""
    from tiaocan.storage import shown_url

    return StaleStudyError(f"study {study.name!r} was deleted (or deleted and re-created) in "
                           f"{shown_url(study.storage.url)} while this run worked on it: the run "
                           "stopped and wrote nothing more; open the study again with load_study")


def _work(study: Study, objective: Objective, tickets: Tickets, deadline: float | None,
          executor: Executor, on_trial: Callable[[], None] | None) -> None:
    clock = executor.clock
    pause = _MIN_POLL
    while (deadline is None or clock.now() < deadline) and not budget.stopped(study):
        check_stop()
        try:
            record = ask(study, tickets)
        except GridExhaustedError as exc:
            log.info("study %r: %s; stopping", study.name, exc)
            return
        check_stop()  # a trial claimed after Ctrl-C goes back at once (run_worker)
        if record is None:
            if not _has_running(study) and _waiting_retry(study.history()) is None:
                return  # nothing to wait for: no new trials allowed and none running
            # a simulated clock skips to the next event instead of polling; a real one polls
            # often at first (short trials) and then every poll_interval
            getattr(clock, "idle", clock.sleep)(pause)
            pause = min(2.0 * pause, study.poll_interval)
            continue
        pause = _MIN_POLL
        run_trial(study, objective, record, heartbeat=executor.needs_heartbeat, clock=clock)
        if on_trial is not None:
            on_trial()


def _waiting_retry(history: History) -> FrozenTrial | None:
    return next((t for t in history.trials if t.state is TrialState.WAITING and is_retry(t)), None)


def _has_running(study: Study) -> bool:
    return any(t.state is TrialState.RUNNING for t in study.history().trials)


def optimize(study: Study, objective: Objective, *, n_trials: int | None, timeout: float | None,
             n_workers: int, executor: Executor | None, show_progress: bool | None) -> None:
    from tiaocan.executors import InlineExecutor, ProcessExecutor, ThreadExecutor
    from tiaocan.progress import Progress

    if not callable(objective):
        raise ConfigError(f"objective must be callable, received {objective!r}")
    _check_count("n_trials", n_trials)
    _check_count("n_workers", n_workers, allow_none=False)
    if timeout is not None and (not isinstance(timeout, (int, float)) or not timeout > 0
                                or math.isnan(timeout)):
        raise ConfigError(f"timeout must be a positive number of seconds or None, received {timeout!r}")
    if executor is None:
        if n_workers == 1:
            executor = cast("Executor", InlineExecutor())
        elif study.storage.url == ":memory:":
            executor = cast("Executor", ThreadExecutor())
        else:
            executor = cast("Executor", ProcessExecutor())
    if executor.separate_processes and study.storage.url == ":memory:":
        raise ConfigError("an in-memory study cannot be shared with worker processes; use a "
                          "'sqlite:///FILE' or 'postgresql://…' storage, or a ThreadExecutor")
    clear_stop()  # a Ctrl-C of an earlier run in this process is over
    tickets = executor.tickets(n_trials)
    deadline = executor.clock.now() + timeout if timeout is not None else None
    progress = Progress(study, n_trials, timeout, enabled=show_progress)

    on_trial = None if executor.separate_processes else progress.update
    worker = functools.partial(_worker_entry, study, objective, tickets, deadline, executor, on_trial)
    study._check_stale = executor.needs_heartbeat
    watches = hasattr(executor, "on_worker_lost")
    if watches:  # the executor fails a dead worker's trials as soon as it sees it end
        executor.on_worker_lost = functools.partial(worker_lost, study)  # type: ignore[attr-defined]
    gives_back = hasattr(executor, "on_worker_interrupted")
    if gives_back:  # ... and gives back those of one it had to terminate after Ctrl-C
        executor.on_worker_interrupted = functools.partial(interrupt_worker, study)  # type: ignore[attr-defined]
    # Workers in other processes hold no trackers: this process tells them (Relay).
    relay = Relay(study, enabled=executor.separate_processes)
    try:
        with progress, relay, stop_flag_on_sigint():
            executor.run(worker, n_workers)
            _run_queued_retries(study, objective, deadline, executor)
    except StaleStudyError as exc:
        raise stale_run(study) from exc
    finally:
        study._check_stale = True
        if watches:
            executor.on_worker_lost = None  # type: ignore[attr-defined]
        if gives_back:
            executor.on_worker_interrupted = None  # type: ignore[attr-defined]
    try:
        fail_stale_trials(study, force=True)
        relay.poll()  # trials failed just above reach the trackers too
    except StaleStudyError as exc:
        raise stale_run(study) from exc


class _NoTickets:
    """Tickets of a worker that may only run queued retries."""

    def take(self) -> bool:
        return False

    def give_back(self) -> None:
        pass


def _run_queued_retries(study: Study, objective: Objective, deadline: float | None,
                        executor: Executor) -> None:
    """Run here the retries that were queued after every worker had left (a worker lost at
    the very end), so ``optimize`` never returns with a retry of its trials waiting."""
    clock = executor.clock
    while (deadline is None or clock.now() < deadline) and _waiting_retry(study.history()):
        record = ask(study, _NoTickets())
        if record is None:
            return
        run_trial(study, objective, record, heartbeat=executor.needs_heartbeat, clock=clock)


def _worker_entry(study: Study, objective: Objective, tickets: Tickets, deadline: float | None,
                  executor: Executor, on_trial: Callable[[], None] | None, index: int) -> None:
    """One worker; picklable (a partial of module functions) for executors on other machines."""
    own = study.reopen() if executor.separate_processes else study
    run_worker(own, objective, tickets, deadline, executor, on_trial=on_trial)


def _check_count(name: str, value: Any, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        accepted = "a positive int or None" if allow_none else "a positive int"
        raise ConfigError(f"{name} must be {accepted}, received {value!r}")

