"""Executors decide *where* workers run: inline, threads, local processes, a Dask cluster,
or simulated workers on a virtual clock."""

from __future__ import annotations

from tiaocan.executors.base import Clock, Executor, LocalTickets, RealClock, Tickets
from tiaocan.executors.local import InlineExecutor, ProcessExecutor, ThreadExecutor
from tiaocan.executors.simulated import SimulatedClock, SimulatedExecutor

__all__ = [
    "Clock",
    "DaskExecutor",
    "Executor",
    "InlineExecutor",
    "LocalTickets",
    "ProcessExecutor",
    "RealClock",
    "SimulatedClock",
    "SimulatedExecutor",
    "ThreadExecutor",
    "Tickets",
]


def __getattr__(name: str) -> object:
    if name == "DaskExecutor":  # imported on use: `import tiaocan` must not import dask
        from tiaocan.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(name)
