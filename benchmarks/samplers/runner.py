"""Run every (problem, optimizer, seed) once and keep the values, saved after each run."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from benchmarks.problems import get_problem
from benchmarks.samplers.peers import OPTIMIZERS, available

__all__ = ["load_runs", "run_all"]

log = logging.getLogger("benchmarks.samplers")


def load_runs(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text()) if path.exists() else {}


def run_all(problems: list[str], optimizers: list[str], seeds: int, budget: int, path: Path,
            resume: bool = True) -> dict[str, dict]:
    """Runs keyed ``problem/optimizer/seed`` → {values, seconds}; finished keys are kept."""
    runs = load_runs(path) if resume else {}
    missing = [o for o in optimizers if not available(o)]
    for name in missing:
        print(f"skipping {name}: its package is not installed (see benchmarks/requirements.txt)")
    for pname in problems:
        problem = get_problem(pname)
        for opt in [o for o in optimizers if o not in missing]:
            for seed in range(seeds):
                key = f"{pname}/{opt}/{seed}"
                if key in runs and len(runs[key]["values"]) >= budget:
                    continue
                start = time.perf_counter()
                try:
                    values = OPTIMIZERS[opt](problem, budget, seed)[:budget]
                except Exception as exc:  # noqa: BLE001 - a peer's failure is reported, not fatal
                    print(f"{key}: failed: {type(exc).__name__}: {exc}")
                    continue
                runs[key] = {"values": values, "seconds": time.perf_counter() - start}
                path.write_text(json.dumps(runs))
                best = min(values) if values else float("nan")
                print(f"{key}: best {best:.6g} in {runs[key]['seconds']:.1f}s", flush=True)
    return runs
