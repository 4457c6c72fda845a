"""The SQLite write lock against a real server: a failing write never leaks it, every wait ends.

The probe that found the leak: a route that fails after begin_write (404 on a missing
subscription) had its session closed on another thread-pool thread than the one that took the
lock, so releasing the thread-owned lock raised, the lock stayed held, and every later write
hung until restart.
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import start_server

pytestmark = pytest.mark.e2e


def _storm(server, authority, *, rounds: int) -> list[int]:
    """Concurrent failing writes interleaved with reads, as in the probe."""

    def call(i: int) -> int:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            if i % 2:
                return http.get("/v1/groups", headers=authority.headers).status_code
            return http.delete(f"/v1/subscriptions/nonexistent{i}", headers=authority.headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(call, range(4 * rounds)))


def test_failing_writes_do_not_leak_the_write_lock(server, reporter, authority, report_body):
    statuses = _storm(server, authority, rounds=10)
    assert set(statuses) <= {200, 404}, statuses
    with httpx.Client(base_url=server.url, timeout=20) as http:
        for i in range(3):
            created = http.post(
                "/v1/reports", json=report_body(), headers={**reporter.headers, "Idempotency-Key": f"after-storm-{i}"}
            )
            assert created.status_code == 201, created.text


def test_a_writer_that_cannot_get_the_lock_gets_a_503_with_retry_after(database_url, reporter, report_body, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's; PostgreSQL writers do not queue on one lock")
    import sqlite3

    from sqlalchemy.engine import make_url

    running = start_server(database_url, extra_env={"VARSEL_WRITE_WAIT_SECONDS": "1"})
    database = make_url(database_url).database
    assert database is not None  # a file-backed SQLite URL
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
        with httpx.Client(base_url=running.url, timeout=30) as http:
            started = time.monotonic()
            answer = http.post("/v1/reports", json=report_body(), headers=reporter.headers)
            waited = time.monotonic() - started
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.json()["type"] == "/problems/busy"
            assert waited < 20  # bounded by the setting, not SQLite's 30 s busy timeout or forever
            holder.execute("ROLLBACK")
            assert http.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
    finally:
        holder.close()
        running.process.terminate()
        running.process.wait(timeout=30)


def test_sigterm_stops_the_server_while_writers_wait(database_url, reporter, report_body):
    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    import sqlite3

    from sqlalchemy.engine import make_url

    running = start_server(database_url, extra_env={"VARSEL_WRITE_WAIT_SECONDS": "5"})
    database = make_url(database_url).database
    assert database is not None  # a file-backed SQLite URL
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answers: list[int] = []

    def write(i: int) -> None:
        try:
            with httpx.Client(base_url=running.url, timeout=60) as http:
                answers.append(http.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code)
        except httpx.TransportError:
            answers.append(-1)

    writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    try:
        for writer in writers:
            writer.start()
        time.sleep(1.0)  # the writers are now queued on the lock
        running.process.send_signal(signal.SIGTERM)
        running.process.wait(timeout=30)  # raises TimeoutExpired if shutdown hangs
    finally:
        holder.close()
        if running.process.poll() is None:
            running.process.kill()
        for writer in writers:
            writer.join(timeout=60)
    assert all(status in (503, -1) for status in answers), answers
