"""dispatch_once end to end: the in-memory store (a test double of the DeliveryStore Protocol,
see conftest), the real WebhookSender, and a real receiver on loopback. Time is injected: each
pass is run at the instant the previous one scheduled, so hours of retries take milliseconds."""

import asyncio
import random
from datetime import datetime, timedelta, timezone

import pytest

from alerts.delivery import WebhookSender
from alerts.dispatch import DispatchPolicy, DispatchStats, dispatch_once
from alerts.retry import RetryPolicy
from alerts.storage import DeliveryOutcome

pytestmark = pytest.mark.e2e

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
RETRY = RetryPolicy(
    base=timedelta(seconds=10),
    cap=timedelta(minutes=10),
    horizon=timedelta(hours=1),
    disable_endpoint_after=timedelta(days=5),
)
POLICY = DispatchPolicy(worker_id="worker-1", batch_size=10, lease_seconds=60, retry=RETRY)


def run_passes(store, passes):
    """Run ``dispatch_once`` at each (time, policy) in ``passes`` with one sender; return the stats."""

    async def run():
        rng = random.Random(7)
        async with WebhookSender(allow_private=True, max_concurrency=4) as sender:
            return [await dispatch_once(store, sender, now=now, policy=policy, rng=rng) for now, policy in passes]

    return asyncio.run(run())


def dispatch_at(store, now, policy=POLICY) -> DispatchStats:
    return run_passes(store, [(now, policy)])[0]


def test_a_due_delivery_is_delivered_once(store, receiver):
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    stats = dispatch_at(store, T0)
    assert stats == DispatchStats(claimed=1, delivered=1)
    assert store.deliveries["d1"].state == "delivered"
    assert dispatch_at(store, T0 + timedelta(hours=1)).claimed == 0
    assert len(receiver.requests) == 1


def test_a_delivery_not_yet_due_is_left_alone(store, receiver):
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0 + timedelta(seconds=1))
    assert dispatch_at(store, T0).claimed == 0
    assert receiver.requests == []


def test_failures_are_retried_with_growing_jittered_backoff_until_delivered(store, receiver):
    receiver.fail_next = 3
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    row = store.deliveries["d1"]

    now = T0
    for failed_attempts in (1, 2, 3):
        stats = dispatch_at(store, now)
        assert stats.retry_scheduled == 1
        # full jitter: the next attempt lies in [now, now + base * 2**(failed_attempts - 1)]
        ceiling = RETRY.base * 2 ** (failed_attempts - 1)
        assert now <= row.next_attempt_at <= now + ceiling
        if row.next_attempt_at > now:
            assert dispatch_at(store, row.next_attempt_at - timedelta(microseconds=1)).claimed == 0
        now = row.next_attempt_at

    assert dispatch_at(store, now).delivered == 1
    assert row.state == "delivered" and row.attempts_made == 4
    # every attempt is the same message: a receiver deduplicates on webhook-id
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"msg_d1"}
    assert len(receiver.requests) == 4
    assert store.endpoints["e1"].failing_since is None


def test_a_delivery_that_keeps_failing_is_dead_lettered_at_the_horizon(store, receiver):
    receiver.status = 500
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    row = store.deliveries["d1"]

    now, passes = T0, 0
    while row.state == "pending":
        dispatch_at(store, now)
        passes += 1
        assert passes < 200, "retries never reached the horizon"
        if row.next_attempt_at is not None:
            assert row.next_attempt_at <= T0 + RETRY.horizon
            now = row.next_attempt_at

    assert row.state == "dead"
    attempted_at, result, outcome, next_attempt = row.log[-1]
    assert outcome is DeliveryOutcome.dead_lettered and next_attempt is None
    assert result.status_code == 500
    assert attempted_at <= T0 + RETRY.horizon
    assert len(receiver.requests) == row.attempts_made > 5
    assert dispatch_at(store, T0 + timedelta(days=2)).claimed == 0


