"""Shared by the fuzz tests: how many examples to run, and a tally of outcomes for long runs.

The suite runs a few examples per test (seconds). A long run raises them all:
``pytest tests/fuzz --hypothesis-profile=long`` (the profile registered in tests/conftest.py),
or ``TIAOCAN_FUZZ_EXAMPLES=N`` for exactly N per test. With ``TIAOCAN_FUZZ_TALLY=FILE`` every
example's outcome is counted and written to FILE (JSON) at exit.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import settings

_TALLY: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)


def examples(n: int) -> int:
    """``n`` in the suite; the long profile's (or TIAOCAN_FUZZ_EXAMPLES') count in a long run."""
    forced = os.environ.get("TIAOCAN_FUZZ_EXAMPLES")
    if forced:
        return int(forced)
    profile = settings.default.max_examples
    return profile if profile > 100 else n  # above hypothesis' default: a long profile is on


def tally(area: str, outcome: str) -> None:
    _TALLY[area][outcome] += 1


def _write_tally() -> None:
    path = os.environ.get("TIAOCAN_FUZZ_TALLY")
    if path and _TALLY:
        old: dict[str, dict[str, int]] = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = json.load(f)
        for area, counts in _TALLY.items():
            merged = collections.Counter(old.get(area, {}))
            merged.update(counts)
            old[area] = dict(merged)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(old, f, indent=1, sort_keys=True)


atexit.register(_write_tally)


@contextmanager
def no_process_spawned() -> Iterator[list[Any]]:
    """Record (and refuse) every attempt to start a process or run a shell command."""
    calls: list[Any] = []
    real_init = subprocess.Popen.__init__
    real_system = os.system

    def popen(self: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(("Popen", args, kwargs))
        raise AssertionError(f"a process was spawned: {args!r}")

    def system(command: Any) -> int:
        calls.append(("system", command))
        raise AssertionError(f"a shell command was run: {command!r}")

    subprocess.Popen.__init__ = popen  # type: ignore[method-assign]
    os.system = system
    try:
        yield calls
    finally:
        subprocess.Popen.__init__ = real_init  # type: ignore[method-assign]
        os.system = real_system
