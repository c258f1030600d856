"""Compound scaling (Tan & Le 2019) on 8×8 digits: grid search of (α, β, γ) at φ = 1 under
α·β²·γ² ≈ 2 with measured FLOPs, then φ = 2 against depth-, width- and resolution-only
scaling at the compound model's FLOPs.

    .venv/bin/python -m benchmarks.nas.scaling_bench
"""

from __future__ import annotations

import argparse
import time

import torch

from tiaocan.nas._training import digits_split
from tiaocan.nas.scaling import CNNShape, compare_at_equal_flops, compound_grid, search_coefficients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phi", type=float, default=2.0)
    parser.add_argument("--search-epochs", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # one thread: steadier on a shared machine
    start, cpu = time.perf_counter(), time.process_time()
    base = CNNShape(depth=4, width=16, resolution=8)
    split = digits_split(0)
    points = compound_grid([1.0, 1.25, 1.5, 2.0], [1.0, 1.1, 1.2], base=base)
    print(f"grid: {len(points)} points, measured FLOPs ratio "
          f"{min(p.flops_ratio for p in points):.3f}..{max(p.flops_ratio for p in points):.3f} "
          f"(target 2 ± 15 %: {all(abs(p.flops_ratio - 2) <= 0.3 for p in points)})")
    study = search_coefficients(points, split, epochs=args.search_epochs, seed=0, device=args.device)
    print(f"{'alpha':>6} {'beta':>5} {'gamma':>6} {'d':>3} {'w':>3} {'r':>3} {'FLOPs x':>8} {'val acc':>8}")
    for t in sorted(study.trials, key=lambda t: t.number):
        u = t.user_attrs
        print(f"{t.params['alpha']:6.2f} {t.params['beta']:5.2f} {u['gamma']:6.3f} {u['depth']:3d} "
              f"{u['width']:3d} {u['resolution']:3d} {u['flops_ratio']:8.3f} {t.value:8.3f}")
    best = study.best_trial
    alpha, beta, gamma = best.params["alpha"], best.params["beta"], best.user_attrs["gamma"]
    print(f"chosen: alpha={alpha} beta={beta} gamma={gamma:.3f}   (search {time.perf_counter() - start:.0f} s)")
    rows = compare_at_equal_flops(base, alpha, beta, gamma, args.phi, split, epochs=args.epochs,
                                  seeds=range(args.seeds), device=args.device)
    print(f"\nphi = {args.phi:g}, mean test accuracy over {args.seeds} seeds, {args.epochs} epochs")
    print(f"{'method':<16} {'d':>3} {'w':>3} {'r':>3} {'FLOPs x':>8} {'test acc':>9}")
    for r in rows:
        print(f"{r['method']:<16} {r['depth']:3d} {r['width']:3d} {r['resolution']:3d} "
              f"{r['flops_ratio']:8.2f} {r['test_accuracy']:9.4f}")
    singles = max(r["test_accuracy"] for r in rows if r["method"].endswith("only"))
    compound = next(r["test_accuracy"] for r in rows if r["method"] == "compound")
    print(f"compound - best single dimension: {compound - singles:+.4f}; "
          f"whole run {time.perf_counter() - start:.0f} s wall-clock, "
          f"{time.process_time() - cpu:.0f} s CPU")


if __name__ == "__main__":
    main()
