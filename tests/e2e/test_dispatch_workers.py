"""Two real `varsel worker` processes share one PostgreSQL outbox: every delivery arrives at a
real receiver, exactly once, and no delivery is attempted by two workers."""

from __future__ import annotations

import pytest
from alert_load import delivered, new_substances, report_new_substances, subscribe_all, wait_until
from sqlalchemy import text

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 5
ALERTS = 40


def test_two_workers_deliver_everything_once(database_url, engine, reporter, authority, receiver, launch):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL's row claims; SQLite runs one worker")
    server = launch("server", database_url, extra_env={"VARSEL_WEBHOOK_ALLOW_PRIVATE": "true"})
    subscribe_all(server.url, authority.headers, [receiver.url(f"/hook/{i}") for i in range(SUBSCRIBERS)])
    report_new_substances(server.url, reporter.headers, new_substances(ALERTS))
    expected = SUBSCRIBERS * ALERTS
    receiver.hold_seconds = 0.02  # long enough that both workers hold claims at once
    small_claims = {
        "VARSEL_DISPATCH_BATCH_SIZE": "10",
        "VARSEL_DISPATCH_CONCURRENCY": "10",
        "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
    }
    for _ in range(2):
        launch("worker", database_url, extra_env=small_claims)

    def received() -> set[tuple[str, str]]:
        return {(r.path, r.headers["webhook-id"]) for r in list(receiver.requests)}

    wait_until(lambda: len(received()) == expected, timeout=90, what=f"{expected} distinct deliveries")
    wait_until(lambda: delivered(engine) == expected, timeout=30, what="every delivery recorded as delivered")
    with engine.connect() as connection:
        attempts = connection.execute(
            text("SELECT delivery_id, COUNT(*) AS n, MIN(worker_id) AS w FROM delivery_attempt GROUP BY delivery_id")
        ).all()
        worker_ids = connection.execute(text("SELECT DISTINCT worker_id FROM delivery_attempt")).scalars().all()
    assert len(receiver.requests) == expected  # nothing sent twice
    assert len(attempts) == expected and all(row.n == 1 for row in attempts)
    assert len(worker_ids) == 2  # both workers took part
