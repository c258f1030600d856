"""Define-by-run: trial.suggest_* with Optuna's signatures, a space learned from the calls."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.errors import ConfigError
from tiaocan.storage import get_storage
from tiaocan.suggest import merge_param
from tiaocan.trial import TrialState


def branching(trial: tc.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["quad", "abs"])
    x = trial.suggest_float("x", -5, 5)
    if kind == "quad":
        y = trial.suggest_int("y", 0, 10)
        return (x - 1) ** 2 + (y - 3) ** 2
    z = trial.suggest_float("z", 1e-3, 10, log=True)
    return abs(x) + z


def test_space_is_learned_with_conditions_and_trials_keep_what_they_asked() -> None:
    study = tc.create_study(storage=":memory:", sampler="random", seed=0)
    study.optimize(branching, n_trials=25)
    space = study.space
    assert space.names == ("kind", "x", "y", "z")
    assert space["x"].condition == {}  # asked under both kinds: always active
    assert space["y"].condition == {"kind": ("quad",)}
    assert space["z"].condition == {"kind": ("abs",)}
    assert space["z"] == tc.Float(1e-3, 10, log=True, when={"kind": "abs"})
    for t in study.trials:
        assert t.state is TrialState.COMPLETE
        expected = {"kind", "x", "y"} if t.params["kind"] == "quad" else {"kind", "x", "z"}
        assert set(t.params) == expected
        space.validate(t.params)
    stored = get_storage(study.storage).get_study(study.name).space
    assert tc.Space.from_json(stored) == space


@pytest.mark.parametrize("sampler", ["random", "tpe", "gp", "cmaes", "auto"])
def test_every_sampler_proposes_over_the_learned_space(sampler: str) -> None:
    study = tc.create_study(storage=":memory:", sampler=sampler, seed=1)
    study.optimize(branching, n_trials=12)
    trials = study.trials
    assert all(t.state is TrialState.COMPLETE for t in trials)
    # after the first trials, proposals come from the sampler: they carry the parameters
    later = [t for t in trials[4:] if t.system_attrs.get("sampler") is not None or t.params]
    assert later and all(study.space.contains(t.params) for t in later)


def test_proposal_is_used_for_known_parameters() -> None:
    study = tc.create_study(storage=":memory:", sampler="random", seed=3)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    trial = study.ask()  # the space is known now: the sampler proposes x
    assert "x" in trial.record.params
    assert trial.suggest_float("x", 0, 1) == trial.record.params["x"]
    assert trial.suggest_float("x", 0, 1) == trial.record.params["x"]  # same value again
    study.tell(trial, 0.5)


def test_a_new_parameter_is_drawn_and_stored_at_once() -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    trial = study.ask()
    assert trial.record.params == {}
    value = trial.suggest_int("n", 1, 64, log=True)
    assert study.trials[trial.number].params == {"n": value}
    assert trial.params == {"n": value}
    study.tell(trial, 1.0)


def test_same_name_with_other_bounds_is_an_error_naming_both() -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    trial = study.ask()
    with pytest.raises(ConfigError) as info:
        trial.suggest_float("x", 0, 2)
    assert "[0.0, 1.0]" in str(info.value) and "[0.0, 2.0]" in str(info.value)
    with pytest.raises(ConfigError, match="'x'"):
        trial.suggest_int("x", 0, 1)
    study.tell(trial, state="failed")
    # inside optimize the trial fails, the study goes on
    study.optimize(lambda t: t.suggest_float("x", 0, 5), n_trials=1)
    assert study.trials[-1].state is TrialState.FAILED
    assert "[0.0, 5.0]" in (study.trials[-1].error or "")


@pytest.mark.parametrize("call, words", [
    (lambda t: t.suggest_int("n", 0, 10, step=0.5), "step must be an integer"),
    (lambda t: t.suggest_int("n", 0.5, 10), "low must be an integer"),
    (lambda t: t.suggest_int("n", 10, 0), "low < high"),
    (lambda t: t.suggest_int("n", 0, 10, log=True), "low >= 1"),
    (lambda t: t.suggest_float("x", 1, 0), "low < high"),
    (lambda t: t.suggest_float("x", 0, 1, log=True), "low > 0"),
    (lambda t: t.suggest_float("x", 1, 2, step=0.1, log=True), "cannot be combined"),
    (lambda t: t.suggest_float("x", "0", 1), "low must be a number"),
    (lambda t: t.suggest_categorical("c", "abc"), "list or tuple"),
    (lambda t: t.suggest_categorical("c", []), "at least one choice"),
    (lambda t: t.suggest_categorical("c", [object()]), "str, int, float, bool or None"),
    (lambda t: t.suggest_float("", 0, 1), "non-empty string"),
])
def test_bad_arguments_are_one_clear_error(call, words: str) -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    trial = study.ask()
    with pytest.raises(ConfigError, match=words):
        call(trial)
    assert study.space.names == ()  # nothing stored


def test_int_step_that_does_not_divide_the_range_stays_below_high() -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    study.optimize(lambda t: t.suggest_int("n", 0, 10, step=3), n_trials=12)
    assert {t.params["n"] for t in study.trials} <= {0, 3, 6, 9}


def test_equal_bounds_give_the_one_value() -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    trial = study.ask()
    assert trial.suggest_float("x", 2.5, 2.5) == 2.5
    assert trial.suggest_int("n", 4, 4) == 4
    study.tell(trial, 0.0)
    assert study.trials[0].params == {"x": 2.5, "n": 4}


def test_declared_space_returns_the_declared_value_and_checks_bounds() -> None:
    space = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), opt=tc.Categorical(["sgd", "adam"]),
                     beta=tc.Float(0.8, 0.99, when={"opt": "adam"}))
    study = tc.create_study(space=space, storage=":memory:", seed=0)
    seen = []

    def objective(trial: tc.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        opt = trial.suggest_categorical("opt", ["sgd", "adam"])
        assert (lr, opt) == (trial.params["lr"], trial.params["opt"])
        if opt == "adam":
            assert trial.suggest_float("beta", 0.8, 0.99) == trial.params["beta"]
        seen.append(trial.params)
        return lr

    study.optimize(objective, n_trials=6)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert study.space == space and len(seen) == 6
    trial = study.ask()
    with pytest.raises(ConfigError, match=r"declared as \[0.0001, 0.1\] \(log\)"):
        trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    with pytest.raises(ConfigError, match="not in the study's declared space"):
        trial.suggest_float("momentum", 0, 1)
    if trial.params["opt"] == "sgd":
        with pytest.raises(ConfigError, match="inactive"):
            trial.suggest_float("beta", 0.8, 0.99)


def test_several_processes_share_the_growing_space(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'dbr.db'}"
    study = tc.create_study("dbr", storage=url, sampler="tpe", seed=0)
    study.optimize(branching, n_trials=12, n_workers=2)
    again = tc.load_study("dbr", storage=url)
    assert again.define_by_run and again.space == study.space
    assert set(again.space.names) == {"kind", "x", "y", "z"}
    assert [t.state for t in again.trials] == [TrialState.COMPLETE] * 12
    resumed = tc.create_study("dbr", storage=url, load_if_exists=True)
    resumed.optimize(branching, n_trials=2)
    assert len(resumed.trials) == 14


def test_concurrent_writers_lose_no_parameter(storage_url: str) -> None:
    study = tc.create_study("race", storage=storage_url, seed=0)
    names = [f"p{i}" for i in range(12)]

    def add(chunk: list[str]) -> None:  # each writer on its own connection
        storage = study.storage if storage_url == ":memory:" else get_storage(storage_url)
        for name in chunk:
            storage.update_space(study.study_id, lambda s, n=name: merge_param(
                s, n, tc.Float(0.0, 1.0), {}))

    threads = [threading.Thread(target=add, args=(names[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(study.refresh_space().names) == sorted(names)


def test_conditions_widen_and_never_form_cycles() -> None:
    space: dict = {"params": []}
    space = merge_param(space, "a", tc.Categorical(["x", "y"]), {})
    space = merge_param(space, "b", tc.Categorical(["p", "q"]), {"a": "x"})
    space = merge_param(space, "c", tc.Float(0.0, 1.0), {"a": "x", "b": "p"})
    assert merge_param(space, "c", tc.Float(0.0, 1.0), {"a": "x", "b": "p"}) is None
    space = merge_param(space, "c", tc.Float(0.0, 1.0), {"a": "x", "b": "q"})
    learned = tc.Space.from_json(space)
    assert learned["c"].condition == {"a": ("x",), "b": ("p", "q")}
    space = merge_param(space, "c", tc.Float(0.0, 1.0), {"a": "y"})  # b not asked: dropped
    learned = tc.Space.from_json(space)
    assert learned["c"].condition == {}  # a allows all its choices: always active
    # a was asked first, unconditioned: asking it after b adds no condition (no cycle)
    assert merge_param(space, "a", tc.Categorical(["x", "y"]), {"b": "p"}) is None


def test_multi_fidelity_promotions_keep_the_suggested_values() -> None:
    def objective(trial: tc.Trial) -> float:
        x = trial.suggest_float("x", -3, 3)
        loss = 0.0
        for epoch in range(1, trial.budget + 1):
            loss = (x - 1) ** 2 + 1 / epoch
            trial.report(loss, step=epoch)
        return loss

    study = tc.create_study(storage=":memory:", seed=0, scheduler="hyperband",
                            fidelity=tc.Fidelity("epoch", 1, 9))
    study.optimize(objective, n_trials=12)
    trials = study.trials
    assert all(t.state is TrialState.COMPLETE and set(t.params) == {"x"} for t in trials)
    assert max(t.budget for t in trials) > 1  # some were promoted and asked x again


def test_optuna_tutorial_objective_runs_with_should_stop() -> None:
    """Optuna's tutorial objective (conditional classifier, pruning on partial_fit), with
    ``trial.should_prune()`` → ``trial.should_stop()`` as the only change."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import train_test_split

    del sklearn
    x, y = load_iris(return_X_y=True)
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, random_state=0)
    classes = np.unique(y)

    def objective(trial):
        loss = trial.suggest_categorical("loss", ["hinge", "log_loss"])
        alpha = trial.suggest_float("alpha", 1e-5, 1e-1, log=True)
        if loss == "hinge":
            penalty = trial.suggest_categorical("penalty", ["l2", "l1"])
        else:
            penalty = "l2"
        clf = SGDClassifier(loss=loss, alpha=alpha, penalty=penalty, random_state=0)
        for step in range(20):
            clf.partial_fit(x_train, y_train, classes=classes)
            intermediate_value = 1.0 - clf.score(x_valid, y_valid)
            trial.report(intermediate_value, step)
            if trial.should_stop():
                raise tc.TrialPruned()
        return 1.0 - clf.score(x_valid, y_valid)

    study = tc.create_study(storage=":memory:", sampler="tpe", scheduler="median", seed=0)
    study.optimize(objective, n_trials=20)
    states = {t.state for t in study.trials}
    assert TrialState.FAILED not in states and TrialState.COMPLETE in states
    assert study.space["penalty"].condition == {"loss": ("hinge",)}
    assert study.best_value < 0.3


