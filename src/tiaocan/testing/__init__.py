"""Conformance suites for plug-ins: run them on every built-in and on your own.

* :func:`check_storage` — studies, trials, compare-and-set, keys, reports, heartbeats.
* :func:`check_sampler` — proposals in the space, same seed same run, resume equals run.
* :func:`check_scheduler` — valid decisions, rung invariants, determinism on a simulated clock.
"""

from __future__ import annotations

from tiaocan.testing.sampler import CONFORMANCE_SPACES, check_sampler
from tiaocan.testing.scheduler import check_scheduler
from tiaocan.testing.storage import check_storage

__all__ = ["CONFORMANCE_SPACES", "check_sampler", "check_scheduler", "check_storage"]
