"""examples/optuna_style.py: Optuna's objectives run as written, their space learned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tiaocan as tc

pytest.importorskip("sklearn")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "optuna_style.py"


def test_optuna_style_example_runs_and_learns_a_conditional_space(tmp_path) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "best accuracy" in done.stdout and "trials stopped early" in done.stdout
    study = tc.load_study("optuna-style", storage=f"sqlite:///{tmp_path / 'optuna_style.db'}")
    assert study.space["svc_c"].condition == {"classifier": ("SVC",)}
    assert study.space["rf_max_depth"].condition == {"classifier": ("RandomForest",)}
    assert len(study.trials) == 30 and study.best_value > 0.9
    pruning = tc.load_study("optuna-style-pruning",
                            storage=f"sqlite:///{tmp_path / 'optuna_style.db'}")
    assert any(t.state is tc.TrialState.PRUNED for t in pruning.trials)
