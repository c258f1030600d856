"""The ``tiaocan`` command line.

Each sub-command lives in its own module with ``register(subparsers)``; the list below is the
whole set. User mistakes (bad YAML, unknown study, bad URL) end in one clear line, exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import math
import sys
from collections.abc import Sequence
from typing import NoReturn

from tiaocan.errors import TiaocanError

__all__ = ["COMMAND_MODULES", "UsageError", "UserError", "main"]

#: Modules that each add sub-commands (``register(subparsers)`` sets ``func`` on the parser).
COMMAND_MODULES = [
    "tiaocan.cli.inspect",   # studies, trials, best, export, delete
    "tiaocan.cli.run",       # run SPEC.yaml
    "tiaocan.cli.demo",      # demo
    "tiaocan.cli.dashboard", # dashboard --host --port
    "tiaocan.cli.report",    # report STUDY -o report.html
    "tiaocan.cli.reproduce", # reproduce STUDY TRIAL
    "tiaocan.cli.note",      # note STUDY [--trial N] TEXT
    "tiaocan.cli.import_optuna",  # import-optuna --from OPTUNA_URL [--study NAME] --to URL
    "tiaocan.cli.worker",    # worker --study NAME [--objective M:F], stop NAME
]


class UserError(TiaocanError):
    """A mistake in the command line or its files, reported as one line."""


class UsageError(UserError):
    """A command line argparse refused (a missing argument, an unknown option, a bad value)."""


class _Parser(argparse.ArgumentParser):
    """argparse, whose usage mistakes become one line (``main`` prints it) instead of the
    usage block plus an error; ``--help`` still prints the whole usage. Sub-command parsers
    are of this class too (argparse makes them of their parent's class)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]  # "run" of "tiaocan run"; "" for tiaocan itself
        where = f"{command}: " if command else ""
        raise UsageError(f"{where}{' '.join(message.split())} (see: {self.prog} --help)")


def positive_int(text: str) -> int:
    """An argparse type: counts (trials, workers, rows) are positive ints."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive int, received {text!r}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: durations in seconds are positive, finite numbers."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, received {text!r}")
    return value


def port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = int(text) if text.strip().isdigit() else 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, received {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from tiaocan import __version__
    from tiaocan.storage import DEFAULT_STORAGE

    parser = _Parser(prog="tiaocan", description="Hyperparameter tuning: run, "
                     "inspect and export studies.")
    parser.add_argument("--version", action="version", version=f"tiaocan {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--storage", default=DEFAULT_STORAGE,
                        help=f"storage URL (default: {DEFAULT_STORAGE})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="tiaocan: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\ntiaocan: interrupted; the study is stored and resumes with the same command",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tiaocan export ... | head`: the reader has all it wanted
        _silence_stdout()
        return 141
    except (TiaocanError, OSError) as exc:
        from tiaocan.storage import shown_url

        message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"tiaocan: error: {shown_url(message)}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

