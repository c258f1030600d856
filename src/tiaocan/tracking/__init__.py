"""Tracking: the run manifest recorded with every study and trial."""

from __future__ import annotations

from tiaocan.tracking.manifest import environment, environment_id, git_state

__all__ = ["environment", "environment_id", "git_state"]
