"""Every built-in scheduler passes tiaocan.testing.check_scheduler, on one and two objectives."""

from __future__ import annotations

from typing import Any

import pytest

from tiaocan.schedulers import (
    ASHA,
    BOHB,
    MOBSTER,
    PBT,
    SCHEDULERS,
    AdaptiveHyperband,
    AsyncHyperband,
    Hyperband,
    MedianStopping,
    SuccessiveHalving,
)
from tiaocan.testing import check_scheduler
from tiaocan.testing.scheduler import RecordingScheduler

FACTORIES: dict[str, Any] = {
    "median": MedianStopping,
    "percentile": lambda: MedianStopping(percentile=25, min_trials=3),
    "successive_halving": SuccessiveHalving,
    "asha": ASHA,
    "asha_stopping": lambda: ASHA(mode="stopping"),
    "hyperband": Hyperband,
    "hyperband_open": lambda: Hyperband(max_open_iterations=None),
    "async_hyperband": AsyncHyperband,
    "async_hyperband_stopping": lambda: AsyncHyperband(mode="stopping"),
    "adaptive_hyperband": AdaptiveHyperband,
    "bohb": BOHB,
    "mobster": MOBSTER,
    "pbt": lambda: PBT(population_size=4, interval=3),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_builtin_schedulers_conform(name: str) -> None:
    check_scheduler(FACTORIES[name], n_trials=24, workers=(1, 3))


@pytest.mark.parametrize("name", ["asha", "asha_stopping", "hyperband", "async_hyperband"])
def test_halving_conforms_on_two_objectives(name: str) -> None:
    check_scheduler(FACTORIES[name], n_trials=24, workers=(2,), n_objectives=2)


def test_every_registered_name_is_covered() -> None:
    assert set(SCHEDULERS) - {"fifo", "none"} <= set(FACTORIES)


class _PromotesTwice:
    """A broken scheduler: promotes trial 0 again and again."""

    eta = 3

    def next_job(self, history: Any) -> Any:
        from tiaocan.schedulers import Job, JobKind

        done = [t for t in history.trials if t.state.value == "complete"]
        if done:
            return Job(JobKind.RESUME, budget=done[0].budget, trial_number=done[0].number)
        return Job(JobKind.START, budget=1)

    def on_report(self, trial: Any, history: Any) -> Any:
        from tiaocan.schedulers import Decision

        return Decision.CONTINUE


def test_check_scheduler_catches_a_resume_that_does_not_raise_the_budget() -> None:
    with pytest.raises(AssertionError, match="not above its budget"):
        check_scheduler(_PromotesTwice, n_trials=4, workers=(1,))


def test_recording_scheduler_forwards_default_sampler() -> None:
    assert callable(RecordingScheduler(BOHB()).default_sampler)
