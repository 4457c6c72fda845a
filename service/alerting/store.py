"""The SQL :class:`alerts.storage.DeliveryStore`: how workers share deliveries through the database.

A claim is one short transaction: pick due, unleased deliveries of enabled endpoints, lease them
to this worker, read what sending needs. On PostgreSQL the pick is ``SELECT ... FOR UPDATE SKIP
LOCKED``, so concurrent workers take disjoint rows without waiting on each other; on SQLite the
transaction starts with BEGIN IMMEDIATE and the single writer lock serialises claims. The lease
(``leased_by``, ``lease_until``) outlives the transaction: while it runs, no other worker picks
the row; when it runs out (the worker died mid-send), the row is due again, so a crash delays a
delivery but never loses it.

The methods are async for the dispatcher; each runs its blocking database work in a thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, and_, bindparam, func, insert, or_, update
from sqlmodel import Session, select

from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.storage import DeliveryOutcome
from service.alerting.models import AlertRow, Delivery, DeliveryAttempt, DeliveryState
from service.db import begin_write
from service.subscriptions.models import Subscription

_STATE_FOR = {
    DeliveryOutcome.delivered: DeliveryState.delivered,
    DeliveryOutcome.retry_scheduled: DeliveryState.pending,
    DeliveryOutcome.dead_lettered: DeliveryState.dead_lettered,
}


_deliveries = Delivery.__table__
# One attempt moves one delivery: executemany over the batch, guarded by the lease.
_MOVE = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.leased_by == bindparam("b_worker"))
    .values(
        state=bindparam("b_state"),
        next_attempt_at=bindparam("b_next"),
        attempts_made=_deliveries.c.attempts_made + 1,
        first_attempt_at=func.coalesce(_deliveries.c.first_attempt_at, bindparam("b_at")),
        last_attempt_at=bindparam("b_at"),
        leased_by=None,
        lease_until=None,
    )
)


def active_secrets(subscription_secret: str, previous: str | None, previous_expires_at: dt.datetime | None,
                   *, now: dt.datetime) -> tuple[str, ...]:
    if previous and previous_expires_at is not None and previous_expires_at > now:
        return (subscription_secret, previous)
    return (subscription_secret,)


@dataclass(frozen=True, slots=True)
class _Record:
    delivery_id: str
    worker_id: str
    attempted_at: dt.datetime
    result: DeliveryResult
    outcome: DeliveryOutcome
    next_attempt_at: dt.datetime | None


class SqlDeliveryStore:
    """Attempts are queued by :meth:`record_attempt` and written by :meth:`flush`, one
    transaction per batch (service.alerting.dispatcher flushes after each)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[_Record] = []

    # --- claim -------------------------------------------------------------------------------

    async def claim_due_deliveries(
        self, *, now: dt.datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> list[OutgoingDelivery]:
        return await asyncio.to_thread(self.claim_sync, now=now, limit=limit, worker_id=worker_id,
                                       lease_seconds=lease_seconds)

    def claim_sync(self, *, now: dt.datetime, limit: int, worker_id: str, lease_seconds: int) -> list[OutgoingDelivery]:
        with Session(self._engine) as session:
            begin_write(session)
            due_ids = session.exec(
                select(Delivery.id)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(
                    Delivery.state == DeliveryState.pending.value,
                    Delivery.next_attempt_at <= now,
                    or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
                    Subscription.enabled.is_(True),
                )
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=Delivery)
            ).all()
            if not due_ids:
                session.rollback()
                return []
            session.execute(
                update(Delivery).where(Delivery.id.in_(due_ids))
                .values(leased_by=worker_id, lease_until=now + dt.timedelta(seconds=lease_seconds))
            )
            rows = session.exec(
                select(
                    Delivery.id, Delivery.subscription_id, Delivery.message_id,
                    func.coalesce(Delivery.body, AlertRow.event).label("body"),
                    Delivery.attempts_made, Delivery.first_attempt_at,
                    Subscription.url, Subscription.secret, Subscription.previous_secret,
                    Subscription.previous_secret_expires_at, Subscription.failing_since,
                )
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .join(AlertRow, AlertRow.id == Delivery.alert_id, isouter=True)
                .where(Delivery.id.in_(due_ids))
                .order_by(Delivery.next_attempt_at, Delivery.id)
            ).all()
            session.commit()
        return [
            OutgoingDelivery(
                id=r.id, endpoint_id=r.subscription_id, url=r.url, message_id=r.message_id,
                body=r.body.encode("utf-8"),
                secrets=active_secrets(r.secret, r.previous_secret, r.previous_secret_expires_at, now=now),
                attempts_made=r.attempts_made, first_attempt_at=r.first_attempt_at,
                endpoint_failing_since=r.failing_since,
            )
            for r in rows
        ]

    # --- record ------------------------------------------------------------------------------

    async def record_attempt(
        self,
        *,
        delivery_id: str,
        worker_id: str,
        attempted_at: dt.datetime,
        result: DeliveryResult,
        outcome: DeliveryOutcome,
        next_attempt_at: dt.datetime | None,
    ) -> None:
        """Queue the record; :meth:`flush` writes the queue in one transaction.

        One transaction per batch rather than per delivery keeps the worker from monopolising
        SQLite's single write lock, which report intake needs too. A worker that dies before the
        flush loses only the records: the leases run out and the deliveries are sent again,
        which the at-least-once contract (and the receivers' dedup by webhook-id) allows.
        """
        self._pending.append(_Record(delivery_id, worker_id, attempted_at, result, outcome, next_attempt_at))

    async def flush(self) -> None:
        records, self._pending = self._pending, []
        if records:
            await asyncio.to_thread(self.record_sync, records)

    def record_sync(self, records: list[_Record]) -> None:
        """One transaction, a constant number of statements (executemany for the rows)."""
        ids = [r.delivery_id for r in records]
        with Session(self._engine) as session:
            begin_write(session)
            # Only the lease holder moves the delivery; a late record from a worker whose lease
            # ran out is kept in the log and changes nothing else. FOR UPDATE holds the rows we
            # still lease until commit, so no other worker can claim one in between (SQLite's
            # BEGIN IMMEDIATE already excludes every other writer).
            held = {
                (row.id, row.leased_by): row.subscription_id
                for row in session.execute(
                    select(Delivery.id, Delivery.leased_by, Delivery.subscription_id)
                    .where(Delivery.id.in_(ids)).with_for_update()
                )
            }
            existing = {delivery_id for delivery_id, _ in held}
            moves, attempts = [], []
            failing: dict[str, dt.datetime] = {}
            answered: set[str] = set()
            for r in records:
                if r.delivery_id not in existing:
                    continue  # the subscription (and its deliveries) was deleted while we were sending
                subscription_id = held.get((r.delivery_id, r.worker_id))
                attempts.append({
                    "delivery_id": r.delivery_id, "worker_id": r.worker_id, "attempted_at": r.attempted_at,
                    "status_code": r.result.status_code, "latency_ms": r.result.latency_ms, "error": r.result.error,
                    "response_excerpt": r.result.response_excerpt[:500] or None, "outcome": r.outcome.value,
                    "counted": subscription_id is not None,
                })
                if subscription_id is None:
                    continue
                moves.append({"b_id": r.delivery_id, "b_worker": r.worker_id, "b_state": _STATE_FOR[r.outcome].value,
                              "b_next": r.next_attempt_at, "b_at": r.attempted_at})
                if r.result.succeeded:
                    answered.add(subscription_id)
                else:
                    failing.setdefault(subscription_id, r.attempted_at)
            if moves:
                session.connection().execute(_MOVE, moves)
            if attempts:
                session.execute(insert(DeliveryAttempt), attempts)
            # endpoint health: any success in the batch proves the endpoint alive
            if answered:
                session.execute(update(Subscription).where(Subscription.id.in_(answered),
                                                           Subscription.failing_since.is_not(None))
                                .values(failing_since=None))
            for subscription_id, since in failing.items():
                if subscription_id not in answered:
                    session.execute(update(Subscription).where(Subscription.id == subscription_id,
                                                               Subscription.failing_since.is_(None))
                                    .values(failing_since=since))
            session.commit()

    async def disable_endpoint(self, *, endpoint_id: str, reason: str, at: dt.datetime) -> None:
        await asyncio.to_thread(self.disable_sync, endpoint_id=endpoint_id, reason=reason, at=at)

    def disable_sync(self, *, endpoint_id: str, reason: str, at: dt.datetime) -> None:
        with Session(self._engine) as session:
            begin_write(session)
            session.execute(
                update(Subscription).where(and_(Subscription.id == endpoint_id, Subscription.enabled.is_(True)))
                .values(enabled=False, disabled_at=at, disabled_reason=reason)
            )
            session.commit()
