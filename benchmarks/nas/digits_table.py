"""The project's own tabular architecture space: every cell of a small space trained on 8×8
digits, stored with its parameter count, FLOPs and latency.

The space: NAS-Bench-201's 4-node cell (6 edges) with 3 ops (``none``, ``skip_connect``,
``conv_3x3``), 3^6 = 729 cells. Each cell is built by ``tiaocan.nas.build`` (16 channels, one
cell) and trained stand-alone with 2 seeds (5 epochs of Adam, lr 0.01, batch 128) on
scikit-learn's digits (shipped, no download; the fixed split of ``digits_split(0)``:
1079 train, 359 validation, 359 test). Latency: median of 20 forward passes of a batch of 32
on one thread, after 5 warm-up passes, measured on one core after all training finished.

Rebuild (about 12 CPU-minutes, 2 processes)::

    nice -n 10 .venv/bin/python -m benchmarks.nas.digits_table --build

Read::

    from benchmarks.nas.digits_table import load_table
    table = load_table()            # genotype -> row
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
import warnings
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("digits_cell_table.json")
N_NODES = 4
OPS = ("none", "skip_connect", "conv_3x3")
SEEDS = (0, 1)
TRAINING = {"channels": 16, "n_cells": 1, "epochs": 5, "batch_size": 128, "lr": 0.01,
            "split_seed": 0}
LATENCY = {"batch_size": 32, "repeats": 20, "warmup": 5, "threads": 1}


def all_configs() -> list[dict[str, str]]:
    import itertools

    from tiaocan.nas.cell import cell_edges, edge_name

    edges = cell_edges(N_NODES)
    return [{edge_name(i, j): op for (i, j), op in zip(edges, ops)}
            for ops in itertools.product(OPS, repeat=len(edges))]


def train(params: dict[str, Any], seed: int) -> tuple[float, float]:
    """Validation and test accuracy of the cell trained stand-alone with ``seed``."""
    import torch

    from tiaocan.nas._training import accuracy, digits_split, train_epoch
    from tiaocan.nas.cell import build

    split = _split()
    torch.manual_seed(seed)
    model = build(params, channels=TRAINING["channels"], n_cells=TRAINING["n_cells"])
    optimizer = torch.optim.Adam(model.parameters(), lr=TRAINING["lr"])
    generator = torch.Generator().manual_seed(seed)
    for _ in range(TRAINING["epochs"]):
        train_epoch(model, optimizer, split.x_train, split.y_train,
                    batch_size=TRAINING["batch_size"], generator=generator, device="cpu")
    return (accuracy(model, split.x_valid, split.y_valid, device="cpu"),
            accuracy(model, split.x_test, split.y_test, device="cpu"))


_SPLIT: Any = None


def _split() -> Any:
    global _SPLIT
    if _SPLIT is None:
        from tiaocan.nas._training import digits_split

        _SPLIT = digits_split(TRAINING["split_seed"])
    return _SPLIT


def _job(args: tuple[int, dict[str, Any]]) -> tuple[int, list[float], list[float], float]:
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    index, params = args
    start = time.perf_counter()
    runs = [train(params, seed) for seed in SEEDS]
    return index, [v for v, _ in runs], [t for _, t in runs], time.perf_counter() - start


def build_table(processes: int = 2) -> dict[str, Any]:
    from tiaocan.nas.cell import build, genotype
    from tiaocan.nas.hardware import count_flops, count_params, measure_latency

    configs = all_configs()
    rows: list[dict[str, Any]] = [{} for _ in configs]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for done, (index, valid, test, seconds) in enumerate(
                pool.imap_unordered(_job, list(enumerate(configs)), chunksize=4), start=1):
            rows[index] = {"valid": valid, "test": test, "train_seconds": round(seconds / 2, 3)}
            if done % 50 == 0:
                print(f"{done}/{len(configs)} cells trained", flush=True)
    for config, row in zip(configs, rows):
        model = build(config, channels=TRAINING["channels"], n_cells=TRAINING["n_cells"])
        latency = measure_latency(model, (1, 8, 8), **LATENCY)["latency_ms"]
        row.update(genotype=genotype(config), params=count_params(model),
                   flops=count_flops(model, (1, 8, 8)), latency_ms=round(latency, 4))
    return {"space": {"n_nodes": N_NODES, "ops": list(OPS)}, "training": TRAINING,
            "latency": LATENCY, "seeds": list(SEEDS), "rows": rows}


def load_table(path: Path = PATH) -> dict[str, dict[str, Any]]:
    """The stored table: genotype -> row (valid/test accuracies per seed, params, flops,
    latency_ms, train_seconds)."""
    data = json.loads(Path(path).read_text())
    return {row["genotype"]: row for row in data["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="train every cell and rewrite the table")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    if args.build:
        start = time.perf_counter()
        table = build_table(args.processes)
        PATH.write_text(json.dumps(table, separators=(",", ":")) + "\n")
        print(f"wrote {PATH} ({len(table['rows'])} cells) in {time.perf_counter() - start:.0f} s")
    table = load_table()
    best = max(table.values(), key=lambda r: sum(r["valid"]) / len(r["valid"]))
    print(f"{len(table)} cells; best mean validation accuracy {sum(best['valid']) / 2:.4f} "
          f"({best['genotype']})")


if __name__ == "__main__":
    main()
