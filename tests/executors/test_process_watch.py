"""The process executor's watch loop ends once every worker has ended, whatever the timing."""

from __future__ import annotations

import os
import threading

from tiaocan.executors.local import ProcessExecutor


class _EndsBetweenReads:
    """A worker still running at the first look at its exit code and ended at the next."""

    def __init__(self) -> None:
        self.reads = 0
        read_end, write_end = os.pipe()
        os.close(write_end)  # the sentinel of a process that has ended: readable (EOF)
        self.sentinel = read_end
        self.pid = 12345

    @property
    def exitcode(self) -> int | None:
        self.reads += 1
        return None if self.reads == 1 else 0


def test_watch_returns_when_a_worker_ends_between_two_looks() -> None:
    proc = _EndsBetweenReads()
    executor = ProcessExecutor()
    watcher = threading.Thread(target=executor._watch, args=([proc], None, None), daemon=True)
    watcher.start()
    watcher.join(60)  # a guard against hanging, not a timing assertion
    os.close(proc.sentinel)
    assert not watcher.is_alive(), "the watch loop waited on no worker at all"
