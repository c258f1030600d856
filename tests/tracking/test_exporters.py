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


# mlflow's own SQLAlchemy models use loader options that SQLAlchemy 2.1 deprecates
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_mlflow_runs_in_a_local_store(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tiaocan.tracking.mlflow import MLflowTracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    study = tc.create_study("ml", space=SPACE, storage=":memory:", seed=0)
    study.optimize(_objective, n_trials=2)
    assert export(study, MLflowTracker(uri)) == 2  # after the fact
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("ml")
    runs = sorted(client.search_runs([exp.experiment_id]), key=lambda r: int(r.data.tags["tiaocan.trial"]))
    assert len(runs) == 2
    for run, t in zip(runs, study.trials):
        assert run.data.params == {"lr": str(t.params["lr"]), "opt": t.params["opt"]}
        assert run.data.metrics["objective"] == pytest.approx(t.value)
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "curve")
        assert [m.step for m in history] == [1, 2, 3]
