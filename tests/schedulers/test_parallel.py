"""A real run: ASHA with two worker processes on a SQLite file."""

from __future__ import annotations

import time

import tiaocan as tc
from tiaocan.executors import SimulatedExecutor
from tiaocan.schedulers import ASHA
from tiaocan.trial import TrialState


def _objective(trial: tc.Trial) -> float:
    start = time.time()
    state = trial.load_checkpoint() or {"epoch": 0}
    time.sleep(0.04 * (trial.budget - state["epoch"]))  # "training" the missing epochs
    loss = trial.params["x"] + 1.0 / trial.budget
    trial.report(loss, step=trial.budget)  # one report per run: a second run at a budget shows
    trial.save_checkpoint({"epoch": trial.budget})
    trial.set_user_attr(f"span_{trial.budget}", [start, time.time()])
    return loss


def test_asha_keeps_two_processes_busy_and_promotes_once(sqlite_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TIAOCAN_ARTIFACTS", str(tmp_path / "artifacts"))
    study = tc.create_study(name="par", space=tc.Space(x=tc.Float(0.0, 1.0)), storage=sqlite_url,
                            sampler="random", scheduler=ASHA(), seed=0,
                            fidelity=tc.Fidelity("epoch", 1, 9))
    study.optimize(_objective, n_trials=24, n_workers=2)
    trials = study.trials
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    pids = {t.system_attrs["worker"]["pid"] for t in trials}
    assert len(pids) == 2  # both processes ran trials
    for t in trials:  # each run at a budget happened once, budgets only grew
        steps = [r.step for r in t.reports]
        assert steps == sorted(set(steps)), f"trial {t.number} ran twice at a budget: {steps}"
    assert max(t.budget for t in trials) == 9


def test_asha_never_leaves_a_simulated_worker_waiting_for_a_rung() -> None:
    """Asynchronous halving promotes or starts at once: on the virtual clock the workers are busy
    from the first start to the last finish (synchronous halving would idle at each rung)."""
    executor = SimulatedExecutor()
    study = tc.create_study(space=tc.Space(x=tc.Float(0.0, 1.0)), storage=":memory:",
                            sampler="random", scheduler=ASHA(), seed=0,
                            fidelity=tc.Fidelity("epoch", 1, 9))
    trained = []

    def objective(trial: tc.Trial) -> float:
        done = (trial.load_checkpoint() or {"epoch": 0})["epoch"]
        trial.sleep(float(trial.budget - done))  # one virtual second per epoch trained
        trained.append(trial.budget - done)
        trial.save_checkpoint({"epoch": trial.budget})
        return trial.params["x"] + 1.0 / trial.budget

    study.optimize(objective, n_trials=40, n_workers=4, executor=executor)
    assert max(t.budget for t in study.trials) == 9
    busy = sum(trained) / (4 * executor.clock.now())
    assert busy >= 0.95, f"workers were busy {busy:.0%} of the virtual makespan"
