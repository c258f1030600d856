"""What users rely on, on every storage (in memory, a SQLite file, a real PostgreSQL server):
Ctrl-C and resume, grid and candidate exhaustion, learning curves, deletion."""

from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan.errors import TiaocanError
from tiaocan.executors.base import request_stop
from tiaocan.samplers import CandidateSampler, GridSampler, RandomSampler
from tiaocan.storage import get_storage
from tiaocan.trial import TrialState

SPACE = tc.Space(x=tc.Float(0.0, 1.0), k=tc.Int(1, 3))


def test_ctrl_c_marks_the_trial_and_resume_runs_it_first(storage_url: str) -> None:
    study = tc.create_study(name="c", space=SPACE, storage=storage_url, sampler="random", seed=1)

    def interrupted(trial: tc.Trial) -> float:
        if trial.number == 2:
            raise KeyboardInterrupt
        return trial.params["x"]

    with pytest.raises(KeyboardInterrupt):
        study.optimize(interrupted, n_trials=5, show_progress=False)
    trials = study.trials
    assert [t.state for t in trials[:3]] == [TrialState.COMPLETE, TrialState.COMPLETE,
                                             TrialState.FAILED]
    assert "interrupted" in (trials[2].error or "")
    assert not [t for t in trials if t.state is TrialState.RUNNING]
    study.optimize(lambda t: t.params["x"], n_trials=3, show_progress=False)
    retried = [t for t in study.trials if t.system_attrs.get("retry_of") == 2]
    assert len(retried) == 1 and retried[0].params == trials[2].params
    assert retried[0].state is TrialState.COMPLETE
    assert not [t for t in study.trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]


def test_a_ctrl_c_lost_in_a_finalizer_still_stops_the_worker(storage_url: str) -> None:
    # Python drops a KeyboardInterrupt raised in a finalizer; the SIGINT handler of a worker
    # process has set the stop flag first (request_stop), and that is all this objective does
    study = tc.create_study(name="lost", space=SPACE, storage=storage_url, sampler="random", seed=1)

    def interrupt_lost(trial: tc.Trial) -> float:
        if trial.number == 2:
            request_stop()
        return trial.params["x"]

    with pytest.raises(KeyboardInterrupt):
        study.optimize(interrupt_lost, n_trials=6, show_progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3  # no trial after it
    study.optimize(lambda t: t.params["x"], n_trials=3, show_progress=False)  # the flag is cleared
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 6


class _StopWhileAsking(RandomSampler):
    """Ctrl-C lost while trial 3 is being claimed (it was so in a sibling worker process)."""

    def sample(self, space, history, rng):  # type: ignore[no-untyped-def]
        if history.number == 3:
            request_stop()
        return super().sample(space, history, rng)


def test_a_trial_claimed_after_a_lost_ctrl_c_goes_back_to_the_queue(storage_url: str) -> None:
    study = tc.create_study(name="claim", space=SPACE, storage=storage_url, sampler=_StopWhileAsking(),
                            seed=2, deterministic=2)
    with pytest.raises(KeyboardInterrupt):
        study.optimize(lambda t: t.params["x"], n_trials=6, show_progress=False)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 + [TrialState.WAITING]
    assert trials[3].system_attrs.get("interrupted")  # given back, not run
    study.optimize(lambda t: t.params["x"], n_trials=3, show_progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 6
    assert study.trials[3].params == trials[3].params  # rerun under its own number


def test_grid_is_exhausted_once_with_every_point_run_once(storage_url: str) -> None:
    space = tc.Space(x=tc.Float(0.0, 1.0), c=tc.Categorical(["a", "b"]))
    study = tc.create_study(name="g", space=space, storage=storage_url,
                            sampler=GridSampler(points_per_float=4), seed=0)
    # two workers: threads on an in-memory study, processes on the databases
    study.optimize(lambda t: t.params["x"], n_trials=30, show_progress=False, n_workers=2)
    configs = [(t.params["x"], t.params["c"]) for t in study.trials]
    assert len(configs) == 8 and len(set(configs)) == 8
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_candidates_each_start_once(storage_url: str) -> None:
    configs = [{"x": i / 10, "k": 1 + i % 3} for i in range(6)]
    study = tc.create_study(name="cand", space=SPACE, storage=storage_url,
                            sampler=CandidateSampler(configs, sampler="random"), seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=20, show_progress=False, n_workers=2)
    seen = sorted((t.params["x"], t.params["k"]) for t in study.trials)
    assert seen == sorted((c["x"], c["k"]) for c in configs)


def test_learning_curves_survive_a_reopen(storage_url: str) -> None:
    study = tc.create_study(name="r", space=SPACE, storage=storage_url, sampler="random", seed=0)

    def objective(trial: tc.Trial) -> float:
        for step in (0.25, 0.5, 1.0):
            trial.report(trial.params["x"] * step, step=step)
        return trial.params["x"]

    study.optimize(objective, n_trials=3, show_progress=False)
    again = tc.load_study("r", storage=study.storage if storage_url == ":memory:" else storage_url)
    for before, after in zip(study.trials, again.trials):
        assert [r.step for r in after.reports] == [0.25, 0.5, 1.0]
        assert [r.values for r in after.reports] == [r.values for r in before.reports]


def test_deleting_a_study_keeps_the_others_and_frees_its_name(storage_url: str) -> None:
    storage = get_storage(storage_url)
    keep = tc.create_study(name="keep", space=SPACE, storage=storage, sampler="random", seed=0)
    gone = tc.create_study(name="gone", space=SPACE, storage=storage, sampler="random", seed=0)
    keep.optimize(lambda t: t.params["x"], n_trials=2, show_progress=False)
    gone.optimize(lambda t: t.params["x"], n_trials=3, show_progress=False)
    tc.delete_study("gone", storage=storage)
    assert [s.name for s in tc.list_studies(storage)] == ["keep"]
    assert len(keep.trials) == 2
    with pytest.raises(TiaocanError):
        tc.load_study("gone", storage=storage)
    fresh = tc.create_study(name="gone", space=SPACE, storage=storage, sampler="random", seed=0)
    assert fresh.trials == []


def test_ctrl_c_inside_a_transaction_does_not_lock_out_its_own_process(tmp_path) -> None:
    # Ctrl-C can land where a transaction is open and its clean-up has not run yet (inside the
    # context machinery); the frames that hold it stay alive while the interrupt is handled,
    # and on SQLite its write lock then blocked this process's own "trial interrupted" write
    study = tc.create_study(name="tx", space=SPACE, storage=f"sqlite:///{tmp_path / 'tx.db'}",
                            sampler="random", seed=3)

    def interrupted_in_a_transaction(trial: tc.Trial) -> float:
        if trial.number == 1:
            open_transaction = study.storage._write()  # type: ignore[attr-defined]
            open_transaction.__enter__()  # BEGIN IMMEDIATE: SQLite's write lock, never released here
            raise KeyboardInterrupt
        return trial.params["x"]

    with pytest.raises(KeyboardInterrupt):
        study.optimize(interrupted_in_a_transaction, n_trials=3, show_progress=False)
    trials = study.trials
    assert trials[1].state is TrialState.FAILED and trials[1].system_attrs.get("interrupted")
    assert [t.params for t in trials if t.state is TrialState.WAITING] == [trials[1].params]
