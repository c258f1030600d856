"""XGBoost: report each boosting round's validation metric and stop when the scheduler says so.

Needs ``pip install "tiaocan[xgboost]"``.

>>> # booster = xgb.train(params, dtrain, num_boost_round=trial.budget,
>>> #                     evals=[(dvalid, "valid")], callbacks=[XGBoostCallback(trial, "valid-logloss")])
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import Trial

_xgb: Any = require("xgboost", "xgboost", "tiaocan.integration.xgboost")

__all__ = ["XGBoostCallback"]


class XGBoostCallback(_xgb.callback.TrainingCallback):  # type: ignore[misc]
    """Reports ``evals_log`` after each round as ``trial.report(value, step=round + 1)``; when
    ``trial.should_stop()``, training ends (the trial is then stored as pruned).

    Args:
        trial: the running trial.
        observation_key: ``"<eval name>-<metric>"`` as in ``evals`` (``"valid-logloss"``;
            ``"validation_0-rmse"`` with the scikit-learn interface); default: the last eval
            set's last metric, the one XGBoost's own early stopping watches.
    """

    def __init__(self, trial: Trial, observation_key: str | None = None) -> None:
        super().__init__()
        self.trial = trial
        self.observation_key = observation_key
        self.stopped_at: int | None = None  # the round after which the scheduler stopped it

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        value = _latest(evals_log, self.observation_key)
        self.trial.report(value, step=epoch + 1)
        if self.trial.should_stop():
            self.stopped_at = epoch + 1
            return True  # XGBoost's own signal: stop training
        return False


def _latest(evals_log: dict[str, Any], key: str | None) -> float:
    series = {f"{data}-{metric}": values for data, metrics in evals_log.items()
              for metric, values in metrics.items()}
    if not series:
        raise ConfigError("XGBoostCallback needs an evaluation set: pass evals=[(dvalid, 'valid')] "
                          "(or eval_set=[...] with the scikit-learn interface)")
    key = key if key is not None else list(series)[-1]
    if key not in series:
        raise ConfigError(f"observation_key must be one of {list(series)}, received {key!r}")
    last = series[key][-1]
    return float(last[0] if isinstance(last, tuple) else last)  # xgb.cv logs (mean, std)
