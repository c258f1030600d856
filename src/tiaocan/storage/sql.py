"""Relational storage: one SQLAlchemy Core implementation for SQLite and PostgreSQL.

Concurrency: every write transaction first bumps the study row's ``seq`` (on SQLite the
transaction starts with ``BEGIN IMMEDIATE``; on PostgreSQL the row lock serialises writers of
one study), so trial numbers are dense, uniqueness keys are checked race-free and the
sequence numbers readers see are committed in order. Transient "database is locked" and
serialisation failures are retried with back-off and never reach the user.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from tiaocan.errors import (
    DuplicateStudyError,
    DuplicateTrialKeyError,
    SchemaVersionError,
    StaleStudyError,
    StorageError,
    StudyNotFoundError,
    TrialNumberTakenError,
)
from tiaocan.seeding import trial_seed
from tiaocan.storage import decode as decode_
from tiaocan.storage import shown_url
from tiaocan.storage.base import SCHEMA_VERSION, UNSET, Changes, StudyRecord, to_json
from tiaocan.storage.schema import meta, metadata, reports, studies, trials
from tiaocan.trial import Direction, FrozenTrial, Report, TrialState

__all__ = ["SQLStorage"]

T = TypeVar("T")
_RETRY_SECONDS = 120.0


class SQLStorage:
    """Storage in a SQLite file or a PostgreSQL database, given a SQLAlchemy URL."""

    def __init__(self, url: str, *, engine_kwargs: Mapping[str, Any] | None = None) -> None:
        self.url = url
        self._shown = shown_url(url)  # what messages print: the password hidden
        self._sqlite = url.startswith("sqlite")
        driver_url = _driver_url(url)
        kwargs: dict[str, Any] = dict(engine_kwargs or {})
        if self._sqlite:
            kwargs.setdefault("connect_args", {"timeout": 60.0, "check_same_thread": False})
        else:
            kwargs.setdefault("pool_pre_ping", True)
        try:
            with warnings.catch_warnings():  # an ignored URL option is a mistake to report
                warnings.simplefilter("error", sa.exc.SAWarning)
                self._engine: Engine = sa.create_engine(driver_url, **kwargs)
        except (sa.exc.ArgumentError, sa.exc.SAWarning, ImportError, ValueError) as exc:
            # ValueError: a URL the driver cannot split (a port that is not a number, ...)
            raise StorageError(shown_url(f"cannot open storage {url!r}: {exc}")) from exc
        # A storage dropped without close() (a Study handle going out of scope) still returns
        # its pooled connections instead of leaving them to the garbage collector.
        weakref.finalize(self, self._engine.dispose)
        _forget_pool_in_forked_children(self._engine)
        if self._sqlite:
            _configure_sqlite(self._engine)
        try:
            self._retry(self._init_schema)
        except (UnicodeError, ValueError) as exc:  # a host the resolver refuses ('.', '-a..b')
            raise StorageError(shown_url(f"cannot connect to storage {url!r}: {exc}")) from exc
        self._reuses_ids = self._sqlite and self._retry(self._tables_reuse_ids)

    # Plumbing --------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(tiaocan_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            if not self._sqlite:
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _retry(self, fn: Callable[[], T]) -> T:
        deadline = time.monotonic() + _RETRY_SECONDS
        delay = 0.005
        while True:
            try:
                return fn()
            except (OperationalError, DBAPIError) as exc:
                if isinstance(exc, IntegrityError) or not _transient(exc):
                    raise StorageError(shown_url(f"storage {self._shown!r} failed: {exc.orig}")) from exc
                if time.monotonic() > deadline:
                    raise StorageError(f"storage {self._shown!r} stayed busy: {exc.orig}") from exc
                time.sleep(delay * (1.0 + random.random()))
                delay = min(delay * 2.0, 0.5)

    def _init_schema(self) -> None:
        with self._write() as conn:
            if not self._sqlite:  # concurrent first opens must not race on CREATE TABLE
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7391026)"))
            metadata.create_all(conn, checkfirst=True)
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
            if row is None:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif row[0] != str(SCHEMA_VERSION):
                raise SchemaVersionError(
                    f"the database {self._shown!r} has schema version {row[0]}; this tiaocan "
                    f"reads version {SCHEMA_VERSION}. Use the tiaocan release that wrote it."
                )

    def _tables_reuse_ids(self) -> bool:
        """Whether this SQLite file's tables predate AUTOINCREMENT (SQLite then reuses the
        largest id once its row is deleted)."""
        with self._read() as conn:
            sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :n"),
                               {"n": studies.name}).scalar()
        return "AUTOINCREMENT" not in str(sql).upper()

    def _next_id(self, conn: Connection, column: sa.Column[Any], key: str) -> dict[str, int]:
        """An explicit id above every id ever handed out, for files that reuse ids (the mark
        lives in tiaocan_meta); an empty dict where the database never reuses ids."""
        if not self._reuses_ids:
            return {}
        mark = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()
        top = conn.execute(sa.select(sa.func.max(column))).scalar()
        new = max(int(mark or 0), int(top or 0)) + 1
        if mark is None:
            conn.execute(meta.insert().values(key=key, value=str(new)))
        else:
            conn.execute(meta.update().where(meta.c.key == key).values(value=str(new)))
        return {column.name: new}

    def _bump(self, conn: Connection, study_id: int, new_trial: bool = False) -> sa.Row[Any]:
        values: dict[str, Any] = {"seq": studies.c.seq + 1}
        if new_trial:
            values["n_trials"] = studies.c.n_trials + 1
        row = conn.execute(
            studies.update().where(studies.c.study_id == study_id).values(**values)
            .returning(studies.c.seq, studies.c.n_trials, studies.c.seed)
        ).first()
        if row is None:
            raise _stale_study(study_id, self._shown)
        return row

    # Studies ---------------------------------------------------------------------------
    def create_study(
        self, name: str, *, directions: Sequence[Direction], space: Mapping[str, Any],
        seed: int, attrs: Mapping[str, Any],
    ) -> StudyRecord:
        row = {
            "name": name, "directions": to_json([d.value for d in directions]),
            "space": to_json(space), "seed": int(seed), "attrs": to_json(attrs),
            "created_at": time.time(), "n_trials": 0, "seq": 0,
        }

        def run() -> None:
            with self._write() as conn:
                exists = conn.execute(sa.select(studies.c.study_id).where(studies.c.name == name)).first()
                if exists is None:
                    try:
                        conn.execute(studies.insert().values(
                            **row, **self._next_id(conn, studies.c.study_id, "max_study_id")))
                        return
                    except IntegrityError:  # another process created it since the check
                        pass
                raise DuplicateStudyError(f"a study named {name!r} already exists in {self._shown}")

        self._retry(run)
        return self.get_study(name)

    def get_study(self, name: str) -> StudyRecord:
        def run() -> StudyRecord:
            with self._read() as conn:
                row = conn.execute(sa.select(studies).where(studies.c.name == name)).first()
            if row is None:
                raise StudyNotFoundError(f"no study named {name!r} in {self._shown}")
            return _study_record(row)

        return self._retry(run)

    def list_studies(self) -> list[StudyRecord]:
        def run() -> list[StudyRecord]:
            with self._read() as conn:
                rows = conn.execute(sa.select(studies).order_by(studies.c.study_id)).all()
            return [_study_record(r) for r in rows]

        return self._retry(run)

    def delete_study(self, name: str) -> None:
        def run() -> None:
            with self._write() as conn:
                sid = conn.execute(sa.select(studies.c.study_id).where(studies.c.name == name)).scalar()
                if sid is None:
                    raise StudyNotFoundError(f"no study named {name!r} in {self._shown}")
                conn.execute(reports.delete().where(reports.c.study_id == sid))
                conn.execute(trials.delete().where(trials.c.study_id == sid))
                conn.execute(studies.delete().where(studies.c.study_id == sid))

        self._retry(run)

    def set_study_attrs(self, study_id: int, attrs: Mapping[str, Any]) -> None:
        to_json(attrs)

        def run() -> None:
            with self._write() as conn:
                self._bump(conn, study_id)
                old = conn.execute(sa.select(studies.c.attrs).where(studies.c.study_id == study_id)).scalar_one()
                merged = {**json.loads(old), **attrs}
                conn.execute(studies.update().where(studies.c.study_id == study_id)
                             .values(attrs=to_json(merged)))

        self._retry(run)

    def update_space(self, study_id: int,
                     merge: Callable[[Mapping[str, Any]], Mapping[str, Any] | None]) -> Mapping[str, Any]:
        """Replace the study's space by ``merge(stored space)`` in one transaction (unchanged
        when it returns None), so workers adding parameters concurrently lose none."""

        def run() -> Mapping[str, Any]:
            with self._write() as conn:
                self._bump(conn, study_id)
                old = json.loads(conn.execute(sa.select(studies.c.space)
                                              .where(studies.c.study_id == study_id)).scalar_one())
                new = merge(old)
                if new is None:
                    return old  # type: ignore[no-any-return]
                conn.execute(studies.update().where(studies.c.study_id == study_id)
                             .values(space=to_json(new)))
                return new

        return self._retry(run)

    def count_trials(self, study_id: int) -> dict[TrialState, int]:
        def run() -> dict[TrialState, int]:
            with self._read() as conn:
                rows = conn.execute(
                    sa.select(trials.c.state, sa.func.count()).where(trials.c.study_id == study_id)
                    .group_by(trials.c.state)
                ).all()
            counts = dict.fromkeys(TrialState, 0)
            counts.update(decode_.checked("trial state", lambda: {decode_.state(s): int(n) for s, n in rows}))
            return counts

        return self._retry(run)

    # Trials ----------------------------------------------------------------------------
    def create_trial(
        self, study_id: int, *, params: Mapping[str, Any], state: TrialState,
        budget: float | None = None, key: str | None = None,
        system_attrs: Mapping[str, Any] | None = None, expect_number: int | None = None,
    ) -> FrozenTrial:
        params_json, attrs_json = to_json(params), to_json(system_attrs or {})

        def run() -> int:
            with self._write() as conn:
                seq, n_trials, study_seed = tuple(self._bump(conn, study_id, new_trial=True))
                if key is not None and conn.execute(
                    sa.select(trials.c.trial_id).where(trials.c.study_id == study_id, trials.c.key == key)
                ).first():
                    raise DuplicateTrialKeyError(f"trial key {key!r} is taken in study {study_id}")
                now = time.time()
                number = int(n_trials) - 1
                if expect_number is not None and number != expect_number:
                    raise TrialNumberTakenError(f"trial number {expect_number} is taken in study {study_id}")
                result = conn.execute(trials.insert().values(
                    **self._next_id(conn, trials.c.trial_id, "max_trial_id"), study_id=study_id, number=number, state=state.value, params=params_json,
                    seed=trial_seed(int(study_seed), number), budget=budget, key=key,
                    user_attrs="{}", system_attrs=attrs_json, seq=seq, heartbeat_at=self._db_now(),
                    started_at=now if state is TrialState.RUNNING else None,
                ))
                return int(result.inserted_primary_key[0])  # type: ignore[index]

        try:
            trial_id = self._retry(run)
        except StorageError as exc:
            if isinstance(exc.__cause__, IntegrityError) and key is not None:
                raise DuplicateTrialKeyError(f"trial key {key!r} is taken") from exc
            raise
        created = self._get_trial_or_none(trial_id)
        if created is None:  # the study was deleted between the insert and this read
            raise _stale_study(study_id, self._shown)
        return created

    def _get_trial_or_none(self, trial_id: int) -> FrozenTrial | None:
        with self._read() as conn:
            row = conn.execute(sa.select(trials).where(trials.c.trial_id == trial_id)).first()
        return None if row is None else _trial_record(row)

    def _get_trial(self, trial_id: int) -> FrozenTrial:
        found = self._get_trial_or_none(trial_id)
        if found is None:
            raise StorageError(f"no trial with id {trial_id} in {self._shown}")
        return found

    def update_trial(
        self, trial_id: int, *, expect: Sequence[TrialState] | None = None,
        expect_budget: float | None = UNSET, state: TrialState = UNSET, values: tuple[float, ...] | None = UNSET,
        budget: float | None = UNSET, error: str | None = UNSET,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
    ) -> bool:
        to_json(user_attrs or {}), to_json(system_attrs or {})
        study_id = self._retry(lambda: self._study_of(trial_id))

        def run() -> bool:
            with self._write() as conn:
                seq = self._bump(conn, study_id)[0]
                row = conn.execute(sa.select(trials.c.state, trials.c.budget, trials.c.user_attrs,
                                             trials.c.system_attrs)
                                   .where(trials.c.trial_id == trial_id)).first()
                if row is None:
                    raise StorageError(f"no trial with id {trial_id} in {self._shown}")
                if expect is not None and TrialState(row.state) not in expect:
                    return False
                if expect_budget is not UNSET and _num(row.budget) != expect_budget:
                    return False
                changes = _trial_changes(row, state, values, budget, error, user_attrs, system_attrs)
                if "heartbeat_at" in changes:  # liveness is measured on the database's clock
                    changes["heartbeat_at"] = self._db_now()
                conn.execute(trials.update().where(trials.c.trial_id == trial_id).values(
                    seq=seq, **changes))
                return True

        return self._retry(run)

    def set_trial_params(self, trial_id: int, params: Mapping[str, Any]) -> None:
        """Replace a trial's parameters (define-by-run trials add them as they ask)."""
        params_json = to_json(params)
        study_id = self._retry(lambda: self._study_of(trial_id))

        def run() -> None:
            with self._write() as conn:
                seq = self._bump(conn, study_id)[0]
                conn.execute(trials.update().where(trials.c.trial_id == trial_id)
                             .values(params=params_json, seq=seq))

        self._retry(run)

    def _study_of(self, trial_id: int) -> int:
        with self._read() as conn:
            sid = conn.execute(sa.select(trials.c.study_id).where(trials.c.trial_id == trial_id)).scalar()
        if sid is None:
            raise StaleStudyError(f"no trial with id {trial_id} in {self._shown}: its study was "
                                  "deleted; open the study again with load_study")
        return int(sid)

    def add_report(self, trial_id: int, step: float, values: tuple[float, ...]) -> None:
        study_id = self._retry(lambda: self._study_of(trial_id))

        def run() -> None:
            with self._write() as conn:
                seq = self._bump(conn, study_id)[0]
                conn.execute(reports.insert().values(
                    study_id=study_id, trial_id=trial_id, seq=seq, step=float(step),
                    values_=to_json(list(values)), at=time.time()))
                conn.execute(trials.update().where(trials.c.trial_id == trial_id).values(seq=seq))

        self._retry(run)

    # Liveness ------------------------------------------------------------------------
    def _db_now(self) -> Any:
        """The database server's unix time as a SQL expression: heartbeats are written and
        compared on one clock, so workers on hosts with skewed clocks never fail each other."""
        if self._sqlite:  # one machine: SQLite's clock is the host's
            return (sa.func.julianday("now") - 2440587.5) * 86400.0
        return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Double)

    def heartbeat(self, trial_id: int) -> None:
        def run() -> None:
            with self._write() as conn:
                conn.execute(trials.update().where(trials.c.trial_id == trial_id)
                             .values(heartbeat_at=self._db_now()))

        self._retry(run)

    def stale_trials(self, study_id: int, grace: float) -> list[int]:
        def run() -> list[int]:
            with self._read() as conn:
                return [int(r[0]) for r in conn.execute(sa.select(trials.c.trial_id).where(
                    trials.c.study_id == study_id, trials.c.state == TrialState.RUNNING.value,
                    trials.c.heartbeat_at < self._db_now() - float(grace)))]

        return self._retry(run)

    def read_changes(self, study_id: int, cursor: int) -> Changes:
        def run() -> Changes:
            with self._read() as conn:
                top = conn.execute(sa.select(studies.c.seq).where(studies.c.study_id == study_id)).scalar()
                if top is None:
                    raise _stale_study(study_id, self._shown)
                rows = conn.execute(sa.select(trials).where(
                    trials.c.study_id == study_id, trials.c.seq > cursor).order_by(trials.c.number)).all()
                rep = conn.execute(sa.select(reports.c.trial_id, reports.c.step, reports.c.values_,
                                             reports.c.at).where(
                    reports.c.study_id == study_id, reports.c.seq > cursor, reports.c.seq <= top)
                    .order_by(reports.c.seq)).all()
            return Changes(_trial_records(rows), _report_records(rep), int(top))

        return self._retry(run)

    def close(self) -> None:
        self._engine.dispose()


