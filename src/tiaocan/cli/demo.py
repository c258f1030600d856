"""``tiaocan demo``: the main job, end to end, on data that ships with the packages."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help="tune a real model on a bundled dataset")
    p.add_argument("--dataset", default="digits", choices=["digits"],
                   help="bundled dataset (default: digits)")
    p.add_argument("--n-trials", type=int, default=40)
    p.add_argument("--n-workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from tiaocan.demos.sklearn_svm import run_demo

    run_demo(storage=args.storage, n_trials=args.n_trials, n_workers=args.n_workers, seed=args.seed)
    return 0
