"""LightGBM: report each boosting round's validation metric and stop when the scheduler says so.

Needs ``pip install "tiaocan[lightgbm]"``.

>>> # booster = lgb.train(params, dtrain, num_boost_round=trial.budget, valid_sets=[dvalid],
>>> #                     callbacks=[LightGBMCallback(trial, "binary_logloss")])
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import Trial

_lgb: Any = require("lightgbm", "lightgbm", "tiaocan.integration.lightgbm")

__all__ = ["LightGBMCallback"]


class LightGBMCallback:
    """Reports the metric after each round as ``trial.report(value, step=round + 1)``; when
    ``trial.should_stop()``, it raises LightGBM's own early-stopping signal, so ``lgb.train``
    returns the booster trained so far (the trial is then stored as pruned).

    Args:
        trial: the running trial.
        metric: the metric name (``"binary_logloss"``, ``"l2"``, ``"auc"``); default: the
            last validation set's first metric.
        valid_name: which validation set (default: the last one given to ``valid_sets``).
    """

    order = 30  # after LightGBM's own logging and early-stopping callbacks
    before_iteration = False

    def __init__(self, trial: Trial, metric: str | None = None, valid_name: str | None = None) -> None:
        self.trial = trial
        self.metric = metric
        self.valid_name = valid_name
        self.stopped_at: int | None = None  # the round after which the scheduler stopped it

    def __call__(self, env: Any) -> None:
        value = self._latest(env.evaluation_result_list or [])
        step = env.iteration - env.begin_iteration + 1
        self.trial.report(value, step=step)
        if self.trial.should_stop():
            self.stopped_at = step
            raise _lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    def _latest(self, results: list[tuple[Any, ...]]) -> float:
        # Each entry: (valid name, metric, value, higher is better[, std in lgb.cv]).
        candidates = [r for r in results if r[0] != "training" or self.valid_name == "training"]
        if not candidates:
            raise ConfigError("LightGBMCallback needs a validation set: pass valid_sets=[dvalid]")
        name = self.valid_name if self.valid_name is not None else candidates[-1][0]
        for entry in candidates:
            if entry[0] == name and (self.metric is None or entry[1] == self.metric):
                return float(entry[2])
        available = [f"{r[0]}:{r[1]}" for r in results]
        raise ConfigError(f"metric {self.metric!r} of valid set {name!r} is not evaluated; "
                          f"available (valid set:metric): {available}")
