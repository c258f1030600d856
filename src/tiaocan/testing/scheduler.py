"""Conformance suite for schedulers: run it on every built-in and on your own.

:func:`check_scheduler` runs small multi-fidelity studies on the simulated executor (virtual
time, never ``sleep``) with one and several workers, and checks:

* **valid decisions** — every job has a :class:`JobKind`, budgets lie in the fidelity's range,
  a RESUME names a finished trial and raises its budget, a CLONE names an existing trial, and
  ``on_report`` returns a :class:`Decision`;
* **stops are obeyed** — a trial told STOP ends PRUNED (``trial.should_stop()`` reflected it);
* **rung invariants** — no trial is resumed twice at the same budget; for schedulers with an
  ``eta``, a promoted trial is, when promoted, in the top ``max(1, n_b / eta)`` of the ``n_b``
  trials of its bracket (and iteration) that reached its rung;
* **determinism** — the same seed gives the same trials, budgets, states and values.

>>> from tiaocan.schedulers import ASHA
>>> check_scheduler(ASHA)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tiaocan.fidelity import Fidelity
from tiaocan.samplers.base import History
from tiaocan.schedulers.base import Decision, Job, JobKind
from tiaocan.space import Categorical, Float, Space
from tiaocan.trial import FrozenTrial, TrialState

__all__ = ["RecordingScheduler", "check_scheduler"]

_TOL = 1e-9
SPACE = Space(x=Float(0.0, 1.0), y=Float(-2.0, 2.0), c=Categorical(["a", "b", "c"]))


class RecordingScheduler:
    """Wraps a scheduler, checks each decision as it is made, and records them."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.jobs: list[Job] = []
        self.stopped: set[int] = set()
        self.resumed: set[tuple[int, float]] = set()

    def __getattr__(self, name: str) -> Any:  # default_sampler, explore, …
        return getattr(self.inner, name)

    def next_job(self, history: History) -> Job:
        job: Job = self.inner.next_job(history)
        _check_job(job, history)
        if job.kind is JobKind.RESUME:
            key = (int(job.trial_number or 0), float(job.budget))
            if key in self.resumed:
                raise AssertionError(f"trial {job.trial_number} resumed twice at budget {job.budget}")
            self.resumed.add(key)
            eta = getattr(self.inner, "eta", None)
            if eta is not None:
                _check_promotion(job, history, float(eta))
        self.jobs.append(job)
        return job

    def on_report(self, trial: FrozenTrial, history: History) -> Decision:
        decision = self.inner.on_report(trial, history)
        if not isinstance(decision, Decision):  # a conformance failure, not a caller's TypeError
            raise AssertionError(f"on_report returned {decision!r}, not a Decision")  # noqa: TRY004
        if decision is Decision.STOP:
            self.stopped.add(trial.number)
        return decision


def _check_job(job: Any, history: History) -> None:
    if not isinstance(job, Job) or not isinstance(job.kind, JobKind):
        raise AssertionError(f"next_job returned {job!r}, not a Job with a JobKind")  # noqa: TRY004
    fid = history.fidelity
    if job.kind is not JobKind.WAIT and fid is not None and job.budget is not None \
            and not fid.low * (1 - _TOL) <= job.budget <= fid.high * (1 + _TOL):
        raise AssertionError(f"{job.kind.value} job budget {job.budget} outside [{fid.low}, {fid.high}]")
    if job.kind is JobKind.RESUME:
        if job.trial_number is None or not 0 <= job.trial_number < len(history.trials):
            raise AssertionError(f"RESUME of trial {job.trial_number}, which does not exist")
        target = history.trials[job.trial_number]
        if target.state not in (TrialState.COMPLETE, TrialState.PRUNED):
            raise AssertionError(f"RESUME of trial {target.number}, which is {target.state.value}")
        if target.budget is not None and job.budget is not None and not job.budget > target.budget:
            raise AssertionError(f"RESUME of trial {target.number} at budget {job.budget}, not "
                                 f"above its budget {target.budget}")
    if job.kind is JobKind.CLONE and not 0 <= int(job.trial_number) < len(history.trials):  # type: ignore[arg-type]
        raise AssertionError(f"CLONE of trial {job.trial_number}, which does not exist")


