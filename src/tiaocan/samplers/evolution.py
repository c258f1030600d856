"""Regularized (aging) evolution.

Reference:
    Real, Aggarwal, Huang, Le (2019). Regularized Evolution for Image Classifier Architecture
    Search. AAAI (Algorithm 1: population of the newest P models, tournament of S, aging).

The population is the newest ``population_size`` complete trials (the oldest die, whatever
their fitness). A tournament of ``sample_size`` members drawn from it picks a parent; the
child changes one active parameter: a category is swapped for another, a number is perturbed
in the unit cube or redrawn. Parameters that the change activates are drawn at random, those
it deactivates disappear, so conditions always hold. Everything derives from the history.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tiaocan._numeric.pareto import non_dominated_ranks
from tiaocan.constraints import history_losses
from tiaocan.errors import ConfigError
from tiaocan.samplers._unique import config_key, fresh
from tiaocan.samplers.base import History, Proposal
from tiaocan.samplers.sobol import SobolSampler
from tiaocan.space import Categorical, Space

__all__ = ["RegularizedEvolutionSampler"]

# Redraws of a mutation that changed nothing (a rounded perturbation); 32 makes a no-op child
# vanishingly rare on any space with one changeable parameter.
_MUTATION_ATTEMPTS = 32


class RegularizedEvolutionSampler:
    """Aging evolution with space-aware mutation of one parameter.

    Args:
        population_size: P, the newest complete trials that form the population.
        sample_size: S, members per tournament.
        perturb_scale: standard deviation of a numerical perturbation in the unit cube.
        p_resample: probability that a numerical parameter is redrawn instead of perturbed.
        unique: never propose a configuration the study has tried (uniqueness keys, so also
            across workers): a child equal to an earlier trial is mutated again.

    Defaults: Real et al. (2019) used P = 100, S = 25 for 20,000 models; with the hundreds of
    trials of a typical search the population must turn over several times, so P = 20
    (startup = 20 trials) and S = 5 (a quarter of the population: selection pressure close to
    the paper's S/P = 1/4) — on NAS-Bench-201-style tables this keeps the search from
    spending most of a 150-trial budget on the random start-up.

    >>> import tiaocan as tc
    >>> space = tc.Space(x=tc.Float(-3, 3), op=tc.Categorical(["a", "b", "c"]))
    >>> study = tc.create_study(space=space, sampler=RegularizedEvolutionSampler(), seed=0)
    >>> study.optimize(lambda t: t.params["x"] ** 2 + (t.params["op"] != "b"), n_trials=60,
    ...                show_progress=False)
    >>> study.best_trial.params["op"]
    'b'
    """

    def __init__(self, population_size: int = 20, sample_size: int = 5,
                 perturb_scale: float = 0.1, p_resample: float = 0.2, unique: bool = True) -> None:
        if not isinstance(population_size, int) or population_size < 2:
            raise ConfigError(f"population_size must be an int >= 2, received {population_size!r}")
        if not isinstance(sample_size, int) or not 1 <= sample_size <= population_size:
            raise ConfigError(f"sample_size must be an int in [1, population_size={population_size}], "
                              f"received {sample_size!r}")
        if not 0.0 < perturb_scale <= 1.0 or not 0.0 <= p_resample <= 1.0:
            raise ConfigError(f"perturb_scale must be in (0, 1] and p_resample in [0, 1], received "
                              f"{perturb_scale!r} and {p_resample!r}")
        self.population_size = population_size
        self.sample_size = sample_size
        self.perturb_scale = perturb_scale
        self.p_resample = p_resample
        self.unique = bool(unique)
        self._sobol = SobolSampler()

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        complete = history.complete
        if len(complete) < self.population_size:
            u = self._sobol.point(len(space), history.study_seed, history.number)
            first = space.decode(u)
            params = fresh(space, history, rng, lambda: first, 1) if self.unique else first
            return Proposal(params, key=config_key(params) if self.unique else None,
                            info={"sampler": "evolution", "phase": "startup"})
        population = complete[-self.population_size:]  # aging: only the newest survive
        losses = history_losses(history, population)  # infeasible trials rank last
        fitness = _fitness(losses)
        members = rng.choice(len(population), size=self.sample_size, replace=False)
        parent = population[int(members[np.argmin(fitness[members])])]
        changed: list[str] = []

        def mutate() -> dict[str, Any]:
            child, name = self.mutate(space, parent.params, rng)
            changed.append(name)
            return child

        child = fresh(space, history, rng, mutate) if self.unique else mutate()
        return Proposal(child, key=config_key(child) if self.unique else None,
                        info={"sampler": "evolution", "parent": parent.number,
                              "mutated": changed[-1]})

    def mutate(self, space: Space, params: Any, rng: np.random.Generator) -> tuple[dict[str, Any], str]:
        """A copy of ``params`` with one active parameter changed (conditions kept).

        A perturbation that rounds back to the same value (an integer, a stepped float) is
        drawn again, so a child never repeats its parent unless no parameter can change.
        """
        active = space.active_names(params)
        for _ in range(_MUTATION_ATTEMPTS):
            name = active[int(rng.integers(len(active)))]
            child = self._mutate_one(space, params, name, rng)
            if child.get(name) != params.get(name):
                break
        return child, name

    def _mutate_one(self, space: Space, params: Any, name: str,
                    rng: np.random.Generator) -> dict[str, Any]:
        unit = space.encode(params)
        i = space.names.index(name)
        p = space[name]
        if isinstance(p, Categorical):
            k = len(p.choices)
            old = min(int(unit[i] * k), k - 1)
            new = (old + 1 + int(rng.integers(max(k - 1, 1)))) % k if k > 1 else old
            unit[i] = (new + 0.5) / k
        elif rng.random() < self.p_resample:
            unit[i] = rng.random()
        else:  # a perturbation reflected at the borders of the unit interval
            v = unit[i] + rng.normal(0.0, self.perturb_scale)
            unit[i] = 1.0 - abs(1.0 - abs(v) % 2.0)
        missing = np.isnan(unit)
        unit[missing] = rng.random(int(missing.sum()))  # for parameters the change activates
        return space.decode(unit)


def _fitness(losses: np.ndarray) -> np.ndarray:
    """Lower is fitter: the loss, or for several objectives the non-dominated rank."""
    if losses.shape[1] == 1:
        return losses[:, 0]
    spread = np.argsort(np.argsort(losses, axis=0), axis=0).sum(axis=1) / (len(losses) * 10.0)
    return np.asarray(non_dominated_ranks(losses) + spread / max(1.0, math.ceil(spread.max() + 1)))