def test_a_redirect_is_a_failure_and_is_not_followed(store, receiver):
    receiver.redirect_to = receiver.url("/elsewhere")
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    assert dispatch_at(store, T0).retry_scheduled == 1
    assert [r.path for r in receiver.requests] == ["/hook"]
    assert "redirects are not followed" in store.deliveries["d1"].log[0][1].error


def test_410_gone_dead_letters_and_disables_the_endpoint(store, receiver):
    receiver.status = 410
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    store.add_delivery("d2", endpoint_id="e1", due_at=T0 + timedelta(minutes=1))
    stats = dispatch_at(store, T0)
    assert stats == DispatchStats(claimed=1, dead_lettered=1, endpoints_disabled=1)
    assert not store.endpoints["e1"].enabled
    assert "410" in store.endpoints["e1"].disabled_reason
    assert dispatch_at(store, T0 + timedelta(minutes=5)).claimed == 0
    assert store.deliveries["d2"].state == "pending"


def test_an_endpoint_failing_for_the_configured_time_is_disabled(store, receiver):
    receiver.status = 503
    store.add_endpoint("e1", receiver.url(), failing_since=T0 - RETRY.disable_endpoint_after)
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    stats = dispatch_at(store, T0)
    assert stats.endpoints_disabled == 1 and not store.endpoints["e1"].enabled


def test_an_endpoint_failing_for_less_than_that_stays_enabled(store, receiver):
    receiver.status = 503
    store.add_endpoint("e1", receiver.url(), failing_since=T0 - RETRY.disable_endpoint_after + timedelta(minutes=1))
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    assert dispatch_at(store, T0).endpoints_disabled == 0
    assert store.endpoints["e1"].enabled


def test_a_success_in_the_same_batch_keeps_a_long_failing_endpoint_enabled(store, receiver):
    receiver.fail_next = 1
    store.add_endpoint("e1", receiver.url(), failing_since=T0 - timedelta(days=6))
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    store.add_delivery("d2", endpoint_id="e1", due_at=T0)
    one_at_a_time = DispatchPolicy(worker_id="w", retry=RETRY)

    async def run():
        async with WebhookSender(allow_private=True, max_concurrency=1) as sender:
            return await dispatch_once(store, sender, now=T0, policy=one_at_a_time, rng=random.Random(1))

    stats = asyncio.run(run())
    assert (stats.delivered, stats.retry_scheduled, stats.endpoints_disabled) == (1, 1, 0)
    assert store.endpoints["e1"].enabled


def test_a_batch_is_sent_concurrently_within_the_sender_bound(store, receiver):
    receiver.hold_seconds = 0.3
    store.add_endpoint("e1", receiver.url())
    for i in range(8):
        store.add_delivery(f"d{i}", endpoint_id="e1", due_at=T0)
    stats = dispatch_at(store, T0)
    assert stats.claimed == stats.delivered == 8
    assert receiver.max_in_flight == 4


def test_batch_size_limits_what_one_pass_claims(store, receiver):
    store.add_endpoint("e1", receiver.url())
    for i in range(5):
        store.add_delivery(f"d{i}", endpoint_id="e1", due_at=T0)
    small = DispatchPolicy(worker_id="w", batch_size=2, retry=RETRY)
    assert [s.claimed for s in run_passes(store, [(T0, small)] * 4)] == [2, 2, 1, 0]


def test_a_delivery_leased_to_one_worker_is_not_claimed_by_another(store, receiver):
    store.add_endpoint("e1", receiver.url())
    store.add_delivery("d1", endpoint_id="e1", due_at=T0)
    claimed = asyncio.run(store.claim_due_deliveries(now=T0, limit=10, worker_id="crashed", lease_seconds=60))
    assert len(claimed) == 1
    assert dispatch_at(store, T0 + timedelta(seconds=59)).claimed == 0
    # The worker that claimed it never reported back; after the lease another worker sends it.
    assert dispatch_at(store, T0 + timedelta(seconds=60)).delivered == 1
