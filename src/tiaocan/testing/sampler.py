"""Conformance suite for samplers: proposals stay in the space, runs are reproducible,
and a sampler rebuilds from the stored history alone.

>>> from tiaocan.samplers import RandomSampler
>>> check_sampler(RandomSampler)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tiaocan.space import Categorical, Float, Int, Space
from tiaocan.storage import InMemoryStorage
from tiaocan.study import create_study, load_study
from tiaocan.trial import Trial

__all__ = ["CONFORMANCE_SPACES", "check_sampler"]

CONFORMANCE_SPACES: dict[str, Space] = {
    "continuous": Space(x=Float(-5.0, 5.0), y=Float(1e-4, 1.0, log=True)),
    "mixed": Space(
        x=Float(-2.0, 2.0, step=0.5), n=Int(1, 64, log=True), k=Int(0, 10, step=2),
        c=Categorical(["a", "b", "c"]),
    ),
    "conditional": Space(
        opt=Categorical(["sgd", "momentum", "adam"]),
        lr=Float(1e-5, 1e-1, log=True),
        momentum=Float(0.5, 0.99, when={"opt": "momentum"}),
        nesterov=Categorical([True, False], when={"momentum": [0.5, 0.99], "opt": "momentum"}),
        beta=Float(0.8, 0.999, when={"opt": ["adam"]}),
    ),
}


def _objective(trial: Trial) -> float:
    total = 0.0
    for name, value in sorted(trial.params.items()):
        if isinstance(value, bool) or value is None:
            total += 0.3 if value else 0.0
        elif isinstance(value, (int, float)):
            total += math.log1p(abs(float(value)))
        else:
            total += 0.1 * len(str(value))
    if trial.number % 7 == 3:
        raise RuntimeError("a failing trial, to check that samplers skip failures")
    return total


def _run(make_sampler: Callable[[], Any], space: Space, n: int, seed: int) -> list[dict[str, Any]]:
    study = create_study(space=space, storage=":memory:", sampler=make_sampler(), seed=seed)
    study.optimize(_objective, n_trials=n, show_progress=False)
    return [dict(t.params) for t in study.trials]


def check_sampler(make_sampler: Callable[[], Any], n_trials: int = 24,
                  spaces: Sequence[str] | None = None, deterministic: bool = True) -> None:
    """Check a sampler (``make_sampler()`` returns a fresh one); raises AssertionError.

    Args:
        n_trials: trials per check (give enough to pass the sampler's start-up phase).
        spaces: names from :data:`CONFORMANCE_SPACES` the sampler supports (default: all).
        deterministic: also check same seed → same proposals, and resume → same sequence.
    """
    for name in spaces or list(CONFORMANCE_SPACES):
        space = CONFORMANCE_SPACES[name]
        first = _run(make_sampler, space, n_trials, seed=11)
        for i, params in enumerate(first):
            if not space.contains(params):
                raise AssertionError(f"check_sampler[{name}]: trial {i} proposed {params!r}, "
                                     f"which is not in the space")
        if not deterministic:
            continue
        again = _run(make_sampler, space, n_trials, seed=11)
        if again != first:
            diff = next(i for i, (a, b) in enumerate(zip(first, again)) if a != b)
            raise AssertionError(f"check_sampler[{name}]: same seed, different proposals from "
                                 f"trial {diff}: {first[diff]!r} vs {again[diff]!r}")
        _check_resume(make_sampler, space, name, first, n_trials)


def _check_resume(make_sampler: Callable[[], Any], space: Space, name: str,
                  uninterrupted: list[dict[str, Any]], n_trials: int) -> None:
    """Resume halfway twice: with the sampler rebuilt from the study's stored description (as
    `load_study` and `tiaocan worker` do), and with a fresh instance that sees only the stored
    history. Both must continue exactly as the uninterrupted run did."""
    for rebuilt in (True, False):
        storage = InMemoryStorage()
        half = n_trials // 2
        study = create_study("resume", space=space, storage=storage, sampler=make_sampler(), seed=11)
        study.optimize(_objective, n_trials=half, show_progress=False)
        resumed = load_study("resume", storage=storage,
                             sampler=None if rebuilt else make_sampler())
        if rebuilt and type(resumed.sampler) is not type(study.sampler):
            raise AssertionError(f"check_sampler[{name}]: the stored description rebuilt a "
                                 f"{type(resumed.sampler).__name__}, not a "
                                 f"{type(study.sampler).__name__}; register the sampler so a "
                                 f"loaded study can rebuild it")
        resumed.optimize(_objective, n_trials=n_trials - half, show_progress=False)
        got = [dict(t.params) for t in resumed.trials]
        if got != uninterrupted:
            how = "rebuilt from its stored description" if rebuilt else "given a fresh sampler"
            diff = next(i for i, (a, b) in enumerate(zip(uninterrupted, got)) if a != b)
            raise AssertionError(f"check_sampler[{name}]: a resumed study ({how}) diverged at "
                                 f"trial {diff}: {uninterrupted[diff]!r} vs {got[diff]!r}; the "
                                 f"sampler must rebuild from the stored history")
