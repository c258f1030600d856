"""The project's own tabular architecture spaces: every cell of a small space trained
stand-alone, stored with its parameter count, FLOPs and latency.

The space: NAS-Bench-201's 4-node cell (6 edges) with 3 ops (``none``, ``skip_connect``,
``conv_3x3``), 3^6 = 729 cells, each built by ``tiaocan.nas.build`` (16 channels, one cell).
Two tasks, each with its own recipe (recorded in the stored JSON's ``training`` and ``seeds``):

- ``digits`` (``digits_cell_table.json``): scikit-learn's 8×8 digits (shipped, no download;
  the fixed split of ``digits_split(0)``: 1079 train, 359 validation, 359 test); 5 epochs of
  Adam at a constant lr 0.01, batch 128, 2 seeds. The task is nearly saturated (best mean
  validation accuracy 97.4 %) and noisy: two seeds of one good cell differ by ~5.8 points, so
  the best *observed* query of a long search is often a lucky seed of a weaker cell. A rebuild
  with 12 epochs and a one-cycle rate cut that spread to 0.56 points but saturated the task
  further (best 99.7 %, 73rd 98.75 %), so that no method could be told from another.
- ``mnist1d`` (``mnist1d_cell_table.json``): MNIST-1D (Greydanus 2020) generated offline by
  ``mnist1d``'s ``make_dataset`` (3,000 signals of length 40 seen as 1×40 images; 1,800 train,
  600 validation, 600 test; never its download); 15 epochs of Adam, batch 128, a one-cycle
  rate peaking at 0.01 (Smith & Topin 2019: annealing to ~0 settles the final weights), 3
  seeds. The task is far from saturated (mean validation accuracy from 9.7 % for cells with
  no path to the output to 96.9 %, median 73.7 %), and the 3 seeds of a top-20 cell span a
  median 1.5 points (``main`` prints these figures for either table).

Latency: median of 20 forward passes of a batch of 32 on one thread, after 5 warm-up passes,
measured on one core after all training finished. The search signal and the truth are both
the *validation* accuracy (a query returns one seed's value; regret is measured against the
mean over seeds); the test accuracy is stored beside it for methods that select on validation
and report test (DARTS).

The build appends every trained cell to ``<table>.progress.jsonl`` and resumes from it with
the same recipe, so a build can be done in several sittings; the table is written once every
cell is trained.

Rebuild (digits about 10 CPU-minutes, mnist1d about 30; 2 processes)::

    nice -n 10 .venv/bin/python -m benchmarks.nas.digits_table --task mnist1d --build

Read::

    from benchmarks.nas.digits_table import load_table
    table = load_table()                     # digits: genotype -> row
    table = load_table(TASKS["mnist1d"].path)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

N_NODES = 4
OPS = ("none", "skip_connect", "conv_3x3")
LATENCY = {"batch_size": 32, "repeats": 20, "warmup": 5, "threads": 1}


@dataclass(frozen=True)
class Task:
    name: str
    path: Path
    input_shape: tuple[int, int, int]
    training: dict[str, Any]
    seeds: tuple[int, ...]


_HERE = Path(__file__).parent
TASKS = {
    "digits": Task("digits", _HERE / "digits_cell_table.json", (1, 8, 8),
                   {"channels": 16, "n_cells": 1, "epochs": 5, "batch_size": 128, "lr": 0.01,
                    "split_seed": 0}, (0, 1)),
    "mnist1d": Task("mnist1d", _HERE / "mnist1d_cell_table.json", (1, 1, 40),
                    {"channels": 16, "n_cells": 1, "epochs": 15, "batch_size": 128, "lr": 0.01,
                     "schedule": "one-cycle", "split_seed": 0}, (0, 1, 2)),
}
PATH = TASKS["digits"].path
TRAINING = TASKS["digits"].training   # the recipe of the digits table (used by oneshot.py)
SEEDS = TASKS["digits"].seeds


def all_configs() -> list[dict[str, str]]:
    import itertools

    from tiaocan.nas.cell import cell_edges, edge_name

    edges = cell_edges(N_NODES)
    return [{edge_name(i, j): op for (i, j), op in zip(edges, ops)}
            for ops in itertools.product(OPS, repeat=len(edges))]


def train(params: dict[str, Any], seed: int, task: Task = TASKS["digits"]) -> tuple[float, float]:
    """Validation and test accuracy of the cell trained stand-alone with ``seed``."""
    import torch

    from tiaocan.nas._training import accuracy, batches
    from tiaocan.nas.cell import build

    recipe, split = task.training, _split(task)
    torch.manual_seed(seed)
    model = build(params, channels=recipe["channels"], n_cells=recipe["n_cells"],
                  n_classes=split.n_classes, in_channels=split.in_channels)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
    schedule = None
    if recipe.get("schedule") == "one-cycle":
        # Warm up, then anneal to ~0, so the final weights sit in a settled minimum and the
        # seeds of one cell agree more closely than with a constant rate.
        steps = recipe["epochs"] * -(-len(split.y_train) // recipe["batch_size"])
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["lr"],
                                                       total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(recipe["epochs"]):
        for idx in batches(len(split.y_train), recipe["batch_size"], generator):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(split.x_train[idx]), split.y_train[idx]).backward()
            optimizer.step()
            if schedule is not None:
                schedule.step()
    return (accuracy(model, split.x_valid, split.y_valid, device="cpu"),
            accuracy(model, split.x_test, split.y_test, device="cpu"))


_SPLITS: dict[str, Any] = {}


def _split(task: Task) -> Any:
    if task.name not in _SPLITS:
        if task.name == "mnist1d":
            from benchmarks.nas.nb201_mnist1d import mnist1d_split as make
        else:
            from tiaocan.nas._training import digits_split as make
        _SPLITS[task.name] = make(task.training["split_seed"])
    return _SPLITS[task.name]


_TASK: Task = TASKS["digits"]   # the task of the build in progress (inherited by forked workers)


def _job(args: tuple[int, dict[str, Any]]) -> tuple[int, list[float], list[float], float]:
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    index, params = args
    start = time.perf_counter()
    runs = [train(params, seed, _TASK) for seed in _TASK.seeds]
    return index, [v for v, _ in runs], [t for _, t in runs], time.perf_counter() - start


def build_table(task: Task, processes: int = 2, progress: Path | None = None) -> dict[str, Any]:
    """Train every cell (``processes`` at a time) and measure it. Each trained cell is
    appended to ``progress`` (JSON lines) as it finishes; a rebuild with the same recipe
    resumes from that file, so an interrupted build loses at most the cells in flight."""
    global _TASK
    from tiaocan.nas.cell import build, genotype
    from tiaocan.nas.hardware import count_flops, count_params, measure_latency

    _TASK = task
    split = _split(task)   # made once here, shared by the forked workers
    configs = all_configs()
    rows = _resume(task, progress, len(configs))
    todo = [(i, c) for i, c in enumerate(configs) if not rows[i]]
    log = progress.open("a") if progress is not None else None
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for done, (index, valid, test, seconds) in enumerate(
                pool.imap_unordered(_job, todo, chunksize=2), start=len(configs) - len(todo) + 1):
            rows[index] = {"valid": valid, "test": test,
                           "train_seconds": round(seconds / len(task.seeds), 3)}
            if log is not None:
                log.write(json.dumps({"index": index, "recipe": _recipe(task), **rows[index]}) + "\n")
                log.flush()
            if done % 50 == 0:
                print(f"{done}/{len(configs)} cells trained", flush=True)
    for config, row in zip(configs, rows):
        model = build(config, channels=task.training["channels"], n_cells=task.training["n_cells"],
                      n_classes=split.n_classes, in_channels=split.in_channels)
        latency = measure_latency(model, task.input_shape, **LATENCY)["latency_ms"]
        row.update(genotype=genotype(config), params=count_params(model),
                   flops=count_flops(model, task.input_shape), latency_ms=round(latency, 4))
    return {"space": {"n_nodes": N_NODES, "ops": list(OPS)}, "task": task.name,
            "training": task.training, "latency": LATENCY, "seeds": list(task.seeds), "rows": rows}


def _recipe(task: Task) -> dict[str, Any]:
    return {"training": task.training, "seeds": list(task.seeds)}


def _resume(task: Task, progress: Path | None, n: int) -> list[dict[str, Any]]:
    """Rows already trained with the task's current recipe, read from the progress file."""
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    if progress is None or not progress.exists():
        return rows
    for line in progress.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by an interrupted build
            continue
        if entry.pop("recipe", None) == _recipe(task) and 0 <= entry.get("index", -1) < n:
            rows[entry.pop("index")] = entry
    return rows


