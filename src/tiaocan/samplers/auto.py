"""The default sampler: picks an algorithm from the space and the trials so far, and says why.

Rules (checked in order; all depend only on the space and the history, so every worker and
a resumed study choose the same):

1. several objectives → TPE (non-dominated ranks split good from bad);
2. more than ``gp_max_dims`` (64) parameters → TPE;
3. fewer than ``gp_max_trials`` complete trials → Gaussian-process BO, whatever the mix of
   floats, integers, ordinal grids, nominal categoricals and conditional parameters
   (inactive coordinates sit at the middle of their range);
4. afterwards, a long run: CMA-ES if no parameter is categorical and none is conditional
   (it starts from the best trial so far), TPE otherwise (both cost little per trial).

Evidence (``benchmarks/results/samplers/broad.md``, ``python -m benchmarks.samplers.broad``):
on the 25 problems of the broad suite shown when these rules were set, tiaocan's GP had the
best median regret of tiaocan's samplers on 18 of 25 at 50 evaluations, on every shape:
2- to 50-D continuous (sphere50: 228 against TPE's 436, so the dimension limit moved from 32
to 64), integer, ordinal grids (ordinal8 solved, TPE 0.48), all-nominal (NAS-Bench-201: both
solve it at 50, GP 0.25 against TPE 0.64 at 25; the former "mostly nominal → TPE" rule is
gone), conditional, noisy. TPE won 7, with no shape in common (Rosenbrock-5, Ackley-10, a rotated
ellipsoid, an integer ellipsoid, floats with nominals, two scikit-learn models), so no rule
sends a shape to it before ``gp_max_trials``. Checked afterwards on the 12 held-out problems
(the same report): GP was again the best of tiaocan's samplers by mean rank.

In a multi-fidelity study the chosen sampler sees the trials at one budget: the largest that
enough trials reached (see :mod:`tiaocan.samplers.multifidelity`).

Cost: the loop records each proposal's time (``system_attrs["propose_seconds"]``) and each
trial's start and end, so ``auto`` compares its proposals with the objective calls, twice.
(a) The total so far: once all proposals (the first one's imports included) have taken more
than ``max_cost_fraction`` of all objective calls' time, random search proposes (a fraction of
a millisecond) until the objective's time catches up; this bounds what the user pays over
the whole study. (b) The model picked: when its recent proposals take more than the fraction
of a recent objective call (medians of the latest five of each, so a short study, a load
spike or the first proposals decide nothing) it moves to a cheaper model (GP → TPE → random
search). Both say so in the reason. The default, 0.25, lets proposals add at most a quarter
to the time of a study: a GP typically reaches in 50 evaluations what TPE reaches in 80–100
(``benchmarks/samplers``), so paying up to 25 % more per evaluation for it is repaid; past
that the same time spent on more, cheaper proposals buys more. Measured
(``python -m benchmarks.samplers.auto_cost``): a 10 ms objective, 500 trials, proposals took
0.21 of the objective's time (2.8 with the rule off); the GP is left after five proposals.
The decision reads only stored durations, so every worker and a resumed study see the same
evidence; but durations are measured, so the trial at which a study switches can differ
from one run to the next: a seed reproduces a study exactly with ``max_cost_fraction=None``
(never switch for cost) or with a sampler given by name (which fixes the choice).

The choice and the reason are stored in the trial (``system_attrs["sampler"]``).
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, check_int
from tiaocan.samplers.base import History, Proposal
from tiaocan.samplers.gp import GPSampler, is_ordinal
from tiaocan.samplers.tpe import TPESampler
from tiaocan.space import Categorical, Space
from tiaocan.trial import FrozenTrial

__all__ = ["AutoSampler", "explain"]

log = logging.getLogger("tiaocan")


class AutoSampler:
    """Chooses TPE, GP or CMA-ES per proposal from the space and the trial count.

    Args:
        gp_max_dims: spaces with more parameters use TPE.
        gp_max_trials: GP until this many complete trials, then CMA-ES or TPE.
        max_cost_fraction: the largest proposal time, as a fraction of the objective's
            time, before moving to a cheaper model (None: never move for cost).

    >>> import tiaocan as tc
    >>> auto = AutoSampler()
    >>> auto.choose(tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1)), History(()))[0]
    'gp'
    """

    def __init__(self, gp_max_dims: int = 64, gp_max_trials: int = 200,
                 max_cost_fraction: float | None = 0.25) -> None:
        for name, value in (("gp_max_dims", gp_max_dims), ("gp_max_trials", gp_max_trials)):
            check_int(name, value, 1)
        if max_cost_fraction is not None and (isinstance(max_cost_fraction, bool) or not isinstance(
                max_cost_fraction, (int, float)) or not max_cost_fraction > 0):
            raise ConfigError("max_cost_fraction must be None or a number > 0, received "
                              f"{max_cost_fraction!r}")
        self.gp_max_dims = gp_max_dims
        self.gp_max_trials = gp_max_trials
        self.max_cost_fraction = max_cost_fraction
        self._samplers: dict[str, Any] = {}
        self._cost_noted = False

    def choose(self, space: Space, history: History) -> tuple[str, str]:
        """The sampler name and the reason for it."""
        name, why = self._by_shape(space, history)
        if self.max_cost_fraction is None:
            return name, why
        chosen, reason = _within_cost(name, why, history, float(self.max_cost_fraction))
        if chosen != name and not self._cost_noted:  # once: a fast objective (a benchmark's
            self._cost_noted = True  # table lookup) otherwise silently gets random search
            log.warning("auto moved from %s to %s for cost: %s. To keep the model whatever it "
                        "costs, pass sampler=AutoSampler(max_cost_fraction=None) or name the "
                        "sampler.", name, chosen, reason.split("; but ", 1)[-1])
        return chosen, reason

    def _by_shape(self, space: Space, history: History) -> tuple[str, str]:
        d = len(space)
        cats = [p for p in space.values() if isinstance(p, Categorical)]
        n_cat = sum(not is_ordinal(p.choices) for p in cats)
        n = len(history.complete)
        if len(history.directions) > 1:
            return "tpe", f"{len(history.directions)} objectives: TPE splits by non-dominated rank"
        if d > self.gp_max_dims:
            return "tpe", f"{d} parameters > gp_max_dims={self.gp_max_dims}"
        if n < self.gp_max_trials:
            return "gp", (f"{d} parameters and {n} < gp_max_trials={self.gp_max_trials} complete "
                          f"trials ({n_cat} nominal): GP is the most sample-efficient on every "
                          f"space shape of benchmarks/results/samplers/broad.md")
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
                from tiaocan.samplers.random import RandomSampler

                self._samplers[name] = {"gp": GPSampler, "tpe": TPESampler, "random": RandomSampler}[name]()
        return self._samplers[name]


_CHEAPER = {"gp": "tpe", "cmaes": "random", "tpe": "random"}
_RECENT = 5  # proposals and objective calls whose median is compared; fewer is no evidence


def _within_cost(name: str, why: str, history: History, fraction: float) -> tuple[str, str]:
    """Move down ``_CHEAPER`` while the chosen model's recent proposals cost too much.

    Two checks: the study's total so far (every proposal, the first one's imports included,
    against every objective call) and the chosen model's recent proposals against a recent
    objective call. The first bounds the total the user pays: once proposals have taken more
    than ``fraction`` of the objective's time, random search (a fraction of a millisecond)
    proposes until the objective's time has caught up; the second keeps a model whose every
    proposal costs too much from being tried again and again.
    """
    objective = _objective_seconds(history)
    if objective is None:
        return name, why
    spent, used = _total_seconds(history)
    if len(history.complete) >= _RECENT and spent > fraction * used and name != "random":
        return "random", (f"{why}; but proposals so far took {spent:.3g} s against {used:.3g} s of "
                          f"objective calls (more than max_cost_fraction={fraction:g}): random "
                          f"search until the objective's time catches up")
    while name in _CHEAPER:
        cost = _proposal_seconds(history, name)
        if cost is None or cost <= fraction * objective:
            break
        cheaper = _CHEAPER[name]
        why = (f"{why}; but {name} proposals took {cost * 1e3:.3g} ms against "
               f"{objective * 1e3:.3g} ms per objective call (more than max_cost_fraction="
               f"{fraction:g}): {cheaper} instead")
        name = cheaper
    return name, why


def _total_seconds(history: History) -> tuple[float, float]:
    """All proposals' time and all complete objective calls' time, in seconds."""
    spent = sum(float(t.system_attrs["propose_seconds"]) for t in history.trials
                if isinstance(t.system_attrs.get("propose_seconds"), (int, float)))
    used = sum(t.completed_at - t.started_at for t in history.complete
               if t.completed_at is not None and t.started_at is not None)
    return spent, float(used)


def _objective_seconds(history: History) -> float | None:
    """Median duration of the latest complete trials (None before any)."""
    spans = [t.completed_at - t.started_at for t in history.complete[-_RECENT:]
             if t.completed_at is not None and t.started_at is not None]
    return float(np.median(spans)) if spans else None


def _proposal_seconds(history: History, name: str) -> float | None:
    """Median time of the latest proposals ``auto`` made with ``name`` past its start-up phase."""
    spans = [float(t.system_attrs["propose_seconds"]) for t in reversed(history.trials)
             if _made_by(t, name) and isinstance(t.system_attrs.get("propose_seconds"), (int, float))]
    return float(np.median(spans[:_RECENT])) if len(spans) >= _RECENT else None


def _made_by(trial: FrozenTrial, name: str) -> bool:
    info = trial.system_attrs.get("sampler")
    if not isinstance(info, dict) or info.get("phase") == "startup":
        return False
    auto = info.get("auto")
    return isinstance(auto, dict) and auto.get("chose") == name


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
