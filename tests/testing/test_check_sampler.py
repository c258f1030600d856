"""The sampler conformance suite catches a sampler that a loaded study cannot rebuild.

A study stores its sampler as a description (class and constructor options); `load_study` and
`tiaocan worker` rebuild it from there. A sampler that keeps an option under another name is
described without it and comes back with the default: a resumed or joined study then searches
differently from the one that was created. `check_sampler` must say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tiaocan.space import Space
from tiaocan.testing import check_sampler


class ForgetfulSampler:
    """Random draws after skipping `skip` of them; the option is kept under another name, so
    the stored description leaves it out."""

    def __init__(self, skip: int = 0) -> None:
        self._skipped_draws = skip

    def sample(self, space: Space, history: Any, rng: np.random.Generator) -> dict[str, Any]:
        for _ in range(self._skipped_draws):
            space.sample(rng)
        return space.sample(rng)


class DescribedSampler(ForgetfulSampler):
    """The same sampler with its option stored under its own name, as `describe` reads it."""

    def __init__(self, skip: int = 0) -> None:
        super().__init__(skip)
        self.skip = skip


def _register(monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
    from tiaocan import registry

    names = registry.BUILTINS["sampler"] | {f"{cls.__module__}.{cls.__qualname__}"}
    monkeypatch.setitem(registry.BUILTINS, "sampler", names)


def test_a_sampler_a_loaded_study_cannot_rebuild_is_refused() -> None:
    with pytest.raises(AssertionError, match="stored description"):
        check_sampler(lambda: ForgetfulSampler(skip=3), n_trials=8, spaces=["continuous"])


def test_a_registered_sampler_that_loses_an_option_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, ForgetfulSampler)
    with pytest.raises(AssertionError, match="rebuilt from its stored description.*diverged"):
        check_sampler(lambda: ForgetfulSampler(skip=3), n_trials=8, spaces=["continuous"])


def test_a_registered_sampler_that_describes_its_options_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, DescribedSampler)
    check_sampler(lambda: DescribedSampler(skip=3), n_trials=8, spaces=["continuous"])
