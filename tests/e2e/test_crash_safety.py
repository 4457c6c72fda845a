"""A worker killed with SIGKILL in the middle of a dispatch run loses nothing: after a restart
every delivery arrives (at least once; the receiver deduplicates by webhook-id)."""

from __future__ import annotations

import signal

import pytest
from alert_load import delivered, new_substances, report_new_substances, subscribe_all, wait_until
from sqlalchemy import text

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 5
ALERTS = 20
# Leases short enough for the test to wait them out; the timeout stays below the lease, as the
# settings require.
CRASHY = {
    "VARSEL_DISPATCH_LEASE_SECONDS": "3",
    "VARSEL_WEBHOOK_TIMEOUT_SECONDS": "2",
    "VARSEL_DISPATCH_BATCH_SIZE": "20",
    "VARSEL_DISPATCH_CONCURRENCY": "5",
    "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
}


def test_sigkill_mid_dispatch_then_restart_delivers_everything(
    database_url, engine, reporter, authority, receiver, launch
):
    server = launch("server", database_url, extra_env={"VARSEL_WEBHOOK_ALLOW_PRIVATE": "true"})
    subscribe_all(server.url, authority.headers, [receiver.url(f"/hook/{i}") for i in range(SUBSCRIBERS)])
    report_new_substances(server.url, reporter.headers, new_substances(ALERTS))
    expected = SUBSCRIBERS * ALERTS
    receiver.hold_seconds = 0.2  # slow answers: the kill lands while requests are in flight

    def distinct() -> int:
        return len({(r.path, r.headers["webhook-id"]) for r in list(receiver.requests)})

    first = launch("worker", database_url, extra_env=CRASHY)
    wait_until(lambda: distinct() >= 10, timeout=60, what="the first worker to be mid-run")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = distinct()
    assert at_kill < expected, "the kill came after the run; nothing was tested"
    with engine.connect() as connection:
        leased = connection.execute(
            text("SELECT COUNT(*) FROM delivery WHERE leased_by IS NOT NULL AND state = 'pending'")
        ).scalar_one()
    assert leased > 0  # the dead worker still holds claims that must not be lost

    launch("worker", database_url, extra_env=CRASHY)
    wait_until(lambda: distinct() == expected, timeout=90, what=f"all {expected} deliveries after the restart")
    wait_until(lambda: delivered(engine) == expected, timeout=30, what="every delivery recorded as delivered")
