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
    with Session(engine) as session, pytest.raises(OperationalError):
        begin_write(session)
    assert _free_in_another_thread(lock)
