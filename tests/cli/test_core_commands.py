from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.cli import main
from tiaocan.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    study = tc.create_study("s<1>", space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical(["a", "b"])),
                            storage=url, seed=0, direction="maximize",
                            # auto without its cost rule: an instant objective on a loaded
                            # machine would move it to random search after five trials
                            sampler=tc.samplers.AutoSampler(max_cost_fraction=None))
    study.optimize(lambda t: t.params["x"], n_trials=5)
    return url


def test_studies_trials_best(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["studies", "--storage", stored]) == 0
    out = capsys.readouterr().out
    assert "s<1>" in out and "5" in out and "maximize" in out
    assert main(["trials", "s<1>", "--storage", stored]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 7  # what proposes, the column names, five trials
    assert lines[0].startswith("study 's<1>': sampler auto chose gp: ")
    assert "(so far: 5 gp)" in lines[0]
    assert main(["best", "s<1>", "--storage", stored, "--json"]) == 0
    best = json.loads(capsys.readouterr().out)[0]
    study = tc.load_study("s<1>", storage=stored)
    assert best["number"] == study.best_trial.number and best["params"] == study.best_params


def test_export_csv_and_json(stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "s<1>", "--storage", stored, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 5 and {"number", "state", "value", "params_x", "params_c"} <= set(rows[0])
    out = tmp_path / "t.json"
    assert main(["export", "s<1>", "--storage", stored, "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [r["number"] for r in data] == list(range(5))


def test_delete(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delete", "s<1>", "--storage", stored, "--yes"]) == 0
    assert tc.list_studies(stored) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["best", "nope"], "no study named 'nope'"),
        (["studies", "--storage", "mysql://x"], "storage must be"),
        (["run", "missing.yaml"], "not found"),
    ],
)
def test_user_errors_are_one_line(argv: list[str], message: str, stored: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    if "--storage" not in argv:
        argv = [*argv, "--storage", stored]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


SPEC = """
objective: objmod:objective
study: yaml-study
sampler: sobol
direction: minimize
seed: 3
n_trials: 6
space:
  x: {type: float, low: -2, high: 2}
  lr: {type: float, low: 1e-5, high: 1e-1, log: true}
  kind: {type: categorical, choices: [a, b]}
  depth: {type: int, low: 1, high: 4, when: {kind: b}}
"""


def test_run_yaml_spec(tmp_path: Path) -> None:
    (tmp_path / "objmod.py").write_text("def objective(trial):\n    return trial.params['x'] ** 2\n")
    (tmp_path / "spec.yaml").write_text(SPEC)
    url = f"sqlite:///{tmp_path / 'run.db'}"
    result = subprocess.run([sys.executable, "-m", "tiaocan.cli", "run", str(tmp_path / "spec.yaml"),
                             "--storage", url], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "best value" in result.stdout
    assert "\r" not in result.stderr  # no progress bar when not a terminal
    assert "study 'yaml-study': sampler SobolSampler" in result.stderr  # what proposes
    study = tc.load_study("yaml-study", storage=url)
    assert len(study.trials) == 6 and study.seed == 3
    assert all(("depth" in t.params) == (t.params["kind"] == "b") for t in study.trials)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("objective: [1\n", "invalid YAML"),
        ("objective: m:f\nspace: {x: {type: float, low: 1, high: 0}}\nbogus: 1\n", "unknown key(s) ['bogus']"),
        ("objective: m:f\nspace: {x: {type: float, low: 1, high: 0}}\n", "'x'"),
        ("objective: nocolon\nspace: {x: {type: float, low: 0, high: 1}}\n", "module:function"),
    ],
)
def test_bad_specs(tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    assert main(["run", str(spec), "--storage", f"sqlite:///{tmp_path / 'b.db'}"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_progress_bar_draws_only_on_a_terminal() -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, loud = io.StringIO(), Tty()
    with Progress(study, 4, None, stream=quiet):
        study.optimize(lambda t: t.params["x"], n_trials=2, show_progress=False)
    assert quiet.getvalue() == ""
    with Progress(study, 4, None, stream=loud, interval=0.01) as bar:
        study.optimize(lambda t: t.params["x"], n_trials=2, show_progress=False)
        bar.update()
    assert "2/4" in loud.getvalue() and "best=" in loud.getvalue()
