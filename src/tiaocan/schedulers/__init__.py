"""Schedulers decide *when* trials run, at which budget, and when they stop.

Pass a name or an object with its own options.
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.schedulers.adaptive_hyperband import AdaptiveHyperband
from tiaocan.schedulers.asha import ASHA, HalvingMode
from tiaocan.schedulers.base import Decision, FIFOScheduler, Job, JobKind, Scheduler
from tiaocan.schedulers.bohb import BOHB
from tiaocan.schedulers.hyperband import AsyncHyperband, Hyperband
from tiaocan.schedulers.median import MedianStopping
from tiaocan.schedulers.mobster import MOBSTER
from tiaocan.schedulers.pbt import PBT
from tiaocan.schedulers.successive_halving import SuccessiveHalving

__all__ = [
    "ASHA",
    "BOHB",
    "MOBSTER",
    "PBT",
    "SCHEDULERS",
    "AdaptiveHyperband",
    "AsyncHyperband",
    "Decision",
    "FIFOScheduler",
    "HalvingMode",
    "Hyperband",
    "Job",
    "JobKind",
    "MedianStopping",
    "Scheduler",
    "SuccessiveHalving",
    "get_scheduler",
]

#: Names accepted by ``create_study(scheduler=...)`` and the class each builds.
SCHEDULERS: dict[str, type] = {
    "fifo": FIFOScheduler,
    "none": FIFOScheduler,
    "median": MedianStopping,
    "successive_halving": SuccessiveHalving,
    "asha": ASHA,
    "hyperband": Hyperband,
    "async_hyperband": AsyncHyperband,
    "adaptive_hyperband": AdaptiveHyperband,
    "bohb": BOHB,
    "mobster": MOBSTER,
    "pbt": PBT,
}


def get_scheduler(scheduler: str | Scheduler | None) -> Any:
    """The scheduler for a name or object (``None``: no early stopping)."""
    if scheduler is None:
        return FIFOScheduler()
    if isinstance(scheduler, str):
        if scheduler.lower() not in SCHEDULERS:
            raise ConfigError(f"scheduler must be one of {sorted(SCHEDULERS)} or a Scheduler "
                              f"object, received {scheduler!r}")
        return SCHEDULERS[scheduler.lower()]()
    if not (callable(getattr(scheduler, "next_job", None))
            and callable(getattr(scheduler, "on_report", None))):
        raise ConfigError(f"scheduler must be one of {sorted(SCHEDULERS)} or an object with "
                          f"next_job(history) and on_report(trial, history), received {scheduler!r}")
    return scheduler
