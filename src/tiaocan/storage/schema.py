"""Tables of the relational storage (SQLAlchemy Core; the same schema for SQLite and PostgreSQL).

Every change to a trial takes the study's next ``seq`` (the study row is locked while it
does), reports are append-only rows with their own ``seq``, so readers ask for rows with
``seq`` above their cursor and never reload a study.

Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL), so a handle kept
across a deletion finds nothing rather than another study's rows. SQLite files written before
AUTOINCREMENT keep their tables; :class:`~tiaocan.storage.sql.SQLStorage` then hands out ids
above a high-water mark kept in ``tiaocan_meta`` (``max_study_id``, ``max_trial_id``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["meta", "metadata", "reports", "studies", "trials"]

metadata = MetaData()

meta = Table(
    "tiaocan_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

studies = Table(
    "tiaocan_studies",
    metadata,
    Column("study_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(512), nullable=False, unique=True),
    Column("directions", Text, nullable=False),
    Column("space", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("attrs", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("n_trials", Integer, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False, default=0),
    sqlite_autoincrement=True,  # ids are never reused: a stale handle cannot reach a new study
)

trials = Table(
    "tiaocan_trials",
    metadata,
    Column("trial_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "study_id",
        Integer,
        ForeignKey("tiaocan_studies.study_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("params", Text, nullable=False),
    Column("values_", Text),
    Column("seed", BigInteger, nullable=False),
    Column("budget", Double),
    Column("key", String(512)),
    Column("user_attrs", Text, nullable=False),
    Column("system_attrs", Text, nullable=False),
    Column("error", Text),
    Column("started_at", Double),
    Column("completed_at", Double),
    Column("heartbeat_at", Double),
    Column("seq", BigInteger, nullable=False),
    UniqueConstraint("study_id", "number", name="uq_trial_number"),
    UniqueConstraint("study_id", "key", name="uq_trial_key"),
    Index("ix_trials_study_seq", "study_id", "seq"),
    Index("ix_trials_study_state", "study_id", "state"),
    sqlite_autoincrement=True,
)

reports = Table(
    "tiaocan_reports",
    metadata,
    Column("report_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "study_id",
        Integer,
        ForeignKey("tiaocan_studies.study_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "trial_id",
        Integer,
        ForeignKey("tiaocan_trials.trial_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", BigInteger, nullable=False),
    Column("step", Double, nullable=False),
    Column("values_", Text, nullable=False),
    Column("at", Double, nullable=False),
    Index("ix_reports_study_seq", "study_id", "seq"),
    sqlite_autoincrement=True,
)
