"""The progress display in a real terminal (tmux), in a real Jupyter kernel, and when quiet."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.progress import Progress

N_TRIALS = 8
SCRIPT = textwrap.dedent(f"""
    import tiaocan as tc

    def objective(trial):
        if trial.number % 4 == 3:
            raise RuntimeError(f"boom {{trial.number}}")
        return trial.params["x"]

    study = tc.create_study("bar", space=tc.Space(x=tc.Float(0, 1)), storage=":memory:",
                            sampler="random", seed=0)
    study.optimize(objective, n_trials={N_TRIALS})
""")
FAILED = [f"trial {n} failed: RuntimeError: boom {n}" for n in (3, 7)]


def segments(text: str) -> list[str]:
    """What a terminal shows line by line: text split at newlines and carriage returns."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # cursor and colour sequences
    return [s.strip() for s in re.split(r"[\r\n]", text) if s.strip()]


def assert_counts_up_and_logs_apart(text: str) -> None:
    shown = segments(text)
    bars = [s for s in shown if s.startswith("bar:")]
    assert any(f" 0/{N_TRIALS} " in s for s in bars), bars[:3]
    final = [s for s in bars if f"{N_TRIALS}/{N_TRIALS}" in s]
    assert final and "failed=2" in final[-1] and "pruned=0" in final[-1] and "best=" in final[-1]
    assert re.search(r"trials?/s|s/trial", final[-1])
    for message in FAILED:  # each failure on a line of its own, never glued to the bar
        assert message in shown, shown
        assert not any(message in s and s != message for s in shown), shown


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
def test_terminal_bar_counts_up_with_failures_on_their_own_lines(tmp_path: Path) -> None:
    (tmp_path / "run.py").write_text(SCRIPT, encoding="utf-8")
    raw, done = tmp_path / "raw.txt", tmp_path / "done"
    tmux = ["tmux", "-L", f"tiaocan-test-{os.getpid()}", "-f", os.devnull]
    # The command waits until everything it prints is piped to raw.txt.
    command = (f"while [ ! -e {tmp_path}/piping ]; do sleep 0.05; done; "
               f"cd {tmp_path} && {sys.executable} run.py; touch {done}; sleep 60")
    subprocess.run([*tmux, "new-session", "-d", "-s", "t", "-x", "160", "-y", "40", command],
                   check=True)
    try:
        subprocess.run([*tmux, "pipe-pane", "-t", "t", "-o", f"cat >> {raw}"], check=True)
        (tmp_path / "piping").touch()
        _wait_for(done)
        screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "t"], check=True,
                                capture_output=True, text=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    assert_counts_up_and_logs_apart(raw.read_text(encoding="utf-8", errors="replace"))
    lines = [line.strip() for line in screen.splitlines() if line.strip()]
    assert lines[0] == "study 'bar': sampler RandomSampler"  # what proposes, once
    assert lines[1:3] == FAILED  # above the bar, which stays the last line
    assert lines[3].startswith("bar:") and f"{N_TRIALS}/{N_TRIALS}" in lines[3]


def test_jupyter_kernel_shows_the_bar_with_failures_on_their_own_lines(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SCRIPT)])
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o["output_type"] == "error"]
    stderr = "".join(o.get("text", "") for o in outputs
                     if o["output_type"] == "stream" and o["name"] == "stderr")
    assert_counts_up_and_logs_apart(stderr)


def test_quiet_when_not_interactive(capsys: pytest.CaptureFixture[str]) -> None:
    study = tc.create_study("q", space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=3)
    assert "trial" not in capsys.readouterr().err


def test_counts_are_those_of_this_call() -> None:
    study = tc.create_study("c", space=tc.Space(x=tc.Float(0, 1)), storage=":memory:",
                            sampler="random", seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=2)
    progress = Progress(study, 3, None, enabled=False)
    progress._start_number = len(study.trials)
    study.optimize(lambda t: float("nan") if t.number == 2 else t.params["x"], n_trials=3)
    counts = progress.counts()
    assert (counts["done"], counts["failed"], counts["pruned"]) == (3, 1, 0)
    assert counts["best"] == study.best_value


def _wait_for(path: Path) -> None:
    # A hang guard only: the assertions never depend on how long the run took.
    for _ in range(1200):
        if path.exists():
            return
        time.sleep(0.1)
    raise AssertionError(f"the run in tmux did not finish: {path} missing")


def test_optimize_first_log_line_says_what_auto_chose_and_why(
        caplog: pytest.LogCaptureFixture) -> None:
    study = tc.create_study("a", space=tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)),
                            storage=":memory:", seed=0)
    with caplog.at_level("INFO", logger="tiaocan"):
        study.optimize(lambda t: t.params["x"], n_trials=2)
    first = caplog.records[0].getMessage()
    assert first.startswith("study 'a': sampler auto chose gp: 2 parameters")
    assert 'sampler="tpe"' in first  # the cheaper choice is named


def test_trials_left_at_a_low_rung_count_as_pruned() -> None:
    study = tc.create_study("h", space=tc.Space(x=tc.Float(0, 1)), storage=":memory:",
                            sampler="random", seed=0, scheduler="hyperband",
                            fidelity=tc.Fidelity("epoch", low=1, high=9))
    progress = Progress(study, 9, None, enabled=False)
    study.optimize(lambda t: t.params["x"] / t.budget, n_trials=9)
    counts = progress.counts()
    below = [t for t in study.trials if t.budget < 9]
    assert counts["pruned"] == len(below) > 0 and counts["done"] == 9
