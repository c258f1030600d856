"""Fidelities: the resource a multi-fidelity study spends (epochs, data fraction, model size)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tiaocan.errors import ConfigError

__all__ = ["Fidelity"]


@dataclass(frozen=True)
class Fidelity:
    """The budget axis of a multi-fidelity study.

    Args:
        name: what the budget counts, e.g. ``"epoch"``, ``"data_fraction"``, ``"width"``.
        low: the smallest budget a trial is run at.
        high: the full budget.

    >>> Fidelity("epoch", low=1, high=81).is_integer
    True
    """

    name: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"Fidelity name must be a non-empty string, received {self.name!r}")
        for label, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ConfigError(f"Fidelity {label} must be a finite number, received {v!r}")
        if not 0 < self.low < self.high:
            raise ConfigError(
                f"Fidelity needs 0 < low < high, received low={self.low!r}, high={self.high!r}"
            )

    @property
    def is_integer(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)

    def clip(self, budget: float) -> Any:
        """A budget inside ``[low, high]``, an int for integer fidelities."""
        b = min(max(budget, self.low), self.high)
        return int(round(b)) if self.is_integer else float(b)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "low": self.low, "high": self.high}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fidelity:
        if not isinstance(data, dict) or not {"name", "low", "high"} <= set(data):
            raise ConfigError(f"a stored fidelity must be {{name, low, high}}, received {data!r:.100}")
        try:
            return cls(data["name"], data["low"], data["high"])
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConfigError(f"a stored fidelity is malformed ({exc}): {data!r:.100}") from None
