"""One seed reproduces a study: in a fresh process, and after a resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]

RUN = textwrap.dedent(
    """
    import json, sys, tiaocan as tc
    from tiaocan.testing import CONFORMANCE_SPACES
    space = CONFORMANCE_SPACES["conditional"]
    # auto without its cost rule: with it, measured durations decide when it switches
    sampler = tc.samplers.AutoSampler(max_cost_fraction=None) if sys.argv[2] == "auto" else sys.argv[2]
    study = tc.create_study(space=space, storage=sys.argv[1], sampler=sampler, seed=5)
    study.optimize(lambda t: sum(len(str(v)) for v in t.params.values()), n_trials=int(sys.argv[3]))
    print(json.dumps([[t.params, t.seed] for t in study.trials]))
    """
)


def _in_process(sampler: str, n: int) -> list:
    from tiaocan.testing import CONFORMANCE_SPACES

    chosen = tc.samplers.AutoSampler(max_cost_fraction=None) if sampler == "auto" else sampler
    study = tc.create_study(space=CONFORMANCE_SPACES["conditional"], storage=":memory:",
                            sampler=chosen, seed=5)
    study.optimize(lambda t: sum(len(str(v)) for v in t.params.values()), n_trials=n)
    return json.loads(json.dumps([[t.params, t.seed] for t in study.trials]))


@pytest.mark.parametrize("sampler", sorted(tc.samplers.SAMPLERS))
def test_same_seed_same_study_in_a_fresh_process(sampler: str, tmp_path: Path) -> None:
    """Every built-in sampler, past its start-up trials (16 > 10): the model-based proposals
    too come out the same in another process, with another hash seed and a SQLite storage."""
    script = tmp_path / "run.py"
    script.write_text(RUN)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONHASHSEED": "random"}
    url = f"sqlite:///{tmp_path / 'r.db'}"
    out = subprocess.run([sys.executable, str(script), url, sampler, "16"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout) == _in_process(sampler, 16)


def test_different_seeds_differ() -> None:
    a = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=1, sampler="random")
    b = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=2, sampler="random")
    for s in (a, b):
        s.optimize(lambda t: t.params["x"], n_trials=3)
    assert [t.params for t in a.trials] != [t.params for t in b.trials]
    assert [t.seed for t in a.trials] != [t.seed for t in b.trials]


def test_resume_continues_the_same_sequence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    study = tc.create_study("r", space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical([1, 2, 3])),
                            storage=url, sampler="sobol", seed=9)
    study.optimize(lambda t: t.params["x"], n_trials=4)
    again = tc.load_study("r", storage=url)  # the sampler is rebuilt from what was stored
    assert type(again.sampler) is type(study.sampler)
    again.optimize(lambda t: t.params["x"], n_trials=4)
    whole = tc.create_study(space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical([1, 2, 3])),
                            storage=":memory:", sampler="sobol", seed=9)
    whole.optimize(lambda t: t.params["x"], n_trials=8)
    assert [(t.params, t.seed) for t in again.trials] == [(t.params, t.seed) for t in whole.trials]


def test_seed_is_drawn_and_stored_when_not_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    assert isinstance(study.seed, int)
    assert tc.load_study("s", storage=url).seed == study.seed


# The deterministic parallel mode: the same seed, the same study, whatever the workers -------
DET_SPACE = tc.Space(x=tc.Float(0, 1), y=tc.Float(-2, 2), c=tc.Categorical(["a", "b"]))


def _det_value(params: dict) -> float:
    return (params["x"] - 0.3) ** 2 + params["y"] ** 2 + (params["c"] == "a")


def _det_sampler(name: str) -> object:
    return tc.samplers.GPSampler(n_startup_trials=4) if name == "gp" else name


def _simulated(sampler: str, n_workers: int, n_trials: int) -> list[dict]:
    from tiaocan.executors.simulated import SimulatedExecutor

    study = tc.create_study(space=DET_SPACE, storage=":memory:", sampler=_det_sampler(sampler),
                            seed=3, deterministic=4)

    def objective(trial: tc.Trial) -> float:
        trial.sleep(1 + 3 * ((trial.number * 7919) % 13) / 13)  # unequal durations: results
        return _det_value(trial.params)  # arrive in another order with more workers

    study.optimize(objective, n_trials=n_trials, n_workers=n_workers, executor=SimulatedExecutor())
    return [t.params for t in study.trials]


@pytest.mark.parametrize(("sampler", "n_trials"), [("tpe", 30), ("gp", 12)])
def test_deterministic_mode_gives_one_study_for_1_4_and_8_simulated_workers(sampler: str,
                                                                            n_trials: int) -> None:
    one = _simulated(sampler, 1, n_trials)
    assert len({json.dumps(p, sort_keys=True) for p in one}) == n_trials
    assert _simulated(sampler, 4, n_trials) == one
    assert _simulated(sampler, 8, n_trials) == one


def test_free_mode_spreads_proposals_but_depends_on_the_workers() -> None:
    """Why the deterministic mode exists: without it a model-based sampler's proposals depend
    on which results had arrived (the free mode is still distinct and seeded)."""
    from tiaocan.executors.simulated import SimulatedExecutor

    runs = []
    for n_workers in (1, 4):
        study = tc.create_study(space=DET_SPACE, storage=":memory:", sampler="tpe", seed=3)

        def objective(trial: tc.Trial) -> float:
            trial.sleep(1 + 3 * ((trial.number * 7919) % 13) / 13)
            return _det_value(trial.params)

        study.optimize(objective, n_trials=30, n_workers=n_workers, executor=SimulatedExecutor())
        runs.append([t.params for t in study.trials])
        assert len({json.dumps(p, sort_keys=True) for p in runs[-1]}) == 30
    assert runs[0] != runs[1]


def _det_objective(trial: tc.Trial) -> float:
    import time

    time.sleep(0.02 * ((trial.number * 7919) % 5))  # finishing order differs between workers
    return _det_value(trial.params)


@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_history_free_samplers_give_one_study_for_1_and_4_processes(sampler: str,
                                                                    tmp_path: Path) -> None:
    """Random and Sobol' proposals depend only on the seed and the trial's number, so several
    processes need no deterministic mode: trial k is the one-worker study's trial k, and no
    configuration is drawn twice."""
    studies = []
    for n_workers in (1, 4):
        study = tc.create_study(f"free{n_workers}", space=DET_SPACE,
                                storage=f"sqlite:///{tmp_path / 'f.db'}", sampler=sampler, seed=11)
        study.optimize(_det_objective, n_trials=16, n_workers=n_workers)
        studies.append([(t.number, t.params) for t in study.trials])
    assert len({json.dumps(p, sort_keys=True) for _, p in studies[1]}) == 16
    assert studies[1] == studies[0]


@pytest.mark.parametrize("sampler", ["tpe", "gp"])
def test_deterministic_mode_gives_one_study_for_1_and_4_processes(sampler: str, tmp_path: Path) -> None:
    studies = []
    for n_workers in (1, 4):
        study = tc.create_study(f"w{n_workers}", space=DET_SPACE, storage=f"sqlite:///{tmp_path / 'd.db'}",
                                sampler=_det_sampler(sampler), seed=11, deterministic=4)
        study.optimize(_det_objective, n_trials=16 if sampler == "tpe" else 9, n_workers=n_workers)
        studies.append([t.params for t in study.trials])
    assert studies[0] == studies[1]


RESUMABLE = textwrap.dedent(
    """
    import os, signal, sys, time, tiaocan as tc
    sys.path.insert(0, sys.argv[3])
    from test_reproducibility import DET_SPACE, _det_value
    signal.signal(signal.SIGINT, signal.default_int_handler)
    study = tc.create_study("det", space=DET_SPACE, storage=sys.argv[1], sampler="tpe", seed=11,
                            deterministic=4, load_if_exists=True)

    def objective(trial):
        if trial.number == 9:  # Ctrl-C arrives while trial 9 runs
            open(sys.argv[2], "w").close()
            time.sleep(60)
        time.sleep(0.01 * (trial.number % 3))
        return _det_value(trial.params)

    study.optimize(objective, n_trials=20, n_workers=2)
    """
)


def test_deterministic_mode_survives_ctrl_c_and_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'det.db'}"
    flag = tmp_path / "trial-9-runs"
    script = tmp_path / "resumable.py"
    script.write_text(RESUMABLE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, str(script), url, str(flag), str(ROOT / "tests")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert b"KeyboardInterrupt" in err, err.decode()
    study = tc.load_study("det", storage=url)
    assert not [t for t in study.trials if t.state is TrialState.RUNNING]
    finished = sum(t.state.is_finished for t in study.trials)
    study.optimize(lambda t: _det_value(t.params), n_trials=20 - finished, n_workers=2)
    whole = tc.create_study("whole", space=DET_SPACE, storage=url, sampler="tpe", seed=11,
                            deterministic=4)
    whole.optimize(lambda t: _det_value(t.params), n_trials=20)
    resumed = study.trials
    assert all(t.state is TrialState.COMPLETE for t in resumed)
    assert resumed[9].system_attrs.get("interrupted")  # rerun under its own number
    assert [t.params for t in resumed] == [t.params for t in whole.trials]
