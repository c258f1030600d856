"""Hugging Face ``Trainer``: report each evaluation and stop when the scheduler says so.

Needs ``pip install "tiaocan[huggingface]"``.

>>> # trainer = Trainer(model, args, train_dataset=train, eval_dataset=valid,
>>> #                   callbacks=[HuggingFaceCallback(trial, metric="eval_loss")])
>>> # trainer.train(); return trainer.evaluate()["eval_loss"]
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import Trial

_transformers: Any = require("transformers", "huggingface", "tiaocan.integration.huggingface")

__all__ = ["HuggingFaceCallback"]


class HuggingFaceCallback(_transformers.TrainerCallback):  # type: ignore[misc]
    """Reports ``metrics[metric]`` after each evaluation of a ``Trainer``; when
    ``trial.should_stop()``, sets ``control.should_training_stop`` (the trial is then stored as
    pruned).

    Args:
        trial: the running trial.
        metric: the evaluation metric (``"eval_loss"``, or ``"eval_accuracy"`` from your
            ``compute_metrics``); a name without the ``eval_`` prefix gets it.
        step: the curve's step: ``"epoch"`` (fractional epochs, the budget of an epoch
            fidelity) or ``"global_step"`` (optimizer steps).
    """

    def __init__(self, trial: Trial, metric: str = "eval_loss", step: str = "epoch") -> None:
        if step not in ("epoch", "global_step"):
            raise ConfigError(f"step must be 'epoch' or 'global_step', received {step!r}")
        self.trial = trial
        self.metric = metric if metric.startswith("eval_") else f"eval_{metric}"
        self.step = step
        self.stopped_at: float | None = None  # the step after which the scheduler stopped it

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None,
                    **kwargs: Any) -> Any:
        metrics = metrics or {}
        if self.metric not in metrics:
            raise ConfigError(f"metric {self.metric!r} is not evaluated; evaluated: {sorted(metrics)}")
        step = state.global_step if self.step == "global_step" else round(float(state.epoch or 0), 6)
        self.trial.report(float(metrics[self.metric]), step=step)
        if self.trial.should_stop():
            self.stopped_at = step
            control.should_training_stop = True
        return control
