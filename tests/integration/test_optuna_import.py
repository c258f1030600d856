"""`tiaocan import-optuna`: studies written by the real Optuna (SQLite, journal file) in tiaocan."""

from __future__ import annotations

import math
import sqlite3

import pytest

optuna = pytest.importorskip("optuna")

import tiaocan as tc  # noqa: E402
from tiaocan.cli import main  # noqa: E402
from tiaocan.errors import ConfigError  # noqa: E402
from tiaocan.integration.optuna import import_optuna  # noqa: E402
from tiaocan.trial import TrialState  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    kind = trial.suggest_categorical("kind", ["a", "b"])
    x = trial.suggest_float("x", -5, 5)
    if kind == "b":
        x += trial.suggest_int("n", 1, 64, log=True) / 64
    for step in range(5):
        trial.report((x - 1) ** 2 + 1 / (step + 1), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    trial.set_user_attr("note", f"trial {trial.number}")
    if trial.number == 7:
        raise RuntimeError("boom")
    return (x - 1) ** 2


def _optuna_study(storage) -> optuna.Study:
    study = optuna.create_study(study_name="demo", storage=storage,
                                sampler=optuna.samplers.TPESampler(seed=0),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
    study.set_user_attr("owner", "me")
    study.optimize(objective, n_trials=24, catch=(RuntimeError,))
    return study


def _check_same(source: optuna.Study, url: str) -> tc.Study:
    study = tc.load_study("demo", storage=url)
    mine, theirs = study.trials, source.get_trials()
    assert len(mine) == len(theirs) == 24
    states = {"COMPLETE": TrialState.COMPLETE, "PRUNED": TrialState.PRUNED,
              "FAIL": TrialState.FAILED}
    for a, b in zip(mine, theirs):
        assert a.number == b.number and a.state is states[b.state.name]
        assert dict(a.params) == b.params
        assert a.curve() == pytest.approx(b.intermediate_values)
        assert a.user_attrs == b.user_attrs
        assert a.started_at == pytest.approx(b.datetime_start.timestamp())
        if b.state.name == "COMPLETE":
            assert a.value == pytest.approx(b.value)
            assert a.completed_at == pytest.approx(b.datetime_complete.timestamp())
        study.space.validate(a.params)
    assert study.best_value == pytest.approx(source.best_value)
    assert study.user_attrs == {"owner": "me"}
    assert study.space["n"] == tc.Int(1, 64, log=True, when={"kind": "b"})
    assert study.space["x"].condition == {}
    return study


def test_sqlite_study_is_copied_with_its_history(tmp_path) -> None:
    source = _optuna_study(f"sqlite:///{tmp_path / 'optuna.db'}")
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    assert import_optuna(f"sqlite:///{tmp_path / 'optuna.db'}", url) == ["demo"]
    _check_same(source, url)
    # the imported study goes on with suggest_* under tiaocan's sampler
    study = tc.load_study("demo", storage=url, sampler="tpe")
    study.optimize(lambda t: objective(_NoPrune(t)), n_trials=3)
    assert len(study.trials) == 27 and study.trials[-1].state is TrialState.COMPLETE


class _NoPrune:
    """The same objective under tiaocan: should_prune is should_stop."""

    def __init__(self, trial: tc.Trial) -> None:
        self._trial = trial

    def __getattr__(self, name: str):
        return getattr(self._trial, "should_stop" if name == "should_prune" else name)


def test_journal_file_study_is_copied(tmp_path) -> None:
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path = tmp_path / "optuna.log"
    source = _optuna_study(JournalStorage(JournalFileBackend(str(path))))
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    assert main(["import-optuna", "--from", str(path), "--to", url]) == 0
    _check_same(source, url)


def test_multi_objective_and_one_study_of_several(tmp_path) -> None:
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    two = optuna.create_study(study_name="two", storage=storage,
                              directions=["minimize", "maximize"])
    two.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_int("b", 0, 6, step=2)),
                 n_trials=6)
    optuna.create_study(study_name="other", storage=storage).optimize(
        lambda t: t.suggest_float("z", 0, 1), n_trials=2)
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    assert import_optuna(storage, url, study="two") == ["two"]
    study = tc.load_study("two", storage=url)
    assert [s.name for s in tc.list_studies(url)] == ["two"]
    assert study.directions == (tc.Direction.MINIMIZE, tc.Direction.MAXIMIZE)
    assert study.space["b"] == tc.Int(0, 6, step=2)
    assert [t.values for t in study.trials] == [tuple(t.values) for t in two.get_trials()]
    assert len(study.best_trials) >= 1


