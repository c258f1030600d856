"""The default sampler: picks an algorithm from the space and the trials so far, and says why.

Rules (checked in order; all depend only on the space and the history, so every worker and
a resumed study choose the same):

1. several objectives → TPE (non-dominated ranks split good from bad);
2. mostly categorical (more than half the parameters) or more than ``gp_max_dims``
   parameters → TPE;
3. fewer than ``gp_max_trials`` complete trials → Gaussian-process BO, conditional spaces
   included (inactive coordinates sit at the middle of their range). A GP with one length
   scale per dimension stays the most sample-efficient well past 10 dimensions (Hvarfner et
   al. 2024); on ``benchmarks/samplers`` it beat TPE on the 20-D Levy and on the conditional
   mixed problem as well as on the small ones, and lost on Rosenbrock-5 and Ackley-10;
4. afterwards, a long run: CMA-ES if no parameter is categorical and none is conditional
   (it starts from the best trial so far), TPE otherwise (both cost little per trial).

In a multi-fidelity study the chosen sampler sees the trials at one budget: the largest that
enough trials reached (see :mod:`tiaocan.samplers.multifidelity`).

The choice and the reason are stored in the trial (``system_attrs["sampler"]``).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from tiaocan.errors import check_int
from tiaocan.samplers.base import History, Proposal
from tiaocan.samplers.gp import GPSampler
from tiaocan.samplers.tpe import TPESampler
from tiaocan.space import Categorical, Space

__all__ = ["AutoSampler", "explain"]


class AutoSampler:
    """Chooses TPE, GP or CMA-ES per proposal from the space and the trial count.

    Args:
        gp_max_dims: spaces with more parameters use TPE.
        gp_max_trials: GP until this many complete trials, then CMA-ES or TPE.

    >>> import tiaocan as tc
    >>> auto = AutoSampler()
    >>> auto.choose(tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)), History(()))[0]
    'gp'
    """

    def __init__(self, gp_max_dims: int = 32, gp_max_trials: int = 200) -> None:
        for name, value in (("gp_max_dims", gp_max_dims), ("gp_max_trials", gp_max_trials)):
            check_int(name, value, 1)
        self.gp_max_dims = gp_max_dims
        self.gp_max_trials = gp_max_trials
        self._samplers: dict[str, Any] = {}

    def choose(self, space: Space, history: History) -> tuple[str, str]:
        """The sampler name and the reason for it."""
        d = len(space)
        n_cat = sum(isinstance(p, Categorical) for p in space.values())
        n = len(history.complete)
        if len(history.directions) > 1:
            return "tpe", f"{len(history.directions)} objectives: TPE splits by non-dominated rank"
        if 2 * n_cat > d:
            return "tpe", f"{n_cat} of {d} parameters are categorical"
        if d > self.gp_max_dims:
            return "tpe", f"{d} parameters > gp_max_dims={self.gp_max_dims}"
        if n < self.gp_max_trials:
            return "gp", (f"{d} parameters and {n} < gp_max_trials={self.gp_max_trials} complete "
                          f"trials: GP is the most sample-efficient")
        if space.is_conditional:
            return "tpe", f"{n} complete trials on a conditional space: TPE for the long run"
        if n_cat == 0 and importlib.util.find_spec("cmaes") is not None:
            return "cmaes", f"{n} complete trials on a numerical space: CMA-ES for the long run"
        return "tpe", f"{n} complete trials with categorical parameters: TPE for the long run"

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        history = self._view(space, history)
        name, why = self.choose(space, history)
        inner = self._sampler(name)
        raw = inner.sample(space, history, rng)
        proposal = raw if isinstance(raw, Proposal) else Proposal(raw)
        info = {**dict(proposal.info), "auto": {"chose": name, "why": why}}
        return Proposal(proposal.params, key=proposal.key, info=info)

    def score_candidates(self, space: Space, history: History, unit: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
        """Candidate rows scored by the sampler :meth:`choose` picks now."""
        from tiaocan.samplers.candidates import candidate_scores

        history = self._view(space, history)
        return candidate_scores(self._sampler(self.choose(space, history)[0]), space, history, unit, rng)

    @staticmethod
    def _view(space: Space, history: History) -> History:
        if history.fidelity is not None and history.trials:
            # Values at different budgets are not comparable: model the largest budget that
            # enough trials reached, trials stopped below it counting as worse (as BOHB does).
            from tiaocan.samplers.multifidelity import at_budget, model_budget

            budget = model_budget(history, len(space) + 2)
            if budget is not None:
                history = at_budget(history, budget, lower_as_worse=True)
        return history

    def _sampler(self, name: str) -> Any:
        if name not in self._samplers:
            if name == "cmaes":
                from tiaocan.samplers.cmaes import CMAESSampler

                self._samplers[name] = CMAESSampler()
            else:
                self._samplers[name] = {"gp": GPSampler, "tpe": TPESampler}[name]()
        return self._samplers[name]


def explain(sampler: Any, space: Space, history: History) -> str:
    """One line: the sampler a study proposes with now and, for ``auto``, what it picks and why.

    Wrappers (a candidate list, a multi-fidelity view) are named with the sampler inside.
    """
    name = type(sampler).__name__
    inner = getattr(sampler, "inner", None)
    if inner is not None and callable(getattr(inner, "sample", None)):
        return f"{name} of {explain(inner, space, history)}"
    if not isinstance(sampler, AutoSampler):
        return name
    chose, why = sampler.choose(space, AutoSampler._view(space, history))
    cost = ("; each GP proposal costs more as trials accumulate (see the report's proposal "
            "time), sampler=\"tpe\" proposes in milliseconds") if chose == "gp" else ""
    return f"auto chose {chose}: {why}{cost}"
