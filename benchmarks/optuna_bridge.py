"""Drive Optuna on a tiaocan space: the same search space for the peer, conditions included."""

from __future__ import annotations

from typing import Any

import tiaocan as tc


def suggest(trial: Any, space: tc.Space) -> dict[str, Any]:
    """Sample ``space`` through Optuna's define-by-run API (inactive parameters are skipped)."""
    params: dict[str, Any] = {}
    for name in space.names:
        if not space.is_active(name, params):
            continue
        p = space[name]
        if isinstance(p, tc.Categorical):
            params[name] = trial.suggest_categorical(name, list(p.choices))
        elif isinstance(p, tc.Int):
            params[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        else:
            params[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
    return params
