"""A worker on PostgreSQL claims new deliveries when intake commits them (LISTEN/NOTIFY), not at
its next tick: a fan-out's first webhook no longer waits up to dispatch_interval_seconds.

Real parts: the database, the API (TestClient), the worker's Dispatcher in this process and a
webhook receiver on loopback. The tick (run_once) is never called here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from alerting_helpers import count, dispatcher

from service.scheduled import build_scheduler

CATHINONE = "CCCNC(C)C(=O)c1ccc(CC)cc1"


def _wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def test_a_listening_worker_sends_what_intake_commits_without_a_tick(
    client, reporter, authority, report_body, receiver, settings, engine
):
    subscribers = [
        client.post(
            "/v1/subscriptions",
            json={"url": receiver.url(f"/s{i}"), "filters": {"event_types": ["substance.first_detection"]}},
            headers=authority.headers,
        )
        for i in range(3)
    ]
    assert all(s.status_code == 201 for s in subscribers)
    # a tick an hour away: only a notification can start a drain
    with dispatcher(settings, engine, dispatch_interval_seconds=3600) as worker:
        listening = worker.start_listening()
        if engine.dialect.name != "postgresql":
            assert listening is False  # SQLite has no NOTIFY: its workers drain on their tick
            return
        assert listening is True
        for structure, name in (("CNC(C)C(=O)c1ccc(C)cc1", "mephedrone"), (CATHINONE, "4-ethyl-N-propylcathinone")):
            response = client.post(
                "/v1/reports", json=report_body(structure=structure, substance_name=name), headers=reporter.headers
            )
            assert response.status_code == 201, response.text
        _wait_until(
            lambda: count(engine, "SELECT COUNT(*) FROM delivery WHERE state = 'delivered'") == 6,
            what="six deliveries recorded as delivered",
        )
    # each subscriber got each alert, once
    received = sorted((r.path, json.loads(r.body)["data"]["substance"]["name"]) for r in receiver.requests)
    assert received == sorted(
        (f"/s{i}", name) for i in range(3) for name in ("mephedrone", "4-ethyl-N-propylcathinone")
    )
    assert len({r.headers["webhook-id"] + r.path for r in receiver.requests}) == 6


def _listeners() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "varsel-dispatch-listen" and thread.is_alive())


def test_listening_starts_and_stops_with_the_scheduler_not_when_it_is_built(settings, engine):
    """A scheduler that is built but never started (tests drive its jobs by hand) must leave no
    listener behind: one did, and it drained the deliveries other tests were about to dispatch."""
    before = _listeners()
    scheduler = build_scheduler(settings, engine)
    assert _listeners() == before, "building a scheduler started a listener"
    runner = threading.Thread(target=scheduler.start, daemon=True)
    runner.start()
    try:
        expected = before + (1 if engine.dialect.name == "postgresql" else 0)  # SQLite has no NOTIFY
        _wait_until(lambda: _listeners() == expected, what="the listener to follow the scheduler's start", timeout=30)
    finally:
        scheduler.shutdown()
        runner.join(timeout=30)
    _wait_until(lambda: _listeners() == before, what="the listener to stop with the scheduler", timeout=30)
