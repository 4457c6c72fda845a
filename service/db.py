"""Database engine, sessions and the column types both SQLite and PostgreSQL agree on."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps none, so values are normalised to UTC
    on the way in and marked UTC on the way out. A naive datetime is a bug, and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=pool_size, max_overflow=pool_size
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and on its own terms; we take over so that a write
    # transaction can start with BEGIN IMMEDIATE (see write_session) and wait for the lock
    # instead of failing with "database is locked" when it upgrades from reading to writing.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


_SQLITE_WRITE_LOCKS: dict[int, threading.RLock] = {}


def _sqlite_write_lock(engine: Engine) -> threading.RLock:
    return _SQLITE_WRITE_LOCKS.setdefault(id(engine), threading.RLock())


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: Any) -> None:
    if transaction.parent is None and (lock := session.info.pop("sqlite_write_lock", None)) is not None:
        lock.release()


def begin_write(session: Session) -> None:
    """Start the session's write transaction.

    On SQLite this takes the write lock up front (BEGIN IMMEDIATE), so concurrent writers queue
    on the busy timeout instead of failing when a reader upgrades; on PostgreSQL it is a plain
    BEGIN. Reads the request made before (authentication, lookups) end with their transaction.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() must come before the transaction's first change")
    if session.in_transaction():
        session.commit()
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        # Threads of one process queue on a lock that wakes the next writer the moment the
        # previous one commits; SQLite's own busy handler would make them poll with sleeps,
        # which showed up as 100+ ms tails under concurrent intake.
        lock = _sqlite_write_lock(engine)
        lock.acquire()
        session.info["sqlite_write_lock"] = lock
    try:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    except BaseException:
        # BEGIN failed (e.g. another process held the database past the busy timeout): no
        # transaction will end to release the lock, so release it here; pop() makes sure it is
        # released once even if SQLAlchemy ended a half-begun transaction already.
        if (held := session.info.pop("sqlite_write_lock", None)) is not None:
            held.release()
        raise


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
