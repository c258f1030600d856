from __future__ import annotations

import time
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError, DuplicateStudyError, StudyNotFoundError
from tiaocan.trial import TrialState

SPACE = tc.Space(
    lr=tc.Float(1e-5, 1e-1, log=True),
    batch_size=tc.Int(8, 256, log=True),
    optimizer=tc.Categorical(["sgd", "momentum", "adam"]),
    momentum=tc.Float(0.5, 0.99, when={"optimizer": "momentum"}),
)


def test_default_storage_is_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    study = tc.create_study(name="d", space=SPACE, seed=1)
    assert study.storage.url == "sqlite:///tiaocan.db"
    assert (tmp_path / "tiaocan.db").exists()


def test_failures_never_fail_the_study(storage_url: str) -> None:
    def objective(trial: tc.Trial) -> float:
        n = trial.number
        if n == 0:
            raise RuntimeError("boom")
        if n == 1:
            return float("nan")
        if n == 2:
            return float("inf")
        if n == 3:
            return "not a number"  # type: ignore[return-value]
        if n == 4:
            raise tc.TrialPruned()
        return trial.params["lr"]

    study = tc.create_study(space=SPACE, storage=storage_url, seed=0)
    study.optimize(objective, n_trials=8)
    states = [t.state for t in study.trials]
    assert states[:5] == [TrialState.FAILED] * 4 + [TrialState.PRUNED]
    assert states[5:] == [TrialState.COMPLETE] * 3
    assert "RuntimeError: boom" in study.trials[0].error
    assert "non-finite" in study.trials[1].error and "non-finite" in study.trials[2].error
    assert "must return a number" in study.trials[3].error


def test_max_retries_reruns_the_same_configuration(storage_url: str) -> None:
    calls: list[dict] = []

    def objective(trial: tc.Trial) -> float:
        calls.append(trial.params)
        if len(calls) <= 2:
            raise RuntimeError("flaky")
        return 1.0

    study = tc.create_study(space=SPACE, storage=storage_url, seed=0, max_retries=2)
    study.optimize(objective, n_trials=1)  # retries spend no ticket: 1 configuration, 3 runs
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAILED, TrialState.FAILED, TrialState.COMPLETE]
    assert calls[0] == calls[1] == calls[2]
    assert trials[2].system_attrs["retry_of"] == 0 and trials[2].system_attrs["attempt"] == 2


def test_retries_stop_at_the_limit() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, max_retries=1)

    def always_fails(trial: tc.Trial) -> float:
        raise ValueError("nope")

    study.optimize(always_fails, n_trials=2)  # 2 configurations, each run twice
    roots = [t.system_attrs.get("retry_of", t.number) for t in study.trials]
    assert roots == [0, 0, 2, 2]


def test_ask_tell_and_errors() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, direction="maximize")
    t1, t2 = study.ask(), study.ask()
    assert (t1.number, t2.number) == (0, 1) and t1.seed != t2.seed
    assert study.tell(t1, 0.5) is TrialState.COMPLETE
    assert study.tell(t2, state="failed") is TrialState.FAILED
    with pytest.raises(ConfigError, match="trial 0 is complete, not running"):
        study.tell(t1, 0.7)
    with pytest.raises(ConfigError, match="state must be"):
        study.tell(study.ask(), state="done")
    t3 = study.ask()
    study.tell(t3.number, 0.9)
    assert study.best_trial.number == 3 and study.best_value == 0.9


def test_params_returned_to_the_objective_are_copies() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0)
    t = study.ask()
    t.params["lr"] = -1
    assert study.trials[0].params["lr"] > 0


def test_multi_objective_pareto_front() -> None:
    study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
                            directions=["minimize", "maximize"])
    points = [(1.0, 1.0), (2.0, 3.0), (0.5, 0.2), (2.0, 2.0), (3.0, 3.0)]
    for p in points:
        study.tell(study.ask(), p)
    front = {t.values for t in study.best_trials}
    assert front == {(1.0, 1.0), (2.0, 3.0), (0.5, 0.2)}
    with pytest.raises(ConfigError, match="2 objectives"):
        _ = study.best_trial
    assert study.tell(study.ask(), 1.0) is TrialState.FAILED
    assert "2 direction(s)" in study.trials[-1].error


def test_enqueue_runs_first_and_is_validated() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0)
    study.enqueue({"lr": 0.01, "batch_size": 32, "optimizer": "adam"})
    with pytest.raises(ConfigError, match="'momentum' is active but missing"):
        study.enqueue({"lr": 0.01, "batch_size": 32, "optimizer": "momentum"})
    study.optimize(lambda t: t.params["lr"], n_trials=3)
    assert study.trials[0].params == {"lr": 0.01, "batch_size": 32, "optimizer": "adam"}
    assert len(study.trials) == 3


