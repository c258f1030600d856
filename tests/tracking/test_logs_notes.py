from __future__ import annotations

import sys
import threading

import pytest

import tiaocan as tc
from tiaocan.storage import artifact_root
from tiaocan.tracking import export
from tiaocan.tracking.logs import capture_logs, log_dir, read_log
from tiaocan.tracking.notes import get_note

SPACE = tc.Space(x=tc.Float(0, 1))


def _noisy(trial):
    print(f"training trial {trial.number}")
    print(f"warning from {trial.number}", file=sys.stderr)
    return trial.params["x"]


def test_optimize_captures_each_trials_output(sqlite_url, capsys):
    study = tc.create_study("logs", space=SPACE, storage=sqlite_url, seed=0)
    study.optimize(_noisy, n_trials=3, capture_logs=True)
    for n in range(3):
        assert read_log(study.storage, "logs", n) == f"training trial {n}\n"
        assert read_log(study.storage, "logs", n, "stderr") == f"warning from {n}\n"
    assert "training trial 2" in capsys.readouterr().out  # still reaches the terminal
    assert log_dir(study.storage, "logs", 1) == artifact_root(study.storage) / "logs" / "1"
    again = tc.load_study("logs", storage=sqlite_url)
    again.optimize(_noisy, n_trials=1)  # the setting is stored with the study
    assert read_log(again.storage, "logs", 3) == "training trial 3\n"
    again.optimize(_noisy, n_trials=1, capture_logs=False)
    assert read_log(again.storage, "logs", 4) is None


def test_threads_write_to_their_own_logs(tmp_path):
    barrier = threading.Barrier(2)

    def work(i):
        with capture_logs(tmp_path / str(i)):
            barrier.wait()
            for _ in range(50):
                print(f"thread {i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert (tmp_path / str(i) / "stdout.log").read_text() == f"thread {i}\n" * 50
    assert type(sys.stdout).__name__ != "_Dispatch"  # restored afterwards


def test_read_log_cuts_long_logs_and_checks_the_stream(tmp_path, monkeypatch):
    monkeypatch.setenv("TIAOCAN_ARTIFACTS", str(tmp_path))
    storage = tc.create_study("s", space=SPACE, storage=":memory:").storage
    with capture_logs(log_dir(storage, "s", 0)):
        print("x" * 1000)
    assert read_log(storage, "s", 0, max_bytes=10).endswith("xxxxxxxxx\n")
    with pytest.raises(tc.ConfigError, match="stream"):
        read_log(storage, "s", 0, "stdin")


def test_notes_on_study_and_trial():
    study = tc.create_study("n", space=SPACE, storage=":memory:", seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=2)
    study.set_note("first try <b>")
    study.set_note("looks good", trial=1)
    assert get_note(study) == "first try <b>" and study.user_attrs["note"] == "first try <b>"
    assert get_note(study, 1) == "looks good" and get_note(study, 0) is None
    with pytest.raises(tc.ConfigError, match="trial number"):
        study.set_note("x", trial=5)


class _Recorder:
    def __init__(self):
        self.seen = []

    def on_trial_complete(self, study, trial):
        self.seen.append((trial.number, trial.state))


def test_trackers_hear_every_finished_trial_and_never_fail_the_study(caplog):
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0)
    rec = _Recorder()

    class Broken:
        def on_trial_complete(self, study, trial):
            raise RuntimeError("exporter down")

    study.add_tracker(rec)
    study.add_tracker(Broken())

    def objective(t):
        if t.number == 1:
            raise ValueError("bad")
        return t.params["x"]

    study.optimize(objective, n_trials=3)
    assert rec.seen == [(0, tc.TrialState.COMPLETE), (1, tc.TrialState.FAILED), (2, tc.TrialState.COMPLETE)]
    assert "exporter down" in caplog.text
    later = _Recorder()
    assert export(study, later) == 3 and later.seen == rec.seen
    with pytest.raises(tc.ConfigError, match="on_trial_complete"):
        study.add_tracker(object())
