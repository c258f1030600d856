"""Hartmann-6: tiaocan's GP against Optuna's GPSampler per seed, and with their start-ups swapped.

    python -m benchmarks.samplers.hartmann6_starts [--seeds 33] [--swap-seeds 13] [--budget 100]

Per seed: the regret at 50 and at the budget of tiaocan's GP (``auto`` is that GP below 200
trials) and of Optuna's GPSampler, each from its own start-up (14 scrambled Sobol points;
10 of Optuna's RandomSampler). On the first ``--swap-seeds`` seeds also each GP started from
the other's start-up points (enqueued), which separates the start-up design from the model
and the acquisition. Reaching the global basin means a regret below 0.01 (the local optimum,
-3.203, is a regret of 0.119). Writes ``benchmarks/results/samplers/hartmann6_seeds.md``.
About 50 s per seed and GP pair on one core.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
from pathlib import Path

import numpy as np

import tiaocan as tc
from benchmarks.problems import get_problem
from benchmarks.samplers.peers import OPTIMIZERS

__all__ = ["main"]

GLOBAL = 0.01  # regret below which a run is in the global optimum's basin


def _regrets(values: list[float], optimum: float, at: tuple[int, ...]) -> tuple[float, ...]:
    return tuple(float(min(values[:i]) - optimum) for i in at)


def _optuna_from(problem, starts: list[dict], budget: int, seed: int) -> list[float]:
    """Optuna's GPSampler whose start-up trials are ``starts`` (enqueued)."""
    import optuna

    names = list(problem.space.names)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed, n_startup_trials=len(starts)))
    for params in starts:
        study.enqueue_trial(params)
    study.optimize(lambda t: problem({n: t.suggest_float(n, 0.0, 1.0) for n in names}), n_trials=budget)
    return [float(t.value) for t in study.trials]


def _ours_from(problem, starts: list[dict], budget: int, seed: int) -> list[float]:
    """tiaocan's GP whose start-up trials are ``starts`` (enqueued)."""
    study = tc.create_study(space=problem.space, storage=":memory:", seed=seed,
                            sampler=tc.samplers.GPSampler(n_startup_trials=len(starts)))
    for params in starts:
        study.enqueue(params)
    study.optimize(lambda t: problem(t.params), n_trials=budget, show_progress=False)
    return [float(t.value) for t in study.trials]


def _starts(values_of: str, problem, seed: int) -> list[dict]:
    """The start-up points of tiaocan's GP (its Sobol phase) or of Optuna's (RandomSampler)."""
    import optuna

    if values_of == "tiaocan":
        gp = tc.samplers.GPSampler()
        study = tc.create_study(space=problem.space, storage=":memory:", sampler=gp, seed=seed)
        study.optimize(lambda t: problem(t.params), n_trials=gp.startup_trials(problem.space),
                       show_progress=False)
        return [dict(t.params) for t in study.trials]
    names = list(problem.space.names)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))  # first 10: random
    study.optimize(lambda t: problem({n: t.suggest_float(n, 0.0, 1.0) for n in names}), n_trials=10)
    return [dict(t.params) for t in study.trials]


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samplers.hartmann6_starts",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=33)
    ap.add_argument("--swap-seeds", type=int, default=13)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/samplers/hartmann6_seeds.md"))
    args = ap.parse_args(argv)
    import optuna
    import torch

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    torch.set_num_threads(1)
    problem = get_problem("hartmann6")
    at = (50, args.budget)
    rows, hits = [], np.zeros((4, 2), int)
    for seed in range(args.seeds):
        runs = [OPTIMIZERS["tiaocan_gp"](problem, args.budget, seed), OPTIMIZERS["optuna_gp"](problem, args.budget, seed)]
        if seed < args.swap_seeds:
            runs += [_optuna_from(problem, _starts("tiaocan", problem, seed), args.budget, seed),
                     _ours_from(problem, _starts("optuna", problem, seed), args.budget, seed)]
        regrets = [_regrets(v, problem.optimum, at) for v in runs]
        for i, r in enumerate(regrets):
            hits[i] += np.array(r) < GLOBAL
        rows.append(f"| {seed} | " + " | ".join(f"{r[0]:.3g} / {r[1]:.3g}" for r in regrets)
                    + " |" + " – | – |" * (4 - len(regrets)))
        print(rows[-1], flush=True)
    n, m = args.seeds, min(args.swap_seeds, args.seeds)
    names = ["tiaocan GP", "Optuna GPSampler", "Optuna GP from tiaocan's start-up",
             "tiaocan GP from Optuna's start-up"]
    lines = [f"# Hartmann-6 per seed: regret at 50 / {args.budget} evaluations\n",
             f"`python -m benchmarks.samplers.hartmann6_starts --seeds {n} --swap-seeds {m} "
             f"--budget {args.budget}`. Global basin: regret < {GLOBAL} (the local optimum is 0.119).\n",
             "| | runs | global @50 | global @" + str(args.budget) + " |", "|---|---|---|---|"]
    lines += [f"| {name} | {n if i < 2 else m} | {hits[i][0]} | {hits[i][1]} |" for i, name in enumerate(names)]
    lines += ["", "| seed | " + " | ".join(names) + " |", "|---" * 5 + "|", *rows]
    report = "\n".join(lines) + "\n"
    args.out.write_text(report)
    print(report)
    return report


if __name__ == "__main__":
    main()