def test_grid_sampler_exhausts_cleanly() -> None:
    space = tc.Space(a=tc.Categorical(["x", "y"]), b=tc.Int(1, 3))
    study = tc.create_study(space=space, storage=":memory:", sampler="grid", seed=0)
    study.optimize(lambda t: t.params["b"], n_trials=50)
    seen = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(seen) == 6 == len(set(seen))
    with pytest.raises(tc.GridExhaustedError, match="all 6 grid points"):
        study.ask()


def test_create_and_load_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    tc.create_study("s", space=SPACE, storage=url, seed=3)
    with pytest.raises(DuplicateStudyError, match="load_if_exists=True"):
        tc.create_study("s", space=SPACE, storage=url)
    with pytest.raises(ConfigError, match="other settings: space"):
        tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url, load_if_exists=True)
    with pytest.raises(ConfigError, match=r"seed \(stored 3, given 4\)"):
        tc.create_study("s", space=SPACE, storage=url, load_if_exists=True, seed=4)
    with pytest.raises(StudyNotFoundError, match="'missing'"):
        tc.load_study("missing", storage=url)
    with pytest.raises(ConfigError, match="direction must be 'minimize' or 'maximize'"):
        tc.create_study(space=SPACE, storage=":memory:", direction="down")
    with pytest.raises(ConfigError, match="sampler must be one of"):
        tc.create_study(space=SPACE, storage=":memory:", sampler="bayes-magic")
    with pytest.raises(ConfigError, match="n_trials must be a positive int"):
        tc.create_study(space=SPACE, storage=":memory:").optimize(lambda t: 0.0, n_trials=0)
    with pytest.raises(ConfigError, match="needs n_trials or timeout"):
        tc.create_study(space=SPACE, storage=":memory:").optimize(lambda t: 0.0)
    with pytest.raises(ConfigError, match="in-memory study cannot be shared"):
        tc.create_study(space=SPACE, storage=":memory:").optimize(
            lambda t: 0.0, n_trials=2, executor=tc.executors.ProcessExecutor())


def test_timeout_stops_starting_trials() -> None:
    from tiaocan.executors.simulated import SimulatedExecutor

    executor = SimulatedExecutor()
    starts: list[float] = []

    def objective(trial: tc.Trial) -> float:
        starts.append(executor.clock.now())
        trial.sleep(0.1)  # virtual seconds
        return 1.0

    study = tc.create_study(space=SPACE, storage=":memory:", seed=0)
    study.optimize(objective, timeout=0.35, n_workers=2, executor=executor)
    # Each worker starts trials at 0, 0.1, 0.2, 0.3 and none at 0.4 (past the deadline).
    assert sorted(starts) == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3])
    assert len(study.trials) == 8


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_threads_share_an_in_memory_study(sampler: str) -> None:
    space = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))
    study = tc.create_study(space=space, storage=":memory:", sampler=sampler, seed=0)

    def objective(trial: tc.Trial) -> float:
        time.sleep(0.002)  # let the threads interleave
        return (trial.params["x"] - 0.3) ** 2 + trial.params["y"]

    study.optimize(objective, n_trials=40, n_workers=4)
    trials = study.trials
    assert [t.number for t in trials] == list(range(40))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    # workers asking at the same moment must not draw the same configuration
    assert len({(t.params["x"], t.params["y"]) for t in trials}) == 40


def test_manifest_and_worker_environment_are_recorded(sqlite_url: str) -> None:
    study = tc.create_study(space=SPACE, storage=sqlite_url, seed=5)
    study.optimize(lambda t: 1.0, n_trials=2)
    manifest = study.attrs["manifest"]
    assert manifest["packages"]["numpy"] and manifest["python"] and manifest["hostname"]
    assert "git" in manifest and "cpu" in manifest and "gpus" in manifest
    env_id = study.trials[0].system_attrs["worker"]["env"]
    assert study.attrs[f"env:{env_id}"]["packages"]["tiaocan"] == tc.__version__
    assert study.attrs["sampler"]["class"].endswith(type(study.sampler).__name__)


@pytest.mark.parametrize("seed", [2**63, 10**400, -1])
def test_a_seed_the_storage_cannot_hold_is_refused_and_nothing_stored(tmp_path, seed) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(tc.ConfigError, match=r"seed must be an int in \[0, 2\*\*63\) or None"):
        tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=seed)
    assert tc.list_studies(url) == []


def test_the_largest_seed_is_stored_and_reproduces(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=2**63 - 1)
    study.optimize(lambda t: t.params["x"], n_trials=3)
    again = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=2**63 - 1)
    again.optimize(lambda t: t.params["x"], n_trials=3)
    assert tc.load_study("s", storage=url).seed == 2**63 - 1
    assert [t.params for t in study.trials] == [t.params for t in again.trials]
