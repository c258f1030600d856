"""Many processes on one study, dead workers, Ctrl-C: against real SQLite files and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import signal, sys, time, tiaocan as tc
    # Ctrl-C as at a terminal, even when the suite runs in a background job (where the shell
    # starts processes with SIGINT ignored and Python then never raises KeyboardInterrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    url, name, n, mode, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    space = tc.Space(x=tc.Float(0.0, 1.0), k=tc.Int(1, 4))
    study = tc.create_study(name, space=space, storage=url, seed=7, load_if_exists=True,
                            sampler="grid" if mode == "grid" else "random",
                            max_retries=1, heartbeat_interval=0.2, heartbeat_grace=1.0)

    def objective(trial):
        for step in range(3):
            trial.report(trial.params["x"] + step, step=step)
        if mode in ("hang", "hang-workers"):
            open(flag + f".{trial.number}", "w").write(str(__import__("os").getpid()))
            if trial.number == 0 or mode == "hang-workers":
                time.sleep(60)
        return trial.params["x"]

    workers = 2 if mode == "hang-workers" else 1
    study.optimize(objective, n_trials=n, n_workers=workers, show_progress=False)
    print("done", study.study_id, len(study.trials), flush=True)
    """
)


def _spawn(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "worker.py"
    if not script.exists():  # written once: rewriting it while a worker starts would race
        script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, str(script), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_eight_processes_store_every_trial_once(backend: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    procs = [_spawn(tmp_path, url, "shared", "15", "random", "-") for _ in range(8)]
    outputs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err.decode()
        assert b"locked" not in err and b"Traceback" not in err, err.decode()
    study = tc.load_study("shared", storage=url)
    trials = study.trials
    assert [t.number for t in trials] == list(range(120))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all([r.step for r in t.reports] == [0, 1, 2] for t in trials)
    assert len({t.trial_id for t in trials}) == 120
    pids = {t.system_attrs["worker"]["pid"] for t in trials}
    assert len(pids) == 8


def test_grid_points_are_never_handed_out_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    procs = [_spawn(tmp_path, url, "grid", "100", "grid", "-") for _ in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    trials = tc.load_study("grid", storage=url).trials
    configs = [tuple(sorted(t.params.items())) for t in trials]
    assert len(configs) == 5 * 4 == len(set(configs))


def test_sigkilled_worker_trial_fails_and_is_retried(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    flag = str(tmp_path / "started")
    victim = _spawn(tmp_path, url, "killed", "3", "hang", flag)
    _wait_for(lambda: os.path.exists(flag + ".0"))
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    killed_at = time.monotonic()
    study = tc.load_study("killed", storage=url)  # heartbeat settings come from the storage
    assert study.trials[0].state is TrialState.RUNNING and study.heartbeat_grace == 1.0
    # A worker that starts once the grace has passed fails the silent trial at its first ask
    # and runs the retry first.
    _wait_for(lambda: time.monotonic() - killed_at > study.heartbeat_grace)
    study.optimize(lambda t: t.params["x"], n_trials=2)
    trials = study.trials
    assert trials[0].state is TrialState.FAILED and "no heartbeat" in trials[0].error
    retried = [t for t in trials if t.system_attrs.get("retry_of") == 0]
    assert len(retried) == 1 and retried[0].state is TrialState.COMPLETE
    assert retried[0].params == trials[0].params
    assert retried[0].number == 1


def test_ctrl_c_marks_running_trials_and_the_study_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    flag = str(tmp_path / "started")
    proc = _spawn(tmp_path, url, "interrupted", "6", "hang-workers", flag)
    _wait_for(lambda: os.path.exists(flag + ".0") and os.path.exists(flag + ".1"))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in err
    study = tc.load_study("interrupted", storage=url)
    before = study.trials
    interrupted = [t for t in before if t.system_attrs.get("interrupted")]
    assert {t.number for t in interrupted} == {0, 1}
    assert all(t.state is TrialState.FAILED and "interrupted" in t.error for t in interrupted)
    queued = [t for t in before if t.state is TrialState.WAITING]
    assert sorted(t.params["x"] for t in queued) == sorted(t.params["x"] for t in interrupted)
    assert not [t for t in before if t.state is TrialState.RUNNING]
    study.optimize(lambda t: t.params["x"], n_trials=4)
    after = study.trials
    assert all(t.state is TrialState.COMPLETE for t in after if t.number >= 2)
    assert {t.params["x"] for t in after[2:4]} == {t.params["x"] for t in interrupted}
