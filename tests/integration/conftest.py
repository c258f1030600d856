"""Integration tests train real models on 2 shared cores: one BLAS/OpenMP thread each, since
oversubscribed BLAS threads make tiny fits many times slower (spinning, not computing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it, the libraries' own defaults apply
        yield
        return
    with threadpool_limits(limits=1):
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """SearchCV declares no array-API support, so scikit-learn's array-API checks (which skip
    without an array library) have nothing to check here: they are deselected, not skipped."""
    kept = [item for item in items if "check_array_api" not in item.name]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
