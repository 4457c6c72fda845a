"""One pass of the delivery loop: claim what is due, send it, record what happened.

The service runs :func:`dispatch_once` from a scheduler job every second on every worker; the
store's leases keep two workers from sending the same delivery at the same time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.retry import RetryPolicy, next_attempt_at, should_disable_endpoint
from alerts.storage import DeliveryOutcome, DeliveryStore

__all__ = ["ChannelSenders", "DeliverySender", "DispatchPolicy", "DispatchStats", "dispatch_claimed", "dispatch_once"]


class DeliverySender(Protocol):
    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]: ...


class ChannelSenders:
    """One sender per channel (``webhook``, ``email``) behind the one interface the dispatcher
    uses: a batch is split by channel, each part sent by its own sender concurrently, and the
    results come back in the batch's order. A channel without a sender fails its deliveries with
    a reason (they are retried, and dead-lettered at the horizon, like any failure)."""

    def __init__(self, senders: Mapping[str, DeliverySender]) -> None:
        self._senders = dict(senders)

    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]:
        by_channel: dict[str, list[int]] = {}
        for index, delivery in enumerate(deliveries):
            by_channel.setdefault(delivery.channel, []).append(index)
        results: list[DeliveryResult | None] = [None] * len(deliveries)

        async def send(channel: str, indexes: list[int]) -> None:
            sender = self._senders.get(channel)
            if sender is None:
                answers = [
                    DeliveryResult(
                        status_code=None, latency_ms=0.0, error=f"no sender configured for channel {channel!r}"
                    )
                ] * len(indexes)
            else:
                answers = await sender.send_many([deliveries[i] for i in indexes])
            for index, answer in zip(indexes, answers, strict=True):
                results[index] = answer

        await asyncio.gather(*(send(channel, indexes) for channel, indexes in by_channel.items()))
        return [result for result in results if result is not None]


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
    # why the delivery's channel is to be stopped (410 Gone, or failing for too long), if it is
    disable_reason: str | None
    # why the delivery is dead-lettered, for the delivery log
    dead_letter_reason: str | None = None


def _failed_because(result: DeliveryResult) -> str:
    if result.error:
        return result.error
    return f"status {result.status_code}" if result.status_code is not None else "no answer"


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
        said = f": {result.response_excerpt.strip()[:200]}" if result.response_excerpt.strip() else ""
        reason = f"{delivery.channel} channel disabled: endpoint answered 410 Gone at {now.isoformat()}{said}"
        return _Decision(DeliveryOutcome.dead_lettered, None, reason, dead_letter_reason=reason)

    attempts = delivery.attempts_made + 1
    first_attempt_at = delivery.first_attempt_at or now
    if result.retry_after_seconds is not None:
        # The receiver said when it can take more (429, 503): wait that long, never longer than
        # the policy's bound, and never past the horizon.
        wait = min(timedelta(seconds=result.retry_after_seconds), retry.max_retry_after)
        asked_for = now + wait
        retry_at: datetime | None = asked_for if asked_for <= first_attempt_at + retry.horizon else None
    else:
        retry_at = next_attempt_at(
            attempts,
            now=now,
            base=retry.base,
            cap=retry.cap,
            horizon=retry.horizon,
            first_attempt_at=first_attempt_at,
            rng=rng,
        )
    # the health of the delivery's own channel: a failing webhook does not stop the e-mail
    failing_since = delivery.endpoint_failing_since
    disable_reason = None
    if failing_since is not None and should_disable_endpoint(
        failing_since=failing_since, now=now, disable_after=retry.disable_endpoint_after
    ):
        disable_reason = (
            f"{delivery.channel} channel disabled at {now.isoformat()}: "
            f"every attempt failed since {failing_since.isoformat()}"
        )
    if retry_at is None:
        given_up = (
            f"retries used up: {attempts} attempts since {first_attempt_at.isoformat()}, "
            f"the last failed with {_failed_because(result)}"
        )
        return _Decision(DeliveryOutcome.dead_lettered, None, disable_reason, dead_letter_reason=given_up)
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
    decisions = [_decide(d, r, now=now, retry=policy.retry, rng=rng) for d, r in zip(claimed, results, strict=True)]
    # Health is per channel: a success on a channel in this batch proves that channel alive
    # (failing_since was read at claim time), whatever the endpoint's other channel says.
    answered_on = {(d.endpoint_id, d.channel) for d, r in zip(claimed, results, strict=True) if r.succeeded}
    to_disable: dict[tuple[str, str], str] = {}
    for delivery, decision in zip(claimed, decisions, strict=True):
        key = (delivery.endpoint_id, delivery.channel)
        if decision.disable_reason is not None and key not in answered_on:
            to_disable.setdefault(key, decision.disable_reason)
    for delivery, result, decision in zip(claimed, results, decisions, strict=True):
        key = (delivery.endpoint_id, delivery.channel)
        if key in to_disable and decision.outcome is DeliveryOutcome.retry_scheduled:
            # its channel stops now: no retry that nothing would claim, but a dead letter to replay
            decision = replace(
                decision,
                outcome=DeliveryOutcome.dead_lettered,
                next_attempt_at=None,
                dead_letter_reason=to_disable[key],
            )
        if result.endpoint_gone and decision.disable_reason is not None:
            # the delivery log says why this delivery was dead-lettered and its channel stopped
            result = replace(result, error=decision.disable_reason)
        await store.record_attempt(
            delivery_id=delivery.id,
            worker_id=policy.worker_id,
            attempted_at=now,
            result=result,
            outcome=decision.outcome,
            next_attempt_at=decision.next_attempt_at,
            dead_letter_reason=decision.dead_letter_reason,
        )
        if decision.outcome is DeliveryOutcome.delivered:
            stats.delivered += 1
        elif decision.outcome is DeliveryOutcome.retry_scheduled:
            stats.retry_scheduled += 1
        else:
            stats.dead_lettered += 1
    for (endpoint, channel), reason in to_disable.items():
        await store.disable_endpoint(endpoint_id=endpoint, reason=reason, at=now, channel=channel)
    stats.endpoints_disabled = len(to_disable)
    return stats
