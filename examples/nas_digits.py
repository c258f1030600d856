"""Joint architecture and training search on 8×8 digits, with a latency limit.

The space joins a NAS-Bench-201 cell (6 edges, 5 ops) with the learning rate, weight decay
and batch size. A cheap precheck rejects cells over a parameter budget before any training;
the latency of each trained model is measured on this machine and constrains the study
(infeasible trials are kept with their violation, never returned as best). The best cell is
exported (architecture JSON + weights), loaded back with ``tc.nas.load`` and scored on the
held-out test split.

    .venv/bin/python examples/nas_digits.py          # about a minute on 2 CPU cores
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

import tiaocan as tc
from tiaocan.constraints import violation
from tiaocan.nas.hardware import count_params, record

MAX_PARAMS = 8_000       # the cheap constraint, checked before training
MAX_LATENCY_MS = 0.8     # median forward time of a batch of 32 on one thread
CHANNELS, EPOCHS = 16, 4

x, y = load_digits(return_X_y=True)
order = np.random.default_rng(0).permutation(len(y))
x = torch.tensor(x[order] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
y = torch.tensor(y[order])
train, valid, test = slice(0, 1078), slice(1078, 1438), slice(1438, None)

space = tc.Space({
    **tc.nas.cell_space(n_nodes=4),
    "lr": tc.Float(1e-3, 3e-2, log=True),
    "weight_decay": tc.Float(1e-6, 1e-2, log=True),
    "batch_size": tc.Categorical([32, 64, 128]),
})


def make_model(params: dict) -> torch.nn.Module:
    return tc.nas.build(params, channels=CHANNELS, n_cells=1)


def train_model(params: dict, seed: int, trial: tc.Trial | None = None) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = make_model(params)
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        for idx in torch.randperm(1078, generator=gen).split(params["batch_size"]):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[train][idx]), y[train][idx]).backward()
            opt.step()
        if trial is not None:
            trial.report(accuracy(model, valid), step=epoch)
    return model


def accuracy(model: torch.nn.Module, part: slice) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x[part]).argmax(1) == y[part]).float().mean())


def objective(trial: tc.Trial) -> float:
    model = train_model(trial.params, trial.seed, trial)
    record(trial, model, (1, 8, 8), batch_size=32, repeats=15, threads=1)  # genotype + hw_*
    return accuracy(model, valid)


def params_limit(params: dict) -> list[float]:
    return [count_params(make_model(params)) - MAX_PARAMS]


def latency_limit(trial: tc.FrozenTrial) -> list[float]:
    return [trial.user_attrs["hw_latency_ms"] - MAX_LATENCY_MS]


def main() -> None:
    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="nas_digits_"))
    study = tc.create_study(
        name="nas-digits", space=space, storage=f"sqlite:///{folder / 'nas.db'}",
        sampler=tc.samplers.RegularizedEvolutionSampler(population_size=8, sample_size=3),
        direction="maximize", seed=0, precheck=params_limit, constraints=latency_limit)
    study.optimize(objective, n_trials=30, show_progress=False)

    states = [t.state.value for t in study.trials]
    skipped = sum(1 for t in study.trials if t.system_attrs.get("skipped"))
    over = sum(1 for t in study.trials if violation(t) > 0 and not
               t.system_attrs.get("skipped"))
    best = study.best_trial
    print(f"{len(states)} trials: {skipped} skipped before training (> {MAX_PARAMS} parameters), "
          f"{over} trained but over {MAX_LATENCY_MS} ms")
    print(f"best: {best.user_attrs['genotype']}  lr={best.params['lr']:.4f} "
          f"batch={best.params['batch_size']}  valid={best.value:.3f}  "
          f"params={best.user_attrs['hw_params']}  latency={best.user_attrs['hw_latency_ms']:.3f} ms")

    model = train_model(best.params, best.seed)  # the same seed retrains the same model
    exported = tc.nas.export(best, folder / "model", model)
    reloaded = tc.nas.load(exported)  # needs only the build function and torch
    print(f"exported to {exported}; reloaded model: test accuracy {accuracy(reloaded, test):.3f}")


if __name__ == "__main__":
    main()
