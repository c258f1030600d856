"""Many processes on one study, dead, paused and late workers, skewed clocks, Ctrl-C: against
real SQLite files and a real PostgreSQL server, with the heartbeat settings users get."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan import loop
from tiaocan.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, time, tiaocan as tc
    # Ctrl-C as at a terminal, even when the suite runs in a background job (where the shell
    # starts processes with SIGINT ignored and Python then never raises KeyboardInterrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    url, name, n, mode, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    space = tc.Space(x=tc.Float(0.0, 1.0), k=tc.Int(1, 4))
    options = {"heartbeat_interval": 0.2, "heartbeat_grace": 1.0} if mode == "pause" else {}
    study = tc.create_study(name, space=space, storage=url, seed=7, load_if_exists=True,
                            sampler="grid" if mode == "grid" else "random", **options)

    def mark(path):  # written whole, then renamed: the test never reads a half-written pid
        with open(path + ".tmp", "w") as out:
            out.write(str(os.getpid()))
        os.replace(path + ".tmp", path)

    def objective(trial):
        for step in range(3):
            trial.report(trial.params["x"] + step, step=step)
        first = trial.number == 0 and "retry_of" not in trial.record.system_attrs
        if mode in ("kill", "pause") and first:
            mark(flag + ".pid")
            while not os.path.exists(flag + ".go"):  # the test kills or pauses us meanwhile
                time.sleep(0.02)
        if mode == "hang-workers":
            mark(flag + f".{trial.number}")
            time.sleep(60)
        if mode == "deaf-worker" and trial.number == 0:  # a worker that ignores Ctrl-C
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            mark(flag + ".0")
            time.sleep(60)
        return trial.params["x"]

    workers = {"hang-workers": 2, "kill": 2, "pause": 2, "deaf-worker": 2}.get(mode, 1)
    executor = tc.executors.ProcessExecutor(interrupt_grace=1.0) if mode == "deaf-worker" else None
    study.optimize(objective, n_trials=n, n_workers=workers, show_progress=False, executor=executor)
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


def _finish(proc: subprocess.Popen[bytes], timeout: float = 240) -> str:
    _, err = proc.communicate(timeout=timeout)
    text = err.decode()
    assert proc.returncode == 0, text
    assert "Traceback" not in text and "locked" not in text, text
    return text


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _configs(trials) -> set[tuple]:
    return {tuple(sorted(t.params.items())) for t in trials if t.state is TrialState.COMPLETE}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_eight_processes_never_repeat_a_configuration(backend: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    per = 50 if backend == "sqlite" else 25  # a local PostgreSQL server is slower to share
    procs = [_spawn(tmp_path, url, "shared", str(per), "random", "-") for _ in range(8)]
    for p in procs:
        _finish(p)
    trials = tc.load_study("shared", storage=url).trials
    assert [t.number for t in trials] == list(range(8 * per))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all([r.step for r in t.reports] == [0, 1, 2] for t in trials)
    # the same draw stored twice would be a wasted trial: as many configurations as trials
    assert len(_configs(trials)) == 8 * per
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) == 8


def test_grid_points_are_never_handed_out_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    procs = [_spawn(tmp_path, url, "grid", "100", "grid", "-") for _ in range(4)]
    for p in procs:
        _finish(p)
    trials = tc.load_study("grid", storage=url).trials
    configs = [tuple(sorted(t.params.items())) for t in trials]
    assert len(configs) == 5 * 4 == len(set(configs))


def test_a_sigkilled_worker_is_noticed_and_its_trial_rerun_with_default_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    flag = str(tmp_path / "started")
    run = _spawn(tmp_path, url, "killed", "6", "kill", flag)
    _wait_for(lambda: os.path.exists(flag + ".pid"))
    worker = int(Path(flag + ".pid").read_text())
    os.kill(worker, signal.SIGKILL)
    _finish(run)
    study = tc.load_study("killed", storage=url)
    assert study.heartbeat_grace == 30.0  # the defaults
    trials = study.trials
    # failed because the parent saw its worker process end, not after the 30 s grace
    assert trials[0].state is TrialState.FAILED and "killed by signal 9" in trials[0].error
    retried = [t for t in trials if t.system_attrs.get("retry_of") == 0]
    assert len(retried) == 1 and retried[0].state is TrialState.COMPLETE
    assert retried[0].params == trials[0].params
    # 6 trials asked for: 6 finished configurations, nothing left waiting or running
    assert len(_configs(trials)) == 6
    assert all(t.state.is_finished for t in trials)


def test_a_paused_worker_that_comes_back_late_never_crashes_the_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    flag = str(tmp_path / "started")
    run = _spawn(tmp_path, url, "paused", "6", "pause", flag)
    _wait_for(lambda: os.path.exists(flag + ".pid"))
    worker = int(Path(flag + ".pid").read_text())
    os.kill(worker, signal.SIGSTOP)  # a laptop lid, a stalled machine: alive but silent
    try:
        study = tc.load_study("paused", storage=url)
        _wait_for(lambda: study.trials[0].state is TrialState.FAILED)  # declared lost
    finally:
        Path(flag + ".go").touch()
        os.kill(worker, signal.SIGCONT)
    _finish(run)
    trials = study.trials
    assert "late_result" in trials[0].system_attrs  # its result was kept, not thrown away
    assert len(_configs(trials)) == 6
    assert all(t.state.is_finished for t in trials)


def test_a_late_result_cancels_a_retry_that_has_not_started(sqlite_url: str) -> None:
    study = tc.create_study("late", space=tc.Space(x=tc.Float(0, 1)), storage=sqlite_url,
                            sampler="random", seed=1)
    record = loop.ask(study)
    other = tc.load_study("late", storage=sqlite_url)
    other.heartbeat_grace = 1e-6  # as if the worker had been silent past the grace

    def objective(trial: tc.Trial) -> float:
        time.sleep(0.01)
        assert loop.fail_stale_trials(other, force=True) == [trial.record.trial_id]
        return 0.5

    assert loop.run_trial(study, objective, record, heartbeat=False) is TrialState.COMPLETE
    first, retry = study.trials
    assert first.state is TrialState.COMPLETE and first.values == (0.5,)
    assert first.system_attrs["late_result"]["values"] == [0.5]
    assert retry.state is TrialState.FAILED and retry.system_attrs["cancelled"]


def test_a_late_result_beside_a_running_retry_is_kept_and_does_not_raise(sqlite_url: str) -> None:
    study = tc.create_study("late2", space=tc.Space(x=tc.Float(0, 1)), storage=sqlite_url,
                            sampler="random", seed=1)
    record = loop.ask(study)
    other = tc.load_study("late2", storage=sqlite_url)
    other.heartbeat_grace = 1e-6

    def objective(trial: tc.Trial) -> float:
        time.sleep(0.01)
        loop.fail_stale_trials(other, force=True)
        retry = loop.ask(other)  # another worker starts the retry meanwhile
        assert retry.system_attrs["retry_of"] == 0
        return 0.5

    assert loop.run_trial(study, objective, record, heartbeat=False) is TrialState.FAILED
    first, retry = study.trials
    assert first.state is TrialState.FAILED
    assert first.system_attrs["late_result"] == {"state": "complete", "values": [0.5]}
    assert retry.state is TrialState.RUNNING


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_worker_with_a_skewed_clock_never_fails_a_live_trial(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    study = tc.create_study("skew", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=0)
    live = loop.ask(study)  # a running trial whose heartbeat was just written
    study.storage.heartbeat(live.trial_id)
    real = time.time
    for skew in (31.0, -31.0):  # the checking host's clock 31 s ahead of / behind the others
        monkeypatch.setattr(time, "time", lambda: real() + skew)
        checker = tc.load_study("skew", storage=url)  # default grace: 30 s
        assert loop.fail_stale_trials(checker, force=True) == []
        checker.storage.heartbeat(live.trial_id)  # a skewed worker's heartbeat is on time too
        monkeypatch.setattr(time, "time", real)
        assert loop.fail_stale_trials(tc.load_study("skew", storage=url), force=True) == []
    assert study.trials[0].state is TrialState.RUNNING


def test_a_retry_does_not_spend_a_ticket(storage_url: str) -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=storage_url, sampler="random",
                            seed=2, max_retries=1)
    attempts: list[int] = []

    def objective(trial: tc.Trial) -> float:
        attempts.append(trial.number)
        if trial.number == 2:
            raise RuntimeError("a transient failure")
        return trial.params["x"]

    study.optimize(objective, n_trials=5)
    trials = study.trials
    assert [t.state for t in trials].count(TrialState.FAILED) == 1
    assert len(_configs(trials)) == 5  # 5 asked for, 5 finished configurations
    assert not [t for t in trials if t.state is TrialState.WAITING]


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
    # the queued configurations run first, and without spending the 4 new trials asked for
    assert {t.params["x"] for t in after[2:4]} == {t.params["x"] for t in interrupted}
    assert len(after) == 2 + 2 + 4


def test_ctrl_c_gives_back_the_trial_of_a_worker_that_had_to_be_terminated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deaf.db'}"
    flag = str(tmp_path / "started")
    proc = _spawn(tmp_path, url, "deaf", "6", "deaf-worker", flag)
    _wait_for(lambda: os.path.exists(flag + ".0"))
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert b"KeyboardInterrupt" in err and time.monotonic() - began < 30, err.decode()
    trials = tc.load_study("deaf", storage=url).trials
    assert not [t for t in trials if t.state is TrialState.RUNNING]
    assert trials[0].state is TrialState.FAILED and trials[0].system_attrs.get("interrupted")
    assert trials[0].params in [t.params for t in trials if t.state is TrialState.WAITING]  # queued again


def test_threads_stop_claiming_once_ctrl_c_is_seen_even_if_its_exception_was_lost() -> None:
    # The main thread's SIGINT handler sets the stop flag before raising; an objective stands in
    # for a handler whose KeyboardInterrupt Python dropped (it fell in a finalizer)
    from tiaocan.executors.base import request_stop

    study = tc.create_study(space=tc.Space(x=tc.Float(0.0, 1.0)), storage=":memory:", sampler="random", seed=0)

    def objective(trial: tc.Trial) -> float:
        if trial.number == 3:
            request_stop()
        else:  # long enough that the other thread is inside one trial when the flag is set
            time.sleep(0.1)
        return trial.params["x"]

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=40, n_workers=2, executor=tc.executors.ThreadExecutor())
    for thread in threading.enumerate():  # the executor's worker threads outlive the raise
        if thread.name.endswith("(target)"):
            thread.join(10)
    # new trials: at most those the two threads held at that moment (an interrupted one may
    # leave a retry record, cancelled when its late result arrives)
    assert len([t for t in study.trials if "retry_of" not in t.system_attrs]) <= 3 + 2


@pytest.mark.parametrize("grace", [-1, "30", True, float("nan")])
def test_interrupt_grace_must_be_a_number_of_seconds(grace: object) -> None:
    with pytest.raises(tc.errors.ConfigError, match=r"interrupt_grace must be .* received"):
        tc.executors.ProcessExecutor(interrupt_grace=grace)  # type: ignore[arg-type]
