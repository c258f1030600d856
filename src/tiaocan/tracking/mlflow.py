"""MLflow export: a parent run per study, one child run per trial.

The parent run (tag ``tiaocan.role = study``) holds the study's settings: seed, directions,
sampler, scheduler and fidelity. Each trial's child run (MLflow's ``mlflow.parentRunId``)
holds its parameters, its learning curve (``curve``), its final value(s), its budget (metric
and tag ``budget``, so a budget-1 and a budget-27 trial tell apart) and its state. Steps that
are not whole numbers (data fraction 0.25) are indexed 1, 2, … and kept as the metric
``step`` (see :mod:`tiaocan.tracking.steps`).

Exporting again updates instead of duplicating: runs are found by their tags (the study's
name and creation time; the trial's number), and only what changed is logged — new curve
points of a promoted trial, its new budget, value and state.

MLflow 3 keeps its file store in maintenance mode; the default is a SQLite tracking store.
Needs ``pip install "tiaocan[mlflow]"``.

>>> # from tiaocan.tracking import export
>>> # export(study, MLflowTracker("sqlite:///mlflow.db"))
>>> # then: mlflow ui --backend-store-uri sqlite:///mlflow.db
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tiaocan.errors import require
from tiaocan.tracking.steps import STEP_METRIC, integer_steps
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["MLflowTracker"]

_STATUS = {TrialState.COMPLETE: "FINISHED", TrialState.PRUNED: "KILLED",
           TrialState.FAILED: "FAILED"}


def _ms(seconds: float | None) -> int:
    return int((seconds or 0) * 1000)


class MLflowTracker:
    """Log a study as an MLflow parent run and each finished trial as a child run.

    Args:
        tracking_uri: where MLflow stores runs (default: a SQLite file in the current folder).
        experiment: the experiment name (default: the study's name).
    """

    def __init__(self, tracking_uri: str = "sqlite:///mlflow.db",
                 experiment: str | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self._client: Any = None
        self._experiment_id: str | None = None
        self._parent: str | None = None
        self._children: dict[int, Any] = {}  # trial number -> its run (as last read or written)

    # Runs ------------------------------------------------------------------------------
    def _setup(self, study: Study) -> tuple[Any, str, str]:
        if self._client is None:
            tracking = require("mlflow.tracking", "mlflow", "MLflow export")
            client_class = tracking.MlflowClient  # type: ignore[attr-defined]
            self._client = client_class(tracking_uri=self.tracking_uri)
        client = self._client
        if self._experiment_id is None:
            name = self.experiment or study.name
            found = client.get_experiment_by_name(name)
            self._experiment_id = found.experiment_id if found else client.create_experiment(name)
        if self._parent is None:
            self._parent = self._find_or_create_parent(study)
            for run in self._search(f"tags.`mlflow.parentRunId` = '{self._parent}'"):
                number = run.data.tags.get("tiaocan.trial")
                if number is not None and number.isdigit():
                    self._children.setdefault(int(number), run)
        return client, self._experiment_id, self._parent

    def _search(self, filter_string: str) -> list[Any]:
        runs: list[Any] = []
        token = None
        while True:
            page = self._client.search_runs([self._experiment_id], filter_string=filter_string,
                                            max_results=1000, page_token=token)
            runs.extend(page)
            token = page.token
            if not token:
                return runs

    def _find_or_create_parent(self, study: Study) -> str:
        identity = {"tiaocan.role": "study", "tiaocan.study": study.name,
                    "tiaocan.study_created": repr(study.record.created_at)}
        for run in self._search("tags.`tiaocan.role` = 'study'"):
            if all(run.data.tags.get(k) == v for k, v in identity.items()):
                return str(run.info.run_id)
        entities = require("mlflow.entities", "mlflow", "MLflow export")
        tags = {**identity, "tiaocan.seed": str(study.seed),
                "tiaocan.directions": ",".join(d.value for d in study.directions),
                "tiaocan.sampler": type(study.sampler).__name__,
                "tiaocan.scheduler": type(study.scheduler).__name__}
        params = {"seed": study.seed, "sampler": type(study.sampler).__name__,
                  "scheduler": type(study.scheduler).__name__}
        if study.fidelity is not None:
            f = study.fidelity
            tags["tiaocan.fidelity"] = f.name
            params.update({"fidelity": f.name, "fidelity_low": f.low, "fidelity_high": f.high})
        run = self._client.create_run(self._experiment_id, run_name=study.name, tags=tags,
                                      start_time=_ms(study.record.created_at) or None)
        self._client.log_batch(run.info.run_id, params=[
            entities.Param(k, str(v)) for k, v in params.items()])  # type: ignore[attr-defined]
        return str(run.info.run_id)

    # Trials ----------------------------------------------------------------------------
    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None:
        client, experiment_id, parent = self._setup(study)
        run = self._children.get(trial.number)
        if run is None:
            tags = {"mlflow.parentRunId": parent, "tiaocan.study": study.name,
                    "tiaocan.trial": str(trial.number), "tiaocan.seed": str(trial.seed),
                    "tiaocan.reports": "0"}
            env = (trial.system_attrs.get("worker") or {}).get("env")
            if env:
                tags["tiaocan.env"] = str(env)
            run = client.create_run(experiment_id, run_name=f"trial-{trial.number}", tags=tags,
                                    start_time=_ms(trial.started_at) or None)
            self._log_params(run.info.run_id, trial)
        self._log_outcome(study, run, trial)
        self._children[trial.number] = client.get_run(run.info.run_id)

    def _log_params(self, run_id: str, trial: FrozenTrial) -> None:
        entities = require("mlflow.entities", "mlflow", "MLflow export")
        param = entities.Param  # type: ignore[attr-defined]
        params = [param(k, str(v)) for k, v in trial.params.items()]
        self._client.log_batch(run_id, params=params)

    def _log_outcome(self, study: Study, run: Any, trial: FrozenTrial) -> None:
        """Log what the run lacks: new curve points, the budget, the value(s), the state."""
        entities = require("mlflow.entities", "mlflow", "MLflow export")
        from tiaocan.outcome import full_budget, shown_state
        from tiaocan.viz.meta import metric_names

        metric = entities.Metric  # type: ignore[attr-defined]
        names = metric_names(study.record.attrs, len(study.directions))
        tags = run.data.tags
        logged = int(tags.get("tiaocan.reports", "0") or 0)
        steps, indexed = integer_steps(trial.reports)
        metrics = []
        for r, step in list(zip(trial.reports, steps))[logged:]:
            for i, v in enumerate(r.values):
                key = "curve" if len(names) == 1 else f"curve {names[i]}"
                metrics.append(metric(key, float(v), _ms(r.at), step))
            if indexed:
                metrics.append(metric(STEP_METRIC, float(r.step), _ms(r.at), step))
        last = steps[-1] if steps else 0
        budget = trial.budget if trial.budget is not None else (
            study.fidelity.high if study.fidelity is not None else None)
        # a trial left at a low rung reads as pruned, as in every other view (tiaocan.outcome)
        shown = TrialState(shown_state(trial, full_budget(study.record.attrs)))
        new_tags = {"tiaocan.state": shown.value, "tiaocan.reports": str(len(trial.reports)),
                    "tiaocan.steps": ("indices (true steps in metric 'step')" if indexed
                                      else "steps")}
        if budget is not None and tags.get("tiaocan.budget") != str(budget):
            metrics.append(metric("budget", float(budget), _ms(trial.completed_at), last))
            new_tags["tiaocan.budget"] = str(budget)
        values = json.dumps(list(trial.values or ()))
        if trial.values and tags.get("tiaocan.values") != values:
            metrics += [metric(names[i], float(v), _ms(trial.completed_at), last)
                        for i, v in enumerate(trial.values)]
            new_tags["tiaocan.values"] = values
        if trial.error:
            new_tags["tiaocan.error"] = trial.error.strip().splitlines()[-1][:500]
        tag = entities.RunTag  # type: ignore[attr-defined]
        self._client.log_batch(run.info.run_id, metrics=metrics,
                               tags=[tag(k, v) for k, v in new_tags.items()])
        self._client.set_terminated(run.info.run_id, status=_STATUS.get(shown, "FAILED"),
                                    end_time=_ms(trial.completed_at) or None)

    def close(self) -> None:
        """Mark the study's parent run finished (``export`` calls this at the end)."""
        if self._client is not None and self._parent is not None:
            self._client.set_terminated(self._parent, status="FINISHED")
