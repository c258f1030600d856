"""The scheduler role: *when* a trial runs, at which budget, and when it stops.

A scheduler answers two questions, both from the :class:`~tiaocan.samplers.History`:

* :meth:`Scheduler.next_job` — what a free worker should do: start a new trial at a budget,
  resume a paused trial at a larger budget (promotion), clone a trial with perturbed
  parameters (PBT), or wait.
* :meth:`Scheduler.on_report` — after a learning-curve point: continue or stop.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tiaocan.samplers.base import History
from tiaocan.trial import FrozenTrial

__all__ = ["Decision", "FIFOScheduler", "Job", "JobKind", "Scheduler"]


class Decision(enum.Enum):
    """The scheduler's verdict on a running trial after a report."""

    CONTINUE = "continue"
    STOP = "stop"


class JobKind(enum.Enum):
    START = "start"    # a new configuration from the sampler
    RESUME = "resume"  # an existing trial, at a larger budget (promotion)
    CLONE = "clone"    # a new trial from another's checkpoint with new parameters (PBT)
    WAIT = "wait"      # nothing to do until running trials report (synchronous schedulers)


@dataclass(frozen=True)
class Job:
    """What a free worker should do next."""

    kind: JobKind
    budget: Any = None
    trial_number: int | None = None          # RESUME: the trial; CLONE: the source
    params: Mapping[str, Any] | None = None  # CLONE: the new parameters
    info: Mapping[str, Any] | None = None    # stored with the trial (bracket, rung, …)


@runtime_checkable
class Scheduler(Protocol):
    def next_job(self, history: History) -> Job: ...

    def on_report(self, trial: FrozenTrial, history: History) -> Decision: ...


class FIFOScheduler:
    """No early stopping: every trial starts at the full budget and runs to the end."""

    def next_job(self, history: History) -> Job:
        budget = history.fidelity.high if history.fidelity is not None else None
        return Job(JobKind.START, budget=budget)

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        return Decision.CONTINUE