@settings(max_examples=25, deadline=None)
@given(low=st.floats(-1e3, 1e3), width=st.floats(1e-3, 1e3), ilow=st.integers(-50, 50),
       iwidth=st.integers(1, 100), log=st.booleans(), seed=st.integers(0, 2**31))
def test_suggested_values_are_in_bounds_stored_and_repeatable(low, width, ilow, iwidth, log,
                                                               seed) -> None:
    flow, fhigh = (abs(low) + 1e-3, abs(low) + 1e-3 + width) if log else (low, low + width)

    def objective(trial: tc.Trial) -> float:
        x = trial.suggest_float("x", flow, fhigh, log=log)
        n = trial.suggest_int("n", ilow, ilow + iwidth)
        c = trial.suggest_categorical("c", [None, True, 2, 3.5, "s"])
        assert flow <= x <= fhigh and ilow <= n <= ilow + iwidth and isinstance(n, int)
        assert c in (None, True, 2, 3.5, "s")
        return x + n

    runs = []
    for _ in range(2):
        study = tc.create_study(storage=":memory:", sampler="tpe", seed=seed)
        study.optimize(objective, n_trials=3)
        runs.append([dict(t.params) for t in study.trials])
        for t in study.trials:
            assert t.state is TrialState.COMPLETE and set(t.params) == {"x", "n", "c"}
            assert study.space.contains(t.params)
    assert runs[0] == runs[1]


def test_enqueued_values_are_used_by_suggest() -> None:
    study = tc.create_study(storage=":memory:", seed=0)
    study.enqueue({"x": 0.25, "kind": "abs", "z": 99.0})  # z out of its bounds: drawn instead
    study.optimize(branching, n_trials=1)
    params = study.trials[0].params
    assert params["x"] == 0.25 and params["kind"] == "abs" and 1e-3 <= params["z"] <= 10
