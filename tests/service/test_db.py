"""The SQLite write lock taken by begin_write is always given back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from service.db import _sqlite_write_lock, begin_write, make_engine


def _free_in_another_thread(lock) -> bool:  # noqa: ANN001
    result = []
    thread = threading.Thread(target=lambda: result.append(lock.acquire(blocking=False)) or (
        result[0] and lock.release()))
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
    monkeypatch.setattr("service.db._BUSY_TIMEOUT_MS", 50)  # give up after 50 ms of retries
    with Session(engine) as session, pytest.raises(OperationalError):
        begin_write(session)
    assert _free_in_another_thread(lock)


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
