"""Architecture search on tabular spaces: tiaocan's samplers against Optuna's, same run.

Single objective (validation accuracy): median regret (points below the table's best mean
accuracy, of the architecture each method would return: its best observed query) and the
share of seeds within 0.3 points, after 50, 150 and 300 queries. Accuracy vs latency: the
hypervolume of the queried architectures' (mean accuracy, latency) relative to the table's
true Pareto front, after 300 queries (median over seeds).

    nice -n 10 .venv/bin/python -m benchmarks.nas.search --table nb201 --seeds 100
    nice -n 10 .venv/bin/python -m benchmarks.nas.search --table digits --pareto --seeds 20

Methods: random, evolution (RegularizedEvolutionSampler), rl (ReinforceSampler), tpe, gp,
auto (tiaocan); optuna-tpe, optuna-nsga2 (Optuna 4/5, categorical suggest per edge).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.nas.tables import Table, hypervolume, load, pareto_front

CHECKPOINTS = (50, 150, 300)
SLOW = ("gp", "auto")   # a GP proposal takes about a second at 200 trials: fewer seeds
METHODS = ("random", "evolution", "rl", "tpe", "gp", "auto", "optuna-tpe", "optuna-nsga2")
RESULTS = Path(__file__).resolve().parents[1] / "results" / "nas"
_TABLE: Table | None = None


def _table(name: str) -> Table:
    global _TABLE
    if _TABLE is None or _TABLE.name != name:
        _TABLE = load(name)
    return _TABLE


def run(method: str, table_name: str, seed: int, n: int, pareto: bool) -> list[list[Any]]:
    """The method's queries, in order: [genotype, observed accuracy]."""
    logging.disable(logging.WARNING)
    table = _table(table_name)
    rng = np.random.default_rng([seed, 7])  # which stored training seed each query returns
    queries: list[list[Any]] = []

    def evaluate(params: dict[str, Any]) -> Any:
        g, acc = table.query(params, rng)
        queries.append([g, acc])
        return (acc, table.latency[g]) if pareto else acc

    if method.startswith("optuna"):
        _run_optuna(method, table, seed, n, pareto, evaluate)
    else:
        _run_tiaocan(method, table, seed, n, pareto, evaluate)
    return queries


def _run_tiaocan(method: str, table: Table, seed: int, n: int, pareto: bool, evaluate: Any) -> None:
    import tiaocan as tc
    from tiaocan.samplers import RegularizedEvolutionSampler, ReinforceSampler

    # A table query stands in for hours of training but returns in microseconds, so auto's cost
    # rule would hand every proposal to random search; it is measured without it (as in
    # benchmarks/samplers), i.e. as it behaves when the objective is a real training run.
    sampler: Any = {"evolution": RegularizedEvolutionSampler(),
                    "rl": ReinforceSampler(weights=[1.0, 1.0] if pareto else None),
                    "auto": tc.samplers.AutoSampler(max_cost_fraction=None)}.get(method, method)
    directions = ["maximize", "minimize"] if pareto else ["maximize"]
    study = tc.create_study(space=table.space, storage=":memory:", sampler=sampler, seed=seed,
                            directions=directions)
    scale = _latency_scale(table) if pareto else 1.0

    def objective(trial: Any) -> Any:
        out = evaluate(dict(trial.params))
        # the RL reward weighs accuracy points against latency scaled to 10 points over its range
        return (out[0], out[1] * scale) if pareto else out

    study.optimize(objective, n_trials=n, show_progress=False)


def _latency_scale(table: Table) -> float:
    values = np.array(list(table.latency.values()))
    return 10.0 / float(values.max() - values.min())


def _run_optuna(method: str, table: Table, seed: int, n: int, pareto: bool, evaluate: Any) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = (optuna.samplers.NSGAIISampler(seed=seed) if method == "optuna-nsga2"
               else optuna.samplers.TPESampler(seed=seed))
    directions = ["maximize", "minimize"] if pareto else ["maximize"]
    study = optuna.create_study(directions=directions, sampler=sampler)
    choices = {name: list(p.choices) for name, p in table.space.items()}
    study.optimize(lambda t: evaluate({k: t.suggest_categorical(k, c) for k, c in choices.items()}),
                   n_trials=n)


