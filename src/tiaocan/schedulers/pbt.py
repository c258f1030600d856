"""Population based training (PBT), asynchronous.

Reference: Jaderberg, Dalibard, Osindero, Czarnecki, Donahue, Razavi, Vinyals, Green, Dunning,
Simonyan, Fernando, Kavukcuoglu (2017), "Population Based Training of Neural Networks",
arXiv:1711.09846 (section 3: *exploit* = truncation selection, *explore* = perturb).

``population_size`` trials start at the first budget step (``interval``). Whenever a member
has finished a step, a free worker either resumes it for one more step (``RESUME``) or, if it
ranks in the bottom ``quantile`` of the members that reached the same budget, replaces it:
a new trial (``CLONE``) starts from the checkpoint of a member of the top ``quantile`` at that
budget, with that member's parameters perturbed (:meth:`PBT.explore`: numbers times 0.8 or
1.2, each parameter resampled with ``resample_probability``). The objective must save and load
its state with ``trial.save_checkpoint`` / ``trial.load_checkpoint``. Clones are new trials,
so they count against ``n_trials``.

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(lr=tc.Float(0.01, 1.0, log=True)), storage=":memory:",
...                         seed=0, scheduler=PBT(population_size=4, interval=2),
...                         fidelity=tc.Fidelity("epoch", 1, 8))
>>> def objective(trial):
...     state = trial.load_checkpoint() or {"epoch": 0, "w": 0.0}
...     for epoch in range(state["epoch"] + 1, trial.budget + 1):
...         trial.sleep(1.0)
...         state = {"epoch": epoch, "w": state["w"] + trial.params["lr"]}
...     trial.save_checkpoint(state)
...     return -state["w"]
>>> study.optimize(objective, n_trials=20, n_workers=2, executor=SimulatedExecutor())
>>> any("cloned_from" in t.system_attrs for t in study.trials)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError
from tiaocan.samplers.base import History
from tiaocan.schedulers._rungs import TOL, job_info, rank, resolve_fidelity
from tiaocan.schedulers.base import Decision, Job, JobKind
from tiaocan.space import Categorical, Space
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["PBT"]

_WAIT = Job(JobKind.WAIT)


class PBT:
    """Population based training (see the module docstring).

    Args:
        population_size: members trained at once.
        interval: budget between two exploit/explore steps (default: an eighth of the full
            budget, at least the fidelity's ``low``).
        quantile: fraction of the population replaced, and copied from, at each step.
        perturb: factors a numeric parameter is multiplied by (one drawn per parameter).
        resample_probability: chance that a parameter is drawn afresh instead.
    """

    #: create_study refuses this scheduler without a fidelity (it allots budgets).
    needs_fidelity = True

    def __init__(self, population_size: int = 8, interval: float | None = None,
                 quantile: float = 0.25, perturb: tuple[float, float] = (0.8, 1.2),
                 resample_probability: float = 0.25) -> None:
        if isinstance(population_size, bool) or not isinstance(population_size, int) \
                or population_size < 2:
            raise ConfigError(f"population_size must be an int >= 2, received {population_size!r}")
        if not isinstance(quantile, (int, float)) or not 0 < quantile <= 0.5:
            raise ConfigError(f"quantile must be in (0, 0.5], received {quantile!r}")
        if interval is not None and (not isinstance(interval, (int, float)) or not interval > 0):
            raise ConfigError(f"interval must be a positive number or None, received {interval!r}")
        if not 0 <= resample_probability <= 1:
            raise ConfigError(f"resample_probability must be in [0, 1], "
                              f"received {resample_probability!r}")
        self.population_size = population_size
        self.interval = interval
        self.quantile = quantile
        self.perturb = tuple(perturb)
        self.resample_probability = resample_probability

    def _budgets(self, history: History) -> list[Any]:
        fid = resolve_fidelity(history, None, None, "PBT")
        step = self.interval or max(fid.low, fid.high / 8)
        out: list[Any] = []
        g = 1
        while not out or out[-1] < fid.high:
            b = fid.clip(g * step)
            if not out or b > out[-1]:
                out.append(b)
            g += 1
        return out

    def next_job(self, history: History) -> Job:
        budgets = self._budgets(history)
        members = _members(history.trials)
        if len(members) < self.population_size:
            return Job(JobKind.START, budget=budgets[0], info={"slot": len(members)})
        ready = [(t.budget, slot, t) for slot, t in members.items()
                 if t.state is TrialState.COMPLETE and t.budget is not None and t.budget < budgets[-1]]
        if not ready:
            return _WAIT
        b, slot, member = min(ready, key=lambda x: (x[0], x[1]))
        nxt = next(x for x in budgets if x > b * (1 + TOL))
        peers = [(t, v) for t in members.values() if (v := _exactly_at(t, b)) is not None]
        order = [peers[i][0].number for i in rank(history, [v for _, v in peers])]
        n_q = max(1, int(len(order) * self.quantile))
        if len(order) >= 2 and member.number in order[-n_q:] and member.number not in order[:n_q]:
            pick = np.random.default_rng([history.study_seed, history.number, 7]).integers(n_q)
            return Job(JobKind.CLONE, budget=nxt, trial_number=order[int(pick)],
                       info={"slot": slot, "source_budget": b, "replaces": member.number})
        keep = {k: v for k, v in job_info(member).items() if k in ("source_budget", "replaces")}
        return Job(JobKind.RESUME, budget=nxt, trial_number=member.number,
                   info={**keep, "slot": slot})  # a clone keeps where it came from

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        return Decision.CONTINUE

    def explore(self, space: Space, params: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """Perturb ``params``: numbers times a factor of ``perturb``, categories kept; each
        parameter resampled with ``resample_probability``. Conditional children that become
        active are drawn at random."""
        u = np.full(len(space), np.nan)
        for i, name in enumerate(space.names):
            if name not in params:
                continue
            p, v = space[name], params[name]
            if rng.random() < self.resample_probability:
                u[i] = rng.random()
            elif isinstance(p, Categorical):
                u[i] = p.to_unit(v)
            else:
                factor = float(rng.choice(self.perturb))
                u[i] = p.to_unit(min(max(v * factor, p.low), p.high))
        u = np.where(np.isnan(u), rng.random(len(space)), u)
        return space.decode(np.clip(u, 0.0, 1.0))


def _members(trials: Any) -> dict[int, FrozenTrial]:
    """The current member of each population slot: its latest trial."""
    out: dict[int, FrozenTrial] = {}
    for t in trials:
        slot = job_info(t).get("slot")
        if slot is not None and t.state is not TrialState.WAITING:
            out[int(slot)] = t  # trials are ordered by number: the latest wins
    return out


def _exactly_at(trial: FrozenTrial, budget: float) -> tuple[float, ...] | None:
    if trial.state is TrialState.FAILED:
        return None
    for r in trial.reports:
        if abs(r.step - budget) <= TOL * max(1.0, abs(budget)):
            return r.values
    return None
