"""tiaocan's GP and ``auto`` against Optuna's GPSampler on three problems no rule was tuned on.

    python -m benchmarks.samplers.gp_vs_optuna [--seeds 5] [--budget 50] [--optimizers ...]

Problems: Hartmann-6 (one global and a wide local optimum); a 9-D problem where every
parameter is an ordinal grid of numbers (``Categorical`` of numeric choices, as tabular
neural-network benchmarks declare them); a 10-D rotated, shifted Rastrigin (multimodal, not
separable). Prints the median regret [Q1, Q3] of each optimizer at the budget, the
per-seed regrets, and tiaocan/Optuna ratios. Runs are stored in
``benchmarks/results/samplers/gp_vs_optuna.json`` keyed by problem/optimizer/seed, so a
rerun with ``--fresh-for tiaocan_gp`` measures a changed sampler against the same peer runs.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

import tiaocan as tc
from benchmarks.problems import Problem, get_problem, shifted_box
from benchmarks.samplers.peers import OPTIMIZERS

__all__ = ["PROBLEMS", "ordinal9", "rotated_rastrigin10"]

_GRIDS = {  # numeric choices, in order, as a tabular benchmark declares them
    "alpha": [1e-8, 1e-6, 1e-4, 1e-2, 1.0], "batch": [4, 8, 16, 32, 64, 128, 256],
    "depth": [1, 2, 3], "lr": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1], "width": [16, 32, 64, 128, 256, 512],
    "dropout": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "momentum": [0.8, 0.9, 0.95, 0.99],
    "warmup": [0, 1, 2, 5], "decay": [0.1, 0.3, 0.5, 0.7, 0.9],
}


def _ordinal_loss(t: np.ndarray) -> np.ndarray:
    """Loss of grid positions t in [0, 1]^9 (columns in ``_GRIDS`` order): a smooth bowl with
    interactions (lr x batch, width x depth, dropout x width) and a ripple."""
    a, b, dp, lr, w, dr, m, wu, dc = t.T
    return (0.3 * (a - 0.55) ** 2 + 1.2 * (lr - 0.35 - 0.4 * b) ** 2 + 0.6 * (w * dp - 0.55) ** 2
            + 0.5 * (dr - 0.6 * w) ** 2 + 0.4 * (m - 0.7) ** 2 + 0.2 * (wu - 0.4) ** 2
            + 0.3 * (dc - 0.5) ** 2 + 0.05 * np.sin(6 * lr + 4 * w) ** 2)


def ordinal9() -> Problem:
    space = tc.Space(**{n: tc.Categorical(v) for n, v in _GRIDS.items()})
    pos = {n: {v: i / (len(g) - 1) for i, v in enumerate(g)} for n, g in _GRIDS.items()}

    def f(x: dict) -> float:
        return float(_ordinal_loss(np.array([[pos[n][x[n]] for n in _GRIDS]]))[0])

    grid = np.array(list(itertools.product(*[np.linspace(0, 1, len(g)) for g in _GRIDS.values()])))
    return Problem("ordinal9", space, f, float(_ordinal_loss(grid).min()), kind="mixed")


def rotated_rastrigin10() -> Problem:
    d = 10
    rng = np.random.default_rng(10)
    rot, _ = np.linalg.qr(rng.normal(size=(d, d)))
    x_opt = rng.uniform(-2.0, 2.0, d)
    bounds = shifted_box("rotated_rastrigin10", -5.12, 5.12, x_opt)
    space = tc.Space(**{f"x{i}": tc.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)})

    def f(x: dict) -> float:
        z = rot @ (np.array([x[f"x{i}"] for i in range(d)]) - x_opt)
        return float(10 * d + (z * z - 10 * np.cos(2 * np.pi * z)).sum())

    return Problem("rotated_rastrigin10", space, f, 0.0)


PROBLEMS = {"hartmann6": lambda: get_problem("hartmann6"), "ordinal9": ordinal9,
            "rotated_rastrigin10": rotated_rastrigin10}
DEFAULT_OPTIMIZERS = ["tiaocan_gp", "tiaocan_auto", "optuna_gp"]


def _table(runs: dict, problems: list[str], optimizers: list[str], seeds: int, budget: int) -> str:
    head = "| problem | " + " | ".join(optimizers) + " | " + " | ".join(
        f"{o} / optuna_gp" for o in optimizers if o != "optuna_gp") + " |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for p in problems:
        opt = PROBLEMS[p]().optimum
        med = {}
        cells = []
        for o in optimizers:
            r = [min(runs[f"{p}/{o}/{s}"][:budget]) - opt for s in range(seeds) if f"{p}/{o}/{s}" in runs]
            if not r:
                cells.append("–")
                continue
            med[o] = float(np.median(r))
            q1, q3 = np.percentile(r, [25, 75])
            cells.append(f"{med[o]:.4g} [{q1:.3g}, {q3:.3g}] ({', '.join(f'{v:.3g}' for v in r)})")
        ratios = [f"{med[o] / med['optuna_gp']:.2f}" if o in med and med.get("optuna_gp") else "–"
                  for o in optimizers if o != "optuna_gp"]
        lines.append(f"| {p} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


def _run(item: tuple[str, str, int, int]) -> list[float]:
    problem, optimizer, seed, budget = item
    return OPTIMIZERS[optimizer](PROBLEMS[problem](), budget, seed)


def _store(runs: dict, item: tuple[str, str, int], values: list[float], out: Path) -> None:
    runs["/".join(map(str, item))] = values
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(runs))
    print("/".join(map(str, item)), f"{min(values) - (PROBLEMS[item[0]]().optimum or 0):.4g}", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samplers.gp_vs_optuna")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--optimizers", nargs="*", default=DEFAULT_OPTIMIZERS)
    ap.add_argument("--fresh-for", nargs="*", default=[], help="optimizers whose stored runs are redone")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/samplers/gp_vs_optuna.json"))
    args = ap.parse_args(argv)
    import logging

    import torch

    torch.set_num_threads(1)
    logging.disable(logging.WARNING)
    runs = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs = {k: v for k, v in runs.items() if k.split("/")[1] not in args.fresh_for}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    todo = [(p, o, s) for p, o, s in itertools.product(args.problems, args.optimizers, range(args.seeds))
            if f"{p}/{o}/{s}" not in runs]
    if args.jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            done = pool.imap(_run, [(*item, args.budget) for item in todo])
            for item, values in zip(todo, done):
                _store(runs, item, values, args.out)
    else:
        for item in todo:
            _store(runs, item, _run((*item, args.budget)), args.out)
    print(f"\nMedian regret [Q1, Q3] (per seed) at {args.budget} evaluations, {args.seeds} seeds\n")
    print(_table(runs, args.problems, args.optimizers, args.seeds, args.budget))


if __name__ == "__main__":
    main()
