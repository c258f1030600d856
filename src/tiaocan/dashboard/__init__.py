"""A read-only web dashboard over a storage: ``tiaocan dashboard --storage URL``.

Needs ``pip install "tiaocan[dashboard]"`` (starlette, uvicorn, plotly).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve", "write_report"]


def create_app(storage: Any) -> Any:
    from tiaocan.dashboard.app import create_app as _create

    return _create(storage)


def serve(storage: Any, host: str = "127.0.0.1", port: int = 8080,
          allow_hosts: tuple[str, ...] = ()) -> None:
    from tiaocan.dashboard.app import serve as _serve

    _serve(storage, host, port, allow_hosts)


def write_report(study: Any, path: Any) -> Any:
    from tiaocan.dashboard.report import write_report as _write

    return _write(study, path)
