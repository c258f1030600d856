"""tiaocan's samplers against Optuna, Hyperopt, SMAC3, scikit-optimize and Nevergrad.

    python -m benchmarks.samplers --budget 100 --seeds 10            # the full suite
    python -m benchmarks.samplers --budget 100 --seeds 3 --reduced   # a small machine

Prints (and writes to ``benchmarks/results/samplers/report.md``): median regret [IQR] per
problem and optimizer at 50 evaluations and at the budget, the mean rank of each optimizer
across problems, the problems where ``sampler="auto"`` is worse than random search, and the
proposal overhead at 100/500/1000 trials against Optuna. Anytime regret curves are saved as
PNG next to it; the raw values in ``runs.json`` (a rerun resumes where it stopped).
BLAS threads are pinned to one so every optimizer gets the same machine.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import logging
from pathlib import Path

from benchmarks.problems import BROAD, REDUCED, SUITE
from benchmarks.samplers.overhead import measure_overhead
from benchmarks.samplers.peers import OPTIMIZERS
from benchmarks.samplers.report import (
    plot_curves,
    random_check,
    rank_table,
    regret_curves,
    regret_table,
)
from benchmarks.samplers.runner import load_runs, run_all

SLOW = ["smac_bb"]  # minutes per run at 100 evaluations on two cores


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samplers", description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--problems", nargs="*", default=None, help=f"default: all of {SUITE}")
    ap.add_argument("--reduced", action="store_true", help=f"problems {REDUCED}, without {SLOW}")
    ap.add_argument("--suite", choices=["classic", "broad"], default="classic",
                    help=f"broad: {len(BROAD)} problems (python -m benchmarks.samplers.broad reports on it)")
    ap.add_argument("--seed-start", type=int, default=0, help="run seeds seed-start..seeds-1 only")
    ap.add_argument("--runs", type=Path, default=None, help="runs file (default: OUT/runs.json)")
    ap.add_argument("--optimizers", nargs="*", default=None, help=f"default: all of {list(OPTIMIZERS)}")
    ap.add_argument("--skip", nargs="*", default=[], help="optimizers to leave out")
    ap.add_argument("--overhead-sizes", nargs="*", type=int, default=[100, 500, 1000])
    ap.add_argument("--no-overhead", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/samplers"))
    ap.add_argument("--fresh", action="store_true", help="ignore runs stored by an earlier call")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: report on the runs already stored (seeds may differ by problem)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    import torch  # Optuna's GPSampler: one thread, like everyone else

    torch.set_num_threads(1)
    problems = args.problems or (REDUCED if args.reduced else BROAD if args.suite == "broad" else SUITE)
    skip = set(args.skip) | (set(SLOW) if args.reduced else set())
    optimizers = [o for o in (args.optimizers or list(OPTIMIZERS)) if o not in skip]
    args.out.mkdir(parents=True, exist_ok=True)
    runs_path = args.runs or args.out / "runs.json"
    runs = (load_runs(runs_path) if args.report_only else
            run_all(problems, optimizers, range(args.seed_start, args.seeds), args.budget, runs_path,
                    resume=not args.fresh))
    runs = {k: v for k, v in runs.items() if k.split("/")[0] in problems and k.split("/")[1] in optimizers
            and int(k.split("/")[2]) < args.seeds}
    curves = regret_curves(runs)
    checkpoints = sorted({min(50, args.budget), args.budget})
    parts = [f"# Samplers: budget {args.budget}, {args.seeds} seeds\n"]
    seeds = {p: len({k.split("/")[2] for k in runs if k.startswith(p + "/")}) for p in problems}
    fewer = {p: n for p, n in seeds.items() if 0 < n < args.seeds}
    if fewer:
        parts.append("Fewer seeds stored for: " + ", ".join(f"{p} ({n})" for p, n in fewer.items()) + "\n")
    for cp in checkpoints:
        parts.append(f"## Median regret [Q1, Q3] at {cp} evaluations\n\n{regret_table(curves, cp)}\n")
    parts.append(f"## Mean rank across problems\n\n{rank_table(curves, checkpoints)}\n")
    parts.append(f"tiaocan_auto median worse than random search at {args.budget}: "
                 f"{random_check(curves, args.budget)}\n")
    plot_curves(curves, args.out)
    if not args.no_overhead:
        parts.append("## Proposal overhead, ms per trial\n\n" + measure_overhead(args.overhead_sizes) + "\n")
    report = "\n".join(parts)
    (args.out / "report.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
