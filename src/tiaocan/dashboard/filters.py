"""The trial table's filter box: numeric comparisons (``lr>0.01, value<=0.3``) plus text.

A query is a list of comparisons ``NAME OP NUMBER`` (``OP`` one of ``< <= > >= = == !=``)
separated by commas, spaces or ``and``; all must hold. ``NAME`` is a parameter, ``number``,
``value`` (the first objective), ``value_<i>`` or a metric name, ``budget`` or ``duration``.
Whatever is not a comparison is matched as text against the trial's number, state,
``name=value`` pairs and note, so ``opt=adam`` and a word of a note still find trials.

>>> f = parse("lr>0.01, value<=0.3 adam", ["lr", "opt"], ["loss"])
>>> [(c.name, c.op, c.number) for c in f.comparisons], f.text
([('lr', '>', 0.01), ('value', '<=', 0.3)], 'adam')
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.trial import FrozenTrial

__all__ = ["Comparison", "Filter", "parse"]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARISON = re.compile(rf"([^\s<>=!,]+)\s*(<=|>=|!=|==|<|>|=)\s*({_NUMBER})(?![\w.])")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "!=": lambda a, b: not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12),
    "=": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)}
_OPS["=="] = _OPS["="]
_FIXED = ("number", "value", "budget", "duration")


@dataclass(frozen=True)
class Comparison:
    name: str
    op: str
    number: float
    read: Callable[[FrozenTrial], Any]

    def holds(self, trial: FrozenTrial) -> bool:
        v = self.read(trial)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
            return False  # inactive parameter, unfinished trial, categorical value
        return _OPS[self.op](float(v), self.number)


@dataclass(frozen=True)
class Filter:
    comparisons: tuple[Comparison, ...]
    text: str

    def holds(self, trial: FrozenTrial, haystack: str | Callable[[FrozenTrial], str]) -> bool:
        """Every comparison holds and the text is in the haystack (a string, or a function
        of the trial called only when there is text to look for)."""
        if not all(c.holds(trial) for c in self.comparisons):
            return False
        if not self.text:
            return True
        return self.text in (haystack(trial) if callable(haystack) else haystack)


def _value(i: int) -> Callable[[FrozenTrial], Any]:
    return lambda t: t.values[i] if t.values is not None and len(t.values) > i else None


def _reader(name: str, params: Sequence[str], metrics: Sequence[str]) -> Callable[[FrozenTrial], Any]:
    if name in params:
        return lambda t: t.params.get(name)
    if name in metrics:
        return _value(list(metrics).index(name))
    if name == "value":
        return _value(0)
    if name == "number":
        return lambda t: t.number
    if name == "budget":
        return lambda t: t.budget
    if name == "duration":
        return lambda t: t.duration
    match = re.fullmatch(r"value_?(\d+)", name)
    if match and int(match.group(1)) < max(1, len(metrics)):
        return _value(int(match.group(1)))
    accepted = [*params, *_FIXED, *metrics]
    raise ConfigError(f"filter: a comparison names a parameter, a metric or one of "
                      f"{list(_FIXED)} (accepted: {accepted}), received {name!r}")


def parse(query: str | None, params: Sequence[str], metrics: Sequence[str] = ()) -> Filter:
    """The filter a query string describes (see the module's docstring)."""
    query = (query or "").strip()
    comparisons = []
    for m in _COMPARISON.finditer(query):
        name, op, number = m.group(1), m.group(2), float(m.group(3))
        if op in ("=", "==") and name not in params and name.lower() not in _FIXED \
                and name not in metrics and not re.fullmatch(r"value_?\d+", name):
            continue  # "kind=3" of an unknown name stays a text match
        comparisons.append(Comparison(name, op, number, _reader(name, params, metrics)))
    rest = _COMPARISON.sub(lambda m: " " if _is_taken(m, comparisons) else m.group(0), query)
    words = [w for w in re.split(r"[\s,;]+", rest) if w and w.lower() != "and"]
    return Filter(tuple(comparisons), " ".join(words).lower())


def _is_taken(m: re.Match[str], comparisons: list[Comparison]) -> bool:
    return any(c.name == m.group(1) and c.op == m.group(2) and c.number == float(m.group(3))
               for c in comparisons)
