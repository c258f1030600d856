"""Run every (problem, optimizer, seed) once and keep the values, saved after each run."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from benchmarks.problems import Problem, get_problem
from benchmarks.samplers.peers import OPTIMIZERS, available

__all__ = ["load_runs", "run_all"]

log = logging.getLogger("benchmarks.samplers")


def load_runs(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text()) if path.exists() else {}


def run_all(problems: list[str], optimizers: list[str], seeds: int | Iterable[int], budget: int,
            path: Path, resume: bool = True) -> dict[str, dict]:
    """Runs keyed ``problem/optimizer/seed`` → {values, seconds}; finished keys are kept.

    ``seeds``: a count (seeds 0..n-1) or the seeds themselves, so runs can be split between
    processes that write to different files.
    """
    seeds = range(seeds) if isinstance(seeds, int) else list(seeds)
    runs = load_runs(path) if resume else {}
    missing = [o for o in optimizers if not available(o)]
    for name in missing:
        print(f"skipping {name}: its package is not installed (see benchmarks/requirements.txt)")
    for pname in problems:
        problem = get_problem(pname)
        for opt in [o for o in optimizers if o not in missing]:
            for seed in seeds:
                key = f"{pname}/{opt}/{seed}"
                if key in runs and len(runs[key]["values"]) >= budget:
                    continue
                start = time.perf_counter()
                try:
                    values = _run(problem, opt, budget, seed)
                except Exception as exc:  # noqa: BLE001 - a peer's failure is reported, not fatal
                    print(f"{key}: failed: {type(exc).__name__}: {exc}")
                    continue
                runs[key] = {"values": values, "seconds": time.perf_counter() - start}
                path.write_text(json.dumps(runs))
                best = min(values) if values else float("nan")
                print(f"{key}: best {best:.6g} in {runs[key]['seconds']:.1f}s", flush=True)
    return runs


def _run(problem: Problem, opt: str, budget: int, seed: int) -> list[float]:
    """The values in order; on a noisy problem the optimizer sees noise, the record does not."""
    if not problem.noise:
        return OPTIMIZERS[opt](problem, budget, seed)[:budget]
    rng = np.random.default_rng([seed, 7919])  # the same noise sequence for every optimizer
    clean: list[float] = []

    def noisy(x):
        clean.append(float(problem.f(x)))
        return clean[-1] + problem.noise * float(rng.normal())

    OPTIMIZERS[opt](dataclasses.replace(problem, f=noisy), budget, seed)
    return clean[:budget]
