"""Adaptive asynchronous Hyperband: brackets weighted by how far each low fidelity is trusted.

Reference: Li, Shen, Jiang, Zhang, Cui, Zhang (2022), "Hyper-Tune: Towards Efficient
Hyper-parameter Tuning at Scale", VLDB 15(6) (section 4.2, bracket selection): each fidelity
is scored by how well its ranking of the configurations agrees with the full budget's, on the
configurations seen at both, and brackets are chosen with probabilities from those scores, so
a misleading low fidelity stops receiving new configurations and the search falls back to the
brackets that start at higher budgets, down to plain full-budget model-based search.

Here the score of bracket ``j`` (it starts at rung ``j`` of the ladder) is the
:func:`~tiaocan.samplers.multifidelity.fidelity_trust` of that rung's budget: Kendall's tau
between the rung and the full budget over the trials seen at both, counted on the pairs with
a member in the full budget's top ``1/eta`` (halving keeps a rung's top ``1/eta``, so a
budget that orders the mediocre configurations well but ranks the best ones low misleads
it), clipped at 0 and shrunk towards full trust by a couple of pseudo-pairs (so with no
evidence this is asynchronous Hyperband). Bracket ``j`` gets new trials in proportion to ``n_j * max(trust_j,
min_weight)`` (Hyperband's ``n_j``; the full-budget bracket has trust 1), spread by a
deterministic deficit round robin instead of random draws, so every worker agrees and a run
is repeatable. Inside a bracket, promotions are ASHA's (Li et al. 2020, MLSys): no worker ever
waits for a rung. Deviation from Hyper-Tune: the agreement is counted on observed pairs, not
on samples of per-fidelity GP models.

The default sampler (used when the study names none) is MOBSTER's budget-aware GP
(:class:`~tiaocan.samplers.multifidelity.BudgetGP`) fitted on the observations at *trusted*
budgets only, so misleading low-fidelity results never steer it and, when no low fidelity is
trusted, it is plain full-budget GP-EI search (``model="tpe"``: BOHB's budget-filtered
multivariate TPE with the same trust test; measured worse on the Hartmann problems).

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler="adaptive_hyperband", fidelity=tc.Fidelity("epoch", 1, 9))
>>> def objective(trial):
...     trial.sleep(trial.budget)
...     return trial.params["x"] + 1 / trial.budget
>>> study.optimize(objective, n_trials=20, n_workers=2, executor=SimulatedExecutor())
>>> sorted({t.system_attrs["job"]["bracket"] for t in study.trials})
[0, 1, 2]
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.schedulers._rungs import bracket_sizes
from tiaocan.schedulers.asha import AsyncHalving

__all__ = ["AdaptiveHyperband"]

_MODELS = ("tpe", "gp")


class AdaptiveHyperband(AsyncHalving):
    """Asynchronous Hyperband with trust-weighted bracket selection (see the module docstring).

    Args:
        eta: keep the top ``1/eta`` at each rung (budgets grow by ``eta``).
        min_budget: the lowest rung's budget (default: the fidelity's ``low``).
        max_budget: the full budget (default: the fidelity's ``high``).
        min_weight: the least trust factor a bracket keeps, so a distrusted fidelity still
            gets a few trials and its trust can recover.
        prior_pairs: pseudo-pairs of full agreement each fidelity starts with.
        min_trust: the trust a budget needs for the default sampler to model it.
        model: the default sampler's model, ``"gp"`` or ``"tpe"``.
    """

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, min_weight: float = 0.05,
                 prior_pairs: float = 2.0, min_trust: float = 0.5, model: str = "gp") -> None:
        super().__init__(eta, min_budget, max_budget, mode="promotion", brackets=None)
        for name, value, low in (("min_weight", min_weight, 0.0), ("prior_pairs", prior_pairs, 0.0),
                                 ("min_trust", min_trust, 0.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low \
                    or (name != "prior_pairs" and value > 1):
                bound = "a number >= 0" if name == "prior_pairs" else "a number in [0, 1]"
                raise ConfigError(f"{name} must be {bound}, received {value!r}")
        if model not in _MODELS:
            raise ConfigError(f"model must be one of {list(_MODELS)}, received {model!r}")
        self.min_weight = float(min_weight)
        self.prior_pairs = float(prior_pairs)
        self.min_trust = float(min_trust)
        self.model = model

    def trust(self, history: History) -> list[float]:
        """The trust of each bracket's starting budget (the last bracket: the full budget)."""
        from tiaocan.samplers.multifidelity import ladder_trust

        return ladder_trust(history, [float(b) for b in self._ladders(history)[0]], self.prior_pairs,
                            top_fraction=1 / self._eta)

    def _bracket_weights(self, history: History, ladders: list[list[Any]]) -> list[float]:
        sizes = bracket_sizes(len(ladders), self._eta)
        trust = self.trust(history)
        return [n * max(t, self.min_weight) for n, t in zip(sizes, trust)]

    def _start_info(self, weights: list[float]) -> dict[str, Any]:
        total = sum(weights)
        return {"weights": [round(w / total, 4) for w in weights]}

    def default_sampler(self) -> Any:
        """The sampler this scheduler composes with when the study names none."""
        from tiaocan.samplers.multifidelity import BudgetFiltered, BudgetGP

        if self.model == "gp":
            return BudgetGP(min_trust=self.min_trust)
        from tiaocan.samplers.tpe import TPESampler

        tpe = TPESampler(multivariate=True, n_startup_trials=1, gamma=0.15)
        return BudgetFiltered(tpe, random_fraction=0.2, lower_as_worse=True,
                              min_trust=self.min_trust)
