"""Integrations: one lazily imported module per outside library.

Nothing here is imported by ``import tiaocan``; import the module you need, which imports its
library (and names the extra to install when it is missing):

- ``tiaocan.integration.optuna``: bridges to and from Optuna;
- ``tiaocan.integration.sklearn``: :class:`SearchCV`, a scikit-learn search estimator;
- ``tiaocan.integration.lightning``: a PyTorch Lightning callback;
- ``tiaocan.integration.huggingface``: a Hugging Face ``Trainer`` callback;
- ``tiaocan.integration.xgboost`` and ``tiaocan.integration.lightgbm``: per-iteration callbacks.

The Weights & Biases tracker lives with the other trackers, in ``tiaocan.tracking.wandb``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["huggingface", "lightgbm", "lightning", "optuna", "sklearn", "xgboost"]


def __getattr__(name: str) -> Any:
    """``tiaocan.integration.sklearn`` etc. on first access, so the package itself stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
