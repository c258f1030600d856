"""``tiaocan report STUDY -o report.html``: a self-contained HTML report that opens offline."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import positive_int

    p = sub.add_parser("report", parents=[common], help="write a study's HTML report")
    p.add_argument("study")
    p.add_argument("-o", "--output", default="report.html", help="file to write (default report.html)")
    p.add_argument("--top", type=positive_int, default=50, help="best trials listed (default 50)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from tiaocan.dashboard.report import write_report
    from tiaocan.study import load_study

    from tiaocan.storage import get_storage

    study = load_study(args.study, storage=get_storage(args.storage, must_exist=True))
    out = write_report(study, args.output, args.top)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0