def load_table(path: Path = PATH) -> dict[str, dict[str, Any]]:
    """The stored table: genotype -> row (valid/test accuracies per seed, params, flops,
    latency_ms, train_seconds)."""
    data = json.loads(Path(path).read_text())
    return {row["genotype"]: row for row in data["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="digits")
    parser.add_argument("--build", action="store_true", help="train every cell and rewrite the table")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path, help="where to write the table (default: the task's)")
    args = parser.parse_args()
    task = TASKS[args.task]
    out = args.out or task.path
    if args.build:
        start = time.perf_counter()
        table = build_table(task, args.processes, progress=out.with_suffix(".progress.jsonl"))
        out.write_text(json.dumps(table, separators=(",", ":")) + "\n")
        print(f"wrote {out} ({len(table['rows'])} cells) in {time.perf_counter() - start:.0f} s")
    rows = sorted(load_table(out).values(), key=lambda r: -sum(r["valid"]) / len(r["valid"]))
    means = [100 * sum(r["valid"]) / len(r["valid"]) for r in rows]
    spread = sorted(100 * (max(r["valid"]) - min(r["valid"])) for r in rows[:20])
    print(f"{len(rows)} cells; mean validation accuracy from {means[-1]:.1f} % to {means[0]:.2f} % "
          f"({rows[0]['genotype']}), median {means[len(means) // 2]:.1f} %; seeds of a top-20 cell "
          f"span a median {(spread[9] + spread[10]) / 2:.2f} points")


if __name__ == "__main__":
    main()
