"""create_study refuses plans that cannot run; load_if_exists compares what defines a study."""

from __future__ import annotations

from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.schedulers import SCHEDULERS

SPACE = tc.Space(x=tc.Float(0, 1), k=tc.Categorical(["a", "b"]))
FIDELITY = tc.Fidelity("epoch", low=1, high=9)


@pytest.mark.parametrize("name", sorted(n for n, cls in SCHEDULERS.items()
                                        if getattr(cls, "needs_fidelity", False)))
def test_a_scheduler_that_allots_budgets_is_refused_without_a_fidelity(name: str) -> None:
    with pytest.raises(ConfigError, match=r"needs a fidelity.*fidelity=tc\.Fidelity\(") as info:
        tc.create_study(space=SPACE, storage=":memory:", scheduler=name)
    assert "\n" not in str(info.value)
    tc.create_study(space=SPACE, storage=":memory:", scheduler=name, fidelity=FIDELITY)


def test_every_budget_scheduler_is_marked() -> None:
    marked = {n for n, cls in SCHEDULERS.items() if getattr(cls, "needs_fidelity", False)}
    assert marked == set(SCHEDULERS) - {"fifo", "none", "median"}
    study = tc.create_study(space=SPACE, storage=":memory:", scheduler="median", seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=3)  # stopping on steps needs no fidelity


def test_the_refusal_comes_before_anything_is_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(ConfigError, match="needs a fidelity"):
        tc.create_study("demo", space=SPACE, storage=url, scheduler="hyperband")
    assert tc.list_studies(url) == []


def test_scheduler_budgets_outside_the_fidelity_are_refused() -> None:
    with pytest.raises(ConfigError,
                       match=r"max_budget=100 is outside the fidelity's range \[1, 9\]"):
        tc.create_study(space=SPACE, storage=":memory:", fidelity=FIDELITY,
                        scheduler=tc.schedulers.Hyperband(max_budget=100))


def test_grid_and_candidate_lists_are_checked_against_the_space() -> None:
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) \['z'\]"):
        tc.create_study(space=SPACE, storage=":memory:",
                        sampler=tc.samplers.GridSampler(values={"z": [1]}))
    with pytest.raises(ConfigError, match=r"configs\[1\] is not a point of the space"):
        tc.create_study(space=SPACE, storage=":memory:", sampler=tc.samplers.CandidateSampler(
            [{"x": 0.5, "k": "a"}, {"x": 3.0, "k": "a"}]))


def test_resume_with_a_fidelity_added_names_it_and_the_ways_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    tc.create_study("demo", space=SPACE, storage=url, seed=0)
    with pytest.raises(ConfigError) as info:
        tc.create_study("demo", space=SPACE, storage=url, seed=0, scheduler="hyperband",
                        fidelity=FIDELITY, load_if_exists=True)
    message = str(info.value)
    assert "fidelity (stored None, given Fidelity('epoch', low=1, high=9))" in message
    assert "scheduler (stored FIFOScheduler, given Hyperband)" in message
    assert "another name" in message and "tiaocan delete demo" in message
    assert "tc.load_study('demo'" in message


@pytest.mark.parametrize("change, named", [
    ({"space": tc.Space(x=tc.Float(0, 2), k=tc.Categorical(["a", "b"]))}, "space ('x' stored"),
    ({"direction": "maximize"}, "directions (stored ['minimize'], given ['maximize'])"),
    ({"seed": 1}, "seed (stored 0, given 1)"),
    ({"sampler": "random"}, "sampler (stored TPESampler, given RandomSampler)"),
    ({"sampler": tc.samplers.TPESampler(gamma=0.2)}, "sampler (stored TPESampler(gamma=0.1), "
                                                     "given TPESampler(gamma=0.2))"),
    ({"scheduler": "median"}, "scheduler (stored FIFOScheduler, given MedianStopping)"),
])
def test_each_setting_that_defines_a_study_is_compared(change: dict, named: str) -> None:
    storage = tc.storage.get_storage(":memory:")
    base = {"space": SPACE, "seed": 0, "sampler": "tpe"}
    tc.create_study("s", storage=storage, **base)
    with pytest.raises(ConfigError) as info:
        tc.create_study("s", storage=storage, load_if_exists=True, **{**base, **change})
    assert named in str(info.value)


