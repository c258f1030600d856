"""WandbTracker with the real wandb in offline mode, read back from the runs' local files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wandb")
from wandb.proto import wandb_internal_pb2 as pb

import tiaocan as tc
from tiaocan.tracking.wandb import WandbTracker

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def _chunks(path: Path) -> Any:
    """The records of a ``.wandb`` file: a 7-byte header, then LevelDB-style log records
    (crc 4 bytes, length 2, type 1: full, first, middle, last) in blocks of 32 KiB."""
    data, pos, block, partial = path.read_bytes(), 7, 32768, b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        length, kind = int.from_bytes(data[pos + 4:pos + 6], "little"), data[pos + 6]
        chunk, pos = data[pos + 7:pos + 7 + length], pos + 7 + length
        if kind == 1:
            yield chunk
        elif kind == 2:
            partial = chunk
        elif kind == 3:
            partial += chunk
        elif kind == 4:
            yield partial + chunk


def _read_run(path: Path) -> dict[str, Any]:
    import json

    run: dict[str, Any] = {"history": {}, "summary": {}}
    for chunk in _chunks(path):
        record = pb.Record()
        record.ParseFromString(chunk)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run["name"], run["group"] = record.run.display_name, record.run.run_group
            run["config"] = {i.key: json.loads(i.value_json) for i in record.run.config.update
                             if not i.key.startswith("_")}
        elif kind == "history":
            items = {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.history.item}
            run["history"][record.history.step.num] = {k: v for k, v in items.items() if not k.startswith("_")}
        elif kind == "summary":
            run["summary"].update({i.key: json.loads(i.value_json) for i in record.summary.update if i.key})
        elif kind == "exit":
            run["exit_code"] = record.exit.exit_code
    return run


@pytest.fixture
def offline(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WANDB_MODE", "offline")
    for name in ("WANDB_DIR", "WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path / "wandb-home"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    return tmp_path / "runs"


def _runs(folder: Path) -> dict[str, dict[str, Any]]:
    import wandb

    wandb.teardown()  # W&B's service writes run files asynchronously: wait for it to finish
    runs = [_read_run(p) for p in sorted(folder.glob("wandb/offline-run-*/run-*.wandb"))]
    return {r["name"]: r for r in runs}


def test_each_trial_is_a_run_with_params_curve_value_and_state(offline) -> None:  # type: ignore[no-untyped-def]
    study = tc.create_study(name="wb", space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
    study.add_tracker(WandbTracker(project="tiaocan-test", dir=offline))

    def objective(trial: tc.Trial) -> float:
        if trial.number == 2:
            raise RuntimeError("diverged")
        for step in (1, 2, 3):
            trial.report(trial.params["x"] / step, step=step)
        return trial.params["x"] / 3

    study.optimize(objective, n_trials=3)
    runs = _runs(offline)
    assert sorted(runs) == ["trial-0", "trial-1", "trial-2"]
    for trial in study.trials[:2]:
        run = runs[f"trial-{trial.number}"]
        assert run["group"] == "wb" and run["exit_code"] == 0
        assert run["config"]["x"] == pytest.approx(trial.params["x"])
        assert run["config"]["tiaocan.seed"] == trial.seed
        assert {s: h["curve"] for s, h in run["history"].items()} == pytest.approx(trial.curve())
        assert run["summary"]["objective"] == pytest.approx(trial.value)
        assert run["summary"]["state"] == "complete"
    failed = runs["trial-2"]
    assert failed["exit_code"] == 1 and failed["summary"]["state"] == "failed"
    assert "diverged" in failed["summary"]["error"]


def test_fractional_steps_are_indexed_and_kept(offline) -> None:  # type: ignore[no-untyped-def]
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            fidelity=tc.Fidelity("data_fraction", 0.25, 1.0))
    study.add_tracker(WandbTracker(dir=offline))

    def objective(trial: tc.Trial) -> float:
        for fraction in (0.25, 0.5, 1.0):
            trial.report(1 - fraction, step=fraction)
        return 0.0

    study.optimize(objective, n_trials=1)
    run = _runs(offline)["trial-0"]
    assert run["history"] == {1: {"curve": 0.75, "step": 0.25}, 2: {"curve": 0.5, "step": 0.5},
                              3: {"curve": 0.0, "step": 1.0}}
    assert run["summary"]["budget"] == 1.0 and run["config"]["tiaocan.budget"] == 1.0


def test_a_bad_mode_is_one_clear_error() -> None:
    with pytest.raises(tc.ConfigError, match="mode must be one of"):
        WandbTracker(mode="cloud")
