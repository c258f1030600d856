"""The integration examples run as written (each in its own process, as a user runs it) and
print what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str, cwd: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_sklearn_searchcv_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("sklearn")
    out = _run("sklearn_searchcv.py", tmp_path)
    assert "SearchCV            CV accuracy 0.9" in out and "RandomizedSearchCV  CV accuracy" in out
    assert "multi-fidelity over max_iter" in out and "at max_iter=81" in out


@pytest.mark.slow
def test_lightning_callback_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("lightning")
    out = _run("lightning_callback.py", tmp_path)
    assert "best val_loss" in out and "promoted and resumed from their checkpoint" in out
    assert " 0 promoted" not in out


@pytest.mark.slow
def test_xgboost_pruning_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("xgboost")
    out = _run("xgboost_pruning.py", tmp_path)
    assert "best valid log-loss" in out and "trials stopped early" in out
    assert not out.splitlines()[-1].startswith("0 of")  # the scheduler did stop some
