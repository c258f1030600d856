"""A simulated executor: ``n_workers`` workers on a virtual clock, deterministically.

Each worker is a thread, but only one runs at a time. A worker gives up control only when it
sleeps on the clock (``trial.sleep(seconds)`` inside an objective, or the loop waiting for a
synchronous scheduler); control then goes to the worker with the earliest wake-up time (ties:
the lowest worker index) and the clock jumps to that time. An hour of asynchronous tuning with
surrogate objectives replays in seconds, with the same loop code (``run_worker``) as real
runs, and two runs with the same seed give the same trials in the same order.

This is a discrete-event simulation (the event queue is the workers' wake-up times), as in
the simulated back-end of Syne Tune (Salinas et al., 2022, "Syne Tune: A Library for Large
Scale Hyperparameter Tuning and Reproducible Research").

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
>>> def objective(trial):
...     trial.sleep(10.0)   # ten virtual seconds of "training"
...     return trial.params["x"]
>>> ex = SimulatedExecutor()
>>> study.optimize(objective, n_trials=8, n_workers=4, executor=ex)
>>> ex.clock.now()   # 8 trials of 10 s on 4 workers
20.0
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tiaocan.errors import ConfigError
from tiaocan.executors.base import Clock, LocalTickets

__all__ = ["SimulatedClock", "SimulatedExecutor"]


class SimulatedClock:
    """Virtual time shared by simulated workers; ``sleep`` hands control to the next worker.

    Outside a simulated run (no worker registered) ``sleep`` just advances the time.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._cond = threading.Condition()
        # worker index -> (virtual wake-up time, 1 if idle else 0): idle workers go last on ties
        self._wake: dict[int, tuple[float, int]] = {}
        self._active: int | None = None
        self._local = threading.local()

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        index = getattr(self._local, "index", None)
        with self._cond:
            if index is None or index not in self._wake:
                self._now += seconds
                return
            self._wake[index] = (self._now + seconds, 0)
            self._hand_over()
            self._wait_turn(index)

    def idle(self, seconds: float) -> None:
        """Wait for the next event: until another worker's wake-up (after it has run), or
        ``seconds`` if no other worker is busy. The loop waits this way instead of polling."""
        index = getattr(self._local, "index", None)
        with self._cond:
            busy = [w for i, (w, idle) in self._wake.items() if i != index and not idle]
            if index is None or index not in self._wake:
                self._now += max(0.0, float(seconds))
                return
            self._wake[index] = (min(busy) if busy else self._now + max(0.0, float(seconds)), 1)
            self._hand_over()
            self._wait_turn(index)

    # Used by the executor --------------------------------------------------------------
    def _register(self, indices: range) -> None:
        with self._cond:
            for i in indices:
                self._wake[i] = (self._now, 0)
            self._hand_over()

    def _enter(self, index: int) -> None:
        self._local.index = index
        with self._cond:
            self._wait_turn(index)

    def _leave(self, index: int) -> None:
        with self._cond:
            self._wake.pop(index, None)
            self._hand_over()

    def _hand_over(self) -> None:
        """Give control to the earliest wake-up (lowest index on ties); advance the clock."""
        if not self._wake:
            self._active = None
            return
        index = min(self._wake, key=lambda i: (*self._wake[i], i))
        self._now = max(self._now, self._wake[index][0])
        self._active = index
        self._cond.notify_all()

    def _wait_turn(self, index: int) -> None:
        while self._active != index:
            self._cond.wait()


class SimulatedExecutor:
    """Workers on a :class:`SimulatedClock` (see the module docstring).

    Args:
        start: the virtual time the clock starts at.

    The objective must spend its time with ``trial.sleep(seconds)``; real computation still
    runs, but only one worker computes at a time, so results do not depend on the machine.
    """

    separate_processes = False
    needs_heartbeat = False

    def __init__(self, start: float = 0.0) -> None:
        self.start = start
        self._clock = SimulatedClock(start)
        self.clock: Clock = self._clock

    def tickets(self, limit: int | None) -> LocalTickets:
        return LocalTickets(limit)

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ConfigError(f"n_workers must be a positive int, received {n_workers!r}")
        errors: list[BaseException] = []
        clock = self._clock

        def target(i: int) -> None:
            clock._enter(i)
            try:
                worker(i)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
                errors.append(exc)
            finally:
                clock._leave(i)

        threads = [threading.Thread(target=target, args=(i,), daemon=True,
                                    name=f"tiaocan-sim-{i}") for i in range(n_workers)]
        for t in threads:
            t.start()
        clock._register(range(n_workers))
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
