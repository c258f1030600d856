"""A one-shot supernet for a cell space: SPOS training, inherited-weight evaluation, and the
one-shot search as two linked studies.

Reference:
    Guo, Zhang, Mu, Heng, Liu, Wei, Sun (2020). Single Path One-Shot Neural Architecture
    Search with Uniform Sampling. ECCV. The supernet holds every op of every edge; each
    training step samples one path (one op per edge) uniformly and trains only it, so every
    architecture's weights are trained equally often; an architecture is then scored with the
    inherited weights after its batch-norm statistics are recomputed on training batches
    (section 3.3: the shared running statistics belong to no single path).

The one-shot search is an ordinary study over the cell space (evolution by default) whose
objective is the supernet's validation accuracy of the architecture: milliseconds instead of
a training. Its top-k are retrained from scratch in a second, multi-fidelity study (epochs as
fidelity, median stopping); the two studies name each other in their user attributes
(``retrain_study`` / ``oneshot_study``).

>>> import tiaocan as tc
>>> net = Supernet(tc.nas.cell_space(3, ["skip_connect", "conv_3x3"]), channels=4)
>>> _ = net.train(epochs=1, seed=0)
>>> 0.0 <= net.evaluate({"edge_0_1": "conv_3x3", "edge_0_2": "skip_connect",
...                      "edge_1_2": "conv_3x3"}) <= 1.0
True
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiaocan.errors import ConfigError, check_int, require
from tiaocan.nas._training import (Split, accuracy, batches, digits_split, mean_loss,
                                   resolve_device)

__all__ = ["OneShotResult", "Supernet", "oneshot_search", "retrain"]


class Supernet:
    """Every op of every edge of a cell space, in one module (weights shared by all cells).

    Args:
        space: a cell space (:func:`tiaocan.nas.cell_space`); any other space is an error.
        split: the data (default: 8×8 digits).
        channels, n_cells: as in :func:`tiaocan.nas.build`, so a path is that network.
        device: ``"cpu"`` or ``"cuda"``.
        seed: seeds the initial weights (``train`` has its own seed for the paths and batches).
    """

    def __init__(self, space: Any, split: Split | None = None, *, channels: int = 16,
                 n_cells: int = 1, device: str = "cpu", seed: int = 0) -> None:
        from tiaocan.nas._mixed import SearchNetwork, cell_space_ops

        torch = require("torch", "nas", "the supernet")

        self.n_nodes, self.ops = cell_space_ops(space, "Supernet")
        self.space = space
        self.split = split or digits_split(0)
        self.device = resolve_device(device)
        torch.manual_seed(check_int("seed", seed, 0))  # the initial weights
        self.net = SearchNetwork(self.n_nodes, self.ops, channels=check_int("channels", channels, 1),
                                 n_cells=check_int("n_cells", n_cells, 1),
                                 n_classes=self.split.n_classes,
                                 in_channels=self.split.in_channels).to(self.device)

    def train(self, *, epochs: int = 10, lr: float = 0.01, batch_size: int = 128,
              seed: int = 0, sampling: str = "uniform", schedule: str = "cosine") -> list[float]:
        """Train the shared weights (Adam); the mean loss per epoch.

        ``schedule="cosine"`` anneals the learning rate to 0 over the training (as SPOS and
        FairNAS do): the last steps move the shared weights little, so the ranking does not
        depend on which paths happened to be drawn last; ``"constant"`` keeps ``lr``.

        ``sampling="uniform"``: SPOS, one uniformly drawn path per step. ``"fair"``: FairNAS's
        strict fairness (Chu, Zhang, Xu 2021, ICCV): each step draws a permutation of the
        ops per edge and accumulates the gradients of the len(ops) paths it gives, so every
        op of every edge is trained on every batch.
        """
        torch = require("torch", "nas", "the supernet")
        if sampling not in ("uniform", "fair"):
            raise ConfigError(f"sampling must be 'uniform' or 'fair', received {sampling!r}")
        if schedule not in ("cosine", "constant"):
            raise ConfigError(f"schedule must be 'cosine' or 'constant', received {schedule!r}")
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=lr)
        epochs = check_int("epochs", epochs, 1)
        steps = epochs * -(-len(self.split.y_train) // check_int("batch_size", batch_size, 1))
        annealing = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=steps if schedule == "cosine" else 10**12)
        n_edges, n_ops = len(self.net.edge_names), len(self.ops)
        x, y = self.split.x_train, self.split.y_train
        losses = []
        for _ in range(epochs):
            self.net.train()
            total = 0.0
            for idx in batches(len(y), batch_size, generator):
                if sampling == "uniform":
                    paths = [torch.randint(n_ops, (n_edges,), generator=generator).tolist()]
                else:
                    perms = [torch.randperm(n_ops, generator=generator).tolist() for _ in range(n_edges)]
                    paths = [[perm[k] for perm in perms] for k in range(n_ops)]
                optimizer.zero_grad()
                xb, yb = x[idx].to(self.device), y[idx].to(self.device)
                for choice in paths:
                    loss = torch.nn.functional.cross_entropy(self.net(xb, choice=choice), yb)
                    loss.backward()
                    total += float(loss.detach()) * len(idx) / len(paths)
                optimizer.step()
                annealing.step()
            losses.append(total / len(y))
        return losses

    def path(self, params: Mapping[str, Any]) -> Any:
        """The sub-network of one cell configuration, with the inherited weights."""
        torch = require("torch", "nas", "the supernet")
        choice = self.net.choice_of(params)
        net = self.net

        class Path(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, x: Any) -> Any:
                return self.net(x, choice=choice)

        return Path()

    def recalibrate(self, params: Mapping[str, Any], *, n_batches: int | None = None,
                    batch_size: int = 256) -> Any:
        """Recompute every batch-norm statistic on training batches through this path only
        (``n_batches=None``: the whole training set, so the statistics are exact, not a
        sample that adds its own noise to the ranking)."""
        torch = require("torch", "nas", "the supernet")
        path = self.path(params)
        norms = [m for m in self.net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        for bn in norms:
            bn.reset_running_stats()
            bn.momentum = None  # a cumulative average over the calibration batches
        x = self.split.x_train
        path.train()
        with torch.no_grad():
            n_all = -(-len(x) // batch_size)
            for k in range(n_all if n_batches is None else min(n_batches, n_all)):
                path(x[k * batch_size:(k + 1) * batch_size].to(self.device))
        for bn in norms:
            bn.momentum = 0.1
        return path

    def evaluate(self, params: Mapping[str, Any], *, on: str = "valid",
                 metric: str = "accuracy") -> float:
        """Score of a cell with the inherited weights, after recalibrating batch norm:
        ``metric="accuracy"``, or ``"nll"``, minus the mean cross-entropy (higher is better).
        The loss ranks better than the accuracy on a small validation set: it has no ties
        and counts how confidently each example is right, not only whether it is."""
        if on not in ("valid", "test"):
            raise ConfigError(f"on must be 'valid' or 'test', received {on!r}")
        if metric not in ("accuracy", "nll"):
            raise ConfigError(f"metric must be 'accuracy' or 'nll', received {metric!r}")
        path = self.recalibrate(params)
        x, y = (self.split.x_valid, self.split.y_valid) if on == "valid" else (
            self.split.x_test, self.split.y_test)
        if metric == "accuracy":
            return accuracy(path, x, y, device=self.device)
        return -mean_loss(path, x, y, device=self.device)


@dataclass(frozen=True)
class OneShotResult:
    """The two linked studies of a one-shot search and the trained supernet."""

    search: Any
    retrain: Any
    supernet: Supernet
    train_seconds: float


def oneshot_search(space: Any, split: Split | None = None, *, n_trials: int = 100,
                   sampler: Any = "evolution", top_k: int = 5, supernet_epochs: int = 10,
                   retrain_epochs: int = 5, channels: int = 16, n_cells: int = 1,
                   storage: Any = ":memory:", name: str = "oneshot", seed: int = 0,
                   device: str = "cpu", supernet: Supernet | None = None,
                   metric: str = "nll") -> OneShotResult:
    """Train a supernet, search the space with it as a cheap objective, retrain the top-k.

    The search study (``name``) maximises the supernet's validation score (``metric``, see
    :meth:`Supernet.evaluate`; minus the cross-entropy by default); the retrain
    study (``name + "-retrain"``) trains each of the top-k from scratch with epochs as its
    fidelity. Both are stored in ``storage`` and name each other in their user attributes.
    A ``supernet`` already trained (of the same space) is used as it is.
    """
    import tiaocan as tc

    if metric not in ("accuracy", "nll"):
        raise ConfigError(f"metric must be 'accuracy' or 'nll', received {metric!r}")
    start = time.perf_counter()
    if supernet is None:
        supernet = Supernet(space, split, channels=channels, n_cells=n_cells, device=device,
                            seed=seed)
        supernet.train(epochs=supernet_epochs, seed=seed)
    elif supernet.space != space:
        raise ConfigError("supernet must be a Supernet of the searched space")
    trained = time.perf_counter() - start
    search = tc.create_study(name, space=space, storage=storage, sampler=sampler,
                             direction="maximize", seed=seed)
    search.optimize(lambda trial: supernet.evaluate(trial.params, metric=metric), n_trials=check_int(
        "n_trials", n_trials, 1), show_progress=False)
    search.set_user_attr("supernet", {"epochs": supernet_epochs, "channels": channels,
                                      "n_cells": n_cells, "train_seconds": round(trained, 2),
                                      "metric": metric})
    best = sorted(search.get_trials([tc.TrialState.COMPLETE]), key=lambda t: -(t.value or 0.0))
    top = [dict(t.params) for t in best[:check_int("top_k", top_k, 1)]]
    again = retrain(space, top, supernet.split, epochs=retrain_epochs, channels=channels,
                    n_cells=n_cells, storage=storage, name=f"{name}-retrain", seed=seed,
                    device=device)
    search.set_user_attr("retrain_study", again.name)
    again.set_user_attr("oneshot_study", search.name)
    return OneShotResult(search, again, supernet, trained)


def retrain(space: Any, configs: list[dict[str, Any]], split: Split | None = None, *,
            epochs: int = 5, channels: int = 16, n_cells: int = 1, storage: Any = ":memory:",
            name: str | None = None, seed: int = 0, device: str = "cpu") -> Any:
    """Train each cell of ``configs`` from scratch (:func:`tiaocan.nas.build`) in a study
    with epochs as fidelity and median stopping; the test accuracy is a user attribute."""
    import tiaocan as tc
    from tiaocan.nas.cell import build

    torch = require("torch", "nas", "retraining")
    split = split or digits_split(0)
    dev = resolve_device(device)
    epochs = check_int("epochs", epochs, 1)
    multi = epochs > 1  # a fidelity needs low < high
    study = tc.create_study(name, space=space, storage=storage, direction="maximize", seed=seed,
                            scheduler="median" if multi else None,
                            fidelity=tc.Fidelity("epoch", 1, epochs) if multi else None)
    for config in configs:
        study.enqueue(config)

    def objective(trial: Any) -> float:
        torch.manual_seed(trial.seed)
        model = build(trial.params, channels=channels, n_cells=n_cells,
                      n_classes=split.n_classes, in_channels=split.in_channels).to(dev)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        generator = torch.Generator().manual_seed(trial.seed)
        from tiaocan.nas._training import train_epoch

        value = 0.0
        for epoch in range(1, int(trial.budget if multi else epochs) + 1):
            train_epoch(model, optimizer, split.x_train, split.y_train, batch_size=128,
                        generator=generator, device=dev)
            value = accuracy(model, split.x_valid, split.y_valid, device=dev)
            trial.report(value, step=epoch)
            if trial.should_stop():
                break
        trial.set_user_attr("test_accuracy", accuracy(model, split.x_test, split.y_test, device=dev))
        return value

    study.optimize(objective, n_trials=len(configs), show_progress=False)
    return study
