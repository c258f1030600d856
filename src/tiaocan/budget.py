"""A study's shared budget: how many configurations, until when, and a stop signal.

Workers that join a study from other machines (``tiaocan worker``) share one budget stored
with the study, instead of each running its own ``n_trials``:

- ``n_trials``: the study's configurations (retries of a failed or lost trial not counted).
  It is exact: the proposal for trial k is stored only if k is still the next number, and
  the count is taken on the history of every trial below k.
- ``deadline``: no trial starts after it (unix time of the host that set it).
- ``stopped``: set by ``tiaocan stop NAME`` or :func:`stop`; workers finish their running
  trial and leave.

>>> import tiaocan as tc
>>> from tiaocan import budget
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
>>> budget.set_budget(study, n_trials=3)
>>> study.optimize(lambda t: t.params["x"], n_trials=10)   # the shared budget bounds it
>>> len(study.trials)
3
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError

if TYPE_CHECKING:
    from tiaocan.samplers.base import History
    from tiaocan.study import Study

__all__ = ["allows_new_trial", "set_budget", "stop", "stopped"]

_KEY = "budget"


def set_budget(study: Study, n_trials: int | None = None, timeout: float | None = None) -> None:
    """Store the budget every worker of ``study`` shares (replacing any earlier one)."""
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                 or n_trials < 1):
        raise ConfigError(f"n_trials must be a positive int or None, received {n_trials!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0):
        raise ConfigError(f"timeout must be a positive number of seconds or None, received {timeout!r}")
    deadline = time.time() + timeout if timeout is not None else None
    study.storage.set_study_attrs(study.study_id, {_KEY: {"n_trials": n_trials, "deadline": deadline},
                                                   "stopped": False})
    _refresh(study, force=True)


def stop(study: Study) -> None:
    """Ask every worker of ``study`` to leave after its running trial."""
    study.storage.set_study_attrs(study.study_id, {"stopped": True})
    _refresh(study, force=True)


def stopped(study: Study) -> bool:
    """Whether the study was stopped or its deadline passed (re-read at most every second)."""
    attrs = _refresh(study)
    deadline = (attrs.get(_KEY) or {}).get("deadline")
    return bool(attrs.get("stopped")) or (deadline is not None and time.time() >= deadline)


def allows_new_trial(study: Study, history: History) -> bool:
    """Whether the shared budget lets a new configuration start after ``history``."""
    if stopped(study):
        return False
    limit = (study.record.attrs.get(_KEY) or {}).get("n_trials")
    if limit is None:
        return True
    used = sum(1 for t in history.trials if "retry_of" not in t.system_attrs)
    return used < int(limit)


def _refresh(study: Study, force: bool = False) -> Any:
    """The study's attributes, re-read from the storage at most every poll interval."""
    now = time.monotonic()
    if force or now - getattr(study, "_budget_read_at", -float("inf")) >= study.poll_interval:
        study._budget_read_at = now  # type: ignore[attr-defined]
        study.record = study.storage.get_study(study.name)
    return study.record.attrs
