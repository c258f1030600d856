"""Exceptions raised by tiaocan.

Every exception derives from :class:`TiaocanError`; those caused by bad input also derive
from the builtin a user would catch (``ValueError``, ``LookupError``, ``ImportError``)::

    TiaocanError
    ├── ConfigError (ValueError)          bad space, option or configuration
    │   └── UnregisteredClassError        a stored class that is neither built in nor a plug-in
    ├── StorageError
    │   ├── SchemaVersionError            database written by an unknown schema version
    │   ├── StudyNotFoundError (LookupError)
    │   │   └── StaleStudyError           the study a handle opened was deleted (or replaced)
    │   ├── DuplicateStudyError (ValueError)
    │   └── DuplicateTrialKeyError        another worker claimed the same proposal first
    │       └── TrialNumberTakenError     another worker created the trial number first
    ├── GridExhaustedError                every grid point has been handed out
    ├── MissingExtraError (ImportError)   an optional dependency is not installed
    └── TrialPruned                       raised by an objective to stop its trial early
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "DuplicateStudyError",
    "DuplicateTrialKeyError",
    "GridExhaustedError",
    "MissingExtraError",
    "SchemaVersionError",
    "StorageError",
    "StaleStudyError",
    "StudyNotFoundError",
    "TiaocanError",
    "TrialNumberTakenError",
    "TrialPruned",
    "UnregisteredClassError",
    "check_int",
    "require",
]


class TiaocanError(Exception):
    """Root of every exception raised by tiaocan."""


class ConfigError(TiaocanError, ValueError):
    """A parameter, option or configuration is invalid."""


class UnregisteredClassError(ConfigError):
    """A stored sampler/scheduler/executor names a class outside the registry (never imported)."""


class StorageError(TiaocanError):
    """The storage could not do what was asked."""


class SchemaVersionError(StorageError):
    """The database was written by a schema version this tiaocan does not know."""


class StudyNotFoundError(StorageError, LookupError):
    """No study of that name in the storage."""


class DuplicateStudyError(StorageError, ValueError):
    """A study of that name already exists and ``load_if_exists`` is False."""


class StaleStudyError(StudyNotFoundError):
    """The study a handle opened was deleted (or deleted and re-created under its name)."""


class DuplicateTrialKeyError(StorageError):
    """A trial with the same uniqueness key exists (another worker proposed it first)."""


class TrialNumberTakenError(DuplicateTrialKeyError):
    """The trial number a proposal was drawn for was taken by another worker meanwhile."""


class GridExhaustedError(TiaocanError):
    """The grid sampler has handed out every point of its grid."""


class MissingExtraError(TiaocanError, ImportError):
    """An optional dependency is missing."""


class TrialPruned(TiaocanError):
    """Raise inside an objective to end the trial as PRUNED."""


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` if it is an int (not a bool) of at least ``low``, else a ConfigError naming it.

    >>> check_int("n_trials", 0, 1)
    Traceback (most recent call last):
    ...
    tiaocan.errors.ConfigError: n_trials must be an int >= 1, received 0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, received {value!r}")
    return value


def require(module: str, extra: str, feature: str) -> object:
    """Import an optional module or explain which extra installs it.

    >>> require("json", "core", "JSON")  # doctest: +ELLIPSIS
    <module 'json' ...>
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{feature} needs the optional package '{module.split('.')[0]}'; "
            f'install it with: pip install "tiaocan[{extra}]"'
        ) from exc
