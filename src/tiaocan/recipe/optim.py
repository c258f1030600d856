"""Optimizers, the learning-rate schedule and layer freezing.

References:
    Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019 (AdamW; no decay
    on biases and normalisation parameters).
    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017
    (cosine annealing, eq. 5, without restarts).
    Goyal et al., "Accurate, Large Minibatch SGD", 2017 (linear warmup; linear lr scaling).

>>> lr_factor(0, total_steps=100, warmup_steps=10, cosine=True)
0.1
>>> lr_factor(99, total_steps=100, warmup_steps=10, cosine=True)
0.0
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from tiaocan.errors import ConfigError
from tiaocan.recipe.config import OptimizerName, TrainConfig

__all__ = [
    "build_lr_schedule",
    "build_optimizer",
    "freeze_layers",
    "frozen_names",
    "lr_factor",
    "param_groups",
    "unfreeze_all",
]

_NORMS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm)


def _no_decay_names(model: nn.Module) -> set[str]:
    """Biases, normalisation parameters and embeddings' padding-free 1-D tensors."""
    names: set[str] = set()
    for module_name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            full = f"{module_name}.{pname}" if module_name else pname
            if isinstance(module, _NORMS) or pname.endswith("bias") or param.ndim <= 1:
                names.add(full)
    return names


def param_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Two parameter groups: weights with ``weight_decay``, biases and norms without.

    Frozen parameters stay in the groups (so unfreezing later needs no new optimizer); their
    gradient is None, which every torch optimizer skips, weight decay included.
    """
    skip = _no_decay_names(model)
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for name, param in model.named_parameters():
        (no_decay if name in skip else decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay, "name": "decay"},
              {"params": no_decay, "weight_decay": 0.0, "name": "no_decay"}]
    return [g for g in groups if g["params"]]


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer the config names, at its scaled peak learning rate."""
    groups = param_groups(model, cfg.weight_decay)
    lr = cfg.effective_lr
    if cfg.optimizer is OptimizerName.SGD:
        return torch.optim.SGD(groups, lr=lr)
    if cfg.optimizer is OptimizerName.MOMENTUM:
        return torch.optim.SGD(groups, lr=lr, momentum=cfg.momentum)
    if cfg.optimizer is OptimizerName.ADAM:
        return torch.optim.Adam(groups, lr=lr)
    return torch.optim.AdamW(groups, lr=lr)


def lr_factor(step: int, total_steps: int, warmup_steps: int, cosine: bool,
              min_ratio: float = 0.0) -> float:
    """The multiplier of the peak lr at optimizer step ``step`` (0-based).

    Warmup: ``(step + 1) / warmup_steps`` so the first step already moves. Then, with
    ``cosine``, SGDR eq. 5: ``η_min + ½(η_max − η_min)(1 + cos(π·t/T))`` with ``t`` counted
    from the end of warmup and ``T`` the remaining steps; otherwise constant.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if not cosine:
        return 1.0
    span = max(total_steps - warmup_steps - 1, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    return min_ratio + 0.5 * (1.0 - min_ratio) * (1.0 + math.cos(math.pi * progress))


def build_lr_schedule(optimizer: torch.optim.Optimizer, cfg: TrainConfig,
                      steps_per_epoch: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step schedule of warmup then cosine (or constant) for ``cfg.epochs`` epochs."""
    total = max(cfg.epochs * steps_per_epoch, 1)
    warmup = round(cfg.warmup_fraction * total)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, total, warmup, cfg.cosine, cfg.min_lr_ratio))


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's layers in order: its ``layers()`` if it has one, else its direct children."""
    own = getattr(model, "layers", None)
    if callable(own):
        return list(own())
    return list(model.named_children())


def freeze_layers(model: nn.Module, spec: int | tuple[str, ...]) -> list[str]:
    """Turn ``requires_grad`` off for the first ``spec`` layers or the names with these prefixes.

    Returns the names of the parameters frozen.

    >>> m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    >>> freeze_layers(m, 1)
    ['0.weight', '0.bias']
    """
    if isinstance(spec, int):
        layers = _layers(model)
        if spec > len(layers):
            raise ConfigError(f"freeze must be at most the model's {len(layers)} layers, "
                              f"received {spec}")
        chosen = {id(p) for _, layer in layers[:spec] for p in layer.parameters()}
        matches = [(n, p) for n, p in model.named_parameters() if id(p) in chosen]
    else:
        matches = [(n, p) for n, p in model.named_parameters()
                   if any(n.startswith(prefix) for prefix in spec)]
        if spec and not matches:
            names = [n for n, _ in model.named_parameters()]
            raise ConfigError(f"freeze prefixes {list(spec)} match no parameter; the model has "
                              f"{names[:8]}{'…' if len(names) > 8 else ''}")
    for _, param in matches:
        param.requires_grad_(False)
    return [n for n, _ in matches]


def unfreeze_all(model: nn.Module) -> None:
    """Let every parameter train again."""
    for param in model.parameters():
        param.requires_grad_(True)


def frozen_names(model: nn.Module) -> list[str]:
    """Names of the parameters whose ``requires_grad`` is off."""
    return [n for n, p in model.named_parameters() if not p.requires_grad]
