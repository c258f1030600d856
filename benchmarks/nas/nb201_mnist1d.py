"""A NAS-Bench-201-style cell search on MNIST-1D: DARTS, DARTS+guard, SPOS+evolution and
SPOS+random, each found cell trained stand-alone against 20 random cells trained the same way.

The space is NAS-Bench-201's cell (4 nodes, 6 edges) with its 5 ops (``none``,
``skip_connect``, ``conv_1x1``, ``conv_3x3``, ``avg_pool_3x3``): 15,625 cells, too many to
train all, so the truth is sampled: 20 random cells plus the found ones, each trained from
scratch with one recipe (10 epochs of Adam, lr 0.01, batch 128, 16 channels, one cell) on 2
seeds; accuracy = mean test accuracy. The one-shot proxy's Kendall τ is measured on the 20
random cells. MNIST-1D (Greydanus 2020) is generated offline by ``mnist1d``'s
``make_dataset`` (3,000 signals of length 40, seen as 1×40 images; never its download).

    .venv/bin/python -m benchmarks.nas.nb201_mnist1d            # one search seed, ~10 CPU-min
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import tiaocan as tc
from tiaocan.nas._training import Split, accuracy, train_epoch
from tiaocan.nas.cell import build, genotype
from tiaocan.nas.darts import darts_search
from tiaocan.nas.ops import is_parametric
from tiaocan.nas.ranking import ranking_quality
from tiaocan.nas.supernet import Supernet, oneshot_search

OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
N_NODES = 4
RECIPE = {"channels": 16, "n_cells": 1, "epochs": 10, "lr": 0.01, "batch_size": 128, "seeds": (0, 1)}


def mnist1d_split(seed: int = 0) -> Split:
    """MNIST-1D made offline; train 1,800 / validation 600 / test 600, standardised."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.seed = 3000, seed
    data = make_dataset(args)
    x = torch.tensor(np.asarray(data["x"]), dtype=torch.float32)
    x_test = torch.tensor(np.asarray(data["x_test"]), dtype=torch.float32)
    y, y_test = torch.tensor(data["y"]).long(), torch.tensor(data["y_test"]).long()
    mean, std = x.mean(), x.std()
    x, x_test = ((x - mean) / std).reshape(-1, 1, 1, 40), ((x_test - mean) / std).reshape(-1, 1, 1, 40)
    n_valid = len(x) // 4
    return Split(x[n_valid:], y[n_valid:], x[:n_valid], y[:n_valid], x_test, y_test)


def stand_alone(params: dict[str, str], split: Split) -> float:
    """Mean test accuracy of the cell trained from scratch with the recipe's seeds."""
    accs = []
    for seed in RECIPE["seeds"]:
        torch.manual_seed(seed)
        model = build(params, channels=RECIPE["channels"], n_cells=RECIPE["n_cells"],
                      n_classes=split.n_classes, in_channels=split.in_channels)
        optimizer = torch.optim.Adam(model.parameters(), lr=RECIPE["lr"])
        generator = torch.Generator().manual_seed(seed)
        for _ in range(RECIPE["epochs"]):
            train_epoch(model, optimizer, split.x_train, split.y_train,
                        batch_size=RECIPE["batch_size"], generator=generator, device="cpu")
        accs.append(accuracy(model, split.x_test, split.y_test, device="cpu"))
    return statistics.mean(accs)


def random_cells(space: tc.Space, n: int, seed: int) -> list[dict[str, str]]:
    study = tc.create_study(space=space, sampler="random", seed=seed)
    return [dict(study.ask().params) for _ in range(n)]


def search(method: str, space: tc.Space, split: Split, seed: int, supernet: Supernet) -> dict[str, str]:
    if method.startswith("DARTS"):
        guard = "darts-" if "guard" in method else "none"
        trial = darts_search(space, split, guard=guard, seed=seed, epochs=30, channels=16,
                             n_cells=1)
        return dict(trial.user_attrs["params"])
    sampler = "evolution" if "evolution" in method else "random"
    result = oneshot_search(space, split, n_trials=100, sampler=sampler, top_k=3,
                            retrain_epochs=RECIPE["epochs"], channels=16, n_cells=1,
                            name=f"{method}-{seed}", seed=seed, supernet=supernet)
    return dict(result.retrain.best_trial.params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = mnist1d_split(0)
    space = tc.nas.cell_space(N_NODES, list(OPS))
    start = time.process_time()
    randoms = random_cells(space, 20, seed=0)
    truth = {genotype(p): stand_alone(p, split) for p in randoms}
    median = statistics.median(truth.values())
    print(f"20 random cells trained stand-alone in {time.process_time() - start:.0f} CPU s: "
          f"median {median:.4f}, best {max(truth.values()):.4f}", flush=True)
    rows = []
    for seed in range(args.seeds):
        begin = time.process_time()
        supernet = Supernet(space, split, channels=16, n_cells=1, seed=seed)
        supernet.train(epochs=40, seed=seed)
        supernet_s = time.process_time() - begin
        proxy = {genotype(p): supernet.evaluate(p, metric="nll") for p in randoms}
        quality = ranking_quality(proxy, truth, k=5)
        print(f"seed {seed}: supernet {supernet_s:.0f} CPU s; one-shot proxy on the 20 random "
              f"cells: Kendall tau {quality['kendall_tau']:.3f}, precision@5 "
              f"{quality['precision_at_k']:.2f}", flush=True)
        for method in ("DARTS+guard", "DARTS (published)", "SPOS+evolution", "SPOS+random"):
            begin = time.process_time()
            params = search(method, space, split, seed, supernet)
            cpu = time.process_time() - begin + (supernet_s if method.startswith("SPOS") else 0)
            acc = stand_alone(params, split)
            free = sum(not is_parametric(op) for op in params.values())
            rows.append((method, seed, acc, cpu, free, genotype(params)))
            print(f"  {method:<18} acc {acc:.4f} search {cpu:.0f} CPU s, parameter-free ops {free}: "
                  f"{genotype(params)}", flush=True)
    print(f"\n{'method':<18} {'seed':>4} {'acc':>7} {'> median':>8} {'free ops':>8} {'search cpu s':>12}")
    for method, seed, acc, cpu, free, _ in rows:
        print(f"{method:<18} {seed:>4} {acc:7.4f} {'yes' if acc > median else 'no':>8} {free:8d} {cpu:12.0f}")
    print(f"{'20 random cells':<18} {'':>4} {median:7.4f}  (median; best {max(truth.values()):.4f})")


if __name__ == "__main__":
    main()