def _check_promotion(job: Job, history: History, eta: float) -> None:
    """A promoted trial is in the top ``max(1, n/eta)`` of its rung (its bracket and iteration)."""
    from tiaocan.schedulers._rungs import job_info, rank, value_at

    target = history.trials[job.trial_number]  # type: ignore[index]
    info = job_info(target)
    group = (info.get("bracket"), info.get("iteration"))
    b = target.budget
    members = [t for t in history.trials if (job_info(t).get("bracket"), job_info(t).get("iteration"))
               == group and value_at(t, b) is not None]  # type: ignore[arg-type]
    order = rank(history, [value_at(t, b) for t in members])  # type: ignore[arg-type,misc]
    top = {members[i].number for i in order[:max(1, int(len(members) / eta + _TOL))]}
    if target.number not in top:
        raise AssertionError(f"trial {target.number} promoted from budget {b} but not in the top "
                             f"1/{eta:g} of the {len(members)} trials of its rung")


def _objective(n_objectives: int) -> Callable[[Any], Any]:
    def objective(trial: Any) -> Any:
        p = trial.params
        base = (p["x"] - 0.3) ** 2 + 0.1 * (p["y"] - 0.5) ** 2 + {"a": 0.0, "b": 0.1, "c": 0.2}[p["c"]]
        state = trial.load_checkpoint() or {"step": 0}
        step, loss = state["step"], base + 1.0
        for step in range(state["step"] + 1, math.ceil(trial.budget) + 1):
            trial.sleep(1.0)  # one virtual second per step
            loss = base + 1.0 / step
            trial.report(_values(loss, p, n_objectives), step=step)
            if trial.should_stop():
                break
        trial.save_checkpoint({"step": step})
        return _values(loss, p, n_objectives)
    return objective


def _values(loss: float, p: dict[str, Any], n_objectives: int) -> Any:
    return loss if n_objectives == 1 else (loss, (p["x"] - 0.8) ** 2 + 0.5 / max(loss, 0.1))


def _run(make: Callable[[], Any], n_workers: int, n_trials: int, fidelity: Fidelity,
         n_objectives: int, seed: int) -> tuple[RecordingScheduler, list[FrozenTrial]]:
    import tiaocan as tc
    from tiaocan.executors.simulated import SimulatedExecutor

    recorder = RecordingScheduler(make())
    study = tc.create_study(space=SPACE, storage=":memory:", seed=seed, scheduler=recorder,
                            sampler="random", fidelity=fidelity,
                            directions=["minimize"] * n_objectives)
    study.optimize(_objective(n_objectives), n_trials=n_trials, n_workers=n_workers,
                   executor=SimulatedExecutor())
    return recorder, study.trials


def _check_run(recorder: RecordingScheduler, trials: list[FrozenTrial], fidelity: Fidelity) -> None:
    if any(t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials):
        raise AssertionError("trials left running or waiting after optimize returned")
    if any(t.state is TrialState.FAILED for t in trials):
        failed = next(t for t in trials if t.state is TrialState.FAILED)
        raise AssertionError(f"trial {failed.number} failed:\n{failed.error}")
    for number in recorder.stopped:
        if trials[number].state is not TrialState.PRUNED:
            raise AssertionError(f"trial {number} was told to stop but ended {trials[number].state.value}")


def _fingerprint(trials: list[FrozenTrial]) -> list[tuple[Any, ...]]:
    return [(t.number, tuple(sorted(t.params.items())), t.budget, t.state, t.values,
             tuple((r.step, r.values) for r in t.reports)) for t in trials]


def check_scheduler(make: Callable[[], Any], *, n_trials: int = 30, workers: tuple[int, ...] = (1, 3),
                    fidelity: Fidelity | None = None, n_objectives: int = 1, seed: int = 0) -> None:
    """Check a scheduler class or factory (called once per run); raises AssertionError.

    Args:
        make: builds a fresh scheduler (a class with default options, or a lambda).
        n_trials: new trials per run.
        workers: simulated worker counts to run with (each run twice, for determinism).
        fidelity: the budget axis (default: epochs 1 to 27).
        n_objectives: 2 checks multi-objective ranking.
        seed: the study seed.
    """
    fidelity = fidelity or Fidelity("epoch", 1, 27)
    for n in workers:
        recorder, first = _run(make, n, n_trials, fidelity, n_objectives, seed)
        _check_run(recorder, first, fidelity)
        _, second = _run(make, n, n_trials, fidelity, n_objectives, seed)
        if _fingerprint(first) != _fingerprint(second):
            raise AssertionError(f"with {n} simulated worker(s), two runs with seed {seed} differ")
