"""Executors on this machine: inline, threads, and processes."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import socket
import threading
import traceback
from multiprocessing.connection import wait
from collections.abc import Callable
from typing import Any

from tiaocan.errors import ConfigError, TiaocanError
from tiaocan.executors.base import LocalTickets, RealClock, check_stop, on_interrupt, request_stop

__all__ = ["InlineExecutor", "ProcessExecutor", "ThreadExecutor"]


class _InProcess:
    """Workers in this process, on wall-clock time, sharing tickets through a lock."""

    separate_processes = False
    needs_heartbeat = True

    def __init__(self) -> None:
        self.clock = RealClock()

    def tickets(self, limit: int | None) -> LocalTickets:
        return LocalTickets(limit)


class InlineExecutor(_InProcess):
    """One worker, in the calling thread."""

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        if n_workers != 1:
            raise ConfigError(f"InlineExecutor runs 1 worker, received n_workers={n_workers}")
        worker(0)


class ThreadExecutor(_InProcess):
    """Workers as threads of this process (objectives that release the GIL, in-memory studies)."""

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        errors: list[BaseException] = []

        def target(i: int) -> None:
            try:
                worker(i)
            except BaseException as exc:  # re-raised in the caller's thread below
                errors.append(exc)

        threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n_workers)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.1)
                    check_stop()  # Ctrl-C whose KeyboardInterrupt was lost
        except KeyboardInterrupt:  # the other threads claim no trial after this
            request_stop()
            raise
        if errors:
            raise errors[0]


class _ProcessTickets:
    def __init__(self, ctx: Any, limit: int | None) -> None:
        self._unlimited = limit is None
        self._left = ctx.Value("q", 0 if limit is None else limit)

    def take(self) -> bool:
        if self._unlimited:
            return True
        with self._left.get_lock():
            if self._left.value <= 0:
                return False
            self._left.value -= 1
            return True

    def give_back(self) -> None:
        if not self._unlimited:
            with self._left.get_lock():
                self._left.value += 1


class ProcessExecutor:
    """Workers as separate processes on this machine, each talking to the storage.

    Processes are forked where the platform allows (the objective needs not be importable);
    a worker that dies (even by SIGKILL) loses nothing: this process sees it end, fails its
    trial at once, queues the configuration again and starts a replacement worker.
    """

    separate_processes = True
    needs_heartbeat = True
    #: set by ``optimize``: fails the trials of a worker that ended (see executors.base)
    on_worker_lost: Callable[[str, str], list[int]] | None = None
    #: set by ``optimize``: after Ctrl-C, gives back the trials of a worker it had to terminate
    on_worker_interrupted: Callable[[str], None] | None = None

    def __init__(self, start_method: str | None = None, interrupt_grace: float = 30.0) -> None:
        """``interrupt_grace``: seconds a worker has, after Ctrl-C, to give its trials back
        before it is terminated (and they are given back from this process)."""
        if isinstance(interrupt_grace, bool) or not isinstance(interrupt_grace, (int, float)) \
                or not interrupt_grace >= 0:
            raise ConfigError("interrupt_grace must be a number of seconds >= 0, "
                              f"received {interrupt_grace!r}")
        self.clock = RealClock()
        self.interrupt_grace = float(interrupt_grace)
        methods = mp.get_all_start_methods()
        self.start_method = start_method or ("fork" if "fork" in methods else "spawn")
        self._ctx: Any = mp.get_context(self.start_method)
        self.pids: list[int] = []

    def tickets(self, limit: int | None) -> _ProcessTickets:
        return _ProcessTickets(self._ctx, limit)

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        errors = self._ctx.Queue()
        procs = [self._start(worker, i, errors) for i in range(n_workers)]
        self.pids = [p.pid for p in procs if p.pid is not None]
        try:
            self._watch(procs, worker, errors)
        except KeyboardInterrupt:
            for p in procs:  # the children clean up their running trials, then exit
                if p.is_alive() and p.pid is not None:
                    os.kill(p.pid, signal.SIGINT)
            for p in procs:
                p.join(self.interrupt_grace)
                if p.is_alive():  # stuck: its trials are given back from here once it is gone
                    p.terminate()
                    p.join(10)
                    if self.on_worker_interrupted is not None:
                        self.on_worker_interrupted(f"{socket.gethostname()}:{p.pid}")
            raise
        failures = []
        while not errors.empty():
            failures.append(errors.get())
        for _, error in failures:  # a tiaocan error (a deleted study...) is already one clear line
            if error is not None:
                raise error
        if failures:
            raise TiaocanError(f"{len(failures)} worker(s) failed; the first:\n{failures[0][0]}")

    def _start(self, worker: Callable[[int], None], index: int, errors: Any) -> Any:
        proc = self._ctx.Process(target=_child, args=(worker, index, errors), daemon=False)
        proc.start()
        return proc

    def _watch(self, procs: list[Any], worker: Callable[[int], None], errors: Any) -> None:
        """Wait for the workers; one killed by a signal has its trials failed at once (not
        after the heartbeat grace) and, if it was running one, a replacement."""
        host = socket.gethostname()
        while True:
            check_stop()  # Ctrl-C whose KeyboardInterrupt was lost (see request_stop)
            # One reading of who is alive: reading exitcode twice, a worker that ended in
            # between left an empty list, and wait([]) never returns.
            alive = [p for p in procs if p.exitcode is None]
            if not alive:
                break
            # with a timeout: a sentinel stays silent while another process holds a copy of
            # its pipe, whereas the exit code (waitpid) is there as soon as the worker died
            wait([p.sentinel for p in alive], timeout=0.5)
            for i, p in enumerate(procs):
                if p.exitcode is None or p.exitcode >= 0 or getattr(p, "_tiaocan_seen", False):
                    continue
                p._tiaocan_seen = True
                lost = self.on_worker_lost
                reason = f"its process {p.pid} was killed by signal {-p.exitcode}"
                if lost is not None and lost(f"{host}:{p.pid}", reason):
                    procs[i] = self._start(worker, i, errors)
                    self.pids.append(procs[i].pid)


def _child(worker: Callable[[int], None], index: int, errors: Any) -> None:
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a process started deaf stays so
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        worker(index)
    except KeyboardInterrupt:
        pass
    except BaseException as exc:
        errors.put((traceback.format_exc(), _portable(exc) if isinstance(exc, TiaocanError) else None))
        raise SystemExit(1) from None


def _portable(exc: BaseException) -> BaseException | None:
    """``exc`` if it survives pickling to the parent (the queue drops what does not, silently)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return None
    exc.__traceback__ = None
    return exc
