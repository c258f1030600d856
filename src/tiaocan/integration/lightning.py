"""PyTorch Lightning: report each validation epoch, stop when the scheduler says so, resume.

:class:`LightningCallback` reports the monitored metric after each validation epoch, sets
``trainer.should_stop`` when ``trial.should_stop()``, and at the end of training stores the
trainer's state (model, optimizers, schedulers, loops) as the trial's checkpoint; a promoted or
paused trial resumes from it with ``ckpt_path=callback.ckpt_path``. Needs
``pip install "tiaocan[lightning]"``.

>>> # def objective(trial):
>>> #     callback = LightningCallback(trial, monitor="val_loss")
>>> #     trainer = L.Trainer(max_epochs=trial.budget, callbacks=[callback])
>>> #     trainer.fit(model, train_loader, val_loader, ckpt_path=callback.ckpt_path)
>>> #     return trainer.callback_metrics["val_loss"].item()
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.trial import Trial

_L: Any = require("lightning.pytorch", "lightning", "tiaocan.integration.lightning")

import torch  # noqa: E402 - Lightning brings it

__all__ = ["LightningCallback"]


class LightningCallback(_L.Callback):  # type: ignore[misc]
    """Connect a Lightning ``Trainer`` to a running trial.

    Args:
        trial: the running trial.
        monitor: the logged metric to report (``self.log("val_loss", ...)`` in the module).
        save_checkpoint: store the trainer's state as the trial's checkpoint when training ends,
            so promotions and paused trials resume instead of starting over.
    """

    def __init__(self, trial: Trial, monitor: str = "val_loss", save_checkpoint: bool = True) -> None:
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        self.save_checkpoint = save_checkpoint
        self.stopped_at: int | None = None  # the epoch after which the scheduler stopped it
        self._folder: str | None = None

    @property
    def ckpt_path(self) -> str | None:
        """A Lightning checkpoint file of the trial's latest tiaocan checkpoint, for
        ``trainer.fit(..., ckpt_path=callback.ckpt_path)``; None on a first run."""
        state = self.trial.load_checkpoint()
        if state is None:
            return None
        if not isinstance(state, Mapping) or "state_dict" not in state:
            found = sorted(map(str, state))[:10] if isinstance(state, Mapping) else type(state).__name__
            raise ConfigError("the trial's checkpoint was not written by LightningCallback (it has "
                              f"no 'state_dict'); found: {found}")
        self._folder = self._folder or tempfile.mkdtemp(prefix="tiaocan-lightning-")
        path = Path(self._folder) / "resume.ckpt"
        torch.save(dict(state), path)
        return str(path)

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        if self.monitor not in metrics:
            raise ConfigError(f"monitor {self.monitor!r} is not logged; logged metrics: "
                              f"{sorted(metrics)} (log it with self.log({self.monitor!r}, value))")
        epoch = trainer.current_epoch + 1
        self.trial.report(float(metrics[self.monitor]), step=epoch)
        if self.trial.should_stop():
            self.stopped_at = epoch
            trainer.should_stop = True

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if not self.save_checkpoint or not trainer.is_global_zero:
            return
        folder = self._folder or tempfile.mkdtemp(prefix="tiaocan-lightning-")
        self._folder = folder
        path = Path(folder) / "end.ckpt"
        trainer.save_checkpoint(path)
        # Our own file, just written: read it in full, keep what a weights-only load accepts.
        self.trial.save_checkpoint(_plain(torch.load(path, weights_only=False)))

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _plain(obj: Any, depth: int = 0) -> Any:
    """Tensors, numbers, strings and containers of them (tiaocan checkpoints are loaded with
    ``weights_only=True``); anything else (hyperparameter objects, callables) is dropped."""
    if depth > 50:
        return None
    if isinstance(obj, torch.Tensor) or obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Mapping):
        out = {k: _plain(v, depth + 1) for k, v in obj.items() if isinstance(k, (str, int))}
        return {k: v for k, v in out.items() if v is not None or obj[k] is None}
    if isinstance(obj, (list, tuple)):
        items = [_plain(v, depth + 1) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    return None
