"""The short examples in the core modules' docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tiaocan", "tiaocan.parameters", "tiaocan.space", "tiaocan.study", "tiaocan.errors",
    "tiaocan.fidelity", "tiaocan.storage", "tiaocan.samplers.base", "tiaocan.samplers.random",
    "tiaocan.samplers.candidates", "tiaocan.tracking.steps",
    "tiaocan.testing.storage", "tiaocan.testing.sampler", "tiaocan._numeric.pareto",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
