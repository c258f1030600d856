"""A short text summary of a study: what matters, by how much, and where it is good."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tiaocan.analysis.fanova import Importance
from tiaocan.analysis.importance import GoodRange, good_ranges, importance

if TYPE_CHECKING:
    from tiaocan.study import Study

__all__ = ["format_summary", "summary"]


def format_summary(imp: Importance, ranges: dict[str, GoodRange], top: float = 0.1) -> str:
    """Lines like ``lr matters most (54%); good range [0.001, 0.01]``.

    >>> from tiaocan.analysis.fanova import Importance
    >>> imp = Importance(("lr", "wd"), {"lr": .54, "wd": .1}, {"lr": 0., "wd": 0.})
    >>> r = {"lr": GoodRange("lr", 1e-3, 1e-2, (), 5), "wd": GoodRange("wd", .01, .1, (), 5)}
    >>> format_summary(imp, r).splitlines()[0]
    'lr matters most (54%); good range [0.001, 0.01]'
    """
    lines = []
    for rank, (name, frac) in enumerate(imp.ranked()):
        verb = "matters most" if rank == 0 else "explains"
        good = ranges.get(name)
        where = f"; good range {good.describe()}" if good is not None else ""
        if good is not None and good.choices:
            where = f"; best with {good.describe()}"
        lines.append(f"{name} {verb} ({frac:.0%}){where}")
    if imp.pairs:
        (a, b), frac = max(imp.pairs.items(), key=lambda kv: kv[1])
        lines.append(f"strongest interaction: {a} × {b} ({frac:.0%})")
    rest = max(0.0, 1 - sum(imp.main.values()) - sum(imp.pairs.values()))
    lines.append(f"({imp.n_trials} trials; good ranges hold the best {top:.0%}; "
                 f"{rest:.0%} of the variance is in interactions not listed)")
    return "\n".join(lines)


def summary(study: Study, *, top: float = 0.1, objective: int = 0, n_trees: int = 64,
            seed: int = 0) -> str:
    """The importance and good range of every parameter of a study, as text.

    >>> import tiaocan as tc
    >>> s = tc.create_study(space=tc.Space(a=tc.Float(0, 1), b=tc.Float(0, 1)),
    ...                     storage=":memory:", seed=0)
    >>> s.optimize(lambda t: 10 * t.params["a"] + t.params["b"], n_trials=40)
    >>> summary(s, n_trees=8).startswith("a matters most")
    True
    """
    imp = importance(study, objective=objective, n_trees=n_trees, seed=seed, pairs=3)
    return format_summary(imp, good_ranges(study, top=top, objective=objective), top)
