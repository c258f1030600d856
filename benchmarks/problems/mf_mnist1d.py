"""MNIST-1D MLP with epochs as the fidelity, as a nearest-neighbour table surrogate.

MNIST-1D (Greydanus & Kobak 2020, "Scaling Down Deep Learning with MNIST-1D") is generated
offline from templates (2400 training, 600 validation sequences of length 40). A torch MLP
is trained for 27 epochs for each of 512 Sobol configurations; the validation error after
every epoch and the measured training seconds form the table (built once, ~3 CPU minutes,
one process per core, stored as JSON beside this harness), so benchmark runs replay it on
the simulated clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems.mf_base import MFProblem, TableSurrogate, map_forked

__all__ = ["build_table", "mf_mnist1d"]

TABLE = Path(__file__).resolve().parent.parent / "multifidelity" / "tables" / "mnist1d.json"
EPOCHS = 27
N_CONFIGS = 512
SPACE = tc.Space(lr=tc.Float(1e-4, 3e-1, log=True), width=tc.Int(16, 256, log=True),
                 depth=tc.Int(1, 3), weight_decay=tc.Float(1e-6, 1e-1, log=True),
                 batch_size=tc.Int(64, 512, log=True))


def _data() -> tuple[Any, ...]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = 3000
    data = make_dataset(args)
    return (np.asarray(data["x"], np.float32), np.asarray(data["y"]),
            np.asarray(data["x_test"], np.float32), np.asarray(data["y_test"]))


def _train(cfg: Mapping[str, Any], data: tuple[Any, ...]) -> tuple[list[float], list[float]]:
    import torch

    torch.manual_seed(0)
    x_tr, y_tr, x_va, y_va = (torch.as_tensor(a) for a in data)
    layers: list[Any] = []
    width, last = cfg["width"], x_tr.shape[1]
    for _ in range(cfg["depth"]):
        layers += [torch.nn.Linear(last, width), torch.nn.ReLU()]
        last = width
    model = torch.nn.Sequential(*layers, torch.nn.Linear(last, 10))
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    errors, seconds, spent = [], [], 0.0
    for _ in range(EPOCHS):
        start = time.perf_counter()
        order = torch.randperm(len(x_tr))
        for i in range(0, len(order), cfg["batch_size"]):
            idx = order[i:i + cfg["batch_size"]]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx]).backward()
            opt.step()
        spent += time.perf_counter() - start
        with torch.no_grad():
            err = float((model(x_va).argmax(1) != y_va).float().mean())
        errors.append(err if np.isfinite(err) else 1.0)
        seconds.append(spent)
    return errors, seconds


def _train_one(data: tuple[Any, ...], cfg: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    import torch

    torch.set_num_threads(1)  # one core per process: the measured seconds stay comparable
    return _train(cfg, data)


def build_table(path: Path = TABLE) -> None:
    from scipy.stats import qmc

    units = qmc.Sobol(len(SPACE), seed=0).random(N_CONFIGS)
    configs = [SPACE.decode(u) for u in units]
    curves, seconds = zip(*map_forked(_train_one, configs, _data()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"configs": configs, "curves": curves, "seconds": seconds,
                                "steps": list(range(1, EPOCHS + 1))}))


def mf_mnist1d() -> MFProblem:
    if not TABLE.exists():
        build_table()
    raw = json.loads(TABLE.read_text())
    # simulated time: 100x the measured CPU seconds (a larger model on a larger data set)
    table = TableSurrogate(SPACE, raw["configs"], np.array(raw["curves"]),
                           100.0 * np.array(raw["seconds"]), raw["steps"])
    return MFProblem(name="mf_mnist1d_mlp", space=SPACE, fidelity=tc.Fidelity("epoch", 1, EPOCHS),
                     loss=table.loss, true_loss=table.true_loss, cost=table.cost,
                     optimum=table.optimum, resumable=True, steps=tuple(raw["steps"]),
                     row=table.row, configs=table.configs)
