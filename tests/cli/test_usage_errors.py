"""Every command-line mistake is one line on stderr and exit code 2; ``--help`` stays whole."""

from __future__ import annotations

from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.cli import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]

# (argv, what the line must name): argparse's own refusals, then values out of range
MISTAKES = [
    ([], "COMMAND"), (["nope"], "invalid choice"), (["--bogus"], "COMMAND"),
    (["studies", "extra"], "unrecognized"), (["trials"], "study"),
    (["trials", "s", "--limit", "x"], "--limit"), (["trials", "s", "--limit", "0"], "--limit"),
    (["trials", "s", "--state", "weird"], "--state"), (["best"], "study"),
    (["export", "s", "--format", "xml"], "--format"), (["delete"], "study"),
    (["run"], "spec"), (["run", "a.yaml", "--n-trials", "-1"], "--n-trials"),
    (["run", "a.yaml", "--n-workers", "0"], "--n-workers"),
    (["demo", "--dataset", "cifar"], "--dataset"), (["demo", "--timeout", "nan"], "--timeout"),
    (["demo", "--n-workers", "0"], "--n-workers"), (["demo", "--max-epochs", "-2"], "--max-epochs"),
    (["demo", "--seed", "1.5"], "--seed"), (["dashboard", "--port", "99999"], "--port"),
    (["dashboard", "--port", "-1"], "--port"), (["dashboard", "--port", "http"], "--port"),
    (["report"], "study"), (["report", "s", "--top", "-1"], "--top"),
    (["reproduce", "s"], "trial"), (["reproduce", "s", "one"], "trial"),
    (["note"], "study"), (["note", "s", "--trial", "x"], "--trial"),
    (["import-optuna"], "--from"), (["worker"], "--study"),
    (["worker", "--study", "s", "--n-trials", "-5"], "--n-trials"),
    (["worker", "--study", "s", "--timeout", "inf"], "--timeout"), (["stop"], "study"),
]


def test_every_command_has_a_mistake_checked() -> None:
    named = {argv[0] for argv, _ in MISTAKES if argv and argv[0] in COMMANDS}
    assert named == set(COMMANDS)


@pytest.mark.parametrize(("argv", "named"), MISTAKES, ids=[" ".join(a) or "-" for a, _ in MISTAKES])
def test_a_usage_mistake_is_one_line_and_exit_2(argv: list[str], named: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    before = (tmp_path / "u.db").read_bytes()
    storage = ["--storage", url] if argv and argv[0] in COMMANDS and argv[0] != "import-optuna" else []
    assert main([*argv, *storage]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("tiaocan: error: "), err
    assert named in lines[0] and "usage:" not in err and out == ""
    assert (tmp_path / "u.db").read_bytes() == before  # nothing stored changed


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_still_the_whole_usage(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tiaocan {command}") and "options:" in out and "-h, --help" in out
