"""The training recipe tuned by tiaocan (BOHB) and by Optuna (TPE + HyperbandPruner).

Same objective for both: the demo's digits task (MLP or CNN, every knob of the guide, 3-fold
CV in lockstep, epochs as the fidelity), the same wall-clock budget, one worker each. The
table gives the best CV accuracy found, the held-out accuracy of that trial (fold models
averaged), trials run, and tiaocan's ratio to Optuna.

    python -m benchmarks.recipe_digits [--seconds 60] [--seeds 2]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from benchmarks.optuna_bridge import suggest


def _task() -> Any:
    from tiaocan.demos.images import ImageTask

    return ImageTask(seed=0, k=3, subsample=900)


def _run_config(task: Any, params: dict[str, Any], seed: int, budget: int, adapter: Any) -> Any:
    from tiaocan.demos.runner import run_config

    return run_config(task, params, seed=seed, epochs=9, trial=adapter)


class _OptunaTrial:
    """What fit_folds needs from a trial, over an Optuna trial with a Hyperband pruner."""

    def __init__(self, trial: Any, budget: int) -> None:
        self.trial, self.budget = trial, budget

    def report(self, value: float, step: int) -> None:
        self.trial.report(value, step)

    def should_stop(self) -> bool:
        return bool(self.trial.should_prune())


def run_tiaocan(task: Any, seconds: float, seed: int) -> tuple[float, float, int]:
    import tiaocan as tc

    study = tc.create_study(space=task.space(), storage=":memory:", scheduler="bohb",
                            fidelity=tc.Fidelity("epoch", 1, 9), direction="maximize", seed=seed)
    test: dict[int, np.ndarray] = {}

    def objective(trial: tc.Trial) -> float:
        out = _run_config(task, trial.params, trial.seed, int(trial.budget), trial)
        test[trial.number] = out.test_proba
        return float(out.cv.mean)

    study.optimize(objective, timeout=seconds)
    best = max((t for t in study.trials if t.value is not None), key=lambda t: t.value or 0.0)
    acc = float(np.mean(test[best.number].argmax(1) == task.y_test))
    return float(best.value or 0.0), acc, len(study.trials)


def run_optuna(task: Any, seconds: float, seed: int) -> tuple[float, float, int]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = task.space()
    # a fixed name: HyperbandPruner's brackets hash the study name (random by default)
    study = optuna.create_study(direction="maximize", study_name=f"recipe-digits-seed{seed}",
                                sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.HyperbandPruner(min_resource=1,
                                                                      max_resource=9))
    test: dict[int, tuple[float, np.ndarray]] = {}

    def objective(trial: Any) -> float:
        params = suggest(trial, space)
        out = _run_config(task, params, seed + trial.number, 9, _OptunaTrial(trial, 9))
        test[trial.number] = (float(out.cv.mean), out.test_proba)
        if out.pruned:
            raise optuna.TrialPruned()
        return float(out.cv.mean)

    study.optimize(objective, timeout=seconds)
    number = max(test, key=lambda n: test[n][0])
    acc = float(np.mean(test[number][1].argmax(1) == task.y_test))
    return test[number][0], acc, len(study.trials)


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    task = _task()
    rows = []
    for seed in range(args.seeds):
        for name, run in (("tiaocan BOHB", run_tiaocan), ("optuna TPE+Hyperband", run_optuna)):
            started = time.time()
            cv, acc, n = run(task, args.seconds, seed)
            rows.append((name, seed, cv, acc, n, time.time() - started))
    print(f"\ndigits (900 images, 3-fold CV, ≤9 epochs), {args.seconds:.0f} s per run, 1 worker\n")
    print("| tuner | seed | best CV acc | held-out acc | trials | wall s |")
    print("|---|---|---|---|---|---|")
    for name, seed, cv, acc, n, wall in rows:
        print(f"| {name} | {seed} | {cv:.4f} | {acc:.4f} | {n} | {wall:.0f} |")
    for col, label in ((2, "best CV acc"), (3, "held-out acc")):
        ours = np.mean([r[col] for r in rows if r[0].startswith("tiaocan")])
        peer = np.mean([r[col] for r in rows if r[0].startswith("optuna")])
        print(f"mean {label}: tiaocan {ours:.4f}, optuna {peer:.4f}, ratio {ours / peer:.3f}")


if __name__ == "__main__":
    main()
