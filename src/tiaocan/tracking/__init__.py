"""Tracking: the run manifest, notes, captured logs, and trackers (TensorBoard, MLflow, W&B).

The exporters are imported from their modules, so ``import tiaocan`` stays light:
``from tiaocan.tracking.tensorboard import TensorBoardTracker``,
``from tiaocan.tracking.mlflow import MLflowTracker``,
``from tiaocan.tracking.wandb import WandbTracker``.
"""

from __future__ import annotations

from tiaocan.tracking.manifest import environment, environment_id, git_state
from tiaocan.tracking.trackers import Tracker, export

__all__ = ["Tracker", "environment", "environment_id", "export", "git_state"]
