"""A user-written scheduler for the callback tests: stops every trial after ``steps`` reports,
so a test knows exactly when the scheduler says stop."""

from __future__ import annotations

from typing import Any

from tiaocan.schedulers.base import Decision, FIFOScheduler


class StopAfter(FIFOScheduler):
    def __init__(self, steps: int) -> None:
        self.steps = steps

    def on_report(self, trial: Any, history: Any) -> Decision:
        return Decision.STOP if len(trial.reports) >= self.steps else Decision.CONTINUE
