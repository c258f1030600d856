"""DEHB peer on the multi-fidelity problems, driven through its ask/tell API on the simulated clock.

DEHB (Awad, Mallik & Hutter 2021, "DEHB: Evolutionary Hyperband for Scalable, Robust and
Efficient Hyperparameter Optimization"; package ``dehb`` 0.1.1) runs differential evolution
per fidelity inside Hyperband brackets. ``DEHB.ask()`` returns a job (``config`` in the unit
cube, ``fidelity``, ``config_id``); ``DEHB.tell(job, {"fitness", "cost"})`` feeds the result
back. Its budgets are ``max_fidelity * eta^-k`` with ``eta = 3``: on the benchmark's
fidelities (1..27) exactly the steps 1, 3, 9, 27, mapped to the largest problem step at or
below the budget. Each simulated worker asks, pays ``clock.sleep`` for the training and
tells, as the other methods do; DEHB's own Dask workers are not used (``n_workers=1``: the
optimizer object is shared by the simulated workers and is fully asynchronous through
ask/tell, as its docs describe for custom parallel loops).

A configuration that DEHB promotes keeps its ``config_id``; on resumable problems (epochs) it
continues from the checkpoint of its lower-budget run, as tiaocan's promotions do.

>>> from benchmarks.problems.mf_hartmann import mf_hartmann
>>> trace = run(mf_hartmann(3, "good"), n_workers=1, horizon=200.0, seed=0)
>>> len(trace) > 0
True
"""

from __future__ import annotations

import logging
import tempfile
from typing import Any

import numpy as np

from benchmarks.problems.mf_base import MFProblem
from tiaocan.executors.simulated import SimulatedExecutor

__all__ = ["budget_step", "run"]

ETA = 3


def budget_step(problem: MFProblem, fidelity: float) -> int:
    """The problem step DEHB's (float) fidelity stands for: the largest step <= it."""
    return max(s for s in problem.steps if s <= fidelity + 1e-6)


def _dehb(problem: MFProblem, seed: int, folder: str) -> Any:
    from dehb import DEHB

    # cs=None: DEHB works on [0, 1]^d and tiaocan's Space.decode maps it, so DEHB sees the
    # same unit-cube encoding (log scales, integer rounding, categories) as tiaocan's samplers.
    return DEHB(f=None, cs=None, dimensions=len(problem.space.names),
                min_fidelity=float(problem.fidelity.low), max_fidelity=float(problem.fidelity.high),
                eta=ETA, n_workers=1, seed=seed, output_path=folder, save_freq="end")


def run(problem: MFProblem, n_workers: int, horizon: float, seed: int) -> list[tuple[float, float]]:
    """Trace ``(simulated time, true full-budget loss)`` of one DEHB run."""
    from loguru import logger

    from benchmarks.multifidelity.runner import _spend

    logging.getLogger("distributed").setLevel(logging.WARNING)
    logger.remove()   # DEHB logs every step through loguru: keep stderr quiet
    ex = SimulatedExecutor()
    clock, trace, high = ex.clock, [], problem.fidelity.high
    trained: dict[int, int] = {}   # config_id -> budget trained so far (the checkpoint)
    with tempfile.TemporaryDirectory(prefix="dehb_") as folder:
        dehb = _dehb(problem, seed, folder)

        def worker(index: int) -> None:
            while clock.now() < horizon:
                job = dehb.ask()
                x = problem.space.decode(np.clip(np.asarray(job["config"], float), 0.0, 1.0))
                budget, cid = budget_step(problem, job["fidelity"]), int(job["config_id"])
                start = trained.get(cid, 0) if problem.resumable else 0
                start = start if start < budget else 0
                spent = _spend(problem, x, start, budget)
                clock.sleep(spent)
                trained[cid] = max(budget, trained.get(cid, 0))
                value = problem.loss(x, budget)
                if budget >= high:
                    trace.append((clock.now(), problem.true_loss(x)))
                dehb.tell(job, {"fitness": float(value), "cost": float(spent)})
                dehb.clean_inactive_brackets()   # as DEHB.run does after each result

        try:
            ex.run(worker, n_workers)
        finally:
            logger.remove()   # close DEHB's log file before the folder goes
    return trace
