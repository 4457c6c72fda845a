"""One pass of the delivery loop: claim what is due, send it, record what happened.

The service runs :func:`dispatch_once` from a scheduler job every second on every worker; the
store's leases keep two workers from sending the same delivery at the same time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.retry import RetryPolicy, next_attempt_at, should_disable_endpoint
from alerts.storage import DeliveryOutcome, DeliveryStore

__all__ = ["DeliverySender", "DispatchPolicy", "DispatchStats", "dispatch_claimed", "dispatch_once"]


class DeliverySender(Protocol):
    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchPolicy:
    """``lease_seconds`` must exceed the sender's total timeout plus the time to record a batch,
    or a slow send could be claimed and sent again by another worker."""

    worker_id: str
    batch_size: int = 100
    lease_seconds: int = 120
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(slots=True)
class DispatchStats:
    claimed: int = 0
    delivered: int = 0
    retry_scheduled: int = 0
    dead_lettered: int = 0
    endpoints_disabled: int = 0


@dataclass(frozen=True, slots=True)
class _Decision:
    outcome: DeliveryOutcome
    next_attempt_at: datetime | None
    disable_reason: str | None


def _decide(
    delivery: OutgoingDelivery,
    result: DeliveryResult,
    *,
    now: datetime,
    retry: RetryPolicy,
    rng: random.Random,
) -> _Decision:
    if result.succeeded:
        return _Decision(DeliveryOutcome.delivered, None, None)
    if result.endpoint_gone:
        # The receiver said the URL is gone for good; retrying would only be noise. The delivery
        # stays in the dead-letter queue for replay to a corrected URL.
        return _Decision(DeliveryOutcome.dead_lettered, None, "endpoint answered 410 Gone")

    attempts = delivery.attempts_made + 1
    retry_at = next_attempt_at(
        attempts,
        now=now,
        base=retry.base,
        cap=retry.cap,
        horizon=retry.horizon,
        first_attempt_at=delivery.first_attempt_at or now,
        rng=rng,
    )
    failing_since = delivery.endpoint_failing_since
    disable_reason = None
    if failing_since is not None and should_disable_endpoint(
        failing_since=failing_since, now=now, disable_after=retry.disable_endpoint_after
    ):
        disable_reason = f"every attempt failed since {failing_since.isoformat()}"
    if retry_at is None:
        return _Decision(DeliveryOutcome.dead_lettered, None, disable_reason)
    return _Decision(DeliveryOutcome.retry_scheduled, retry_at, disable_reason)


async def dispatch_once(
    store: DeliveryStore,
    sender: DeliverySender,
    *,
    now: datetime,
    policy: DispatchPolicy,
    rng: random.Random | None = None,
) -> DispatchStats:
    """Claim up to ``policy.batch_size`` due deliveries, send them concurrently, and record each
    result with its retry, dead-letter or endpoint-disable decision.

    Results are recorded one after another, not concurrently: a store backed by one database
    session must not be used from several tasks at once.
    """
    claimed = await store.claim_due_deliveries(
        now=now, limit=policy.batch_size, worker_id=policy.worker_id, lease_seconds=policy.lease_seconds
    )
    return await dispatch_claimed(store, sender, claimed, now=now, policy=policy, rng=rng)


async def dispatch_claimed(
    store: DeliveryStore,
    sender: DeliverySender,
    claimed: Sequence[OutgoingDelivery],
    *,
    now: datetime,
    policy: DispatchPolicy,
    rng: random.Random | None = None,
) -> DispatchStats:
    """The second half of :func:`dispatch_once`, for deliveries this worker already leased (a
    worker that claims the next batch while it sends this one)."""
    rng = rng or random.Random()
    stats = DispatchStats(claimed=len(claimed))
    if not claimed:
        return stats

    results = await sender.send_many(claimed)
    # failing_since was read at claim time; a success in this batch proves the endpoint alive.
    answered = {d.endpoint_id for d, r in zip(claimed, results, strict=True) if r.succeeded}
    disabled: set[str] = set()
    for delivery, result in zip(claimed, results, strict=True):
        decision = _decide(delivery, result, now=now, retry=policy.retry, rng=rng)
        await store.record_attempt(
            delivery_id=delivery.id,
            worker_id=policy.worker_id,
            attempted_at=now,
            result=result,
            outcome=decision.outcome,
            next_attempt_at=decision.next_attempt_at,
        )
        if decision.outcome is DeliveryOutcome.delivered:
            stats.delivered += 1
        elif decision.outcome is DeliveryOutcome.retry_scheduled:
            stats.retry_scheduled += 1
        else:
            stats.dead_lettered += 1
        endpoint = delivery.endpoint_id
        if decision.disable_reason is not None and endpoint not in disabled and endpoint not in answered:
            await store.disable_endpoint(endpoint_id=endpoint, reason=decision.disable_reason, at=now)
            disabled.add(endpoint)
    stats.endpoints_disabled = len(disabled)
    return stats
