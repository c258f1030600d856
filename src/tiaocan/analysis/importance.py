"""Study-level analysis: importance of a study's parameters and their good ranges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tiaocan.analysis.data import final_trials, trial_arrays
from tiaocan.analysis.fanova import Importance, fanova
from tiaocan.errors import ConfigError
from tiaocan.space import Categorical
from tiaocan.trial import FrozenTrial

if TYPE_CHECKING:
    from tiaocan.space import Space
    from tiaocan.study import Study

__all__ = ["GoodRange", "good_ranges", "importance"]


def importance(study: Study, *, objective: int = 0, n_trees: int = 64, seed: int = 0,
               pairs: int = 0) -> Importance:
    """fANOVA importance of each parameter for one objective of a study.

    Uses the complete trials at the largest budget; a maximised objective is negated first.

    >>> import tiaocan as tc
    >>> s = tc.create_study(space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1)),
    ...                     storage=":memory:", seed=0)
    >>> s.optimize(lambda t: 10 * t.params["a"] + t.params["b"], n_trials=40)
    >>> importance(s, n_trees=8).ranked()[0][0]
    'a'
    """
    if not 0 <= objective < len(study.directions):
        raise ConfigError(f"objective must be in [0, {len(study.directions) - 1}], received {objective!r}")
    data = trial_arrays(study.space, final_trials(study), objective,
                        study.directions[objective].sign)
    if len(data.y) < 2:
        raise ConfigError(f"importance needs at least 2 complete trials, study {study.name!r} "
                          f"has {len(data.y)}")
    return fanova(data.x, data.y, data.bounds, data.names, n_trees=n_trees, seed=seed, pairs=pairs)


@dataclass(frozen=True)
class GoodRange:
    """Where a parameter's values lie among the best trials.

    ``low``/``high`` for numbers (None for a categorical); ``choices`` with the count of best
    trials per choice for a categorical; ``n`` best trials in which the parameter was active.
    """

    name: str
    low: Any
    high: Any
    choices: tuple[tuple[Any, int], ...]
    n: int

    def describe(self) -> str:
        if self.n == 0:
            return "inactive in the best trials"
        if self.choices:
            return ", ".join(f"{c!r} ({k})" for c, k in self.choices)
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"


def good_ranges(study: Study | None = None, *, top: float = 0.1, objective: int = 0,
                space: Space | None = None, trials: Sequence[FrozenTrial] | None = None,
                sign: float = 1.0) -> dict[str, GoodRange]:
    """Per parameter, the range (or the choices) holding the best ``top`` fraction of trials.

    >>> import tiaocan as tc
    >>> s = tc.create_study(space=tc.Space(x=tc.Float(0, 10)), storage=":memory:", seed=0)
    >>> s.optimize(lambda t: abs(t.params["x"] - 3), n_trials=50)
    >>> r = good_ranges(s, top=0.1)["x"]; 2 < r.low <= r.high < 4
    True
    """
    if isinstance(top, bool) or not isinstance(top, (int, float)) or not 0 < top <= 1:
        raise ConfigError(f"top must be a fraction in (0, 1], received {top!r}")
    if study is not None:
        space, trials = study.space, final_trials(study)
        sign = study.directions[objective].sign
    if space is None or trials is None:
        raise ConfigError("good_ranges needs a study, or both space= and trials=")
    data = trial_arrays(space, trials, objective, sign)
    k = max(1, int(np.ceil(top * len(data.y))))
    best = [data.trials[i] for i in np.argsort(data.y, kind="stable")[:k]]
    out = {}
    for name in space.names:
        values = [t.params[name] for t in best if name in t.params]
        param = space[name]
        if isinstance(param, Categorical):
            counts = [(c, sum(1 for v in values if v == c)) for c in param.choices]
            choices = tuple(sorted(((c, n) for c, n in counts if n), key=lambda cn: -cn[1]))
            out[name] = GoodRange(name, None, None, choices, len(values))
        else:
            low, high = (min(values), max(values)) if values else (None, None)
            out[name] = GoodRange(name, low, high, (), len(values))
    return out


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)
