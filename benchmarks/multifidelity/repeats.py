"""Repeated full-budget trainings of one table row: ``python -m benchmarks.multifidelity.repeats``.

On the two tables (1-nearest-neighbour surrogates) every configuration maps to a row, and
training a row to the full budget a second time teaches a method nothing. For every method,
table problem and seed (the benchmark's time budget and worker count), this counts the
full-budget evaluations and the distinct rows among them, and prints the medians over seeds
and the largest number of times one row was trained to the full budget. Writes
``results/repeats.md``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import dataclasses
from collections import Counter
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.multifidelity.__main__ import RESULTS, _horizon, _problems

TABLES = ("mf_mnist1d_mlp", "mf_text_bbc")


def _one(job: tuple[str, str, int, int]) -> tuple[tuple[str, str], list[int]]:
    """The table rows a run trained to the full budget, in order."""
    from benchmarks.multifidelity.runner import run

    name, method, workers, seed = job
    problem = _problems()[name]()
    rows: list[int] = []

    def counted(x: Any, true_loss: Any = problem.true_loss, row: Any = problem.row) -> float:
        rows.append(row(x))
        return true_loss(x)

    run(dataclasses.replace(problem, true_loss=counted), method, workers,
        _horizon(problem) / workers, seed)
    return (name, method), rows


def main(argv: list[str] | None = None) -> None:
    from benchmarks.multifidelity.runner import METHODS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.multifidelity.repeats")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for name in TABLES:  # build the tables once, before the workers start
        _problems()[name]()
    jobs = [(p, m, args.workers, s) for s in range(args.seeds) for p in TABLES for m in METHODS]
    runs: dict[tuple[str, str], list[list[int]]] = {}
    with get_context("fork").Pool(args.jobs) as pool:
        for key, rows in pool.imap(_one, jobs):
            runs.setdefault(key, []).append(rows)
    caption = (f"Full-budget evaluations / distinct table rows among them (median over "
               f"{args.seeds} seeds, {args.workers} worker(s)); the most full-budget trainings of "
               "one row in any seed.")
    lines = [caption, "",
             "| method | " + " | ".join(f"{p}: evaluations / rows | most of one row" for p in TABLES)
             + " |", "|---|" + "---|---|" * len(TABLES)]
    for method in METHODS:
        cells = []
        for p in TABLES:
            seeds = runs[(p, method)]
            n = np.median([len(r) for r in seeds])
            distinct = np.median([len(set(r)) for r in seeds])
            most = max((max(Counter(r).values()) for r in seeds if r), default=0)
            cells.append(f"{n:g} / {distinct:g} | {most}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "repeats.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