def test_settings_not_given_keep_the_stored_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = tc.create_study("s", space=SPACE, storage=url, seed=3, sampler="tpe",
                            scheduler="asha", fidelity=FIDELITY)
    first.optimize(lambda t: t.params["x"], n_trials=2)
    again = tc.create_study("s", space=SPACE, storage=url, sampler="tpe", scheduler="asha",
                            fidelity=FIDELITY, load_if_exists=True)
    assert again.seed == 3 and len(again.trials) == 2
    same = tc.create_study("s", space=SPACE, storage=url, scheduler="asha", fidelity=FIDELITY,
                           load_if_exists=True)  # sampler not given: not compared
    assert same.study_id == first.study_id


def test_further_settings_compare_with_the_study_attribute_of_that_name() -> None:
    from tiaocan.study_config import check_same_study, settings_of

    storage = tc.storage.get_storage(":memory:")
    study = tc.create_study("s", space=SPACE, storage=storage, seed=0)
    storage.set_study_attrs(study.study_id, {"constraints": [{"name": "size", "max": 5}]})
    record = storage.get_study("s")
    same = settings_of(SPACE, study.directions, 0, None, None, None,
                       constraints=[{"name": "size", "max": 5}])
    check_same_study(record, "postgresql://user:secret@host/db", same)
    with pytest.raises(ConfigError, match="constraints") as info:
        check_same_study(record, "postgresql://user:secret@host/db",
                         {**same, "constraints": [{"name": "size", "max": 9}]})
    assert "secret" not in str(info.value) and "user:***@host" in str(info.value)


def test_run_spec_refuses_a_budget_scheduler_without_fidelity_and_accepts_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tiaocan.cli import main

    (tmp_path / "objmod.py").write_text(
        "def objective(trial):\n"
        "    for e in range(1, trial.budget + 1):\n"
        "        trial.report(trial.params['x'] / e, step=e)\n"
        "    return trial.params['x']\n", encoding="utf-8")
    spec = ("objective: objmod:objective\nstudy: mf\nscheduler: hyperband\nseed: 0\n"
            "n_trials: 4\nspace:\n  x: {type: float, low: 0, high: 1}\n")
    (tmp_path / "bad.yaml").write_text(spec, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["run", str(tmp_path / "bad.yaml"), "--storage", url, "--no-progress"]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # the error is one line (a note may precede it)
    assert last.startswith("tiaocan: error:") and "needs a fidelity" in last
    assert "Traceback" not in err
    (tmp_path / "good.yaml").write_text(spec + "fidelity: {name: epoch, low: 1, high: 9}\n",
                                        encoding="utf-8")
    assert main(["run", str(tmp_path / "good.yaml"), "--storage", url, "--no-progress"]) == 0
    study = tc.load_study("mf", storage=url)
    assert study.fidelity == tc.Fidelity("epoch", 1, 9) and len(study.trials) == 4


def test_deterministic_mode_and_metric_names_are_compared_when_given() -> None:
    storage = tc.storage.get_storage(":memory:")
    tc.create_study("s", space=SPACE, storage=storage, seed=0)
    with pytest.raises(ConfigError, match=r"window \(stored None, given"):
        tc.create_study("s", space=SPACE, storage=storage, seed=0, deterministic=True,
                        load_if_exists=True)
    tc.create_study("s", space=SPACE, storage=storage, seed=0, load_if_exists=True)


def test_a_grid_too_large_to_list_is_refused() -> None:
    space = tc.Space({f"x{i}": tc.Float(0, 1) for i in range(10)})  # 5 ** 10 points
    with pytest.raises(ConfigError, match=r"up to 9,765,625 points.*points_per_float="):
        tc.create_study(space=space, storage=":memory:", sampler="grid")
    tc.create_study(space=space, storage=":memory:",
                    sampler=tc.samplers.GridSampler(points_per_float=3))  # 59,049 points
