"""Storages: in memory, or a SQLite file / PostgreSQL database through SQLAlchemy Core.

>>> storage = get_storage(":memory:")
>>> storage.url
':memory:'
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from tiaocan.errors import ConfigError, StorageError
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
    "shown_url",
]

DEFAULT_STORAGE = "sqlite:///tiaocan.db"
_ACCEPTED = "':memory:', 'sqlite:///PATH' or 'postgresql://USER:PASSWORD@HOST/DB'"


# user:password@ up to the last @: a password with @, spaces or quotes is hidden too (at worst
# with some text after it)
_PASSWORD = re.compile(r"(\b[A-Za-z][\w+.-]*://[^:/]*):(?:[^@]*@)+")


def shown_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (for printing).

    >>> shown_url("postgresql://me:secret@db.example/tiaocan")
    'postgresql://me:***@db.example/tiaocan'
    """
    return _PASSWORD.sub(r"\1:***@", str(text))


def get_storage(storage: str | Storage | None, *, must_exist: bool = False) -> Storage:
    """A storage from a URL (or the storage itself). ``None`` means the default SQLite file.

    With ``must_exist``, a SQLite file that does not exist is a StorageError instead of being
    created (read-only commands never create a database).
    """
    if storage is None:
        storage = DEFAULT_STORAGE
    if not isinstance(storage, str):
        if isinstance(storage, Storage):
            return storage
        raise ConfigError(f"storage must be a URL ({_ACCEPTED}) or a Storage, "
                          f"received {type(storage).__name__}")
    if storage == ":memory:":
        return InMemoryStorage()
    if "\x00" in storage:
        raise ConfigError(f"storage URL must not contain a NUL character, received "
                          f"{shown_url(storage)!r:.200}")
    scheme = storage.split("://", 1)[0] if "://" in storage else ""
    if scheme.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(f"storage must be {_ACCEPTED}, received {shown_url(storage)!r:.200}")
    if must_exist and scheme.startswith("sqlite"):
        path = storage.split("://", 1)[1][1:].split("?", 1)[0]
        if path and path != ":memory:" and not Path(path).is_file():
            raise StorageError(f"no database file at {path!r} (storage {shown_url(storage)!r}); "
                               "check --storage: this command does not create one")
    if storage.split("?", 1)[0] in ("sqlite://", "sqlite:///:memory:"):
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
