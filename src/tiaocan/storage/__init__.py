"""Storages: in memory, or a SQLite file / PostgreSQL database through SQLAlchemy Core.

>>> storage = get_storage(":memory:")
>>> storage.url
':memory:'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tiaocan.errors import ConfigError
from tiaocan.storage.base import Changes, Storage, StudyRecord
from tiaocan.storage.cache import TrialCache
from tiaocan.storage.memory import InMemoryStorage

__all__ = [
    "DEFAULT_STORAGE",
    "Changes",
    "InMemoryStorage",
    "SQLStorage",
    "Storage",
    "StudyRecord",
    "TrialCache",
    "artifact_root",
    "get_storage",
]

DEFAULT_STORAGE = "sqlite:///tiaocan.db"
_ACCEPTED = "':memory:', 'sqlite:///PATH' or 'postgresql://USER:PASSWORD@HOST/DB'"


def get_storage(storage: str | Storage | None) -> Storage:
    """A storage from a URL (or the storage itself). ``None`` means the default SQLite file."""
    if storage is None:
        storage = DEFAULT_STORAGE
    if not isinstance(storage, str):
        if isinstance(storage, Storage):
            return storage
        raise ConfigError(f"storage must be a URL ({_ACCEPTED}) or a Storage, received {storage!r}")
    if storage == ":memory:":
        return InMemoryStorage()
    scheme = storage.split("://", 1)[0] if "://" in storage else ""
    if scheme.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(f"storage must be {_ACCEPTED}, received {storage!r}")
    if storage in ("sqlite://", "sqlite:///:memory:"):
        raise ConfigError(
            "an in-memory SQLite URL is not shared between connections; use ':memory:' instead"
        )
    from tiaocan.storage.sql import SQLStorage

    return SQLStorage(storage)


def artifact_root(storage: Storage) -> Path:
    """Where checkpoints and logs of a storage's studies go.

    ``TIAOCAN_ARTIFACTS`` overrides; a SQLite file keeps them beside it
    (``tiaocan.db`` → ``tiaocan_artifacts/``); others use ``./tiaocan_artifacts``.
    """
    env = os.environ.get("TIAOCAN_ARTIFACTS")
    if env:
        return Path(env)
    url = storage.url
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///"):])
        return db.with_name(db.stem + "_artifacts")
    if url == ":memory:":
        return Path(tempfile.gettempdir()) / f"tiaocan_artifacts_{os.getpid()}"
    return Path("tiaocan_artifacts")


def __getattr__(name: str) -> object:
    if name == "SQLStorage":  # keep `import tiaocan` free of SQLAlchemy until it is needed
        from tiaocan.storage.sql import SQLStorage

        return SQLStorage
    raise AttributeError(name)
