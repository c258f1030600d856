"""A real run: ASHA with two worker processes on a SQLite file."""

from __future__ import annotations

import time

import tiaocan as tc
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


def _busy_fraction(spans: list[list[float]], n_workers: int) -> float:
    begin = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    return sum(e - s for s, e in spans) / (n_workers * (end - begin))


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
    spans = [v for t in trials for k, v in t.user_attrs.items() if k.startswith("span_")]
    assert _busy_fraction(spans, 2) > 0.6  # no worker sat waiting for a rung to fill
