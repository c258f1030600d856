"""A one-line progress bar for ``optimize`` and ``tiaocan run``: trials done, best, elapsed, ETA.

It draws only when standard error is a terminal, so logs and CI output stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from tiaocan.trial import TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Draws ``[#####-----] 12/50 trials  best 0.1234  00:12<00:40`` on standard error."""

    def __init__(self, study: Study, n_trials: int | None, timeout: float | None, *,
                 enabled: bool | None = None, stream: TextIO | None = None,
                 interval: float = 0.5) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.study, self.n_trials, self.timeout, self.interval = study, n_trials, timeout, interval
        self._start_number = 0
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Progress:
        if self.enabled:
            self._start_number = len(self.study.history().trials)
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.update()
            self.stream.write("\n")
            self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.update()

    def line(self) -> str:
        trials = self.study.history().trials[self._start_number:]
        done = sum(1 for t in trials if t.state.is_finished)
        elapsed = time.monotonic() - self._started
        best = self.study.best_value_or_none()
        parts = []
        if self.n_trials:
            width = 20
            filled = int(width * min(done, self.n_trials) / self.n_trials)
            parts.append(f"[{'#' * filled}{'-' * (width - filled)}] {done}/{self.n_trials} trials")
        else:
            parts.append(f"{done} trials")
        failed = sum(1 for t in trials if t.state is TrialState.FAILED)
        if failed:
            parts.append(f"{failed} failed")
        parts.append(f"best {best:.6g}" if best is not None else "best -")
        eta = ""
        if self.n_trials and done:
            eta = "<" + format_seconds(elapsed / done * max(self.n_trials - done, 0))
        elif self.timeout:
            eta = "<" + format_seconds(self.timeout - elapsed)
        parts.append(format_seconds(elapsed) + eta)
        return "  ".join(parts)

    def update(self) -> None:
        if not self.enabled or self._thread is None:
            return
        try:
            text = self.line()
        except Exception:  # never let the bar break a study
            return
        with self._lock:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
