"""Executors decide *where* workers run: inline, threads, local processes (and more)."""

from __future__ import annotations

from tiaocan.executors.base import Clock, Executor, LocalTickets, RealClock, Tickets
from tiaocan.executors.local import InlineExecutor, ProcessExecutor, ThreadExecutor

__all__ = ["Clock", "RealClock", "Executor", "Tickets", "LocalTickets", "InlineExecutor",
           "ThreadExecutor", "ProcessExecutor"]
