"""``tiaocan studies | trials | best | export | delete``: look at what is stored."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tiaocan.export import format_value, trial_records, write_csv, write_json
from tiaocan.errors import ConfigError
from tiaocan.storage import get_storage, shown_url
from tiaocan.study import load_study
from tiaocan.study_config import describe_search
from tiaocan.outcome import full_budget, shown_state
from tiaocan.trial import TrialState
from tiaocan.viz.meta import metric_names


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import positive_int

    p = sub.add_parser("studies", parents=[common], help="list the studies in a storage")
    p.set_defaults(func=cmd_studies)
    p = sub.add_parser("trials", parents=[common], help="list a study's trials")
    p.add_argument("study")
    p.add_argument("--state", choices=[s.value for s in TrialState], help="only this state")
    p.add_argument("--limit", type=positive_int, default=None, help="only the last N trials")
    p.set_defaults(func=cmd_trials)
    p = sub.add_parser("best", parents=[common], help="the best trial (the Pareto front)")
    p.add_argument("study")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_best)
    p = sub.add_parser("export", parents=[common], help="export a study's trials")
    p.add_argument("study")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("delete", parents=[common], help="delete a study and its trials")
    p.add_argument("study")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_delete)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


_fmt = format_value


def _open(args: argparse.Namespace) -> Any:
    """The study named on the command line, from a database that must already exist."""
    return load_study(args.study, storage=get_storage(args.storage, must_exist=True))


def cmd_studies(args: argparse.Namespace) -> int:
    storage = get_storage(args.storage, must_exist=True)
    rows = []
    for record in storage.list_studies():
        counts = storage.count_trials(record.study_id)
        total = sum(counts.values())
        done = counts[TrialState.COMPLETE]
        rows.append([record.name, str(total), str(done), str(counts[TrialState.FAILED]),
                     ",".join(d.value for d in record.directions), str(record.seed)])
    if not rows:
        print(f"no studies in {shown_url(storage.url)}")
        return 0
    print(_table(rows, ["study", "trials", "complete", "failed", "direction", "seed"]))
    return 0


def cmd_trials(args: argparse.Namespace) -> int:
    study = _open(args)
    trials = study.trials
    full = full_budget(study.attrs)  # a trial left at a low rung shows as pruned
    if args.state:
        trials = [t for t in trials if shown_state(t, full) == args.state]
    if args.limit:
        trials = trials[-args.limit:]
    names = list(study.space.names)
    metrics = metric_names(study.attrs, len(study.directions))
    rows = [[str(t.number), shown_state(t, full)]
            + [_fmt(t.values[i] if t.values else None) for i in range(len(metrics))]
            + [_fmt(t.budget)] + [_fmt(t.params.get(n)) for n in names] for t in trials]
    header = ["value"] if metrics == ["objective"] else metrics
    print(f"study {study.name!r}: {describe_search(study)}")  # what proposes (auto: why)
    print(_table(rows, ["#", "state", *header, "budget", *names]))
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    study = _open(args)
    best = study.best_trials if len(study.directions) > 1 else [study.best_trial]
    if args.json:
        print(json.dumps([{"number": t.number, "values": list(t.values or ()), "params": dict(t.params),
                           "seed": t.seed} for t in best], indent=2))
        return 0
    for t in best:
        print(f"trial {t.number}: value {_fmt(t.values)}")
        for k, v in t.params.items():
            print(f"  {k} = {v!r}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    study = _open(args)
    records = trial_records(study)
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="", encoding="utf-8")
    try:
        (write_csv if args.format == "csv" else write_json)(records, out)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    storage = get_storage(args.storage, must_exist=True)
    storage.get_study(args.study)  # a clear error for an unknown name, before asking
    if not args.yes:
        if not sys.stdin.isatty():  # a script or a pipe cannot confirm: it says --yes
            raise ConfigError(f"delete {args.study!r}: input is not a terminal, so nothing can "
                              "be confirmed; add --yes to delete without asking")
        answer = input(f"delete study {args.study!r} and all its trials? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return 1
    storage.delete_study(args.study)
    print(f"deleted {args.study}")
    return 0
