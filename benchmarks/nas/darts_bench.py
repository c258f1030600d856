"""DARTS with and without its guard against collapse, on the project's tabular digits space.

Each search runs on the supernet of the table's cell space (3 ops, 6 edges, 729 cells); the
cell it finds is looked up in the table (stand-alone mean test accuracy over the table's 2
seeds), with its rank among the 729 cells, next to the median of 20 random cells.

    .venv/bin/python -m benchmarks.nas.darts_bench            # first order, 2 seeds
    .venv/bin/python -m benchmarks.nas.darts_bench --order 2
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import tiaocan as tc
from benchmarks.nas.digits_table import N_NODES, OPS, load_table
from tiaocan.nas._training import digits_split
from tiaocan.nas.darts import darts_search


def truth_of(table: dict) -> dict[str, float]:
    """Stand-alone accuracy per genotype: the mean test accuracy over the table's seeds."""
    return {g: sum(row["test"]) / len(row["test"]) for g, row in table.items()}


def rank_of(genotype: str, truth: dict[str, float]) -> int:
    """1 + the number of cells strictly better (ties share the best rank)."""
    return 1 + sum(v > truth[genotype] for v in truth.values())


def random_median(truth: dict[str, float], n: int = 20, seed: int = 0) -> float:
    keys = sorted(truth)
    picks = np.random.default_rng(seed).choice(len(keys), size=n, replace=False)
    return statistics.median(truth[keys[i]] for i in picks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--order", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    truth = truth_of(load_table())
    space = tc.nas.cell_space(N_NODES, list(OPS))
    split = digits_split(0)
    median = random_median(truth)
    print(f"{len(truth)} cells; best {max(truth.values()):.4f}; median of 20 random cells "
          f"{median:.4f}; top 10 % = rank <= {len(truth) // 10}")
    print(f"{'method':<18} {'seed':>4} {'acc':>7} {'rank':>5} {'top%':>6} {'free ops':>8} "
          f"{'search s':>8} {'cpu s':>6}  genotype")
    summary: dict[str, list] = {}
    for guard, label in (("darts-", "DARTS+guard"), ("none", "DARTS (published)")):
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            start, cpu = time.perf_counter(), time.process_time()
            trial = darts_search(space, split, guard=guard, order=args.order, seed=seed,
                                 epochs=args.epochs, channels=16, n_cells=1, device=args.device)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            g = trial.user_attrs["genotype"]
            rank = rank_of(g, truth)
            summary.setdefault(label, []).append((truth[g], rank, trial.user_attrs["parameter_free_ops"], seconds))
            print(f"{label:<18} {seed:>4} {truth[g]:7.4f} {rank:5d} {100 * rank / len(truth):5.1f}% "
                  f"{trial.user_attrs['parameter_free_ops']:8d} {seconds:8.1f} {cpu:6.1f}  {g}",
                  flush=True)
    print(f"\n{'method':<18} {'mean acc':>8} {'mean rank':>9} {'in top 10%':>10} {'> median':>8} "
          f"{'free ops':>8} {'search s':>8}")
    for label, rows in summary.items():
        accs, ranks, free, secs = zip(*rows)
        print(f"{label:<18} {statistics.mean(accs):8.4f} {statistics.mean(ranks):9.1f} "
              f"{sum(r <= len(truth) // 10 for r in ranks):>5}/{len(ranks):<4} "
              f"{sum(a > median for a in accs):>4}/{len(accs):<3} {statistics.mean(free):8.2f} "
              f"{statistics.mean(secs):8.1f}")
    print(f"{'20 random cells':<18} {median:8.4f}  (median)")


if __name__ == "__main__":
    main()
