"""The ``tiaocan`` command line.

Each sub-command lives in its own module with ``register(subparsers)``; the list below is the
whole set. User mistakes (bad YAML, unknown study, bad URL) end in one clear line, exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from tiaocan.errors import TiaocanError

__all__ = ["COMMAND_MODULES", "main"]

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


def build_parser() -> argparse.ArgumentParser:
    from tiaocan import __version__
    from tiaocan.storage import DEFAULT_STORAGE

    parser = argparse.ArgumentParser(prog="tiaocan", description="Hyperparameter tuning: run, "
                                     "inspect and export studies.")
    parser.add_argument("--version", action="version", version=f"tiaocan {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--storage", default=DEFAULT_STORAGE,
                        help=f"storage URL (default: {DEFAULT_STORAGE})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="tiaocan: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
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

