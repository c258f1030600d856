"""Capture each trial's stdout and stderr into its artifact directory.

``<artifact_root(storage)>/<study>/<trial number>/stdout.log`` (and ``stderr.log``). Output
still reaches the terminal: the streams are teed. ``sys.stdout``/``sys.stderr`` are replaced
once by a dispatcher that writes to the log of the trial running *in the current thread*, so
trials on several threads of one process each get their own log. Output written directly to
file descriptor 1/2 by C code or child processes is not captured.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiaocan.storage import Storage

__all__ = ["STREAMS", "capture_logs", "log_dir", "read_log"]

STREAMS = ("stdout", "stderr")
_local = threading.local()
_lock = threading.Lock()
_active = 0


class _Dispatch(io.TextIOBase):
    """Stands in for a standard stream: writes to the thread's log, then to the original."""

    def __init__(self, original: Any, name: str) -> None:
        self.original = original
        self.name_ = name

    def write(self, s: str) -> int:
        target = getattr(_local, self.name_, None)
        if target is not None:
            target.write(s)
        return int(self.original.write(s) or len(s))

    def flush(self) -> None:
        target = getattr(_local, self.name_, None)
        if target is not None:
            target.flush()
        self.original.flush()

    def __getattr__(self, attr: str) -> Any:  # fileno, isatty, encoding, buffer, …
        return getattr(self.original, attr)


def log_dir(storage: Storage, study: str, number: int) -> Path:
    """The directory of a trial's artifacts (logs, checkpoints)."""
    from tiaocan.storage import artifact_root

    return artifact_root(storage) / study / str(number)


def _install() -> None:
    global _active
    with _lock:
        _active += 1
        for name in STREAMS:
            if not isinstance(getattr(sys, name), _Dispatch):
                setattr(sys, name, _Dispatch(getattr(sys, name), name))


def _uninstall() -> None:
    global _active
    with _lock:
        _active -= 1
        if _active:
            return
        for name in STREAMS:
            stream = getattr(sys, name)
            if isinstance(stream, _Dispatch):
                setattr(sys, name, stream.original)


@contextlib.contextmanager
def capture_logs(directory: str | Path) -> Iterator[Path]:
    """Tee this thread's ``print`` output and stderr into ``directory/{stdout,stderr}.log``.

    Logs are appended to, so a trial resumed at a larger budget keeps one log.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with capture_logs(d) as where:
    ...     print("hello")
    hello
    >>> (where / "stdout.log").read_text()
    'hello\\n'
    """
    where = Path(directory)
    where.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {n: open(where / f"{n}.log", "a", encoding="utf-8")  # noqa: SIM115 - closed in finally
                                 for n in STREAMS}
    previous = {n: getattr(_local, n, None) for n in STREAMS}
    _install()
    try:
        for name, f in files.items():
            setattr(_local, name, f)
        yield where
    finally:
        for name, f in files.items():
            setattr(_local, name, previous[name])
            f.close()
        _uninstall()


def read_log(storage: Storage, study: str, number: int, stream: str = "stdout",
             max_bytes: int = 200_000) -> str | None:
    """The end of a trial's captured log (None when nothing was captured)."""
    if stream not in STREAMS:
        from tiaocan.errors import ConfigError

        raise ConfigError(f"stream must be one of {list(STREAMS)}, received {stream!r}")
    path = log_dir(storage, study, number) / f"{stream}.log"
    if not path.is_file():
        return None
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - max_bytes))
        text = f.read().decode("utf-8", errors="replace")
    return text if size <= max_bytes else f"[… {size - max_bytes} bytes cut …]\n{text}"
