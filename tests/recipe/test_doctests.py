"""The docstring examples of the recipe and data modules run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

MODULES = [
    "tiaocan.recipe", "tiaocan.recipe.config", "tiaocan.recipe.optim", "tiaocan.recipe.loop",
    "tiaocan.recipe.kfold", "tiaocan.recipe.cv", "tiaocan.recipe.ensemble",
    "tiaocan.recipe.models", "tiaocan.recipe.spaces", "tiaocan.data", "tiaocan.data.inspect",
    "tiaocan.data.clean", "tiaocan.data.augment", "tiaocan.data.features", "tiaocan.data.vocab",
    "tiaocan.data.images",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
