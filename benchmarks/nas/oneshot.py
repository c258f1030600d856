"""One-shot search (SPOS supernet) on the project's tabular digits space: how well the
supernet ranks all 729 cells (Kendall τ, precision@10) against the parameter count, and what
evolution and random sampling find with it as their objective, top-5 retrained from scratch.

    .venv/bin/python -m benchmarks.nas.oneshot
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import tiaocan as tc
from benchmarks.nas.darts_bench import random_median, rank_of, truth_of
from benchmarks.nas.digits_table import N_NODES, OPS, TRAINING, load_table
from tiaocan.nas._training import digits_split
from tiaocan.nas.cell import genotype, parse_genotype
from tiaocan.nas.ranking import ranking_quality
from tiaocan.nas.supernet import Supernet, oneshot_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--metric", default="nll", choices=["nll", "accuracy"])
    parser.add_argument("--supernet-epochs", type=int, default=40)
    parser.add_argument("--n-trials", type=int, default=100)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = load_table()
    truth = truth_of(table)
    params = {g: float(row["params"]) for g, row in table.items()}
    space = tc.nas.cell_space(N_NODES, list(OPS))
    split = digits_split(TRAINING["split_seed"])
    median = random_median(truth)
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        supernet = Supernet(space, split, channels=TRAINING["channels"],
                            n_cells=TRAINING["n_cells"], device=args.device, seed=seed)
        supernet.train(epochs=args.supernet_epochs, seed=seed)
        train_s = time.perf_counter() - start
        proxy = {g: supernet.evaluate(parse_genotype(g), metric=args.metric) for g in truth}
        quality = ranking_quality(proxy, truth, baseline=params, k=10)
        print(f"seed {seed} ({args.metric} proxy): supernet {train_s:.0f} s, all {len(proxy)} cells scored in "
              f"{time.perf_counter() - start - train_s:.0f} s; Kendall tau {quality['kendall_tau']:.3f} "
              f"(parameter count {quality['baseline_kendall_tau']:.3f}), precision@10 "
              f"{quality['precision_at_k']:.2f} (parameter count {quality['baseline_precision_at_k']:.2f})",
              flush=True)
        for sampler, label in (("evolution", "SPOS+evolution"), ("random", "SPOS+random")):
            begin = time.perf_counter()
            result = oneshot_search(space, split, n_trials=args.n_trials, sampler=sampler,
                                    top_k=args.top_k, retrain_epochs=TRAINING["epochs"],
                                    channels=TRAINING["channels"], n_cells=TRAINING["n_cells"],
                                    name=f"{label}-{seed}", seed=seed, device=args.device,
                                    supernet=supernet, metric=args.metric)
            result.search.set_user_attr("ranking", quality)
            best = result.retrain.best_trial
            g = genotype(best.params)
            seconds = train_s + time.perf_counter() - begin
            rows.append((label, seed, truth[g], rank_of(g, truth), seconds, quality, g))
            print(f"  {label:<15} found {g}: acc {truth[g]:.4f}, rank {rank_of(g, truth)}, "
                  f"{seconds:.0f} s", flush=True)
    print(f"\n{'method':<16} {'seed':>4} {'acc':>7} {'rank':>5} {'top%':>6} {'search s':>8} "
          f"{'tau':>6} {'tau params':>10} {'p@10':>5} {'p@10 params':>11}")
    for label, seed, acc, rank, secs, q, _ in rows:
        print(f"{label:<16} {seed:>4} {acc:7.4f} {rank:5d} {100 * rank / len(truth):5.1f}% {secs:8.1f} "
              f"{q['kendall_tau']:6.3f} {q['baseline_kendall_tau']:10.3f} {q['precision_at_k']:5.2f} "
              f"{q['baseline_precision_at_k']:11.2f}")
    for label in ("SPOS+evolution", "SPOS+random"):
        accs = [r[2] for r in rows if r[0] == label]
        print(f"{label:<16} mean acc {statistics.mean(accs):.4f}, above the median of 20 random "
              f"cells ({median:.4f}) in {sum(a > median for a in accs)}/{len(accs)}")


if __name__ == "__main__":
    main()
