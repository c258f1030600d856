"""Every knob of the tuning guide as one frozen record: :class:`TrainConfig`.

The guide sorts knobs into optimisation (optimizer, learning rate, batch size, epochs,
accumulation, warmup, cosine annealing), regularisation (weight decay, label smoothing,
dropout, early stopping) and transfer (freezing). ``TrainConfig.from_params`` reads them
from a trial's parameters, so a search space and the loop share the same names.

>>> cfg = TrainConfig(optimizer="adam", lr=1e-3, batch_size=64, lr_scaling="linear")
>>> cfg.effective_lr   # linear rule: lr × effective batch / base batch (32)
0.002
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from tiaocan.errors import ConfigError, check_int

__all__ = ["LRScaling", "OptimizerName", "TrainConfig"]


class OptimizerName(enum.Enum):
    """The guide's optimizers: plain SGD, SGD with momentum, Adam, and AdamW."""

    SGD = "sgd"
    MOMENTUM = "momentum"
    ADAM = "adam"
    ADAMW = "adamw"


class LRScaling(enum.Enum):
    """How the learning rate follows the batch size ("batch size and lr move together").

    LINEAR is Goyal et al. 2017 (lr ∝ batch); SQRT is Krizhevsky 2014 / Hoffer et al. 2017
    (lr ∝ √batch), which suits adaptive optimizers better.
    """

    NONE = "none"
    LINEAR = "linear"
    SQRT = "sqrt"


def _enum(kind: type[enum.Enum], name: str, value: Any) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).lower())
    except ValueError:
        raise ConfigError(f"{name} must be one of {[m.value for m in kind]}, "
                          f"received {value!r}") from None


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe's hyperparameters.

    Args:
        optimizer: ``"sgd"``, ``"momentum"`` (SGD + momentum), ``"adam"`` or ``"adamw"``.
        lr: learning rate at ``base_batch_size`` (before the scaling rule).
        momentum: used by ``"momentum"`` only.
        batch_size: samples per forward pass.
        accumulation_steps: forward passes per optimizer step (effective batch =
            ``batch_size × accumulation_steps``).
        lr_scaling: ``"none"``, ``"linear"`` or ``"sqrt"``: scale ``lr`` by the effective batch
            relative to ``base_batch_size``.
        base_batch_size: the batch size ``lr`` is meant for.
        epochs: passes over the training data.
        weight_decay: decoupled (AdamW) or L2 (others) penalty, never on biases or norms.
        label_smoothing: ε of the smoothed targets ``(1-ε)·onehot + ε/K``.
        warmup_fraction: share of all optimizer steps spent ramping the lr linearly from 0.
        cosine: anneal the lr along a half cosine after warmup, per step.
        min_lr_ratio: the cosine's floor as a fraction of the peak lr.
        freeze: first N top-level layers (an int) or parameter-name prefixes (a tuple) whose
            ``requires_grad`` is off at the start.
        unfreeze_epoch: epoch (1-based) at whose start frozen layers train again (None: never).
        patience: stop after this many epochs without a better validation score (None: never).
        max_grad_norm: clip the gradient norm (None: no clipping).
        seed: seeds initialisation-independent randomness: shuffling, dropout.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``…
    """

    optimizer: OptimizerName | str = OptimizerName.ADAM
    lr: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 32
    accumulation_steps: int = 1
    lr_scaling: LRScaling | str = LRScaling.NONE
    base_batch_size: int = 32
    epochs: int = 5
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    warmup_fraction: float = 0.0
    cosine: bool = False
    min_lr_ratio: float = 0.0
    freeze: int | tuple[str, ...] = 0
    unfreeze_epoch: int | None = None
    patience: int | None = None
    max_grad_norm: float | None = None
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "optimizer", _enum(OptimizerName, "optimizer", self.optimizer))
        object.__setattr__(self, "lr_scaling", _enum(LRScaling, "lr_scaling", self.lr_scaling))
        if isinstance(self.freeze, (list, str)):
            prefixes = (self.freeze,) if isinstance(self.freeze, str) else tuple(self.freeze)
            object.__setattr__(self, "freeze", prefixes)
        self._check()

    def _check(self) -> None:
        _positive("lr", self.lr)
        for name in ("batch_size", "accumulation_steps", "base_batch_size", "epochs"):
            _positive_int(name, getattr(self, name))
        _in_range("momentum", self.momentum, 0.0, 1.0, high_open=True)
        _in_range("weight_decay", self.weight_decay, 0.0, math.inf)
        _in_range("label_smoothing", self.label_smoothing, 0.0, 1.0, high_open=True)
        _in_range("warmup_fraction", self.warmup_fraction, 0.0, 1.0)
        _in_range("min_lr_ratio", self.min_lr_ratio, 0.0, 1.0)
        if not (isinstance(self.freeze, tuple) or (isinstance(self.freeze, int)
                                                    and not isinstance(self.freeze, bool)
                                                    and self.freeze >= 0)):
            raise ConfigError(f"freeze must be a non-negative int (first N layers) or a tuple of "
                              f"parameter-name prefixes, received {self.freeze!r}")
        for name in ("unfreeze_epoch", "patience"):
            if getattr(self, name) is not None:
                _positive_int(name, getattr(self, name))
        if self.max_grad_norm is not None:
            _positive("max_grad_norm", self.max_grad_norm)

    @property
    def effective_batch_size(self) -> int:
        """Samples per optimizer step: ``batch_size × accumulation_steps``."""
        return self.batch_size * self.accumulation_steps

    @property
    def effective_lr(self) -> float:
        """The peak learning rate after the batch-size scaling rule."""
        ratio = self.effective_batch_size / self.base_batch_size
        if self.lr_scaling is LRScaling.LINEAR:
            return self.lr * ratio
        if self.lr_scaling is LRScaling.SQRT:
            return self.lr * math.sqrt(ratio)
        return self.lr

    @classmethod
    def from_params(cls, params: Mapping[str, Any], **overrides: Any) -> TrainConfig:
        """Build a config from a trial's parameters; unknown names (model knobs) are ignored.

        Keyword ``overrides`` win over ``params`` (e.g. ``seed=trial.seed``).

        >>> TrainConfig.from_params({"optimizer": "sgd", "lr": 0.05, "hidden": 64}).lr
        0.05
        """
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in params.items() if k in known}
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> TrainConfig:
        """A copy with some knobs changed."""
        return replace(self, **changes)


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive finite number, received {value!r}")


def _positive_int(name: str, value: Any) -> None:
    check_int(name, value, 1)


def _in_range(name: str, value: Any, low: float, high: float, high_open: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, (int, float))
          and low <= value and (value < high if high_open else value <= high))
    if not ok:
        bracket = ")" if high_open else "]"
        raise ConfigError(f"{name} must be in [{low}, {high}{bracket}, received {value!r}")
