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
from tiaocan._numeric.parzen import default_weights, fit_parzen, stable_orders
from tiaocan.constraints import penalised_losses, violation
from tiaocan.errors import ConfigError, check_int
from tiaocan.samplers._observations import STATE_CODES, Layout, RowCache
from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Space
from tiaocan.trial import TrialState

__all__ = ["TPESampler", "split_below"]

_COMPLETE = STATE_CODES[TrialState.COMPLETE]
# counted as bad: pruned trials, and pending ones (the constant liar)
_PRUNED, _RUNNING = STATE_CODES[TrialState.PRUNED], STATE_CODES[TrialState.RUNNING]


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
        candidate_widening: factor on l(x)'s numerical bandwidths when the candidates are
            drawn (the ratio l/g is scored with the fitted ones); BOHB uses 3 (Falkner et al.
            2018, Algorithm 2), so a model concentrated on one region still proposes around it.

    >>> import tiaocan as tc
    >>> study = tc.create_study(space=tc.Space(x=tc.Float(-3, 3)), sampler=TPESampler(), seed=0)
    >>> study.optimize(lambda t: t.params["x"] ** 2, n_trials=20, show_progress=False)
    >>> abs(study.best_trial.params["x"]) < 1.0
    True
    """

    def __init__(self, n_startup_trials: int = 10, n_ei_candidates: int = 24,
                 multivariate: bool = True, gamma: float = 0.1, max_below: int = 25,
                 prior_weight: float = 1.0, constant_liar: bool = True,
                 bandwidth: str = "neighbour", candidate_widening: float = 1.0) -> None:
        check_int("n_startup_trials", n_startup_trials, 0)
        check_int("n_ei_candidates", n_ei_candidates, 1)
        check_int("max_below", max_below, 1)
        if not 0.0 < gamma < 1.0:
            raise ConfigError(f"gamma must be in (0, 1), received {gamma!r}")
        if bandwidth not in ("neighbour", "scott"):
            raise ConfigError(f"bandwidth must be 'neighbour' or 'scott', received {bandwidth!r}")
        if not prior_weight > 0.0:
            raise ConfigError(f"prior_weight must be > 0, received {prior_weight!r}")
        if isinstance(candidate_widening, bool) or not isinstance(candidate_widening, (int, float)) \
                or not candidate_widening >= 1.0:
            raise ConfigError("candidate_widening must be a number >= 1, received "
                              f"{candidate_widening!r}")
        self.n_startup_trials = n_startup_trials
        self.n_ei_candidates = n_ei_candidates
        self.multivariate = multivariate
        self.gamma = gamma
        self.max_below = max_below
        self.prior_weight = prior_weight
        self.constant_liar = constant_liar
        self.bandwidth = bandwidth
        self.candidate_widening = float(candidate_widening)
        self._cache = RowCache()
        self._orders: dict[tuple[int, ...], np.ndarray] = {}  # per group: sorted trial numbers

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        split = self._split(space, history)
        if split is None:
            return Proposal(space.sample(rng), info={"sampler": "tpe", "phase": "startup"})
        rows, is_below, numbers = split
        unit = self.propose_unit(space, rows, is_below, rng, numbers)
        params = {n: space[n].from_unit(float(unit[i])) for i, n in enumerate(space.names)
                  if not math.isnan(unit[i])}
        return Proposal(space.validate(params),
                        info={"sampler": "tpe", "n_below": int(is_below.sum()),
                              "n_above": int(len(is_below) - is_below.sum())})

    def score_candidates(self, space: Space, history: History, unit: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
        """log l(x)/g(x) of each candidate row of the unit cube (higher is better); random
        scores in the startup phase. In a conditional space: closeness to the proposal."""
        split = self._split(space, history)
        if split is None:
            return rng.random(len(unit))
        if space.is_conditional:
            from tiaocan.samplers.candidates import nearness

            return nearness(space, self.sample(space, history, rng).params, unit)
        rows, is_below, numbers = split
        layout = self._cache.layout(space)
        score = np.zeros(len(unit))
        for group in self._groups(list(range(len(space))), ~np.isnan(rows)):
            low, high, num, cat, k = self._fit_group(layout, rows, is_below, group, numbers)
            cats = np.minimum(np.floor(unit[:, cat] * k), k - 1).astype(int)
            score += low.log_pdf(unit[:, num], cats) - high.log_pdf(unit[:, num], cats)
        return score

    def _split(self, space: Space, history: History
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(rows, is_below, trial numbers) of the observations modelled, None while starting:
        complete trials split by ``gamma``, then the pruned and running ones as bad."""
        table = self._cache.table(space, history.trials, len(history.directions))
        complete = np.flatnonzero(table.states == _COMPLETE)
        if len(complete) < max(self.n_startup_trials, 1):
            return None
        signs = np.array([d.sign for d in history.directions])
        # infeasible trials (tiaocan.constraints) rank after the feasible ones: never "below"
        violations = np.array([violation(history.trials[i]) for i in complete])
        losses = penalised_losses(table.values[complete] * signs, violations)
        below = split_below(losses, self.gamma, self.max_below)
        liar = table.states == _PRUNED
        if self.constant_liar:
            liar |= table.states == _RUNNING
        liars = np.flatnonzero(liar & table.has_params)
        is_below = np.concatenate([below, np.zeros(len(liars), bool)])
        chosen = np.concatenate([complete, liars])
        return table.rows[chosen], is_below, table.numbers[chosen]

    def propose_unit(self, space: Space, rows: np.ndarray, is_below: np.ndarray,
                     rng: np.random.Generator, numbers: np.ndarray | None = None) -> np.ndarray:
        """A point of the unit cube (NaN = inactive) from observation rows and the split.

        ``numbers``, the rows' trial numbers, lets the sort of one proposal speed up the next.
        """
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
                if mask.all():  # no copies when every trial has the group (no conditions)
                    sub_rows, sub_below, sub_numbers = rows, is_below, numbers
                else:
                    sub_rows, sub_below = rows[mask], is_below[mask]
                    sub_numbers = None if numbers is None else numbers[mask]
                unit[group] = self._propose_group(layout, sub_rows, sub_below, group, rng,
                                                  sub_numbers)
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
                       group: list[int], rng: np.random.Generator,
                       numbers: np.ndarray | None) -> np.ndarray:
        low, high, num, cat, k = self._fit_group(layout, rows, is_below, group, numbers)
        cx, cc = low.sample(rng, self.n_ei_candidates, self.candidate_widening)
        score = low.log_pdf(cx, cc) - high.log_pdf(cx, cc)  # log l(x)/g(x)  (Bergstra 2011, eq. 4)
        best = int(np.argmax(score))
        out = np.empty(len(group))
        out[[group.index(i) for i in num]] = cx[best]
        out[[group.index(i) for i in cat]] = (cc[best] + 0.5) / k
        return out

    def _fit_group(self, layout: Layout, rows: np.ndarray, is_below: np.ndarray,
                   group: list[int], numbers: np.ndarray | None) -> tuple[Any, ...]:
        """l(x) and g(x) of one group, its numeric and categorical columns, the categories' sizes."""
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
        x_high, orders = x[~is_below], None
        if numbers is not None and self.bandwidth == "neighbour":
            numbers_high = numbers[~is_below]
            orders = stable_orders(x_high, self._order_hint(tuple(group), numbers_high))
            self._orders[tuple(group)] = numbers_high[orders]
        high = fit_parzen(x_high, cats[~is_below], n_choices, weights=default_weights(n_above),
                          orders=orders, **fit)  # type: ignore[arg-type]
        return low, high, num, cat, k

    def _order_hint(self, group: tuple[int, ...], numbers: np.ndarray) -> np.ndarray | None:
        """The last sorted order of this group's "above" trials, as indices into ``numbers``:
        trials gone are dropped, new ones appended (the sort then has little to do)."""
        last = self._orders.get(group)
        if last is None or not len(numbers) or not last.size:
            return None
        index_of = np.full(max(int(numbers.max()), int(last.max())) + 1, -1, dtype=np.intp)
        index_of[numbers] = np.arange(len(numbers))
        guess = index_of[last]
        kept = guess >= 0
        if kept.sum() % len(last):
            return None
        guess = guess[kept].reshape(len(last), -1)
        missing = np.ones(len(numbers), bool)
        missing[guess[0]] = False
        tail = np.broadcast_to(np.flatnonzero(missing), (len(last), int(missing.sum())))
        return np.concatenate([guess, tail], axis=1)


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

