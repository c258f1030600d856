"""``tiaocan import-optuna``: Optuna studies copied into a tiaocan storage.

Each study keeps its trials (numbers, parameters, values, states, intermediate values as the
learning curve, user attributes, timestamps) and its distributions, turned into a tiaocan
space with conditions learned as define-by-run studies learn them (the categorical values
asked before a parameter), so history, the dashboard, reports and importance read it like a
native study; further trials continue it with ``suggest_*``. Every study is written in one
transaction: an import that fails or is interrupted leaves no half study.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiaocan.errors import ConfigError, StudyNotFoundError
from tiaocan.integration.optuna import optuna, to_direction, to_param, to_state
from tiaocan.parameters import Categorical, Float, Int, Param
from tiaocan.storage import get_storage
from tiaocan.storage.bulk import TrialRow, write_study
from tiaocan.suggest import definition, merge_param
from tiaocan.trial import Report, TrialState

__all__ = ["import_studies", "open_optuna_storage"]

_OPTUNA_TABLES = {"studies", "trials", "trial_params", "version_info"}


def import_studies(source: str, target: Any, study: str | None = None) -> list[str]:
    """Import every study at ``source`` (or the one named ``study``); return their names."""
    storage = open_optuna_storage(source)
    studies = storage.get_all_studies()
    if not studies:
        raise ConfigError(f"{_masked(source)} holds no Optuna study (is it an Optuna journal "
                          "file or storage?); nothing was imported")
    if study is not None:
        studies = [s for s in studies if s.study_name == study]
        if not studies:
            raise StudyNotFoundError(f"no Optuna study named {study!r} in {_masked(source)}")
    destination = get_storage(target)
    taken = {r.name for r in destination.list_studies()}
    clashes = [s.study_name for s in studies if s.study_name in taken]
    if clashes:
        raise ConfigError(f"studies {clashes} already exist in {_masked(destination.url)}; "
                          "delete them or import into another storage (nothing was imported)")
    for frozen in studies:
        _import_one(storage, frozen, destination, source)
    return [s.study_name for s in studies]


def open_optuna_storage(source: str) -> Any:
    """An Optuna storage for a database URL or a journal file (``journal:///PATH`` or a path),
    checked to be Optuna's before anything is read: a foreign file is never modified."""
    if not isinstance(source, str) or not source:
        raise ConfigError("--from must be an Optuna storage URL or a journal file, "
                          f"received {source!r}")
    if source.startswith("journal:") or "://" not in source:
        return _journal(re.sub(r"^journal:(//)?", "", source))
    _check_optuna_tables(source)
    try:
        return optuna.storages.RDBStorage(source, skip_table_creation=True)
    except Exception as exc:  # schema versions, drivers: one line
        raise ConfigError(f"cannot open the Optuna storage {_masked(source)}: "
                          f"{str(exc).splitlines()[0]}") from None


def _journal(path: str) -> Any:
    if not Path(path).is_file():
        raise ConfigError(f"no Optuna journal file at {path!r} (give a storage URL such as "
                          "sqlite:///optuna.db, or the path of a journal file)")
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"SQLite format 3"):
        raise ConfigError(f"{path!r} is a SQLite file: pass it as sqlite:///{path}")
    journal = optuna.storages.journal
    try:
        return journal.JournalStorage(journal.JournalFileBackend(path))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path!r} is not an Optuna journal file: {reason}") from None


def _check_optuna_tables(url: str) -> None:
    import sqlalchemy as sa

    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if not Path(path).is_file():
            raise ConfigError(f"no SQLite file at {path!r}: {url} is not an Optuna storage")
    try:
        engine = sa.create_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
    except Exception as exc:
        raise ConfigError(f"cannot read {_masked(url)}: {str(exc).splitlines()[0]}") from None
    if not _OPTUNA_TABLES <= tables:
        found = sorted(tables)[:6]
        raise ConfigError(f"{_masked(url)} is not an Optuna storage: it lacks Optuna's tables "
                          f"{sorted(_OPTUNA_TABLES - tables)} (it has {found})")


