"""``tiaocan reproduce STUDY TRIAL``: what is needed to re-run a trial, checked against now.

Prints the configuration, seeds, budget, code revision, package versions and hardware that
the trial's worker recorded, then one warning per difference with the current environment.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("reproduce", parents=[common],
                       help="show how to re-run a trial and check the environment")
    p.add_argument("study")
    p.add_argument("trial", type=int, help="trial number")
    p.add_argument("--json", action="store_true", help="print the recipe as JSON")
    p.add_argument("--strict", action="store_true", help="exit 1 when the environment differs")
    p.set_defaults(func=cmd_reproduce)


def recipe(study: Any, number: int) -> dict[str, Any]:
    """Everything recorded that a re-run of trial ``number`` needs."""
    from tiaocan.errors import ConfigError

    trials = study.trials
    if not 0 <= number < len(trials):
        raise ConfigError(f"trial must be in [0, {len(trials) - 1}] for study {study.name!r}, "
                          f"received {number}")
    t = trials[number]
    attrs = study.attrs
    env_id = (t.system_attrs.get("worker") or {}).get("env")
    env = attrs.get(f"env:{env_id}") if env_id else None
    return {"study": study.name, "trial": t.number, "state": t.state.value,
            "values": list(t.values) if t.values else None, "params": dict(t.params),
            "seed": t.seed, "study_seed": study.seed, "budget": t.budget,
            "sampler": attrs.get("sampler"), "scheduler": attrs.get("scheduler"),
            "environment_id": env_id, "environment": env or attrs.get("manifest") or {},
            "environment_source": "trial worker" if env else "study creation"}


def cmd_reproduce(args: argparse.Namespace) -> int:
    from tiaocan.storage import get_storage
    from tiaocan.study import load_study
    from tiaocan.tracking.manifest import compare

    r = recipe(load_study(args.study, storage=get_storage(args.storage, must_exist=True)), args.trial)
    env = r["environment"]
    diffs = compare(env) if env else ["no environment was recorded for this trial"]
    if args.json:
        print(json.dumps({**r, "differences": diffs}, indent=2, default=str))
        return 1 if args.strict and diffs else 0
    git = env.get("git") or {}
    print(f"trial {r['trial']} of {r['study']} ({r['state']}, value {r['values']})")
    print("configuration:")
    for k, v in r["params"].items():
        print(f"  {k} = {v!r}")
    print(f"seed: {r['seed']} (trial), {r['study_seed']} (study); budget: {r['budget']}")
    print(f"code: {env.get('main')} at revision {git.get('revision', 'unknown')}"
          f"{' (dirty)' if git.get('dirty') else ''}; command: {' '.join(env.get('argv') or [])}")
    print(f"python {env.get('python')} on {env.get('platform')}")
    print("packages: " + ", ".join(f"{k}=={v}" for k, v in (env.get("packages") or {}).items()))
    print(f"hardware: {env.get('cpu')} × {env.get('cpu_count')}; GPUs: {env.get('gpus') or 'none'}"
          f" (recorded by the {r['environment_source']})")
    for line in diffs:
        print(f"WARNING: {line}")
    if not diffs:
        print("the current environment matches the recorded one")
    return 1 if args.strict and diffs else 0
