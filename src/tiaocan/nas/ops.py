"""The operation registry of architecture spaces: which op an edge of a cell may pick.

An op is a name, a factory ``factory(channels, stride) -> torch.nn.Module`` and whether it
has weights (``parametric``). The built-ins are NAS-Bench-201's five (Dong & Yang, 2020):
``none`` (zero), ``skip_connect``, ``conv_1x1`` and ``conv_3x3`` (ReLU-Conv-BN) and
``avg_pool_3x3``. Every op maps ``(N, C, H, W)`` to ``(N, C, H/stride, W/stride)``.

This module imports neither torch (the built-in factories import it when called) nor any of
tiaocan's study machinery: it ships with the model.

>>> sorted(OPS)
['avg_pool_3x3', 'conv_1x1', 'conv_3x3', 'none', 'skip_connect']
>>> is_parametric("conv_3x3"), is_parametric("skip_connect")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tiaocan.errors import ConfigError

__all__ = ["OPS", "is_parametric", "make_op", "op_names", "register_op"]

OpFactory = Callable[[int, int], Any]

#: name -> factory(channels, stride) -> nn.Module, for every registered op.
OPS: dict[str, OpFactory] = {}
_PARAMETRIC: dict[str, bool] = {}
# Genotype strings use '|', '~' and '+' as separators: op names may not contain them.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def register_op(name: str, factory: OpFactory, *, parametric: bool, replace: bool = False) -> None:
    """Add an op that cells may pick.

    Args:
        name: letters, digits, ``_``, ``.`` or ``-`` (no ``|``, ``~``, ``+``: genotype separators).
        factory: ``factory(channels, stride)`` returns an ``nn.Module`` mapping
            ``(N, C, H, W)`` to ``(N, C, H/stride, W/stride)``.
        parametric: whether the op has trainable weights (DARTS and statistics use it).
        replace: allow redefining an existing name.

    Raises:
        ConfigError: a bad name, a factory that is not callable, or a name already taken.

    >>> import torch.nn as nn
    >>> register_op("max_pool_3x3", lambda c, s: nn.MaxPool2d(3, s, 1), parametric=False)
    >>> "max_pool_3x3" in OPS
    True
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"op name must be letters, digits, '_', '.' or '-' (starting with a "
                          f"letter or '_'), received {name!r}")
    if not callable(factory):
        raise ConfigError(f"op '{name}': factory must be callable as factory(channels, stride), "
                          f"received {factory!r}")
    if not isinstance(parametric, bool):
        raise ConfigError(f"op '{name}': parametric must be True or False, received {parametric!r}")
    if name in OPS and not replace:
        raise ConfigError(f"op '{name}' is already registered; pass replace=True to redefine it")
    OPS[name] = factory
    _PARAMETRIC[name] = parametric


def op_names() -> list[str]:
    """The registered op names, built-ins first."""
    return list(OPS)


def check_op(name: Any, where: str = "op") -> str:
    """``name`` if it is a registered op, else a ConfigError listing the known ones."""
    if not isinstance(name, str) or name not in OPS:
        raise ConfigError(f"{where}: unknown op {name!r}; known ops are {op_names()} "
                          f"(add one with tc.nas.register_op)")
    return name


def is_parametric(name: str) -> bool:
    """Whether the registered op ``name`` has trainable weights."""
    return _PARAMETRIC[check_op(name)]


def make_op(name: str, channels: int, stride: int = 1) -> Any:
    """A fresh module of op ``name`` for ``channels`` channels and ``stride``."""
    return OPS[check_op(name)](channels, stride)


def _zero(channels: int, stride: int) -> Any:
    from tiaocan.nas.layers import Zero

    return Zero(stride)


def _skip(channels: int, stride: int) -> Any:
    from torch import nn

    from tiaocan.nas.layers import FactorizedReduce

    return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels)


def _conv(kernel: int) -> OpFactory:
    def factory(channels: int, stride: int) -> Any:
        from tiaocan.nas.layers import ReLUConvBN

        return ReLUConvBN(channels, channels, kernel, stride)

    return factory


def _avg_pool(channels: int, stride: int) -> Any:
    from torch import nn

    return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)


register_op("none", _zero, parametric=False)
register_op("skip_connect", _skip, parametric=False)
register_op("conv_1x1", _conv(1), parametric=True)
register_op("conv_3x3", _conv(3), parametric=True)
register_op("avg_pool_3x3", _avg_pool, parametric=False)