def _import_one(storage: Any, frozen: Any, destination: Any, source: str) -> None:
    from tiaocan.samplers import describe, get_sampler
    from tiaocan.schedulers import get_scheduler
    from tiaocan.seeding import new_study_seed

    trials = storage.get_all_trials(frozen._study_id, deepcopy=False)
    directions = tuple(to_direction(d) for d in frozen.directions)
    space = learned_space(trials)
    rows = [_row(t, len(directions)) for t in trials]
    attrs: dict[str, Any] = {
        "sampler": describe(get_sampler(None)), "scheduler": describe(get_scheduler(None)),
        "fidelity": None, "options": {}, "define_by_run": True,
        "imported": {"from": _masked(source), "study": frozen.study_name,
                     "optuna_version": optuna.__version__},
        **{f"user:{k}": v for k, v in frozen.user_attrs.items()},
    }
    write_study(destination, frozen.study_name, directions=directions, space=space,
                seed=new_study_seed(), attrs=attrs, trials=rows)


def learned_space(trials: Any) -> dict[str, Any]:
    """The space of Optuna trials: each parameter's distributions over all trials joined (a
    range that grew over the study becomes the widest), conditions replayed in each trial's
    order of suggestion."""
    params: dict[str, Param] = {}
    converted: dict[tuple[str, Any], Param] = {}  # Optuna distributions are hashable values
    for t in trials:
        for name, dist in t.distributions.items():
            if (name, dist) in converted:
                continue
            new = converted[name, dist] = to_param(name, dist)
            params[name] = _joined(name, params[name], new) if name in params else new
    space: dict[str, Any] = {"params": []}
    seen: set[tuple[str, tuple[Any, ...]]] = set()  # most trials repeat a shape
    for t in trials:
        context: dict[str, Any] = {}
        for name, value in t.params.items():
            if name not in params:
                continue
            shape = (name, tuple((k, type(v).__name__, v) for k, v in context.items()))
            if shape not in seen:
                seen.add(shape)
                space = merge_param(space, name, params[name], context) or space
            p = params[name]
            if isinstance(p, Categorical) and len(p.choices) > 1:
                context[name] = value
    return space


def _joined(name: str, old: Param, new: Param) -> Param:
    if definition(old) == definition(new):
        return old
    same_scale = (getattr(old, "log", None), getattr(old, "step", None)) == \
        (getattr(new, "log", None), getattr(new, "step", None))
    if isinstance(old, Float) and isinstance(new, Float) and same_scale:
        return Float(min(old.low, new.low), max(old.high, new.high), log=old.log, step=old.step)
    if isinstance(old, Int) and isinstance(new, Int) and same_scale \
            and (new.low - old.low) % old.step == 0:
        return Int(min(old.low, new.low), max(old.high, new.high), log=old.log, step=old.step)
    if isinstance(old, Categorical) and isinstance(new, Categorical):
        extra = tuple(c for c in new.choices if not old.contains(c))
        return Categorical(old.choices + extra)
    raise ConfigError(f"parameter '{name}': its Optuna distributions {definition(old)} and "
                      f"{definition(new)} cannot be joined into one tiaocan parameter")


def _row(trial: Any, n_objectives: int) -> TrialRow:
    state = to_state(trial.state)
    error = None
    if state is TrialState.RUNNING:  # its worker is not tiaocan's: it can never be told
        state, error = TrialState.FAILED, "running in Optuna when the study was imported"
    start = trial.datetime_start.timestamp() if trial.datetime_start else None
    end = trial.datetime_complete.timestamp() if trial.datetime_complete else None
    reports = [] if n_objectives != 1 else [
        Report(step, (float(v),), end or start or 0.0)
        for step, v in sorted(trial.intermediate_values.items()) if _finite(v)]
    values = tuple(float(v) for v in trial.values) if trial.values is not None else None
    if values is not None and not all(_finite(v) for v in values):
        values = None
    if state is TrialState.PRUNED and values is None and reports:
        values = reports[-1].values  # as tiaocan stores a stopped trial
    if state is TrialState.COMPLETE and values is None:
        state, error = TrialState.FAILED, "no finite value in Optuna"
    system = {"optuna": {"number": trial.number, **_json_attrs(trial.system_attrs)}}
    return TrialRow(state=state, params=dict(trial.params), values=values, reports=reports,
                    started_at=start, completed_at=end, user_attrs=_json_attrs(trial.user_attrs),
                    system_attrs=system, error=error)


def _finite(v: Any) -> bool:
    import math

    return isinstance(v, (int, float)) and math.isfinite(v)


def _json_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    from tiaocan.storage.base import to_json

    out = {}
    for k, v in attrs.items():
        try:
            to_json(v)
        except TypeError:
            v = repr(v)
        out[str(k)] = v
    return out


def _masked(url: str) -> str:
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", str(url))  # never print a password
