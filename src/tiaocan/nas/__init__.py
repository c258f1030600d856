"""Architecture search: architectures as ordinary spaces, ``build(params)`` to a plain
PyTorch model, export, hardware measurement, and NAS samplers.

Importing :mod:`tiaocan.nas` is light; torch is imported by the functions that need it
(``pip install "tiaocan[nas]"``).

>>> import tiaocan as tc
>>> space = tc.nas.cell_space(n_nodes=4)
>>> len(space)
6
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DEFAULT_OPS", "OPS", "build", "build_macro", "cell_space", "count_flops", "count_params",
    "export", "genotype", "measure_latency",
    "is_parametric", "load", "macro_space", "measure", "parse_genotype", "record", "register_op",
    # weight sharing and scaling
    "DARTS", "Supernet", "darts_search", "oneshot_search", "ranking_quality",
]

# name -> submodule; resolved on first use so `import tiaocan` never imports torch.
_LAZY = {
    "DEFAULT_OPS": "cell", "build": "cell", "cell_space": "cell", "genotype": "cell",
    "parse_genotype": "cell",
    "OPS": "ops", "is_parametric": "ops", "register_op": "ops",
    "macro_space": "macro", "build_macro": "macro",
    "export": "export", "load": "export",
    "measure": "hardware", "record": "hardware", "count_params": "hardware",
    "count_flops": "hardware", "measure_latency": "hardware",
    "DARTS": "darts", "darts_search": "darts", "Supernet": "supernet",
    "oneshot_search": "supernet", "ranking_quality": "ranking",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tiaocan.nas' has no attribute {name!r}")
    _require_torch_for(module)
    value = getattr(importlib.import_module(f"tiaocan.nas.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _require_torch_for(module: str) -> None:
    if module in ("export", "hardware"):
        from tiaocan.errors import require

        require("torch", "nas", f"tiaocan.nas.{module}")
