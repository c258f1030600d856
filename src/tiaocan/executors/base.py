"""The executor role: *where* workers run, and the clock they run on.

An executor runs ``n_workers`` copies of the worker loop (ask → run → tell) and returns when
all have finished. It owns the clock the loop uses for timeouts and waiting, so a simulated
executor can replace real time with virtual time without touching the loop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "Executor", "LocalTickets", "RealClock", "Tickets", "check_stop", "clear_stop",
           "on_interrupt", "request_stop", "set_worker_tag", "stop_flag_on_sigint", "worker_tag"]

_TAG = threading.local()
_STOP = threading.Event()


def request_stop() -> None:
    """Ask every worker of this process to stop before its next trial (Ctrl-C arrived).

    The flag outlives the KeyboardInterrupt itself: Python drops an exception raised while a
    finalizer runs (a weakref callback during garbage collection prints "Exception ignored
    in" and goes on), so a worker whose interrupt fell there would otherwise claim the trial a
    sibling has just given back and run it to the end.
    """
    _STOP.set()


def clear_stop() -> None:
    _STOP.clear()


def check_stop() -> None:
    """Raise the KeyboardInterrupt that Ctrl-C meant, if it was lost (see request_stop)."""
    if _STOP.is_set():
        raise KeyboardInterrupt


def on_interrupt(signum: int, frame: object) -> None:
    """SIGINT handler of a run: Python's (a KeyboardInterrupt), the stop flag set first."""
    request_stop()
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_flag_on_sigint() -> Iterator[None]:
    """While a run lasts, Ctrl-C also sets the stop flag, where SIGINT has Python's own
    handler (a handler the user installed is left alone)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def set_worker_tag(tag: str | None) -> None:
    """Name the worker running in this thread the way its executor watches it (a Dask
    worker's address), so the executor can fail its trials when it sees the worker end."""
    _TAG.value = tag


def worker_tag() -> str:
    """The executor's name for this worker: ``host:pid`` unless the executor set another."""
    tag = getattr(_TAG, "value", None)
    return tag if tag else f"{socket.gethostname()}:{os.getpid()}"


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Seconds on this clock (only differences matter)."""

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class Tickets(Protocol):
    """A shared count of new trials the workers may still start (``None``: no limit)."""

    def take(self) -> bool: ...

    def give_back(self) -> None: ...


class LocalTickets:
    """Tickets shared by the threads of one process."""

    def __init__(self, limit: int | None) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left is None:
                return True
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    def give_back(self) -> None:
        with self._lock:
            if self._left is not None:
                self._left += 1


@runtime_checkable
class Executor(Protocol):
    clock: Clock
    #: Workers run in other processes: they must reopen the storage from its URL.
    separate_processes: bool
    #: Running trials send heartbeats (not needed where no worker can die alone).
    needs_heartbeat: bool

    def tickets(self, limit: int | None) -> Tickets: ...

    # Optional: an executor that sees its workers end may have an attribute
    # ``on_worker_lost``; ``optimize`` sets it to a function ``(tag, reason) -> trial ids``
    # that fails the trials of the worker ``tag`` (see :func:`worker_tag`) and queues retries.

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        """Run ``worker(index)`` for index in ``range(n_workers)`` and wait for all."""
