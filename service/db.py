"""Database engine, sessions and the column types both SQLite and PostgreSQL agree on."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import Connection, DateTime, Engine, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool


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


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core Table, for Core inserts and column sets: SQLAlchemy sets
    ``__table__`` on every ``table=True`` class, but SQLModel's typing does not declare it."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The id of a row read from (or flushed to) the database, which always has one: the models
    type ``id`` as Optional only because a new object has none until it is inserted."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has not been stored: it has no id yet")
    return row.id


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, write_wait_seconds: float | None = None) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
        if write_wait_seconds is not None:
            set_write_wait(engine, write_wait_seconds)
        return engine
    # hide_parameters: a database error's message never carries bound values (webhook secrets,
    # report texts) into logs or tracebacks
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True)


_BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE_BUSY_MS = 2
_WRITE_LOCK_POLL_SECONDS = 0.002


def _database_is_locked(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)


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
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        if mode != "IMMEDIATE":
            connection.exec_driver_sql(f"BEGIN {mode}".strip())
            return
        # A writer asks for the lock with a short busy timeout and begin_write() retries in
        # Python every few milliseconds: SQLite's own busy handler backs off to 100 ms sleeps, so
        # a process that writes in a tight loop (the dispatch worker draining a burst) would keep
        # winning the lock and starve the API's writers.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={_IMMEDIATE_BUSY_MS}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


class DatabaseBusy(Exception):
    """The write lock was not free within the bound: the request is refused (503, Retry-After),
    never left waiting without end."""

    def __init__(self, waited_seconds: float):
        super().__init__(f"the database was busy with other writes for {waited_seconds:.1f} s")
        self.waited_seconds = waited_seconds


# The in-process queue of SQLite writers. A plain Lock, not an RLock: the lock belongs to the
# write transaction, not to a thread. A request takes it in one thread-pool thread and its
# session may end in another (get_session closes it wherever the dependency's cleanup runs), so
# an owner-checked lock could not be released there, leaked, and hung every later write.
_SQLITE_WRITE_LOCKS: dict[int, threading.Lock] = {}
_DEFAULT_WRITE_WAIT_SECONDS = 10.0


def _sqlite_write_lock(engine: Engine | Connection) -> threading.Lock:
    return _SQLITE_WRITE_LOCKS.setdefault(id(engine), threading.Lock())


_WRITE_WAIT_SECONDS: dict[int, float] = {}


def set_write_wait(engine: Engine, seconds: float) -> None:
    """How long a writer waits for the lock before DatabaseBusy (settings.write_wait_seconds)."""
    _WRITE_WAIT_SECONDS[id(engine)] = seconds


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: Any) -> None:
    if transaction.parent is None and (lock := session.info.pop("sqlite_write_lock", None)) is not None:
        lock.release()


def begin_write(session: Session) -> None:
    """Start the session's write transaction.

    On SQLite this takes the write lock up front (BEGIN IMMEDIATE): threads of this process
    queue on an in-process lock that wakes the next writer the moment the previous one ends, and
    other processes are waited for by polling every few milliseconds (see _on_begin). Every wait
    is bounded (``write_wait_seconds``, default 10 s): past it the writer gets DatabaseBusy, which
    the API answers with 503 and Retry-After. On PostgreSQL it is a plain BEGIN. Reads the request
    made before (authentication, lookups) end with their transaction.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() must come before the transaction's first change")
    if session.in_transaction():
        session.commit()
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        session.connection()
        return
    lock = _sqlite_write_lock(engine)
    started = time.monotonic()
    deadline = started + _WRITE_WAIT_SECONDS.get(id(engine), _DEFAULT_WRITE_WAIT_SECONDS)
    while True:
        if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DatabaseBusy(time.monotonic() - started)
        session.info["sqlite_write_lock"] = lock
        try:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            return
        except BaseException as error:
            # No transaction began, so none will end to release the lock: release it here.
            # pop() makes sure it is released once even if SQLAlchemy ended a half-begun one.
            if (held := session.info.pop("sqlite_write_lock", None)) is not None:
                held.release()
            if not (isinstance(error, OperationalError) and _database_is_locked(error)):
                raise
            session.rollback()
            if time.monotonic() > deadline:
                raise DatabaseBusy(time.monotonic() - started) from None
        time.sleep(_WRITE_LOCK_POLL_SECONDS)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request. Async so that opening and closing it costs no thread-pool hop:
    opening does no I/O, and closing does none unless a transaction is still open (a read the
    route did not end), which is then rolled back in the thread pool."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