def _stale_study(study_id: int, url: str) -> StaleStudyError:
    return StaleStudyError(f"the study with id {study_id} no longer exists in {url}: it was "
                           "deleted (perhaps re-created under its name); this handle writes "
                           "nothing more; open the study again with load_study")


# Row conversion ------------------------------------------------------------------------
def _num(x: float | None) -> Any:
    """Integral floats come back as ints (steps and budgets are usually epochs)."""
    if x is None:
        return None
    return int(x) if float(x).is_integer() else float(x)


def _study_record(row: sa.Row[Any]) -> StudyRecord:
    def decode() -> StudyRecord:
        decode_.numbers([row], "study_id", "seed", "created_at")
        return StudyRecord(
            study_id=int(row.study_id), name=str(row.name), directions=decode_.directions(row.directions),
            space=decode_.json_object(json.loads(row.space), "space"), seed=int(row.seed),
            created_at=float(row.created_at),
            attrs=decode_.json_object(json.loads(row.attrs), "attrs"),
        )

    return decode_.checked(f"study row {row.name!r:.80}", decode)


def _json_column(texts: Sequence[str | None]) -> list[Any]:
    """Decode a column of JSON texts with one parse: per-call overhead dominates otherwise."""
    return json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")  # type: ignore[no-any-return]


