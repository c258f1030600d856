"""Search over a finite list of configurations, each tried at most once.

For a tabular benchmark (the configurations whose learning curves were recorded), a
shortlist of architectures or pretrained checkpoints, or configurations exported from an
earlier study: the search may only pick from the list, and a configuration is never trained
twice as a new trial, which a continuous sampler cannot promise once its proposals are mapped
onto the list (its model keeps pointing into the same configuration's neighbourhood).

The inner sampler *ranks* the candidates not yet taken when it can (``score_candidates``:
TPE's log l(x)/g(x), the GP's LogEI, the budget GP's LogEI at its acquisition budget, random
scores for random search); any other sampler proposes as usual and the nearest candidate not
yet taken, in the unit cube, is used. This is Syne Tune's ``restrict_configurations`` with
``allow_duplicates=False``.

>>> import tiaocan as tc
>>> configs = [{"x": x} for x in (0.1, 0.5, 0.9, 0.3)]
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         sampler=CandidateSampler(configs))
>>> study.optimize(lambda t: (t.params["x"] - 0.35) ** 2, n_trials=10, show_progress=False)
>>> sorted(t.params["x"] for t in study.trials), study.best_params
([0.1, 0.3, 0.5, 0.9], {'x': 0.3})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, GridExhaustedError
from tiaocan.samplers.base import History, Proposal, describe, rebuild
from tiaocan.space import Space

__all__ = ["CandidateSampler", "candidate_scores", "nearness"]

_KEY = "candidate:"


class CandidateSampler:
    """Propose only configurations from ``configs``, each handed out once.

    Each proposal carries the uniqueness key ``candidate:<index>``; the storage refuses a
    key that is taken, so two workers never start the same candidate. When every candidate
    has been handed out, :class:`~tiaocan.errors.GridExhaustedError` says so and
    ``optimize`` stops. Promotions and resumptions of a multi-fidelity scheduler continue
    their trial and take nothing from the list.

    Args:
        configs: the configurations, each a complete point of the study's space.
        sampler: ranks the candidates (a sampler or its name; see the module docstring).
            None: the study's default — the scheduler's own sampler (BOHB's TPE, MOBSTER's
            budget GP, …) or ``"auto"``.
    """

    def __init__(self, configs: Sequence[Mapping[str, Any]], sampler: Any = None) -> None:
        if isinstance(configs, (str, bytes, Mapping)) or not isinstance(configs, Sequence) \
                or not configs:
            raise ConfigError("configs must be a non-empty list of configurations (dicts), "
                              f"received {configs!r:.200}")
        bad = [i for i, c in enumerate(configs) if not isinstance(c, Mapping)]
        if bad:
            raise ConfigError(f"configs must be a list of dicts; configs[{bad[0]}] is "
                              f"{configs[bad[0]]!r:.200}")
        if isinstance(sampler, Mapping) and "class" in sampler:
            sampler = rebuild(sampler)  # a stored description (load_study)
        elif isinstance(sampler, str):
            from tiaocan.samplers import get_sampler

            sampler = get_sampler(sampler)
        if sampler is not None and not callable(getattr(sampler, "sample", None)):
            raise ConfigError(f"sampler must be None or have a sample(space, history, rng) "
                              f"method, received {sampler!r}")
        self.configs = [dict(c) for c in configs]
        self.inner = sampler
        self.sampler = describe(sampler) if sampler is not None else None
        self._units: tuple[Any, np.ndarray] | None = None

    def with_default(self, sampler: Any) -> CandidateSampler:
        """This list ranked by ``sampler`` when none was named (used by ``create_study``)."""
        return self if self.inner is not None else CandidateSampler(self.configs, sampler)

    def units(self, space: Space) -> np.ndarray:
        """The candidates in the space's unit cube (NaN: inactive), checked against the space."""
        key = repr(space.to_json())
        if self._units is None or self._units[0] != key:
            rows = []
            for i, config in enumerate(self.configs):
                try:
                    rows.append(space.encode(space.validate(config)))
                except ConfigError as exc:
                    raise ConfigError(f"CandidateSampler configs[{i}] is not a point of the "
                                      f"space: {exc}") from None
            self._units = (key, np.array(rows, dtype=float))
        return self._units[1]

    def check_space(self, space: Space) -> None:
        """Raise :class:`ConfigError` if a candidate is not a point of ``space``."""
        self.units(space)

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        units = self.units(space)
        taken = {t.key for t in history.trials if t.key and t.key.startswith(_KEY)}
        free = np.array([i for i in range(len(units)) if f"{_KEY}{i}" not in taken], dtype=int)
        if not free.size:
            raise GridExhaustedError(f"all {len(units)} candidates have been handed out")
        inner = self.inner
        if inner is None:
            from tiaocan.samplers.random import RandomSampler

            inner = RandomSampler()
        scores = candidate_scores(inner, space, history, units[free], rng)
        pick = int(free[int(np.argmax(scores))])
        return Proposal(self.configs[pick], key=f"{_KEY}{pick}",
                        info={"sampler": "candidates", "candidate": pick, "left": int(free.size) - 1,
                              "ranked_by": type(inner).__name__})


def candidate_scores(sampler: Any, space: Space, history: History, unit: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """Scores of candidate rows (higher is better) by ``sampler``: its own
    ``score_candidates`` when it has one, else closeness to the configuration it proposes."""
    score = getattr(sampler, "score_candidates", None)
    if callable(score):
        return np.asarray(score(space, history, unit, rng), dtype=float)
    raw = sampler.sample(space, history, rng)
    return nearness(space, raw.params if isinstance(raw, Proposal) else raw, unit)


def nearness(space: Space, params: Mapping[str, Any], unit: np.ndarray) -> np.ndarray:
    """Minus the squared unit-cube distance of each row to ``params`` (inactive: the middle)."""
    point = np.nan_to_num(space.encode(params), nan=0.5)
    return -((np.nan_to_num(unit, nan=0.5) - point) ** 2).sum(axis=1)
