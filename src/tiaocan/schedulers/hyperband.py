"""Hyperband: successive halving over rotating brackets, synchronous or asynchronous.

Reference: Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar (2018), "Hyperband: A Novel
Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185) (Algorithm 1); the
asynchronous variant runs one ASHA per bracket (Li et al. 2020, MLSys, section 3.3).

Bracket ``j`` starts ``n_j`` trials at the budget of rung ``j`` of the full ladder, so the
choice between "many configurations, little budget" and "few, full budget" is hedged.
Synchronous: iteration ``i`` is successive halving in bracket ``i mod (s_max + 1)`` (bracket
rotation, most aggressive first). Asynchronous: new trials go to the brackets in proportion to
``n_j`` and are promoted (or stopped) by ASHA inside their bracket.

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler=Hyperband(eta=3), fidelity=tc.Fidelity("epoch", 1, 9))
>>> def objective(trial):
...     trial.sleep(trial.budget)
...     return trial.params["x"] + 1 / trial.budget
>>> study.optimize(objective, n_trials=17, n_workers=2, executor=SimulatedExecutor())
>>> sorted({t.system_attrs["job"]["bracket"] for t in study.trials})
[0, 1, 2]
"""

from __future__ import annotations

from typing import Any

from tiaocan.samplers.base import History
from tiaocan.schedulers._rungs import bracket_sizes
from tiaocan.schedulers.asha import AsyncHalving, HalvingMode, parse_mode
from tiaocan.schedulers.base import Decision, Job
from tiaocan.schedulers.successive_halving import SyncHalving
from tiaocan.trial import FrozenTrial

__all__ = ["AsyncHyperband", "Hyperband"]


class Hyperband:
    """Hyperband with bracket rotation (see the module docstring).

    Args:
        eta: keep the top ``1/eta`` at each rung (budgets grow by ``eta``).
        min_budget: the lowest rung's budget (default: the fidelity's ``low``).
        max_budget: the full budget (default: the fidelity's ``high``).
        asynchronous: run each bracket as ASHA instead of synchronous halving.
        mode: for the asynchronous variant, ``"promotion"`` or ``"stopping"``.
        max_open_iterations: synchronous variant: iterations run at once (None: start the next
            iteration whenever the open ones have nothing to run, as HpBandSter does).
    """

    #: create_study refuses this scheduler without a fidelity (it allots budgets).
    needs_fidelity = True

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, asynchronous: bool = False,
                 mode: str | HalvingMode = "promotion", max_open_iterations: int | None = 1) -> None:
        self.eta = eta
        self.min_budget = min_budget
        self.max_budget = max_budget
        self.asynchronous = bool(asynchronous)
        self.mode = parse_mode(mode).value
        self.max_open_iterations = max_open_iterations
        self._async = AsyncHalving(eta, min_budget, max_budget, mode, brackets=None)
        self._sync = SyncHalving(eta, min_budget, max_budget, max_open_iterations, self._plan)

    def _plan(self, i: int, levels: list[Any]) -> tuple[int, int]:
        """Iteration ``i`` runs bracket ``i mod (s_max + 1)`` with Hyperband's ``n_j``."""
        sizes = bracket_sizes(len(levels), float(self.eta))
        j = i % len(levels)
        return j, sizes[j]

    def next_job(self, history: History) -> Job:
        if self.asynchronous:
            return self._async.next_job(history)
        return self._sync.next_job(history, type(self).__name__)

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        if self.asynchronous:
            return self._async.on_report(trial, history)
        return Decision.CONTINUE


class AsyncHyperband(Hyperband):
    """Asynchronous Hyperband: one ASHA per bracket (``Hyperband(asynchronous=True)``)."""

    def __init__(self, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None, asynchronous: bool = True,
                 mode: str | HalvingMode = "promotion", max_open_iterations: int | None = 1) -> None:
        super().__init__(eta, min_budget, max_budget, asynchronous, mode, max_open_iterations)
