"""What the dispatcher needs from storage; the service implements it on its database.

Several dispatch workers may run at once (replicas on PostgreSQL). Coordination is the store's
job: :meth:`DeliveryStore.claim_due_deliveries` hands each due delivery to exactly one worker
for a lease (``SELECT ... FOR UPDATE SKIP LOCKED`` then setting ``leased_until``), and a lease
that runs out without a recorded attempt makes the delivery claimable again, so a crashed worker
delays a delivery but never loses it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

from alerts.delivery import DeliveryResult, OutgoingDelivery

__all__ = ["DeliveryOutcome", "DeliveryStore"]


class DeliveryOutcome(str, enum.Enum):
    delivered = "delivered"
    retry_scheduled = "retry_scheduled"
    # Given up after the retry horizon (or the endpoint is gone); kept for replay, never deleted.
    dead_lettered = "dead_lettered"


class DeliveryStore(Protocol):
    async def claim_due_deliveries(
        self, *, now: datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> list[OutgoingDelivery]:
        """Up to ``limit`` pending deliveries whose next attempt is due at ``now``, whose channel
        is enabled, and which no other worker holds an unexpired lease on; lease them to
        ``worker_id`` until ``now + lease_seconds``. A due delivery whose channel is disabled is
        not sent: it is dead-lettered, with the reason, for replay once the channel runs again.

        Each returned delivery carries the endpoint's active secrets, its ``attempts_made`` and
        ``first_attempt_at``, and, as ``endpoint_failing_since``, when its channel began failing.
        """
        ...

    async def record_attempt(
        self,
        *,
        delivery_id: str,
        worker_id: str,
        attempted_at: datetime,
        result: DeliveryResult,
        outcome: DeliveryOutcome,
        next_attempt_at: datetime | None,
        dead_letter_reason: str | None = None,
    ) -> None:
        """Append the attempt to the delivery log and move the delivery to ``outcome``
        (a dead-lettered one keeps ``dead_letter_reason`` for the log).

        Also: increment ``attempts_made``, set ``first_attempt_at`` if unset, release the lease,
        and keep the health of the delivery's channel (webhook and e-mail each have their own):
        a success clears its ``failing_since``; a failure sets it to ``attempted_at`` if it was clear. A record from a worker that no longer holds the
        lease (it expired and another worker claimed the row) should be stored in the log but
        must not change the delivery's state.
        """
        ...

    async def disable_endpoint(
        self, *, endpoint_id: str, reason: str, at: datetime, channel: str | None = None
    ) -> None:
        """Stop the endpoint's ``channel`` ("webhook" or "email"; None: every channel it has):
        its other channel keeps delivering. The stopped channel's pending deliveries that no
        worker is sending are dead-lettered with ``reason``, so they neither pile up nor wait for
        ever; they are replayed once the channel is re-enabled. An endpoint left with no channel
        that runs is disabled as a whole.
        """
        ...
