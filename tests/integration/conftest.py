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
