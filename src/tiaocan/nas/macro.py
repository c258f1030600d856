"""A macro space: stages of blocks, each stage with its depth, width and, per layer, kernel
size and expansion ratio (MnasNet / Once-for-All style, Tan et al. 2019, Cai et al. 2020).

Layer k's kernel and expansion are conditional parameters, active only when the stage's
depth is at least k (``when={"stage0_depth": [k, ..., max depth]}``), so a sampler never
spends effort on layers that do not exist and a stored trial holds only what was built.

>>> space = macro_space(n_stages=1, depths=(1, 2), widths=(8, 16))
>>> list(space)
['stage0_depth', 'stage0_width', 'stage0_layer1_kernel', 'stage0_layer1_expansion', 'stage0_layer2_kernel', 'stage0_layer2_expansion']
>>> space["stage0_layer2_kernel"].condition
{'stage0_depth': (2,)}

:func:`build` imports torch and nothing of tiaocan's study machinery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tiaocan.errors import ConfigError, check_int

__all__ = ["build", "build_macro", "macro_space", "stages_of"]

_DEPTH = re.compile(r"^stage(\d+)_depth$")


def _ints(name: str, values: Any, low: int, odd: bool = False) -> tuple[int, ...]:
    ok = (isinstance(values, Sequence) and not isinstance(values, str) and len(values) > 0
          and all(isinstance(v, int) and not isinstance(v, bool) and v >= low
                  and (not odd or v % 2 == 1) for v in values)
          and len(set(values)) == len(values))
    if not ok:
        kind = "odd ints" if odd else "ints"
        raise ConfigError(f"{name} must be a non-empty list of distinct {kind} >= {low}, "
                          f"received {values!r}")
    return tuple(sorted(values))


def macro_space(n_stages: int = 3, depths: Sequence[int] = (1, 2, 3),
                widths: Sequence[int] = (8, 16, 24, 32), kernels: Sequence[int] = (3, 5),
                expansions: Sequence[int] = (1, 3, 6)) -> Any:
    """The space of networks of ``n_stages`` stages (see the module docstring).

    Raises:
        ConfigError: ``n_stages`` < 1, or a value list that is empty, repeated, not positive
            integers, or (kernels) not odd.
    """
    from tiaocan.space import Categorical, Space

    check_int("n_stages", n_stages, 1)
    depths, widths = _ints("depths", depths, 1), _ints("widths", widths, 1)
    kernels, expansions = _ints("kernels", kernels, 1, odd=True), _ints("expansions", expansions, 1)
    params: dict[str, Any] = {}
    for s in range(n_stages):
        params[f"stage{s}_depth"] = Categorical(depths)
        params[f"stage{s}_width"] = Categorical(widths)
        for k in range(1, max(depths) + 1):
            when = None if k <= min(depths) else {f"stage{s}_depth": [d for d in depths if d >= k]}
            params[f"stage{s}_layer{k}_kernel"] = Categorical(kernels, when=when)
            params[f"stage{s}_layer{k}_expansion"] = Categorical(expansions, when=when)
    return Space(params)


def stages_of(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The stages of a configuration: depth, width and (kernel, expansion) per layer.

    Raises:
        ConfigError: no stage, or a missing width/layer parameter.
    """
    n_stages = len([k for k in params if _DEPTH.match(k)])
    if not n_stages:
        raise ConfigError(f"a macro configuration needs stage{{s}}_depth parameters, received "
                          f"keys {sorted(params)}")
    stages = []
    for s in range(n_stages):
        try:
            depth = check_int(f"stage{s}_depth", params[f"stage{s}_depth"], 1)
            layers = [(int(params[f"stage{s}_layer{k}_kernel"]),
                       int(params[f"stage{s}_layer{k}_expansion"])) for k in range(1, depth + 1)]
            stages.append({"depth": depth, "width": int(params[f"stage{s}_width"]), "layers": layers})
        except KeyError as exc:
            raise ConfigError(f"stage {s} of the macro configuration misses {exc}") from None
    return stages


def build(params: Mapping[str, Any], *, stem_channels: int = 8, n_classes: int = 10,
          in_channels: int = 1, strides: Sequence[int] | None = None) -> Any:
    """A ``torch.nn.Module`` for a macro configuration (other keys are ignored).

    Args:
        strides: the first block's stride per stage (default: 1 for the first stage, 2 after).

    >>> import numpy as np
    >>> space = macro_space(n_stages=2)
    >>> model = build(space.sample(np.random.default_rng(0)))
    >>> type(model).__name__
    'MacroNetwork'
    """
    from tiaocan.nas.layers import MacroNetwork

    stages = stages_of(params)
    strides = list(strides) if strides is not None else [1] + [2] * (len(stages) - 1)
    if len(strides) != len(stages) or not all(isinstance(v, int) and v >= 1 for v in strides):
        raise ConfigError(f"strides must list one int >= 1 per stage ({len(stages)}), "
                          f"received {strides!r}")
    for stage, stride in zip(stages, strides):
        stage["stride"] = stride
    options = {"stem_channels": check_int("stem_channels", stem_channels, 1),
               "n_classes": check_int("n_classes", n_classes, 1),
               "in_channels": check_int("in_channels", in_channels, 1), "strides": strides}
    model = MacroNetwork(stages, stem_channels=options["stem_channels"],
                         n_classes=options["n_classes"], in_channels=options["in_channels"])
    used = {f"stage{s}_{key}": params[f"stage{s}_{key}"] for s, st in enumerate(stages)
            for key in ["depth", "width"] + [f"layer{k}_{p}" for k in range(1, st["depth"] + 1)
                                             for p in ("kernel", "expansion")]}
    model.build_spec = {"builder": "macro", "params": used, "options": options}
    return model


build_macro = build