def _trial_records(rows: Sequence[Any]) -> list[FrozenTrial]:
    if not rows:
        return []
    return decode_.checked("trial row", lambda: _decode_trials(rows))


def _decode_trials(rows: Sequence[Any]) -> list[FrozenTrial]:
    # one parse per column: a malformed text makes the whole column fail to parse
    params = _json_column([r.params for r in rows])
    values = _json_column([r.values_ for r in rows])
    user = _json_column([r.user_attrs for r in rows])
    system = _json_column([r.system_attrs for r in rows])
    decode_.numbers(rows, "number", "trial_id", "seed", "budget", "started_at", "completed_at")
    out = []
    for r, p, v, u, sa_ in zip(rows, params, values, user, system):
        state = decode_.state(r.state)
        vals = decode_.values(v)
        if state is TrialState.COMPLETE and vals is None:
            raise ValueError(f"trial {r.number} is complete without values")
        out.append(FrozenTrial(
            number=int(r.number), trial_id=int(r.trial_id), state=state,
            params=decode_.json_object(p, "params"), seed=int(r.seed), values=vals,
            budget=_num(r.budget), started_at=r.started_at, completed_at=r.completed_at,
            user_attrs=decode_.json_object(u, "user_attrs"),
            system_attrs=decode_.json_object(sa_, "system_attrs"),
            error=r.error if r.error is None else str(r.error), key=r.key,
        ))
    return out


