"""Define-by-run against a declared space: the same problems, samplers, seeds and budget.

    python -m benchmarks.define_by_run                       # a few minutes on two cores
    python -m benchmarks.define_by_run --samplers tpe --seeds 10

For each problem of the sampler suite named, each sampler and seed, one study declares the
problem's space up front and another learns it from ``trial.suggest_*`` calls (parameters
asked in the space's order, conditional ones only when their condition holds, as an Optuna
objective asks them). Prints the median final regret [IQR] of each and their ratio
(define-by-run / declared; about 1 means the same search).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems import Problem, get_problem


def suggest_all(trial: tc.Trial, space: tc.Space) -> dict[str, Any]:
    """Ask every active parameter of ``space`` through ``suggest_*``, in the space's order."""
    params: dict[str, Any] = {}
    for name in space.names:
        if not space.is_active(name, params):
            continue
        p = space[name]
        if isinstance(p, tc.Categorical):
            params[name] = trial.suggest_categorical(name, list(p.choices))
        elif isinstance(p, tc.Int):
            params[name] = trial.suggest_int(name, p.low, p.high, step=p.step, log=p.log)
        else:
            params[name] = trial.suggest_float(name, p.low, p.high, step=p.step, log=p.log)
    return params


def final_regret(problem: Problem, sampler: str, seed: int, budget: int, declared: bool) -> float:
    if declared:
        study = tc.create_study(space=problem.space, storage=":memory:", sampler=sampler, seed=seed)
        study.optimize(lambda t: problem(t.params), n_trials=budget)
    else:
        study = tc.create_study(storage=":memory:", sampler=sampler, seed=seed)
        study.optimize(lambda t: problem(suggest_all(t, problem.space)), n_trials=budget)
    return float(study.best_value - (problem.optimum or 0.0))


def _summary(values: list[float]) -> str:
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:.3g} [{q1:.3g}, {q3:.3g}]"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.define_by_run",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--problems", nargs="*",
                    default=["branin2", "hartmann6", "styblinski_tang4", "mixed"])
    ap.add_argument("--samplers", nargs="*", default=["random", "tpe", "gp", "cmaes"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=30)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    rows: list[tuple[str, str, Mapping[bool, list[float]], float]] = []
    began = time.perf_counter()
    for name in args.problems:
        problem = get_problem(name)
        for sampler in args.samplers:
            regrets: dict[bool, list[float]] = {True: [], False: []}
            for seed in range(args.seeds):
                for declared in (True, False):
                    regrets[declared].append(final_regret(problem, sampler, seed, args.budget,
                                                          declared))
            ratio = float(np.median(regrets[False]) / max(np.median(regrets[True]), 1e-12))
            rows.append((name, sampler, regrets, ratio))
            print(f"  {name} {sampler}: done", flush=True)
    print(f"\nmedian final regret [IQR] after {args.budget} trials, {args.seeds} seeds "
          f"({time.perf_counter() - began:.0f} s)\n")
    print("| problem | sampler | declared space | define-by-run | ratio |")
    print("|---|---|---|---|---|")
    for name, sampler, regrets, ratio in rows:
        print(f"| {name} | {sampler} | {_summary(regrets[True])} | {_summary(regrets[False])} "
              f"| {ratio:.2f} |")


if __name__ == "__main__":
    main()