def test_imported_study_is_served_reported_and_analysed(tmp_path) -> None:
    pytest.importorskip("starlette")
    pytest.importorskip("sklearn")
    from starlette.testclient import TestClient

    from tiaocan.analysis.importance import importance
    from tiaocan.dashboard import create_app
    from tiaocan.dashboard.report import write_report

    _optuna_study(f"sqlite:///{tmp_path / 'optuna.db'}")
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    import_optuna(f"sqlite:///{tmp_path / 'optuna.db'}", url)
    with TestClient(create_app(url)) as client:
        assert client.get("/study", params={"name": "demo"}).status_code == 200
        page = client.get("/api/trials", params={"study": "demo", "limit": 50}).json()
        assert page["total"] == 24
        assert client.get("/trial", params={"study": "demo", "number": 3}).status_code == 200
    study = tc.load_study("demo", storage=url)
    assert write_report(study, tmp_path / "report.html").stat().st_size > 0
    scores = importance(study, n_trees=8)
    assert "x" in str(scores)


def test_not_optuna_storages_are_one_clear_line(tmp_path, capsys) -> None:
    tiaocan_db = tmp_path / "tc.db"
    tc.create_study("mine", space=tc.Space(x=tc.Float(0, 1)), storage=f"sqlite:///{tiaocan_db}")
    before = tiaocan_db.read_bytes()
    out = f"sqlite:///{tmp_path / 'out.db'}"
    cases = [(f"sqlite:///{tiaocan_db}", "is not an Optuna storage"),
             (f"sqlite:///{tmp_path / 'missing.db'}", "no SQLite file"),
             (str(tmp_path / "missing.log"), "no Optuna journal file"),
             (str(tiaocan_db), "is a SQLite file")]
    garbage = tmp_path / "garbage.log"
    garbage.write_text("this is not a journal\n")
    cases.append((str(garbage), "holds no Optuna study"))
    for source, words in cases:
        assert main(["import-optuna", "--from", source, "--to", out]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1, err
    assert tiaocan_db.read_bytes() == before  # never modified
    assert not (tmp_path / "missing.db").exists()


def test_duplicate_categorical_choices_are_unrepresentable(tmp_path) -> None:
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="dup", storage=storage)
    study.add_trial(optuna.trial.create_trial(
        params={"c": "a"}, distributions={"c": optuna.distributions.CategoricalDistribution(
            ["a", "a"])}, value=1.0))
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    with pytest.raises(ConfigError, match=r"parameter 'c'.*cannot be represented.*distinct"):
        import_optuna(storage, url)
    assert tc.list_studies(url) == []


def test_an_interrupted_import_leaves_no_half_study(tmp_path, monkeypatch) -> None:
    _optuna_study(f"sqlite:///{tmp_path / 'optuna.db'}")
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    import tiaocan.storage.bulk as bulk

    real = bulk._sql_trial_row

    def interrupted(t, number, seed):  # Ctrl-C while the rows are being written
        if number == 12:
            raise KeyboardInterrupt
        return real(t, number, seed)

    monkeypatch.setattr(bulk, "_sql_trial_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_optuna(f"sqlite:///{tmp_path / 'optuna.db'}", url)
    monkeypatch.setattr(bulk, "_sql_trial_row", real)
    assert tc.list_studies(url) == []
    with sqlite3.connect(tmp_path / "tc.db") as conn:
        assert conn.execute("select count(*) from tiaocan_trials").fetchone() == (0,)
    import_optuna(f"sqlite:///{tmp_path / 'optuna.db'}", url)  # a rerun completes it
    assert len(tc.load_study("demo", storage=url).trials) == 24


def test_in_memory_target_rolls_back_too(tmp_path) -> None:
    from tiaocan.storage import InMemoryStorage

    _optuna_study(f"sqlite:///{tmp_path / 'optuna.db'}")
    target = InMemoryStorage()
    import_optuna(f"sqlite:///{tmp_path / 'optuna.db'}", target)
    study = tc.load_study("demo", storage=target)
    assert len(study.trials) == 24
    assert all(not math.isnan(v) for t in study.trials for v in (t.values or ()))


def test_import_into_postgresql(tmp_path, postgres_url) -> None:
    source = _optuna_study(f"sqlite:///{tmp_path / 'optuna.db'}")
    assert main(["import-optuna", "--from", f"sqlite:///{tmp_path / 'optuna.db'}",
                 "--to", postgres_url]) == 0
    _check_same(source, postgres_url)
