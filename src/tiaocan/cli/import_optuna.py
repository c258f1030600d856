"""``tiaocan import-optuna --from OPTUNA_URL [--study NAME] --to URL``: Optuna studies in
tiaocan."""

from __future__ import annotations

import argparse
import time
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import-optuna", help="copy Optuna studies (trials, values, curves, "
                       "attributes) into a tiaocan storage")
    p.add_argument("--from", dest="source", required=True, metavar="OPTUNA_STORAGE",
                   help="Optuna storage URL (sqlite:///optuna.db, postgresql://…) or "
                   "journal file")
    p.add_argument("--study", default=None, help="import only this study (default: all)")
    p.add_argument("--to", dest="target", default=None, metavar="URL",
                   help="tiaocan storage URL (default: sqlite:///tiaocan.db)")
    p.set_defaults(func=cmd_import_optuna)


def cmd_import_optuna(args: argparse.Namespace) -> int:
    from tiaocan.errors import require

    require("optuna", "optuna", "tiaocan import-optuna")
    from tiaocan.integration._optuna_import import _masked
    from tiaocan.integration.optuna import import_optuna
    from tiaocan.storage import DEFAULT_STORAGE

    began = time.perf_counter()
    target = args.target or DEFAULT_STORAGE
    names = import_optuna(args.source, target, args.study)
    seconds = time.perf_counter() - began
    for name in names:
        print(f"imported {name!r}")
    shown = _masked(target)
    print(f"{len(names)} stud{'y' if len(names) == 1 else 'ies'} imported into {shown} "
          f"in {seconds:.1f} s; open them with: tiaocan dashboard --storage {shown}")
    return 0
