"""The SQLite write lock taken by begin_write is always given back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from service.db import DatabaseBusy, _sqlite_write_lock, begin_write, make_engine, set_write_wait


def _free_in_another_thread(lock: threading.Lock) -> bool:
    result: list[bool] = []

    def try_lock() -> None:
        result.append(lock.acquire(blocking=False))
        if result[0]:
            lock.release()

    thread = threading.Thread(target=try_lock)
    thread.start()
    thread.join()
    return result[0]


def test_lock_is_released_on_commit_rollback_and_close(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    lock = _sqlite_write_lock(engine)
    for end in ("commit", "rollback", "close"):
        session = Session(engine)
        begin_write(session)
        assert not _free_in_another_thread(lock)
        getattr(session, end)()
        assert _free_in_another_thread(lock), end
        session.close()


def test_lock_is_released_when_begin_fails(tmp_path, monkeypatch):
    # another process holding the database past the busy timeout makes BEGIN IMMEDIATE fail
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    lock = _sqlite_write_lock(engine)

    def locked(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "connection", locked)
    set_write_wait(engine, 0.05)  # give up after 50 ms of retries
    with Session(engine) as session, pytest.raises(DatabaseBusy):
        begin_write(session)
    assert _free_in_another_thread(lock)


def test_a_write_begun_in_one_thread_can_end_in_another(tmp_path):
    # The request's route runs in one thread-pool thread and its session may be closed in
    # another: the lock belongs to the transaction, so ending it anywhere frees it.
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    lock = _sqlite_write_lock(engine)
    session = Session(engine)
    begun = threading.Thread(target=begin_write, args=(session,))
    begun.start()
    begun.join()
    assert not _free_in_another_thread(lock)
    closer = threading.Thread(target=session.close)
    closer.start()
    closer.join()
    assert _free_in_another_thread(lock)


def test_a_writer_gives_up_after_the_write_wait(tmp_path):
    import sqlite3

    path = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}", write_wait_seconds=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Session(engine) as session, pytest.raises(DatabaseBusy):
            begin_write(session)
        assert _free_in_another_thread(_sqlite_write_lock(engine))
    finally:
        other.close()


def test_a_writer_waits_for_another_process_and_then_gets_the_lock(tmp_path):
    import sqlite3

    path = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # another writer
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    released.start()
    with Session(engine) as session:
        begin_write(session)  # polls until the other writer commits, then holds the lock
        session.commit()
    released.join()
    other.close()


def test_database_errors_do_not_carry_bound_values(tmp_path):
    # A failing statement's message goes to logs and tracebacks: it must not hold the values
    # bound to it (webhook secrets, report texts).
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (secret TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO t VALUES (:s)"), {"s": "whsec_do-not-log"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (:s)"), {"s": "whsec_do-not-log"})
    assert "whsec_do-not-log" not in str(caught.value)
