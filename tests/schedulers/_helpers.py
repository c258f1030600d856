from __future__ import annotations

from typing import Any

import tiaocan as tc
from tiaocan.executors.simulated import SimulatedExecutor

SPACE = tc.Space(x=tc.Float(0.0, 1.0))


def curve_objective(trial: tc.Trial) -> float:
    """Loss x + 1/epoch, one virtual second per epoch; resumes from its checkpoint."""
    state = trial.load_checkpoint() or {"epoch": 0}
    epoch, loss = state["epoch"], 2.0
    for epoch in range(state["epoch"] + 1, int(trial.budget) + 1):
        trial.sleep(1.0)
        loss = trial.params["x"] + 1.0 / epoch
        trial.report(loss, step=epoch)
        if trial.should_stop():
            break
    trial.save_checkpoint({"epoch": epoch})
    return loss


def run(scheduler: Any, n_trials: int, n_workers: int = 1, high: int = 27, **kw: Any) -> tc.Study:
    if "sampler" not in kw and not hasattr(scheduler, "default_sampler") and scheduler not in ("bohb", "mobster"):
        kw["sampler"] = "random"
    study = tc.create_study(space=kw.pop("space", SPACE), storage=":memory:", seed=kw.pop("seed", 0),
                            scheduler=scheduler, fidelity=tc.Fidelity("epoch", 1, high), **kw)
    study.optimize(curve_objective,
                   n_trials=n_trials, n_workers=n_workers, executor=SimulatedExecutor())
    return study
