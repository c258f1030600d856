"""Samplers for multi-fidelity studies: any sampler, fitted on the trials at one budget.

Reference: Falkner, Klein, Hutter (2018), "BOHB: Robust and Efficient Hyperparameter
Optimization at Scale", ICML (section 4.2): the model is fitted on the observations of the
largest budget that has enough of them (``N_min``), so cheap low-budget results guide the
search early and the full-budget results take over once there are enough; a fraction of
proposals stays random (``rho = 1/3``) to keep the theoretical guarantees of Hyperband.

:class:`BudgetFiltered` hands its inner sampler a History where every trial that reached the
chosen budget appears COMPLETE with its value *at that budget* (read from its learning curve),
running trials stay RUNNING, and every other trial is left out. So BOHB is the composition
``Hyperband`` + ``BudgetFiltered(TPESampler(multivariate=True))``.

>>> import tiaocan as tc
>>> from tiaocan.samplers.tpe import TPESampler
>>> from tiaocan.schedulers.hyperband import Hyperband
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         sampler=BudgetFiltered(TPESampler()), scheduler=Hyperband(),
...                         fidelity=tc.Fidelity("epoch", 1, 9))
>>> def objective(trial):
...     trial.sleep(trial.budget)
...     return (trial.params["x"] - 0.3) ** 2 + 1 / trial.budget
>>> study.optimize(objective, n_trials=34, executor=SimulatedExecutor())
>>> abs(study.best_params["x"] - 0.3) < 0.2
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, check_int
from tiaocan.samplers.base import History, Proposal, describe, rebuild
from tiaocan.samplers.budgets import (
    at_budget,
    check_trust,
    fidelity_trust,
    ladder_trust,
    model_budget,
    near_any,
    rank_agreement,
    trusted_budgets,
    value_at,
)
from tiaocan.space import Space
from tiaocan.trial import TrialState

__all__ = ["BudgetFiltered", "BudgetGP", "at_budget", "fidelity_trust", "ladder_trust", "model_budget", "rank_agreement",
           "trusted_budgets"]

class BudgetFiltered:
    """Wrap a sampler so it sees the trials at one budget (see the module docstring).

    Args:
        sampler: the inner sampler (e.g. ``TPESampler(multivariate=True)``).
        min_points: observations a budget needs to be modelled (default: parameters + 2,
            BOHB's ``N_min + 1`` with ``N_min = d + 1``).
        random_fraction: proposals drawn uniformly at random instead (BOHB's ``rho``).
        lower_as_worse: also show the inner sampler the trials that stopped below the model
            budget, as worse than every trial there (see :func:`at_budget`).
        min_trust: model only budgets whose ranking agrees with the full budget's
            (:func:`fidelity_trust` at least this; None: every budget, as BOHB); with it, the
            trials that stopped at an untrusted budget are left out rather than ranked worse.
    """

    def __init__(self, sampler: Any, min_points: int | None = None,
                 random_fraction: float = 0.0, lower_as_worse: bool = False,
                 min_trust: float | None = None) -> None:
        if isinstance(sampler, Mapping) and "class" in sampler:
            sampler = rebuild(sampler)  # a stored description (load_study)
        if not callable(getattr(sampler, "sample", None)):
            raise ConfigError(f"sampler must have a sample(space, history, rng) method, "
                              f"received {sampler!r}")
        if min_points is not None and (isinstance(min_points, bool) or
                                       not isinstance(min_points, int) or min_points < 1):
            raise ConfigError(f"min_points must be a positive int or None, received {min_points!r}")
        if isinstance(random_fraction, bool) or not isinstance(random_fraction, (int, float)) \
                or not 0 <= random_fraction <= 1:
            raise ConfigError(f"random_fraction must be in [0, 1], received {random_fraction!r}")
        self.inner = sampler
        self.sampler = describe(sampler)  # JSON, so a loaded study rebuilds the composition
        self.min_points = min_points
        self.random_fraction = random_fraction
        self.lower_as_worse = bool(lower_as_worse)
        self.min_trust = check_trust(min_trust)

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        view = self._view(space, history, rng)
        if isinstance(view, str):  # no model: random, as BOHB does
            return Proposal(space.sample(rng), info={"sampler": "random", "phase": view})
        raw = self.inner.sample(space, view[0], rng)
        proposal = raw if isinstance(raw, Proposal) else Proposal(raw)
        info = {**dict(proposal.info), "model_budget": view[1]}
        return Proposal(proposal.params, key=proposal.key, info=info)

    def score_candidates(self, space: Space, history: History, unit: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
        """The inner sampler's scores of candidate rows, on the same view as :meth:`sample`."""
        from tiaocan.samplers.candidates import candidate_scores

        view = self._view(space, history, rng)
        if isinstance(view, str):
            return rng.random(len(unit))
        return candidate_scores(self.inner, space, view[0], unit, rng)

    def _view(self, space: Space, history: History, rng: np.random.Generator
              ) -> tuple[History, float] | str:
        """The history at the model budget and that budget, or why there is none ("rho":
        this proposal is random by BOHB's fraction; "startup": no budget has enough points)."""
        if self.random_fraction and rng.random() < self.random_fraction:
            return "rho"
        need = self.min_points or len(space) + 2
        allowed = trusted_budgets(history, self.min_trust) if self.min_trust is not None else None
        budget = model_budget(history, need, allowed)
        if allowed is not None and budget is not None:
            history = _without_untrusted_stops(history, budget, allowed)
        view = at_budget(history, budget, self.lower_as_worse) if budget is not None else history
        if sum(t.budget == budget for t in view.complete) < need:
            return "startup"
        return view, budget


def _without_untrusted_stops(history: History, budget: float, allowed: frozenset[float]) -> History:
    """The history less the finished trials that stopped below ``budget`` at an untrusted
    budget: being stopped there says nothing about the full-budget loss."""
    keep = tuple(t for t in history.trials if t.state is TrialState.RUNNING or not t.reports
                 or value_at(t, budget) is not None or near_any(t.reports[-1].step, allowed))
    return History(keep, history.directions, history.study_seed, history.number,
                   history.budget, history.fidelity)


class BudgetGP:
    """A GP whose inputs are the parameters *and* the budget (MOBSTER-like).

    Reference: Klein, Tiao, Lienart, Archambeau, Seeger (2020), "Model-based Asynchronous
    Hyperparameter and Neural Architecture Search", arXiv:2003.10865. Every point of every
    learning curve at a rung (or a trial's last point) is one observation ``(x, log budget) ->
    loss``; new configurations maximise EI at the largest budget with ``min_points``
    observations, against the best loss observed there. The kernel is the GP sampler's
    Matérn-5/2 ARD kernel over the extended input (the budget gets its own length scale), a
    simplification of MOBSTER's exponential-decay kernel. Composed with ASHA it is the
    model-based asynchronous successive halving of that paper (``scheduler="mobster"``).

    Args:
        n_startup_trials: trials (any budget) before the model is used (Sobol until then).
        min_points: observations a budget needs to be the acquisition budget.
        n_candidates: random candidates (plus perturbations of the best) scored by EI.
        max_points: at most this many observations condition the GP (the best and a spread).
        max_fit_points: at most this many fit the kernel hyperparameters.
        min_trust: use only the observations at budgets whose ranking agrees with the full
            budget's (:func:`fidelity_trust` at least this; None: every budget).
    """

    def __init__(self, n_startup_trials: int = 5, min_points: int | None = None,
                 n_candidates: int = 512, max_points: int = 200, max_fit_points: int = 40,
                 min_trust: float | None = None) -> None:
        for name, value in (("n_startup_trials", n_startup_trials), ("n_candidates", n_candidates),
                            ("max_points", max_points), ("max_fit_points", max_fit_points)):
            check_int(name, value, 1)
        self.n_startup_trials = n_startup_trials
        self.min_points = min_points
        self.n_candidates = n_candidates
        self.max_points = max_points
        self.max_fit_points = max_fit_points
        self.min_trust = check_trust(min_trust)
        self._rows: dict[int, tuple[Any, np.ndarray]] = {}

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        model = self._model(space, history)
        if model is None:
            u = self._startup_point(space, history)
            return Proposal(space.decode(u), info={"sampler": "budget_gp", "phase": "startup"})
        _, x, yw, at, target = model
        cand = rng.random((self.n_candidates, len(space)))
        top = x[at][np.argsort(yw[at])[:5], :-1] if at.any() else x[:0, :-1]
        local = np.clip(np.repeat(top, 20, axis=0) + 0.05 * rng.standard_normal((20 * len(top), len(space))), 0, 1)
        unit = np.vstack([cand, local])
        score = self._log_ei(space, history, model, unit)
        i = int(np.argmax(score))
        return Proposal(space.decode(unit[i]), info={"sampler": "budget_gp", "acq_budget": target,
                                                     "log_ei": round(float(score[i]), 4)})

    def score_candidates(self, space: Space, history: History, unit: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
        """LogEI of candidate rows at the acquisition budget; while starting, closeness to
        the next Sobol point."""
        from tiaocan.samplers.candidates import nearness

        model = self._model(space, history)
        if model is None:
            return nearness(space, space.decode(self._startup_point(space, history)), unit)
        return self._log_ei(space, history, model, unit)

    @staticmethod
    def _startup_point(space: Space, history: History) -> np.ndarray:
        from tiaocan.samplers.sobol import SobolSampler

        return SobolSampler().point(len(space), history.study_seed, history.number)

    def _model(self, space: Space, history: History) -> tuple[Any, ...] | None:
        """(GP, inputs, warped losses, mask of the acquisition budget, that budget); None
        while starting."""
        from tiaocan._numeric.gp import fit_gp
        from tiaocan.samplers._observations import layout_of
        from tiaocan.samplers.gp import layout_cats, warp_losses

        x, y, b = self._observations(space, history)
        if len(set(map(tuple, x[:, :-1].round(12)))) < self.n_startup_trials or history.fidelity is None:
            return None
        target = float(sorted(b, reverse=True)[min(self.min_points or len(space) + 2, len(b)) - 1])
        yw = warp_losses(y)
        keep = _spread(yw, self.max_points)
        fit = keep[_spread(yw[keep], self.max_fit_points)]  # hyperparameters on a subset: O(n^3)
        is_cat = np.append(layout_cats(layout_of(space)) > 0, False)
        gp = fit_gp(x[keep], yw[keep], is_cat, fit_x=x[fit], fit_y=yw[fit])
        at = np.abs(b - target) <= 1e-9 * max(1.0, target)
        return gp, x, yw, at, target

    def _log_ei(self, space: Space, history: History, model: tuple[Any, ...],
                unit: np.ndarray) -> np.ndarray:
        """LogEI of unit-cube rows at the acquisition budget, below the best loss there."""
        from tiaocan._numeric.acquisition import log_ei
        from tiaocan.samplers._observations import layout_of
        from tiaocan.samplers.gp import GPSampler

        gp, _, yw, at, target = model
        best = float(yw[at].min()) if at.any() else float(yw.min())
        inputs = GPSampler._inputs(layout_of(space), unit)
        inputs = np.hstack([inputs, np.full((len(inputs), 1), self._scale(history, target))])
        return log_ei(gp, inputs, best)[0]

    def _observations(self, space: Space, history: History) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows (unit params, scaled log budget), warped losses, and raw budgets."""
        from tiaocan.samplers._observations import layout_of
        from tiaocan.samplers.gp import GPSampler

        levels = {t.budget for t in history.trials if t.budget is not None}
        allowed = trusted_budgets(history, self.min_trust) if self.min_trust is not None else None
        rows, losses, budgets = [], [], []
        signs = np.array([d.sign for d in history.directions])
        for t in history.trials:
            if t.state is TrialState.FAILED or not t.reports or not t.params:
                continue
            keep = {r.step: r.values for r in t.reports
                    if (r.step in levels or r is t.reports[-1])
                    and (allowed is None or near_any(r.step, allowed))}
            if not keep:
                continue
            hit = self._rows.get(t.number)
            if hit is None or hit[0] != t.params:  # encode each trial once
                hit = (t.params, GPSampler._inputs(layout_of(space), space.encode(t.params)[None, :])[0])
                self._rows[t.number] = hit
            unit = hit[1]
            for step, values in keep.items():
                rows.append(np.append(unit, self._scale(history, step)))
                losses.append(float(np.dot(values, signs)))  # sum of losses for several objectives
                budgets.append(step)
        if not rows:
            return np.empty((0, len(space) + 1)), np.empty(0), np.empty(0)
        return np.array(rows), np.array(losses), np.array(budgets)

    @staticmethod
    def _scale(history: History, step: float) -> float:
        fid = history.fidelity
        if fid is None:
            return 1.0
        return float(np.log(max(step, fid.low) / fid.low) / np.log(fid.high / fid.low))


def _spread(y: np.ndarray, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` points: the best half, the rest evenly over the others."""
    order = np.argsort(y, kind="stable")
    if len(y) <= limit:
        return np.sort(order)
    rest = order[limit // 2:]
    picks = rest[np.linspace(0, len(rest) - 1, limit - limit // 2).round().astype(int)]
    return np.sort(np.concatenate([order[: limit // 2], picks]))
