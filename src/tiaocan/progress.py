"""The progress display of ``optimize`` and ``tiaocan run``, drawn by tqdm.

Why tqdm (and not rich, nor a bar of our own): a tuning run lives in a terminal, in a
Jupyter notebook, or in a log file, and its bar must share the screen with log records of
failed trials. tqdm covers the three with one small pure-Python dependency: ``tqdm.auto``
draws a notebook widget in Jupyter (a text bar where ipywidgets is missing) and a text bar
in a terminal; ``tqdm.contrib.logging.logging_redirect_tqdm`` sends console log records
through ``tqdm.write``, so each prints on its own line above the bar instead of being glued
to it; it measures the rate (trials/s) and the elapsed time and estimates what is left.
rich does as much in a terminal but renders notebooks through its own console, is several
times larger, and its logging handler replaces the user's formatting rather than keeping
it. A hand-written bar had none of this (no notebook, no rate, log lines glued to the bar).

The display is drawn when standard error is a terminal or the code runs in a Jupyter
kernel; elsewhere (CI, a redirected log) it stays quiet unless ``show_progress=True``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from tiaocan.trial import TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["Progress", "format_seconds", "interactive"]


def format_seconds(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (where tqdm.auto draws a widget)."""
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    except Exception:
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def interactive(stream: TextIO | None = None) -> bool:
    """Whether a person is watching: ``stream`` (standard error) is a terminal, or Jupyter."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return in_notebook() or bool(callable(isatty) and isatty())


def _tqdm_class() -> Any:
    """tqdm.auto's class: a widget in Jupyter with ipywidgets, a text bar otherwise."""
    from tqdm import TqdmWarning

    with warnings.catch_warnings():  # "IProgress not found": fall back to text, quietly
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm

    return tqdm


class Progress:
    """``12/50 [00:12<00:40, 1.03 trials/s, best=0.1234, failed=1, pruned=3]`` while a study runs.

    Args:
        study: the study whose trials are counted (those created after the call).
        n_trials: the bar's total (None: a counter).
        timeout: shown as the time left when there is no ``n_trials``.
        enabled: draw at all (None: when :func:`interactive`).
        stream: where a text bar goes (default: standard error).
        interval: seconds between refreshes from the storage (trials of other processes).
    """

    def __init__(self, study: Study, n_trials: int | None, timeout: float | None, *,
                 enabled: bool | None = None, stream: TextIO | None = None,
                 interval: float = 0.5) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else interactive(self.stream)
        self.study, self.n_trials, self.timeout, self.interval = study, n_trials, timeout, interval
        self._started = time.monotonic()  # elapsed time counts from the optimize call
        self._start_number = 0
        self._done = 0
        self._bar: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._logging: contextlib.ExitStack | None = None

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        tqdm = _tqdm_class()
        self._start_number = len(self.study.history().trials)
        self._bar = tqdm(total=self.n_trials, unit="trial", file=self.stream,
                         dynamic_ncols=True, mininterval=0.1, smoothing=0.1,
                         desc=self.study.name, disable=False, leave=True)
        # tqdm's own clock (time.time) set back to the call, so elapsed time includes set-up
        self._bar.start_t = self._bar._time() - (time.monotonic() - self._started)
        self._logging = contextlib.ExitStack()
        self._logging.enter_context(_logs_above(self._bar))
        if not logging.getLogger("tiaocan").isEnabledFor(logging.INFO):
            self._write_header()  # else optimize's first log record says it
        self._thread = threading.Thread(target=self._run, daemon=True, name="tiaocan-progress")
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.update()
        if self._logging is not None:
            self._logging.close()
        self._bar.close()

    def _write_header(self) -> None:
        """What proposes the trials (``auto``'s pick and why), once, above the bar."""
        from tiaocan.study_config import describe_search

        try:
            text = describe_search(self.study)
        except Exception:  # never let the display break a study
            return
        self._bar.write(f"study {self.study.name!r}: {text}", file=self.stream)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.update()

    def counts(self) -> dict[str, Any]:
        """Trials finished since the call, failures, pruned trials and the best value."""
        from tiaocan.outcome import full_budget, shown_state

        trials = self.study.history().trials[self._start_number:]
        full = full_budget(self.study.record.attrs)  # a trial left at a low rung is pruned
        return {
            "done": sum(1 for t in trials if t.state.is_finished),
            "failed": sum(1 for t in trials if t.state is TrialState.FAILED),
            "pruned": sum(1 for t in trials if shown_state(t, full) == "pruned"),
            "best": self.study.best_value_or_none(),
        }

    def postfix(self, counts: dict[str, Any]) -> str:
        best = counts["best"]
        parts = [f"best={best:.6g}" if best is not None else "best=-",
                 f"failed={counts['failed']}", f"pruned={counts['pruned']}"]
        if self.timeout is not None and not self.n_trials:
            left = self.timeout - (time.monotonic() - self._started)
            parts.append(f"left={format_seconds(left)}")
        return ", ".join(parts)

    def update(self) -> None:
        """Refresh the bar from the storage (called after each trial and periodically)."""
        if self._bar is None:
            return
        try:
            counts = self.counts()
        except Exception:  # never let the display break a study
            return
        with self._lock:
            self._bar.set_postfix_str(self.postfix(counts), refresh=False)
            self._bar.update(max(0, counts["done"] - self._done))
            self._done = max(self._done, counts["done"])
            self._bar.refresh()


@contextlib.contextmanager
def _logs_above(bar: Any) -> Any:
    """Console log records of tiaocan (and the root logger) print above the bar.

    The root logger always gets tqdm's handler, which also stands in for logging's
    last-resort handler (warnings printed when nothing is configured); tiaocan's own logger
    only when it has a console handler of its own.
    """
    from tqdm.contrib.logging import logging_redirect_tqdm

    own = logging.getLogger("tiaocan")
    loggers = [logging.root]
    if any(isinstance(h, logging.StreamHandler) and h.stream in (sys.stdout, sys.stderr)
           for h in own.handlers):
        loggers.append(own)
    with logging_redirect_tqdm(loggers=loggers, tqdm_class=type(bar)):
        yield
