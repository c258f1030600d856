from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan.tracking import export

SPACE = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), opt=tc.Categorical(["sgd", "adam"]))


def _objective(trial):
    for step in range(1, 4):
        trial.report(trial.params["lr"] * 10 / step, step=step)
    return trial.params["lr"]


def test_tensorboard_hparams_and_curves_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.plugins.hparams import metadata

    from tiaocan.tracking.tensorboard import TensorBoardTracker

    study = tc.create_study("tb", space=SPACE, storage=":memory:", seed=0)
    study.add_tracker(TensorBoardTracker(tmp_path))
    study.optimize(_objective, n_trials=3)

    root = event_accumulator.EventAccumulator(str(tmp_path))
    root.Reload()
    experiment = metadata.parse_experiment_plugin_data(
        root.PluginTagToContent("hparams")[metadata.EXPERIMENT_TAG])
    assert [h.name for h in experiment.hparam_infos] == ["lr", "opt"]
    assert list(experiment.hparam_infos[1].domain_discrete) == ["sgd", "adam"]
    for t in study.trials:
        acc = event_accumulator.EventAccumulator(str(tmp_path / f"trial-{t.number:05d}"))
        acc.Reload()
        start = metadata.parse_session_start_info_plugin_data(
            acc.PluginTagToContent("hparams")[metadata.SESSION_START_INFO_TAG])
        assert start.hparams["lr"].number_value == pytest.approx(t.params["lr"])
        assert start.hparams["opt"].string_value == t.params["opt"]
        assert [(e.step, e.value) for e in acc.Scalars("curve")] == [
            (1, pytest.approx(t.params["lr"] * 10)), (2, pytest.approx(t.params["lr"] * 5)),
            (3, pytest.approx(t.params["lr"] * 10 / 3))]
        assert acc.Scalars("objective")[0].value == pytest.approx(t.value)


def test_tensorboard_records_the_budget_and_keeps_fractional_steps(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.plugins.hparams import metadata

    from tiaocan.tracking.tensorboard import TensorBoardTracker

    study = tc.create_study("tbmf", space=SPACE, storage=":memory:", seed=0, sampler="random",
                            scheduler="asha", fidelity=tc.Fidelity("fraction", low=0.25, high=1.0))
    study.optimize(_mf_objective, n_trials=4)
    assert export(study, TensorBoardTracker(tmp_path)) == 4
    root = event_accumulator.EventAccumulator(str(tmp_path))
    root.Reload()
    experiment = metadata.parse_experiment_plugin_data(
        root.PluginTagToContent("hparams")[metadata.EXPERIMENT_TAG])
    assert [h.name for h in experiment.hparam_infos] == ["lr", "opt", "budget"]
    t = study.trials[0]
    acc = event_accumulator.EventAccumulator(str(tmp_path / "trial-00000"))
    acc.Reload()
    start = metadata.parse_session_start_info_plugin_data(
        acc.PluginTagToContent("hparams")[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["budget"].number_value == pytest.approx(t.budget)
    assert acc.Scalars("budget")[0].value == pytest.approx(t.budget)
    assert [e.step for e in acc.Scalars("curve")] == list(range(1, len(t.reports) + 1))
    assert [e.value for e in acc.Scalars("step")] == pytest.approx([r.step for r in t.reports])


# mlflow's own SQLAlchemy models use loader options that SQLAlchemy 2.1 deprecates
MLFLOW_WARNINGS = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")


def _mf_objective(trial):
    """Reports at fractional steps up to the trial's budget (a data fraction)."""
    for step in (0.25, 0.5, 1.0):
        if step <= trial.budget:
            trial.report(trial.params["lr"] * 10 / step, step=step)
    return trial.params["lr"] / trial.budget


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory):
    """One MLflow SQLite store for the module: creating its tables takes MLflow ~10 s."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def _runs(client, experiment_id):
    runs = client.search_runs([experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("tiaocan.role") == "study"]
    children = {int(r.data.tags["tiaocan.trial"]): r for r in runs
                if "mlflow.parentRunId" in r.data.tags}
    return parents, children, len(runs)


@MLFLOW_WARNINGS
def test_mlflow_round_trip_parent_children_budget_and_idempotent_reexport(mlflow_uri):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tiaocan.tracking.mlflow import MLflowTracker

    uri = mlflow_uri
    study = tc.create_study("ml", space=SPACE, storage=":memory:", seed=0, scheduler="asha",
                            fidelity=tc.Fidelity("fraction", low=0.25, high=1.0), sampler="random")
    study.optimize(_mf_objective, n_trials=5)
    done = [t for t in study.trials if t.state.is_finished]
    assert export(study, MLflowTracker(uri)) == len(done)  # after the fact
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("ml")
    parents, children, total = _runs(client, exp.experiment_id)
    assert len(parents) == 1 and total == 1 + len(done)
    assert sorted(children) == [t.number for t in done]
    parent = parents[0]
    assert parent.data.params["fidelity"] == "fraction"
    assert parent.data.params["fidelity_high"] == "1.0"
    assert parent.info.status == "FINISHED"
    for t in done:
        run = children[t.number]
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.data.params == {"lr": str(t.params["lr"]), "opt": t.params["opt"]}
        assert run.data.metrics["budget"] == pytest.approx(t.budget)
        assert run.data.tags["tiaocan.budget"] == str(t.budget)
        assert run.data.metrics["objective"] == pytest.approx(t.value)
        stopped = t.state is tc.TrialState.PRUNED or t.budget < 1.0  # left at a low rung
        assert run.data.tags["tiaocan.state"] == ("pruned" if stopped else t.state.value)
        assert run.info.status == ("KILLED" if stopped else "FINISHED")
        curve = client.get_metric_history(run.info.run_id, "curve")
        steps = client.get_metric_history(run.info.run_id, "step")
        assert [m.step for m in curve] == list(range(1, len(t.reports) + 1))
        assert [m.value for m in steps] == [r.step for r in t.reports]  # 0.25 is not step 0
    assert len({children[t.number].data.metrics["budget"] for t in done}) > 1  # budgets differ

    study.optimize(_mf_objective, n_trials=2)  # promotions add points; new trials too
    done = [t for t in study.trials if t.state.is_finished]
    assert export(study, MLflowTracker(uri)) == len(done)
    assert export(study, MLflowTracker(uri)) == len(done)
    parents, children, total = _runs(client, exp.experiment_id)
    assert len(parents) == 1 and total == 1 + len(done)
    for t in done:
        run = children[t.number]
        curve = client.get_metric_history(run.info.run_id, "curve")
        assert len(curve) == len(t.reports)  # no point logged twice
        assert run.data.metrics["budget"] == pytest.approx(t.budget)


@MLFLOW_WARNINGS
def test_mlflow_runs_in_a_local_store(mlflow_uri):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tiaocan.tracking.mlflow import MLflowTracker

    uri = mlflow_uri
    study = tc.create_study("live", space=SPACE, storage=":memory:", seed=0)
    study.add_tracker(MLflowTracker(uri))  # live, as trials finish
    study.optimize(_objective, n_trials=2)
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("live")
    parents, children, _ = _runs(client, exp.experiment_id)
    assert len(parents) == 1 and sorted(children) == [0, 1]
    for t in study.trials:
        run = children[t.number]
        assert run.data.params == {"lr": str(t.params["lr"]), "opt": t.params["opt"]}
        assert run.data.metrics["objective"] == pytest.approx(t.value)
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "curve")
        assert [m.step for m in history] == [1, 2, 3]
        assert "budget" not in run.data.metrics  # no fidelity, no budget
