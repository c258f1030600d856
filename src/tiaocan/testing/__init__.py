"""Conformance suites for plug-ins: run them on every built-in and on your own.

* :func:`check_storage` — studies, trials, compare-and-set, keys, reports, heartbeats.
* :func:`check_sampler` — proposals in the space, same seed same run, resume equals run.
"""

from __future__ import annotations

from tiaocan.testing.sampler import CONFORMANCE_SPACES, check_sampler
from tiaocan.testing.storage import check_storage

__all__ = ["check_storage", "check_sampler", "CONFORMANCE_SPACES"]
