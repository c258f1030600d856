"""``tiaocan worker`` and ``tiaocan stop``: real processes joining one SQLite study."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import tiaocan as tc
from tiaocan.trial import TrialState

ROOT = Path(__file__).resolve().parents[2]

OBJECTIVE = '''
import os, time
def objective(trial):
    time.sleep(float(os.environ.get("PAUSE", "0.01")))
    return trial.params["x"]
'''


def _worker(tmp_path: Path, url: str, *args: str, pause: str = "0.01") -> subprocess.Popen[bytes]:
    (tmp_path / "train.py").write_text(OBJECTIVE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PAUSE": pause}
    # Ctrl-C as at a terminal, even when the suite runs in a background job: the shell starts
    # those with SIGINT ignored, and a Python started so never raises KeyboardInterrupt
    return subprocess.Popen([sys.executable, "-m", "tiaocan", "worker", "--storage", url, *args],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def _new_study(url: str, name: str) -> tc.Study:
    return tc.create_study(name, space=tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)), storage=url,
                           sampler="random", seed=0)


def test_workers_share_the_stored_budget(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    _new_study(url, "shared")
    first = _worker(tmp_path, url, "--study", "shared", "--objective", "train:objective",
                    "--n-trials", "24", pause="0.3")
    _wait_for(lambda: len(tc.load_study("shared", storage=url).trials) > 0)
    # the objective and the budget are read from the study
    others = [_worker(tmp_path, url, "--study", "shared", pause="0.3") for _ in range(2)]
    for proc in [first, *others]:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    trials = tc.load_study("shared", storage=url).trials
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    assert len({(t.params["x"], t.params["y"]) for t in trials}) == 24
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) >= 2


def test_stop_ends_every_worker_and_ctrl_c_leaves_nothing_running(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = _new_study(url, "endless")
    runner = _worker(tmp_path, url, "--study", "endless", "--objective", "train:objective")
    slow = _worker(tmp_path, url, "--study", "endless", "--objective", "train:objective", pause="30")
    try:
        _wait_for(lambda: len(study.trials) >= 5 and any(
            t.state is TrialState.RUNNING and t.system_attrs["worker"]["pid"] == slow.pid
            for t in study.trials))
        slow.send_signal(signal.SIGINT)  # Ctrl-C in the middle of a 30 s trial
        _, err = slow.communicate(timeout=120)  # hang guards only
        assert slow.returncode == 130, err.decode()
        stop = subprocess.run([sys.executable, "-m", "tiaocan", "stop", "--storage", url, "endless"],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                              capture_output=True, text=True, timeout=120)
        assert stop.returncode == 0 and "stopped" in stop.stdout
        _, err = runner.communicate(timeout=120)
        assert runner.returncode == 0, err.decode()
    finally:  # a failure above leaves no worker running into the next test
        for proc in (runner, slow):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    trials = study.trials
    assert not [t for t in trials if t.state is TrialState.RUNNING]
    interrupted = [t for t in trials if t.system_attrs.get("interrupted")]
    assert len(interrupted) == 1 and interrupted[0].system_attrs["worker"]["pid"] == slow.pid
