"""Tree-structured Parzen Estimator (TPE).

References:
    Bergstra, Bardenet, Bengio, Kégl (2011). Algorithms for Hyper-Parameter Optimization. NeurIPS.
    Falkner, Klein, Hutter (2018). BOHB: Robust and Efficient Hyperparameter Optimization at
    Scale. ICML (multivariate kernels).
    Watanabe (2023). Tree-Structured Parzen Estimator: Understanding Its Algorithm Components
    and Their Roles for Better Empirical Performance. arXiv:2304.11127.

The complete trials are split into the best ``gamma`` fraction ("below") and the rest;
a Parzen estimator l(x) is fitted to the first, g(x) to the second, and the candidate drawn
from l with the largest l(x)/g(x) — the expected-improvement maximiser (Bergstra 2011, eq. 4).
Parameters that are active together form a group modelled jointly; groups are proposed in
condition order, so a conditional space is handled as a tree. Trials still running are
counted as bad ("constant liar"), so parallel workers spread out; pruned trials too.
The sampler is a pure function of the History it is given (BOHB passes one budget's trials).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tiaocan._numeric.pareto import non_dominated_ranks
from tiaocan._numeric.parzen import default_weights, fit_parzen
from tiaocan.errors import ConfigError
from tiaocan.samplers._observations import Layout, RowCache
from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Space
from tiaocan.trial import TrialState

__all__ = ["TPESampler", "split_below"]

_LIARS = (TrialState.PRUNED, TrialState.RUNNING)  # counted as bad: pruned; pending (liar)


class TPESampler:
    """TPE over the space's unit cube; integers, log scales and categories handled natively.

    Args:
        n_startup_trials: complete trials before the model is used (random draws until then).
        n_ei_candidates: candidates drawn from l(x) per group and proposal.
        multivariate: joint kernels over the parameters of a group (else one per parameter).
        gamma: fraction of trials in the "below" set, capped by ``max_below``.
        prior_weight: weight of the prior kernel relative to one observation.
        constant_liar: count running trials of other workers as bad.
        bandwidth: ``"neighbour"`` (gap to the nearest observations, per dimension) or
            ``"scott"`` (one width from the number of observations and dimensions).

    >>> import tiaocan as tc
    >>> study = tc.create_study(space=tc.Space(x=tc.Float(-3, 3)), sampler=TPESampler(), seed=0)
    >>> study.optimize(lambda t: t.params["x"] ** 2, n_trials=20, show_progress=False)
    >>> abs(study.best_trial.params["x"]) < 1.0
    True
    """

    def __init__(self, n_startup_trials: int = 10, n_ei_candidates: int = 24,
                 multivariate: bool = True, gamma: float = 0.1, max_below: int = 25,
                 prior_weight: float = 1.0, constant_liar: bool = True,
                 bandwidth: str = "neighbour") -> None:
        _check_int("n_startup_trials", n_startup_trials, 0)
        _check_int("n_ei_candidates", n_ei_candidates, 1)
        _check_int("max_below", max_below, 1)
        if not 0.0 < gamma < 1.0:
            raise ConfigError(f"gamma must be in (0, 1), received {gamma!r}")
        if bandwidth not in ("neighbour", "scott"):
            raise ConfigError(f"bandwidth must be 'neighbour' or 'scott', received {bandwidth!r}")
        if not prior_weight > 0.0:
            raise ConfigError(f"prior_weight must be > 0, received {prior_weight!r}")
        self.n_startup_trials = n_startup_trials
        self.n_ei_candidates = n_ei_candidates
        self.multivariate = multivariate
        self.gamma = gamma
        self.max_below = max_below
        self.prior_weight = prior_weight
        self.constant_liar = constant_liar
        self.bandwidth = bandwidth
        self._cache = RowCache()

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        complete = history.complete
        if len(complete) < max(self.n_startup_trials, 1):
            return Proposal(space.sample(rng), info={"sampler": "tpe", "phase": "startup"})
        below = split_below(history.losses(complete), self.gamma, self.max_below)
        liar_states = _LIARS if self.constant_liar else _LIARS[:1]
        liars = [t for t in history.trials if t.state in liar_states and t.params]
        trials = list(complete) + liars
        is_below = np.concatenate([below, np.zeros(len(liars), bool)])
        rows = self._cache.rows(space, trials)
        unit = self.propose_unit(space, rows, is_below, rng)
        params = {n: space[n].from_unit(float(unit[i])) for i, n in enumerate(space.names)
                  if not math.isnan(unit[i])}
        return Proposal(space.validate(params),
                        info={"sampler": "tpe", "n_below": int(below.sum()),
                              "n_above": int(len(trials) - below.sum())})

    def propose_unit(self, space: Space, rows: np.ndarray, is_below: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
        """A point of the unit cube (NaN = inactive) from observation rows and the split."""
        layout = self._cache.layout(space)
        names = list(space.names)
        unit = np.full(len(names), np.nan)
        config: dict[str, Any] = {}
        observed = ~np.isnan(rows)
        while True:
            fresh = [i for i, n in enumerate(names) if n not in config and space.is_active(n, config)]
            if not fresh:
                return unit
            for group in self._groups(fresh, observed):
                mask = observed[:, group].all(axis=1)
                unit[group] = self._propose_group(layout, rows[mask], is_below[mask], group, rng)
                for i in group:
                    config[names[i]] = space[names[i]].from_unit(float(unit[i]))

    def _groups(self, fresh: list[int], observed: np.ndarray) -> list[list[int]]:
        if not self.multivariate:
            return [[i] for i in fresh]
        groups: dict[bytes, list[int]] = {}
        for i in fresh:  # parameters active in the same trials are modelled jointly
            groups.setdefault(observed[:, i].tobytes(), []).append(i)
        return list(groups.values())

    def _propose_group(self, layout: Layout, rows: np.ndarray, is_below: np.ndarray,
                       group: list[int], rng: np.random.Generator) -> np.ndarray:
        num = [i for i in group if i in layout.numeric]
        cat = [i for i in group if i in layout.categorical]
        edges = [layout.edges[layout.numeric.index(i)] for i in num]
        n_choices = [layout.n_choices[layout.categorical.index(i)] for i in cat]
        x = rows[:, num]
        k = np.array(n_choices, dtype=float)
        cats = np.minimum(np.floor(rows[:, cat] * k), k - 1).astype(int)
        fit = {"edges": edges, "prior_weight": self.prior_weight, "bandwidth": self.bandwidth}
        n_above = int((~is_below).sum())
        low = fit_parzen(x[is_below], cats[is_below], n_choices, **fit)  # type: ignore[arg-type]
        high = fit_parzen(x[~is_below], cats[~is_below], n_choices,
                          weights=default_weights(n_above), **fit)  # type: ignore[arg-type]
        cx, cc = low.sample(rng, self.n_ei_candidates)
        score = low.log_pdf(cx, cc) - high.log_pdf(cx, cc)  # log l(x)/g(x)  (Bergstra 2011, eq. 4)
        best = int(np.argmax(score))
        out = np.empty(len(group))
        out[[group.index(i) for i in num]] = cx[best]
        out[[group.index(i) for i in cat]] = (cc[best] + 0.5) / k
        return out


def split_below(losses: np.ndarray, gamma: float = 0.1, max_below: int = 25) -> np.ndarray:
    """Boolean mask of the "below" (good) trials: ceil(gamma n), at most ``max_below``.

    Several objectives: by non-dominated rank, ties broken by the sum of rank-normalised losses.

    >>> split_below(np.array([[3.0], [1.0], [2.0]]), gamma=0.5).tolist()
    [False, True, True]
    """
    n = len(losses)
    n_below = min(max(math.ceil(gamma * n), 1), max_below, n)
    if losses.shape[1] == 1:
        order = np.argsort(losses[:, 0], kind="stable")
    else:
        ranks = non_dominated_ranks(losses)
        spread = np.argsort(np.argsort(losses, axis=0, kind="stable"), axis=0).sum(axis=1)
        order = np.lexsort((np.arange(n), spread, ranks))
    mask = np.zeros(n, bool)
    mask[order[:n_below]] = True
    return mask


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, received {value!r}")
