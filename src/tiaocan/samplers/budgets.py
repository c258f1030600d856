"""Reading learning curves at a budget, and how far a low budget's ranking can be trusted.

A multi-fidelity study stores each trial's learning curve (its reports). The model-based
samplers (:mod:`tiaocan.samplers.multifidelity`) and the adaptive Hyperband read it here:
the largest budget with enough observations (BOHB's model budget), the trials' values at one
budget, and the agreement between a budget's ranking and the full budget's (Kendall's tau
over the configurations seen at both, after Hyper-Tune, Li et al. 2022, counted on the pairs
that involve the full budget's top third: halving keeps the top of each rung, so a budget
that orders the mediocre configurations well but buries the best ones is not trusted).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["TOP_FRACTION", "at_budget", "fidelity_trust", "ladder_trust", "model_budget",
           "rank_agreement", "trusted_budgets"]

_TOL = 1e-9
TOP_FRACTION = 1 / 3  # the share kept at a rung by halving with its usual eta = 3


def value_at(trial: FrozenTrial, budget: float) -> tuple[float, ...] | None:
    for r in trial.reports:
        if r.step >= budget * (1 - _TOL) - _TOL:
            return r.values
    return None


def model_budget(history: History, min_points: int,
                 allowed: frozenset[float] | None = None) -> float | None:
    """The largest budget (a learning-curve step) that at least ``min_points`` trials reached;
    with fewer trials than that anywhere, the budget most trials reached (None: no report).
    With ``allowed``, only those budgets count (a trial counts at the largest allowed budget
    it reached)."""
    def last(t: FrozenTrial) -> float | None:
        if allowed is None:
            return t.reports[-1].step
        steps = [b for b in allowed if value_at(t, b) is not None]
        return max(steps) if steps else None

    reached = sorted((b for t in history.trials
                      if t.reports and t.state is not TrialState.FAILED
                      and (b := last(t)) is not None), reverse=True)
    if not reached:
        return None
    return reached[min(min_points, len(reached)) - 1]


def _value_exactly_at(trial: FrozenTrial, budget: float) -> tuple[float, ...] | None:
    """The report made at ``budget`` itself (a trial started above it has none)."""
    for r in trial.reports:
        if abs(r.step - budget) <= _TOL * max(1.0, abs(budget)):
            return r.values
    return None


def _scalar(values: tuple[float, ...], history: History) -> float:
    """One loss per point (the sum of the losses for several objectives)."""
    return float(sum(v * d.sign for v, d in zip(values, history.directions)))


def rank_agreement(history: History, budget: float, top: float,
                   top_fraction: float | None = TOP_FRACTION) -> tuple[float, int]:
    """``(concordant, pairs)``: over the pairs of trials seen at both ``budget`` and ``top``,
    how many ``budget`` orders as ``top`` does (a pair tied at either budget counts half).

    This is Hyper-Tune's ranking measure of a fidelity (Li, Shen, Jiang, Zhang, Cui, Zhang
    (2022), "Hyper-Tune: Towards Efficient Hyper-parameter Tuning at Scale", VLDB, section
    4.2), computed on the observed pairs instead of on samples of a per-fidelity model.
    With ``top_fraction``, only the pairs with a member among the best ``top_fraction`` at
    ``top`` count: halving keeps the top of each rung, so what matters is whether ``budget``
    ranks the configurations that are good at ``top`` above the others."""
    if top_fraction is not None and (isinstance(top_fraction, bool) or
                                     not isinstance(top_fraction, (int, float))
                                     or not 0 < top_fraction <= 1):
        raise ConfigError(f"top_fraction must be None or a number in (0, 1], received {top_fraction!r}")
    pairs = [(_scalar(lo, history), _scalar(hi, history)) for t in history.trials
             if t.state is not TrialState.FAILED
             and (lo := _value_exactly_at(t, budget)) is not None
             and (hi := _value_exactly_at(t, top)) is not None]
    if len(pairs) < 2:
        return 0.0, 0
    lo_v, hi_v = np.array(pairs).T
    sign = np.sign(lo_v[:, None] - lo_v[None, :]) * np.sign(hi_v[:, None] - hi_v[None, :])
    upper = np.triu_indices(len(pairs), k=1)
    agree = sign[upper]
    if top_fraction is not None:
        best = np.zeros(len(pairs), bool)
        best[np.argsort(hi_v, kind="stable")[:max(1, int(np.ceil(top_fraction * len(pairs))))]] = True
        agree = agree[best[upper[0]] | best[upper[1]]]
    return float((agree > 0).sum() + 0.5 * (agree == 0).sum()), int(agree.size)


def fidelity_trust(history: History, budget: float, top: float | None = None,
                   prior_pairs: float = 2.0, prior: float = 1.0,
                   top_fraction: float | None = TOP_FRACTION) -> float:
    """How far the ranking at ``budget`` can be trusted, in [0, 1]: Kendall's tau between
    ``budget`` and ``top`` (default: the fidelity's ``high``), clipped at 0 (a ranking no
    better than chance is worth nothing), with the concordant fraction shrunk towards the
    one of tau = ``prior`` by ``prior_pairs`` pseudo-pairs; with the default ``prior`` a
    budget is trusted (as Hyperband and BOHB do) until the pairs seen at both budgets say
    otherwise."""
    if top is None:
        top = history.fidelity.high if history.fidelity is not None else budget
    if budget >= top * (1 - _TOL) - _TOL:
        return 1.0
    concordant, pairs = rank_agreement(history, budget, top, top_fraction)
    prior_agree = (1.0 + prior) / 2.0
    total = pairs + prior_pairs
    agree = (concordant + prior_pairs * prior_agree) / total if total > 0 else prior_agree
    return float(np.clip(2.0 * agree - 1.0, 0.0, 1.0))


def ladder_trust(history: History, levels: list[float], prior_pairs: float = 2.0,
                 top_fraction: float | None = TOP_FRACTION) -> list[float]:
    """:func:`fidelity_trust` of each budget of an increasing ladder against its last one.

    Pairs seen at a low budget *and* the full budget are rare under successive halving (one
    configuration in ``eta**k`` gets there), pairs with the next budget up are ``eta`` times
    more common. So the prior of budget ``k`` is not full trust but the chained estimate
    ``tau(k, k+1) * trust(k+1)`` (rank correlations multiply along a Markov chain of
    fidelities), and the pairs seen at ``k`` and the full budget refine it."""
    top = levels[-1]
    trust = [1.0] * len(levels)
    for k in range(len(levels) - 2, -1, -1):
        chained = 1.0
        if k + 1 < len(levels) - 1:
            chained = fidelity_trust(history, levels[k], levels[k + 1], prior_pairs,
                                     top_fraction=top_fraction) * trust[k + 1]
        trust[k] = fidelity_trust(history, levels[k], top, prior_pairs, prior=chained,
                                  top_fraction=top_fraction)
    return trust


def trusted_budgets(history: History, min_trust: float,
                    top_fraction: float | None = TOP_FRACTION) -> frozenset[float]:
    """The job budgets (and the fidelity's ``high``) whose :func:`ladder_trust` reaches
    ``min_trust``."""
    levels = {t.budget for t in history.trials if t.budget is not None}
    if history.fidelity is not None:
        levels = {b for b in levels if b <= history.fidelity.high} | {history.fidelity.high}
    ladder = sorted(levels)
    if not ladder:
        return frozenset()
    trust = ladder_trust(history, ladder, top_fraction=top_fraction)
    return frozenset(b for b, t in zip(ladder, trust) if t >= min_trust)


def at_budget(history: History, budget: float, lower_as_worse: bool = False) -> History:
    """The history as seen at ``budget``: trials that reached it, COMPLETE with their value
    there; running trials as they are; the rest left out — or, with ``lower_as_worse``, the
    finished trials that stopped below ``budget`` as COMPLETE with a loss worse than every
    trial at ``budget`` (the less budget they reached, the worse), as Optuna's TPE ranks
    pruned trials."""
    trials, lower = [], []
    for t in history.trials:
        value = value_at(t, budget) if t.state is not TrialState.FAILED else None
        if value is not None:
            trials.append(dataclasses.replace(t, state=TrialState.COMPLETE, values=value,
                                              budget=budget))
        elif t.state is TrialState.RUNNING:
            trials.append(t)
        elif lower_as_worse and t.reports and t.state in (TrialState.COMPLETE, TrialState.PRUNED):
            lower.append(t)
    at = [t for t in trials if t.state is TrialState.COMPLETE]
    if lower and at:
        signs = np.array([d.sign for d in history.directions])
        losses = np.array([t.values for t in at], float) * signs
        worst, spread = losses.max(0), np.maximum(np.ptp(losses, axis=0), 1e-12)
        for t in lower:
            gap = 1.0 - min(t.reports[-1].step / budget, 1.0)
            values = tuple(float(v) for v in (worst + spread * (1.0 + gap)) * signs)
            trials.append(dataclasses.replace(t, state=TrialState.COMPLETE, values=values,
                                              budget=budget))
    return History(tuple(trials), history.directions, history.study_seed, history.number,
                   history.budget, history.fidelity)


def check_trust(min_trust: Any) -> float | None:
    if min_trust is not None and (isinstance(min_trust, bool) or not isinstance(min_trust, (int, float))
                                  or not 0 <= min_trust <= 1):
        raise ConfigError(f"min_trust must be None or a number in [0, 1], received {min_trust!r}")
    return None if min_trust is None else float(min_trust)


def near_any(step: float, budgets: frozenset[float]) -> bool:
    return any(abs(step - b) <= _TOL * max(1.0, abs(b)) for b in budgets)