def _trial_record(row: Any) -> FrozenTrial:
    return _trial_records([row])[0]


def _report_records(rows: Sequence[Any]) -> list[tuple[int, Report]]:
    def decode() -> list[tuple[int, Report]]:
        values = _json_column([r.values_ for r in rows])
        decode_.numbers(rows, "trial_id", "step", "at")
        return [(int(r.trial_id), Report(_num(r.step), decode_.report_values(v), r.at))
                for r, v in zip(rows, values)]

    return decode_.checked("report row", decode) if rows else []


def _trial_changes(
    row: Any, state: Any, values: Any, budget: Any, error: Any,
    user_attrs: Mapping[str, Any] | None, system_attrs: Mapping[str, Any] | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    now = time.time()
    if state is not UNSET:
        out["state"] = state.value
        if state is TrialState.RUNNING:
            out.update(started_at=now, completed_at=None, heartbeat_at=now)
        elif state.is_finished:
            out["completed_at"] = now
    if values is not UNSET:
        out["values_"] = None if values is None else to_json(list(values))
    if budget is not UNSET:
        out["budget"] = budget
    if error is not UNSET:
        out["error"] = error
    if user_attrs:
        out["user_attrs"] = to_json({**json.loads(row.user_attrs), **user_attrs})
    if system_attrs:
        out["system_attrs"] = to_json({**json.loads(row.system_attrs), **system_attrs})
    return out


# Engines -------------------------------------------------------------------------------
def _driver_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _forget_pool_in_forked_children(engine: Engine) -> None:
    """A forked worker process must not use (or close) the parent's pooled connections: it
    would talk on the parent's sockets. It drops them unclosed and opens its own."""
    if not hasattr(os, "register_at_fork"):
        return
    ref = weakref.ref(engine)

    def after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=after_fork)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver must not open transactions itself: we issue BEGIN (IMMEDIATE) below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fsync at checkpoints
        for _ in range(200):  # switching to WAL needs a moment without other writers
            try:
                cur.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError:  # database is locked
                time.sleep(0.01)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front, so two writers never deadlock on a lock upgrade.
        write = conn.get_execution_options().get("tiaocan_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _transient(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return (
        "database is locked" in text or "database is busy" in text or "deadlock" in text
        or code in {"40001", "40P01", "55P03", "57P01", "08006", "08001"}
        or exc.connection_invalidated
    )
