from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Checkpoints of in-memory studies go to the test's own folder."""
    monkeypatch.setenv("TIAOCAN_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path / "artifacts"
