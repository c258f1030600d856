"""Multi-fidelity benchmark: ``python -m benchmarks.multifidelity [--quick] [--jobs N]``.

Problems: multi-fidelity Hartmann-3/-6 with informative ("good") and misleading ("terrible")
low fidelities, the MNIST-1D MLP with epochs, and a TF-IDF text classifier with the data
fraction (tables built once). Every method runs on the simulated executor with 1 and 4
workers for the same total compute: a time budget ``T = 64 x`` (median full-budget training
time) on one worker, ``T / 4`` on four. Peers in the same run: Optuna (TPE + HyperbandPruner,
TPE + SuccessiveHalvingPruner), Syne Tune (ASHA, BOHB; ``peers_synetune.py``) and DEHB
(``peers_dehb.py``); the baseline is random search at the full budget.
Writes ``results/`` (JSON summary, regret curves PNG, the Markdown tables) and prints the
tables: median regret over seeds at 25/50/100 % of T, and the fraction of T each method needs
to reach random search's final median regret. ``--rows``: tiaocan's samplers search only the
two tables' rows (``CandidateSampler``), into ``results/rows/``, against the main run's peers
and random-search target; ``--epoch-reports``: tiaocan's promotion-style objectives report
every epoch they train, as a training loop does (resumable problems, ``results/epochs/``).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # small GP/TPE linear algebra: threads only add overhead

import argparse
import json
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
GRID_POINTS = 200
_ROWS = False  # --rows: set before the worker processes fork
_EPOCHS = False  # --epoch-reports: likewise


def _problems() -> dict[str, Any]:
    from benchmarks.problems.mf_hartmann import mf_hartmann
    from benchmarks.problems.mf_mnist1d import mf_mnist1d
    from benchmarks.problems.mf_text import mf_text

    return {"mf_hartmann3_good": lambda: mf_hartmann(3, "good"),
            "mf_hartmann3_terrible": lambda: mf_hartmann(3, "terrible"),
            "mf_hartmann6_good": lambda: mf_hartmann(6, "good"),
            "mf_hartmann6_terrible": lambda: mf_hartmann(6, "terrible"),
            "mf_mnist1d_mlp": mf_mnist1d, "mf_text_bbc": mf_text}


def _horizon(problem: Any) -> float:
    """64 median full-budget trainings (on the 512-row tables, an eighth of the rows)."""
    rng = np.random.default_rng(0)
    full = [problem.cost(problem.space.sample(rng), problem.fidelity.high) for _ in range(200)]
    return 64.0 * float(np.median(full))


def _one(job: tuple[str, str, int, int]) -> tuple[tuple[str, int, str], int, list[Any], float, float]:
    name, method, workers, seed = job
    from benchmarks.multifidelity.runner import run

    problem = _problems()[name]()
    horizon = _horizon(problem) / workers
    start = time.perf_counter()
    trace = run(problem, method, workers, horizon, seed, rows=_ROWS, epoch_reports=_EPOCHS)
    return (name, workers, method), seed, trace, horizon, time.perf_counter() - start


def _cached(jobs: list[tuple[str, str, int, int]], results: Path = RESULTS,
            keep: Any = lambda job: True) -> dict[Any, Any]:
    """Finished runs of an earlier (interrupted) invocation, from ``results/runs.jsonl``
    (only those run with the time budget used now, and for which ``keep(job)``)."""
    path, out, wanted = results / "runs.jsonl", {}, set(jobs)
    horizons = {name: _horizon(_problems()[name]()) for name in {j[0] for j in jobs}}
    for line in path.read_text().splitlines() if path.exists() else ():
        row = json.loads(line)
        job = tuple(row["job"])
        if job in wanted and keep(job) and abs(row["horizon"] - horizons[job[0]] / job[2]) < 1e-6:
            out[job] = ((job[0], job[2], job[1]), job[3], [tuple(x) for x in row["trace"]],
                        row["horizon"], row["seconds"])
    return out


def main(argv: list[str] | None = None) -> None:
    from benchmarks.multifidelity.report import (
        BASELINE,
        format_tables,
        format_time_to_target,
        format_verdict,
        is_peer,
        plot,
        regret_curve,
        summarise,
    )
    from benchmarks.multifidelity.runner import METHODS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.multifidelity")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 problems, no MOBSTER")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--problems", nargs="*", default=None)
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--resume", action="store_true", help="reuse results/runs.jsonl")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: results/ beside this harness; "
                             "results/rows/ with --rows)")
    parser.add_argument("--rows", action="store_true",
                        help="tiaocan's samplers search only the table problems' rows, each "
                             "started once (CandidateSampler); the peers' runs, which this does "
                             "not change, are read from results/runs.jsonl")
    parser.add_argument("--epoch-reports", action="store_true",
                        help="tiaocan's promotion-style objectives report every epoch they train "
                             "(resumable problems), as a training loop does; peers and the "
                             "random-search target are read from results/runs.jsonl")
    args = parser.parse_args(argv)
    if args.rows and args.epoch_reports:
        parser.error("--rows and --epoch-reports are separate protocols: pass one of them")
    global _ROWS, _EPOCHS
    _ROWS, _EPOCHS = args.rows, args.epoch_reports
    derived = args.rows or args.epoch_reports  # a variant of the main run, compared with it
    out: Path = args.out or (RESULTS / "rows" if args.rows else
                             RESULTS / "epochs" if args.epoch_reports else RESULTS)
    if args.rows:
        default = [name for name, make in _problems().items() if make().configs]
    elif args.epoch_reports:
        default = [name for name, make in _problems().items() if make().resumable]
    else:
        default = list(_problems())
    problems = args.problems or default
    methods = args.methods or list(METHODS)
    seeds = args.seeds
    if args.quick:
        problems, seeds = problems[:2], 2
        methods = [m for m in methods if "MOBSTER" not in m]
    for name in problems:  # build the tables once, before the workers start
        _problems()[name]()
    jobs = [(p, m, w, s) for s in range(seeds) for p in problems for w in (1, 4) for m in methods]
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    done = _cached(jobs, out) if args.resume else {}

    def unchanged(method: str) -> bool:
        """Runs the protocol does not change, read back from the main run: the peers', and
        with --epoch-reports those that report every step already (and random search)."""
        return is_peer(method) or (args.epoch_reports and (METHODS[method].stopping
                                                           or method == BASELINE))

    main_run: dict[Any, Any] = {}  # --rows, --epoch-reports: unchanged runs, random search
    if derived and out != RESULTS:
        every = [(p, m, w, s) for s in range(seeds) for p in problems for w in (1, 4) for m in METHODS]
        main_run = _cached(every, RESULTS,  # also with --methods: the target is random search's
                           keep=lambda job: unchanged(job[1]) or job[1] == BASELINE)
        done = {**{j: r for j, r in main_run.items() if unchanged(j[1])}, **done}
    todo = [j for j in jobs if j not in done]
    with get_context("fork").Pool(args.jobs) as pool, (out / "runs.jsonl").open(
            "a" if args.resume else "w") as log:
        for n, (key, seed, trace, horizon, spent) in enumerate(pool.imap(_one, todo), 1):
            job = (key[0], key[2], key[1], seed)
            done[job] = (key, seed, trace, horizon, spent)
            log.write(json.dumps({"job": job, "trace": trace, "horizon": horizon,
                                  "seconds": spent}) + "\n")
            log.flush()  # an interrupted run keeps what it finished (--resume)
            print(f"[{n}/{len(todo)}] {job} {spent:.1f}s", flush=True)
    done = [done[j] for j in jobs]
    grid = np.linspace(0.0, 1.0, GRID_POINTS)
    curves: dict[tuple[str, int, str], list[np.ndarray]] = {}
    seconds: dict[str, float] = {}
    optima = {name: _problems()[name]().optimum for name in problems}
    for key, _seed, trace, horizon, spent in done:
        curves.setdefault(key, []).append(regret_curve(trace, optima[key[0]], grid * horizon))
        seconds[key[2]] = seconds.get(key[2], 0.0) + spent
    base: dict[tuple[str, int], list[np.ndarray]] = {}  # the main protocol's target
    for job, (_key, _seed, trace, horizon, _) in main_run.items():
        if job[1] == BASELINE:
            base.setdefault((job[0], job[2]), []).append(
                regret_curve(trace, optima[job[0]], grid * horizon))
    targets = {cell: float(np.median(np.vstack(c), axis=0)[-1]) for cell, c in base.items()}
    summary = summarise(curves, grid, targets, "results/runs.jsonl" if targets else "")
    tables = (format_tables(summary) + "\n" + format_verdict(summary) + "\n"
              + format_time_to_target(summary))
    plot(summary, grid, out / "regret_curves.png")
    (out / "tables.md").write_text(tables + "\n")
    compact = {f"{p}|{w}": {"target": block["target"], "target_source": block["target_source"],
                            "methods": {m: {k: v for k, v in row.items() if k != "median_curve"}
                                        for m, row in block["methods"].items()}}
               for (p, w), block in summary.items()}  # curves: runs.jsonl has every trace
    (out / "summary.json").write_text(json.dumps(compact, default=float, indent=1))
    print(tables)
    print("\nreal CPU seconds per method (all runs):",
          {m: round(s, 1) for m, s in sorted(seconds.items())})
    print(f"{len(jobs)} runs in {time.perf_counter() - started:.0f} s; results in {out}")


if __name__ == "__main__":
    main()