def regret(table: Table, queries: list[list[Any]], n: int) -> float:
    """Best mean accuracy minus the mean accuracy of the best observed of the first n queries."""
    g = max(queries[:n], key=lambda q: q[1])[0]
    return table.best - table.mean(g)


def hv_ratio(table: Table, queries: list[list[Any]], n: int) -> float:
    everything = np.array([[table.mean(g), table.latency[g]] for g in table.accuracy])
    front = pareto_front(everything)  # reference: the true front's nadir point
    reference = (float(front[:, 0].min()), float(front[:, 1].max()))
    seen = np.array([[table.mean(g), table.latency[g]] for g, _ in queries[:n]])
    return hypervolume(seen, reference) / hypervolume(everything, reference)


def _job(args: tuple[str, str, int, int, bool]) -> tuple[str, int, list[float], float]:
    """One (method, seed) run, scored: regret at each checkpoint, or the final HV ratio."""
    start = time.perf_counter()
    method, table_name, _, n, pareto = args
    queries = run(*args)
    table = _table(table_name)
    scores = ([hv_ratio(table, queries, n)] if pareto
              else [regret(table, queries, c) for c in CHECKPOINTS if c <= n])
    return method, args[2], scores, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="architecture search on tabular spaces")
    parser.add_argument("--table", default="digits", choices=["digits", "mnist1d", "nb201"])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--slow-seeds", type=int, default=10,
                        help="seeds for gp and auto (a GP: about a second per query at 200 queries)")
    parser.add_argument("--peer-seeds", type=int, default=None,
                        help="seeds for Optuna's samplers (default: --seeds)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--pareto", action="store_true", help="accuracy vs latency")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--name", default=None,
                        help="results file stem (default: search-TABLE[-pareto])")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    peer_seeds = args.peer_seeds if args.peer_seeds is not None else args.seeds
    jobs = [(m, args.table, s, args.queries, args.pareto) for m in methods
            for s in range(args.slow_seeds if m in SLOW else
                           peer_seeds if m.startswith("optuna") else args.seeds)]
    results: dict[str, list[list[float]]] = {m: [] for m in methods}
    seconds: dict[str, float] = {m: 0.0 for m in methods}
    try:
        with multiprocessing.get_context("fork").Pool(args.processes) as pool:
            for done, (method, _, scores, took) in enumerate(pool.imap_unordered(_job, jobs), 1):
                results[method].append(scores)
                seconds[method] += took
                if done % 20 == 0:
                    print(f"{done}/{len(jobs)} runs", flush=True)
    except KeyboardInterrupt:  # report the runs that finished
        print("interrupted: the table holds the finished runs", flush=True)
    table = _table(args.table)
    lines = _report(table, results, seconds, args)
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = args.name or f"search-{args.table}{'-pareto' if args.pareto else ''}"
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"args": vars(args), "seconds": seconds, "scores": results}, separators=(",", ":")))


def _report(table: Table, results: dict[str, Any], seconds: dict[str, float], args: Any) -> list[str]:
    n = args.queries
    if args.pareto:
        lines = [(f"accuracy vs latency on {table.name}: hypervolume / true front's after {n} "
                  "queries"), "", "| method | seeds | median HV ratio | 10th pct | s/seed |",
                 "|---|---|---|---|---|"]
        for m, runs in results.items():
            r = [scores[0] for scores in runs] or [float("nan")]
            lines.append(f"| {m} | {len(r)} | {np.median(r):.3f} | {np.percentile(r, 10):.3f} | "
                         f"{seconds[m] / max(len(r), 1):.1f} |")
        return lines
    points = [c for c in CHECKPOINTS if c <= n]
    head = " | ".join(f"regret@{c} | ≤0.3@{c}" for c in points)
    lines = [(f"{table.name}: median regret (accuracy points below the best mean {table.best:.2f}) "
              "and share of seeds within 0.3 points"), "",
             f"| method | seeds | {head} | s/seed |", "|---|---|" + "---|---|" * len(points) + "---|"]
    for m, runs in results.items():
        cells = []
        for i, _ in enumerate(points):
            r = np.array([scores[i] for scores in runs] or [float("nan")])
            cells.append(f"{np.median(r):.2f} | {100 * np.mean(r <= 0.3):.0f} %")
        lines.append(f"| {m} | {len(runs)} | {' | '.join(cells)} | "
                     f"{seconds[m] / max(len(runs), 1):.1f} |")
    return lines


if __name__ == "__main__":
    main()
