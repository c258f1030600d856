"""Population based training: exploit copies a checkpoint, explore perturbs parameters."""

from __future__ import annotations

import numpy as np
import pytest

import tiaocan as tc
from tiaocan.checkpoint import list_checkpoints
from tiaocan.executors.simulated import SimulatedExecutor
from tiaocan.schedulers import PBT
from tiaocan.trial import TrialState


def test_explore_perturbs_within_the_space() -> None:
    space = tc.Space(lr=tc.Float(1e-4, 1.0, log=True), width=tc.Int(4, 64),
                     act=tc.Categorical(["relu", "tanh"]))
    pbt = PBT(resample_probability=0.0)
    rng = np.random.default_rng(0)
    params = {"lr": 0.01, "width": 32, "act": "relu"}
    for _ in range(20):
        new = pbt.explore(space, params, rng)
        assert space.contains(new) and new["act"] == "relu"
        assert new["lr"] == pytest.approx(0.008) or new["lr"] == pytest.approx(0.012)
        assert new["width"] in (26, 38)


def test_pbt_clones_a_real_torch_model_from_its_checkpoint() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5])

    def objective(trial: tc.Trial) -> float:
        model = torch.nn.Linear(3, 1)
        state = trial.load_checkpoint()
        start = 0
        if state is not None:
            model.load_state_dict(state["model"])
            start = int(state["epoch"].item())
            trial.set_user_attr(f"loaded_for_{trial.budget}", start)
        opt = torch.optim.SGD(model.parameters(), lr=trial.params["lr"])
        for epoch in range(start + 1, trial.budget + 1):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x).squeeze(1), y)
            loss.backward()
            opt.step()
            trial.sleep(1.0)
        trial.save_checkpoint({"model": model.state_dict(), "epoch": torch.tensor(trial.budget)})
        with torch.no_grad():
            return float(torch.nn.functional.mse_loss(model(x).squeeze(1), y))

    study = tc.create_study(space=tc.Space(lr=tc.Float(1e-4, 0.3, log=True)), storage=":memory:",
                            seed=3, scheduler=PBT(population_size=4, interval=2),
                            fidelity=tc.Fidelity("epoch", 1, 10))
    study.optimize(objective, n_trials=16, n_workers=2, executor=SimulatedExecutor())
    clones = [t for t in study.trials if "cloned_from" in t.system_attrs]
    assert clones
    for c in clones:
        source_budget = c.system_attrs["job"]["source_budget"]
        # the clone's first run starts from the source's checkpoint, not from scratch
        assert c.user_attrs[f"loaded_for_{source_budget + 2}"] == source_budget
        assert c.params != study.trials[c.system_attrs["cloned_from"]].params
        assert list_checkpoints(study, c.number)[-1][1].suffix == ".pt"
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert study.best_value < 1.0
