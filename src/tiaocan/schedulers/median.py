"""The median (and percentile) stopping rule.

Reference: Golovin, Solnik, Moitra, Kochanski, Karro, Sculley (2017), "Google Vizier: A
Service for Black-Box Optimization", KDD (section 3.2.2): stop a trial at step ``s`` if its best
value so far is worse than the median of the running averages, up to ``s``, of the other
trials' learning curves. ``percentile`` generalises the median (50): 25 keeps only trials in
the best quarter.

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler=MedianStopping(min_trials=3),
...                         fidelity=tc.Fidelity("epoch", 1, 10))
>>> def objective(trial):
...     for epoch in range(1, trial.budget + 1):
...         trial.sleep(1.0)
...         trial.report(trial.params["x"] + 1 / epoch, step=epoch)
...         if trial.should_stop():
...             break
...     return trial.params["x"] + 1 / epoch
>>> study.optimize(objective, n_trials=12, executor=SimulatedExecutor())
>>> any(t.state.value == "pruned" for t in study.trials)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.schedulers.base import Decision, Job, JobKind
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["MedianStopping"]


class MedianStopping:
    """Stop trials whose best value is worse than a percentile of the others' running averages.

    Args:
        percentile: 50 is the median rule; lower stops more (keeps the best ``percentile`` %).
        min_trials: other trials that must have reached the step before anything is stopped.
        min_step: no decision before this step (default: the fidelity's ``low``).
    """

    def __init__(self, percentile: float = 50.0, min_trials: int = 5,
                 min_step: float | None = None) -> None:
        if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) \
                or not 0 < percentile <= 100:
            raise ConfigError(f"percentile must be in (0, 100], received {percentile!r}")
        if isinstance(min_trials, bool) or not isinstance(min_trials, int) or min_trials < 1:
            raise ConfigError(f"min_trials must be a positive int, received {min_trials!r}")
        self.percentile = percentile
        self.min_trials = min_trials
        self.min_step = min_step

    def next_job(self, history: History) -> Job:
        budget = history.fidelity.high if history.fidelity is not None else None
        return Job(JobKind.START, budget=budget)

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        if not trial.reports or len(history.directions) != 1:
            return Decision.CONTINUE  # the rule is defined for one objective
        step = trial.reports[-1].step
        floor = self.min_step if self.min_step is not None else (
            history.fidelity.low if history.fidelity is not None else -np.inf)
        if step < floor:
            return Decision.CONTINUE
        sign = history.directions[0].sign
        averages = [avg for t in history.trials if t.number != trial.number
                    and t.state is not TrialState.FAILED and (avg := _running_average(t, step, sign))
                    is not None]
        if len(averages) < self.min_trials:
            return Decision.CONTINUE
        best = min(sign * r.values[0] for r in trial.reports)
        return Decision.STOP if best > np.percentile(averages, self.percentile) else Decision.CONTINUE


def _running_average(trial: FrozenTrial, step: float, sign: float) -> Any:
    """Mean loss of the trial's reports up to ``step`` (None if it has not reached ``step``)."""
    if not trial.reports or trial.reports[-1].step < step:
        return None
    values = [sign * r.values[0] for r in trial.reports if r.step <= step]
    return float(np.mean(values)) if values else None
