"""MLflow export: one MLflow run per trial (params, learning curve, final value, tags).

Runs go to an experiment named after the study, in any tracking store MLflow accepts
(``file:./mlruns``, ``sqlite:///mlflow.db``, a server). Needs ``pip install "tiaocan[mlflow]"``.

>>> # study.add_tracker(MLflowTracker("sqlite:///mlflow.db"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tiaocan.errors import require
from tiaocan.trial import FrozenTrial

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["MLflowTracker"]


class MLflowTracker:
    """Log each finished trial as an MLflow run.

    Args:
        tracking_uri: where MLflow stores runs.
        experiment: the experiment name (default: the study's name).
    """

    def __init__(self, tracking_uri: str, experiment: str | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self._client: Any = None
        self._experiment_id: str | None = None

    def _client_for(self, study: Study) -> tuple[Any, str]:
        if self._client is None:
            tracking = require("mlflow.tracking", "mlflow", "MLflow export")
            self._client = tracking.MlflowClient(tracking_uri=self.tracking_uri)  # type: ignore[attr-defined]
        if self._experiment_id is None:
            name = self.experiment or study.name
            found = self._client.get_experiment_by_name(name)
            self._experiment_id = found.experiment_id if found else self._client.create_experiment(name)
        return self._client, self._experiment_id

    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None:
        entities = require("mlflow.entities", "mlflow", "MLflow export")
        client, experiment_id = self._client_for(study)
        tags = {"tiaocan.study": study.name, "tiaocan.trial": str(trial.number),
                "tiaocan.state": trial.state.value, "tiaocan.seed": str(trial.seed)}
        env = (trial.system_attrs.get("worker") or {}).get("env")
        if env:
            tags["tiaocan.env"] = str(env)
        run = client.create_run(experiment_id, run_name=f"trial-{trial.number}", tags=tags,
                                start_time=int((trial.started_at or 0) * 1000) or None)
        run_id = run.info.run_id
        params = [entities.Param(k, str(v)) for k, v in trial.params.items()]  # type: ignore[attr-defined]
        metrics = [entities.Metric("curve", float(r.values[0]), int(r.at * 1000), int(r.step))  # type: ignore[attr-defined]
                   for r in trial.reports]
        for i, v in enumerate(trial.values or ()):
            key = "objective" if len(trial.values or ()) == 1 else f"objective_{i}"
            metrics.append(entities.Metric(key, float(v), int((trial.completed_at or 0) * 1000),  # type: ignore[attr-defined]
                                           int(trial.last_step or 0)))
        client.log_batch(run_id, metrics=metrics, params=params)
        status = "FINISHED" if trial.state.value == "complete" else (
            "KILLED" if trial.state.value == "pruned" else "FAILED")
        client.set_terminated(run_id, status=status,
                              end_time=int((trial.completed_at or 0) * 1000) or None)
