"""The review queue's database: tables, engine and sessions (SQLite by default, PostgreSQL by URL).

One row in `items` is one flagged marker on one note: the unit a reviewer decides. Notes keep
their text here (the item page shows it); every other table refers to notes and items by id, so
that ids, never text, travel through URLs, logs and the audit log.

Times: `written_at` and `deadline` are the archive's naive local time (Europe/Copenhagen);
everything the system stamps itself (`*_at` columns of users, decisions, audit) is naive UTC.
The schema itself is owned by the Alembic migrations in `review/migrations/`; `open_store`
upgrades a database to the newest revision before anything reads it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from review.defaults import DB_URL_ENV, DEFAULT_DB_URL, ROLES  # noqa: F401 (re-exported)

STATUS_OPEN = "open"
STATUS_CONFIRMED = "confirmed"
STATUS_DISMISSED = "dismissed"
STATUS_ESCALATED = "escalated"
STATUSES: tuple[str, ...] = (STATUS_OPEN, STATUS_CONFIRMED, STATUS_DISMISSED, STATUS_ESCALATED)
DECIDED_STATUSES: tuple[str, ...] = (STATUS_CONFIRMED, STATUS_DISMISSED, STATUS_ESCALATED)


def utcnow() -> datetime:
    """Naive UTC: what every system-stamped column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StoredNote(Base):
    """A journal note as read from the archive, plus what the latest scan said about the note as a whole."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    note_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    team: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    child_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # From the latest flags for this note (None until a flag file mentions it).
    scanned_model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    concern_types_json: Mapped[str] = mapped_column(Text, default="[]")
    loaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_notes_team_written_at", "team", "written_at"),)

    @property
    def concern_types(self) -> list[str]:
        return json.loads(self.concern_types_json or "[]")


class Item(Base):
    """One flagged marker on one note: the reviewer's unit of work.

    `version` grows with every change of status, claim or flag; a decision names the version
    its reviewer saw, which is how a decision made on a stale page is caught as a conflict.
    Team, note type, case and times are copied from the note so the queue sorts and filters
    on one indexed table.
    """

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_pk: Mapped[int] = mapped_column(ForeignKey("notes.id"))
    marker: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    evidence_json: Mapped[str] = mapped_column(Text)
    concern_types_json: Mapped[str] = mapped_column(Text, default="[]")
    fingerprint: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # flagged by the latest scan
    status: Mapped[str] = mapped_column(String(20), default=STATUS_OPEN)
    priority_class: Mapped[int] = mapped_column(SmallInteger)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    written_at: Mapped[datetime] = mapped_column(DateTime)
    case_id: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    change_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)  # changed | withdrawn | reflagged
    changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    changed_after_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("note_pk", "marker", name="uq_items_note_marker"),
        Index("ix_items_queue", "active", "status", "priority_class", "deadline", "score"),
        Index("ix_items_order", "priority_class", "deadline", "score"),
        # Covers every column the queue filters its counts by, so counting never reads the table.
        Index(
            "ix_items_counts", "active", "status", "marker", "team", "note_type", "written_at",
            "claimed_by_id", "decided_by_id",
        ),
        # The few items in conflict or changed after a decision, counted without a scan.
        Index("ix_items_conflict", "marker", sqlite_where=text("conflict IS 1"), postgresql_where=text("conflict IS true")),
        Index(
            "ix_items_changed", "marker",
            sqlite_where=text("changed_after_decision IS 1"), postgresql_where=text("changed_after_decision IS true"),
        ),
        Index("ix_items_marker_queue", "marker", "active", "status", "priority_class", "deadline"),
        Index("ix_items_team_queue", "team", "active", "status", "priority_class", "deadline"),
        Index("ix_items_note_type", "note_type"),
        Index("ix_items_case", "case_id"),
        Index("ix_items_written_at", "written_at"),
        Index("ix_items_claimed_by", "claimed_by_id"),
        Index("ix_items_decided_by", "decided_by_id"),
    )

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return json.loads(self.evidence_json)

    @property
    def concern_types(self) -> list[str]:
        return json.loads(self.concern_types_json or "[]")


class QueueState(Base):
    """One row whose `generation` grows with every change to the queue (load, decision, claim).

    The queue page caches its counts per generation: reading this row costs a primary-key
    lookup, recounting 100,000 items costs a scan. Every process that writes items bumps it in
    the same transaction, so a cache can never outlive the data it counted.
    """

    __tablename__ = "queue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


def bump_generation(session: Session) -> None:
    session.execute(update(QueueState).where(QueueState.id == 1).values(generation=QueueState.generation + 1))


def current_generation(session: Session) -> int:
    return session.execute(select(QueueState.generation).where(QueueState.id == 1)).scalar() or 0


class Decision(Base):
    """A reviewer's decision or comment. Append-only: a later decision adds a row, never edits one."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # confirm | dismiss | escalate | comment
    reason_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    escalated_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    seen_version: Mapped[int] = mapped_column(Integer)
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str] = mapped_column(String(200))
    flag_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, when, to which case. Append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    note_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def detail(self) -> dict[str, Any]:
        return json.loads(self.detail_json or "{}")


class WebSession(Base):
    """A login. The browser holds a random token; only its SHA-256 is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    """Every login attempt, for the rate limit (per user name and per client address)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    name: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_login_attempts_name_at", "name", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )


class Scan(Base):
    """One loaded flag file, so a reload of the same file is recognised and every load is accounted for."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_name: Mapped[str] = mapped_column(String(500))
    models: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notes: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_changed: Mapped[int] = mapped_column(Integer, default=0)
    items_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)


# --- engine and sessions -----------------------------------------------------------------


def resolve_db_url(value: str | None) -> str:
    """Turn `--db` into a SQLAlchemy URL: a plain path means SQLite; PostgreSQL uses psycopg 3."""
    value = value or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL
    if "://" not in value:
        return f"sqlite:///{Path(value)}"
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://"):]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    return value


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine that never puts statement parameters (note text) into error messages.

    SQLite gets WAL (readers do not block the writer), a busy timeout, foreign keys, and
    driver-level transaction control so that writes can take the write lock up front
    (`BEGIN IMMEDIATE`), which is what makes concurrent decisions wait instead of fail.
    """
    url = resolve_db_url(url)
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {"hide_parameters": True, "future": True}
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-32000")  # 32 MB of pages per connection
        cursor.execute("PRAGMA mmap_size=268435456")  # read the file through the OS page cache
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Store:
    """An upgraded database: `session()` for reads, `write_session()` for transactions that write."""

    url: str
    engine: Engine

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine
        if self.is_sqlite:
            writer = self.engine.execution_options(sqlite_immediate=True)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return self._read()

    def write_session(self) -> Session:
        return self._write()

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the database at `url` (see `resolve_db_url`), upgraded to the newest schema."""
    resolved = resolve_db_url(url)
    if resolved.startswith("sqlite:///") and resolved != "sqlite:///:memory:":
        path = Path(resolved[len("sqlite:///"):])
        if str(path.parent) and not path.parent.exists():
            raise FileNotFoundError(f"folder {path.parent} for the database does not exist")
        if not path.exists():
            # Case files: readable by this user only (SQLite gives its -wal/-shm files the same mode).
            path.touch(mode=0o600)
    engine = make_engine(resolved)
    if migrate:
        from review.migrate import upgrade_to_head

        upgrade_to_head(engine)
    return Store(url=resolved, engine=engine)


def ping(store: Store) -> None:
    with store.session() as session:
        session.execute(text("SELECT 1"))
