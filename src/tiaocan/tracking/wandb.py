"""Weights & Biases tracking: one W&B run per finished trial, grouped by study.

Each run (named ``trial-<number>``, group = the study's name) holds the trial's parameters,
seed and budget as its config, its learning curve as the metric ``curve`` by step (fractional
steps indexed, the true steps in metric ``step``), and its value(s), state and budget in the
summary; a failed trial's run exits with code 1. A promoted trial is logged again, as a new
run of the same name, each time it finishes at a larger budget. ``mode="offline"`` (or ``WANDB_MODE=offline``)
writes runs locally, for ``wandb sync`` later. Needs ``pip install "tiaocan[wandb]"``.

>>> # study.add_tracker(WandbTracker(project="my-project"))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError, require
from tiaocan.tracking.steps import STEP_METRIC, integer_steps
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["WandbTracker"]

_MODES = (None, "online", "offline", "disabled")


class WandbTracker:
    """Log each finished trial as a W&B run.

    Args:
        project: the W&B project.
        entity: the W&B team or user (default: yours).
        dir: where W&B writes its local files (default: W&B's own choice, ``./wandb``).
        mode: ``"online"``, ``"offline"`` or ``"disabled"`` (default: ``WANDB_MODE``, else
            online when logged in).
        tags: tags for every run.
    """

    def __init__(self, project: str = "tiaocan", *, entity: str | None = None,
                 dir: str | os.PathLike[str] | None = None, mode: str | None = None,
                 tags: tuple[str, ...] | list[str] = ()) -> None:
        if mode not in _MODES:
            raise ConfigError(f"mode must be one of {list(_MODES)}, received {mode!r}")
        self.project = project
        self.entity = entity
        self.dir = dir
        self.mode = mode
        self.tags = tuple(tags)

    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None:
        wandb: Any = require("wandb", "wandb", "W&B tracking")
        if self.dir is not None:
            Path(self.dir).mkdir(parents=True, exist_ok=True)
        budget = trial.budget if trial.budget is not None else (
            study.fidelity.high if study.fidelity is not None else None)
        config = {**trial.params, "tiaocan.trial": trial.number, "tiaocan.seed": trial.seed,
                  "tiaocan.budget": budget}
        run = wandb.init(project=self.project, entity=self.entity, group=study.name,
                         name=f"trial-{trial.number}", job_type=trial.state.value, config=config,
                         tags=list(self.tags), dir=None if self.dir is None else str(self.dir),
                         mode=self.mode, reinit="create_new",
                         settings=wandb.Settings(silent=True, console="off", x_disable_stats=True))
        try:
            self._log(run, trial, budget)
        finally:
            run.finish(exit_code=1 if trial.state is TrialState.FAILED else 0)

    @staticmethod
    def _log(run: Any, trial: FrozenTrial, budget: Any) -> None:
        steps, indexed = integer_steps(trial.reports)
        for step, report in zip(steps, trial.reports):
            point = {"curve" if i == 0 else f"curve_{i}": v for i, v in enumerate(report.values)}
            if indexed:
                point[STEP_METRIC] = report.step
            run.log(point, step=step)
        values = trial.values or ()
        for i, v in enumerate(values):
            run.summary["objective" if len(values) == 1 else f"objective_{i}"] = v
        run.summary["state"] = trial.state.value
        if budget is not None:
            run.summary["budget"] = budget
        if trial.error:
            run.summary["error"] = trial.error.strip().splitlines()[-1][:500]
