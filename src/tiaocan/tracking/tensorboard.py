"""TensorBoard export: the HParams dashboard (one session per trial) and learning curves.

Written with TensorBoard's own protos and event writer (no TensorFlow): the experiment
(hyperparameters with their domains, metric ``objective``) goes to ``<log_dir>``, each trial to
``<log_dir>/trial-<number>`` with its ``session_start_info`` (the budget among the
hyperparameters in a multi-fidelity study), its reported values as scalars ``curve`` by step
(fractional steps indexed, true steps in scalar ``step``), its budget and final value as
scalars ``budget`` and ``objective``, and its ``session_end_info``.
Needs ``pip install "tiaocan[tensorboard]"``.

>>> # study.add_tracker(TensorBoardTracker("runs/demo"))  # then: tensorboard --logdir runs
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiaocan.errors import require
from tiaocan.space import Categorical, Float, Int
from tiaocan.tracking.steps import STEP_METRIC, integer_steps
from tiaocan.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["TensorBoardTracker"]


def _protos() -> tuple[Any, Any, Any, Any, Any]:
    meta = require("tensorboard.plugins.hparams.metadata", "tensorboard", "TensorBoard export")
    api = require("tensorboard.plugins.hparams.api_pb2", "tensorboard", "TensorBoard export")
    plugin = require("tensorboard.plugins.hparams.plugin_data_pb2", "tensorboard", "TensorBoard export")
    summary = require("tensorboard.compat.proto.summary_pb2", "tensorboard", "TensorBoard export")
    writer = require("tensorboard.summary.writer.event_file_writer", "tensorboard", "TensorBoard export")
    return meta, api, plugin, summary, writer


class TensorBoardTracker:
    """Write each finished trial for TensorBoard's HParams and Scalars dashboards.

    Args:
        log_dir: the directory to pass to ``tensorboard --logdir``.
    """

    def __init__(self, log_dir: str | os.PathLike[str]) -> None:
        self.log_dir = Path(log_dir)
        self._experiment_written = False

    def _write(self, run: Path, events: list[Any]) -> None:
        _, _, _, _, writer_mod = _protos()
        writer = writer_mod.EventFileWriter(str(run))
        for event in events:
            writer.add_event(event)
        writer.close()

    def _plugin_summary(self, tag: str, **data: Any) -> Any:
        meta, _, plugin, summary, _ = _protos()
        content = plugin.HParamsPluginData(version=0, **data)
        return summary.Summary(value=[summary.Summary.Value(
            tag=tag, metadata=meta.create_summary_metadata(content))])

    def _event(self, step: float, summary: Any) -> Any:
        event_pb2 = require("tensorboard.compat.proto.event_pb2", "tensorboard", "TensorBoard export")
        return event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)  # type: ignore[attr-defined]

    def _experiment(self, study: Study) -> Any:
        meta, api, _, _, _ = _protos()
        infos = []
        for name in study.space.names:
            p = study.space[name]
            if isinstance(p, Categorical):
                values = [str(c) for c in p.choices]
                info = api.HParamInfo(name=name, type=api.DATA_TYPE_STRING)
                info.domain_discrete.extend(values)
            else:
                info = api.HParamInfo(name=name, type=api.DATA_TYPE_FLOAT64,
                                      domain_interval=api.Interval(min_value=float(p.low),
                                                                   max_value=float(p.high)))
            infos.append(info)
        if study.fidelity is not None:  # the budget each trial was (last) run at
            infos.append(api.HParamInfo(name="budget", type=api.DATA_TYPE_FLOAT64,
                                        domain_interval=api.Interval(
                                            min_value=float(study.fidelity.low),
                                            max_value=float(study.fidelity.high))))
        metrics = [api.MetricInfo(name=api.MetricName(tag="objective"))]
        experiment = api.Experiment(name=study.name, hparam_infos=infos, metric_infos=metrics,
                                    time_created_secs=study.record.created_at)
        return self._plugin_summary(meta.EXPERIMENT_TAG, experiment=experiment)

    def on_trial_complete(self, study: Study, trial: FrozenTrial) -> None:
        meta, api, plugin, summary, _ = _protos()
        if not self._experiment_written:
            self._write(self.log_dir, [self._event(0, self._experiment(study))])
            self._experiment_written = True
        start = plugin.SessionStartInfo(group_name=f"trial-{trial.number:05d}",
                                     start_time_secs=trial.started_at or time.time())
        for name, value in trial.params.items():
            p = study.space[name]
            if isinstance(p, (Float, Int)):
                start.hparams[name].number_value = float(value)
            else:
                start.hparams[name].string_value = str(value)
        budget = trial.budget if trial.budget is not None else (
            study.fidelity.high if study.fidelity is not None else None)
        if budget is not None:
            start.hparams["budget"].number_value = float(budget)
        events = [self._event(0, self._plugin_summary(meta.SESSION_START_INFO_TAG,
                                                      session_start_info=start))]
        steps, indexed = integer_steps(trial.reports)  # fractional steps would collapse to 0
        for r, step in zip(trial.reports, steps):
            events.append(self._event(step, _scalar(summary, "curve", r.values[0])))
            if indexed:
                events.append(self._event(step, _scalar(summary, STEP_METRIC, r.step)))
        last = steps[-1] if steps else 0
        if budget is not None:
            events.append(self._event(last, _scalar(summary, "budget", budget)))
        if trial.values is not None:
            events.append(self._event(last, _scalar(summary, "objective", trial.values[0])))
        status = {TrialState.COMPLETE: api.STATUS_SUCCESS, TrialState.PRUNED: api.STATUS_SUCCESS,  # stopped early, with a value
                  TrialState.FAILED: api.STATUS_FAILURE}.get(trial.state, api.STATUS_UNKNOWN)
        end = plugin.SessionEndInfo(status=status, end_time_secs=trial.completed_at or time.time())
        events.append(self._event(last, self._plugin_summary(
            meta.SESSION_END_INFO_TAG, session_end_info=end)))
        self._write(self.log_dir / f"trial-{trial.number:05d}", events)


def _scalar(summary: Any, tag: str, value: float) -> Any:
    return summary.Summary(value=[summary.Summary.Value(tag=tag, simple_value=float(value))])
