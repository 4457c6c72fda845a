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
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update
from sqlmodel import Session

from alerts.cloudevents import CONTENT_TYPE
from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.email import EMAIL_SCHEME
from alerts.storage import DeliveryOutcome
from service.alerting.models import AlertRow, Delivery, DeliveryAttempt, DeliveryState
from service.db import begin_write, table_of
from service.observability.logs import bound_request_id
from service.subscriptions.models import CHANNEL_HEALTH, Channel, Subscription, channel_stopped
from service.subscriptions.secret_box import SecretBox, SecretUnreadable, is_sealed

log = logging.getLogger("varsel.dispatch")
request_log = structlog.get_logger("varsel.dispatch")

_STATE_FOR = {
    DeliveryOutcome.delivered: DeliveryState.delivered,
    DeliveryOutcome.retry_scheduled: DeliveryState.pending,
    DeliveryOutcome.dead_lettered: DeliveryState.dead_lettered,
}


# Core statements on the tables: the worker runs them for every batch, and the ORM's per-row
# bookkeeping (bulk inserts above all) cost more than the database's own work.
_deliveries = table_of(Delivery)
_subscriptions = table_of(Subscription)
_alerts = table_of(AlertRow)
_attempts = table_of(DeliveryAttempt)

_MOVED = dict(
    state=bindparam("b_state"),
    next_attempt_at=bindparam("b_next"),
    attempts_made=_deliveries.c.attempts_made + 1,
    first_attempt_at=func.coalesce(_deliveries.c.first_attempt_at, bindparam("b_at")),
    last_attempt_at=bindparam("b_at"),
    leased_by=None,
    lease_until=None,
    dead_letter_reason=bindparam("b_reason"),
)
# One attempt moves one delivery: executemany over the batch, guarded by the lease.
_MOVE = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.leased_by == bindparam("b_worker"))
    .values(**_MOVED)
)
# The same move for many deliveries at once (all delivered by one worker in one batch).
_MOVE_ALIKE = (
    update(_deliveries)
    .where(_deliveries.c.id.in_(bindparam("ids", expanding=True)), _deliveries.c.leased_by == bindparam("b_worker"))
    .values(**_MOVED)
)
_HELD = (
    select(_deliveries.c.id, _deliveries.c.leased_by, _deliveries.c.subscription_id, _deliveries.c.channel)
    .where(_deliveries.c.id.in_(bindparam("ids", expanding=True)))
    .with_for_update()
)
_CLAIMED = select(
    _deliveries.c.id,
    _deliveries.c.subscription_id,
    _deliveries.c.alert_id,
    _deliveries.c.message_id,
    _deliveries.c.body,
    _deliveries.c.attempts_made,
    _deliveries.c.first_attempt_at,
    _deliveries.c.channel,
    _deliveries.c.request_id,
).where(_deliveries.c.id.in_(bindparam("ids", expanding=True)))
_ENDPOINTS = select(
    _subscriptions.c.id,
    _subscriptions.c.url,
    _subscriptions.c.secret,
    _subscriptions.c.previous_secret,
    _subscriptions.c.previous_secret_expires_at,
    _subscriptions.c.failing_since,
    _subscriptions.c.email,
    _subscriptions.c.enabled,
    _subscriptions.c.disabled_at,
    _subscriptions.c.disabled_reason,
    _subscriptions.c.webhook_disabled_at,
    _subscriptions.c.webhook_disabled_reason,
    _subscriptions.c.email_failing_since,
    _subscriptions.c.email_disabled_at,
    _subscriptions.c.email_disabled_reason,
).where(_subscriptions.c.id.in_(bindparam("ids", expanding=True)))
# A due delivery of a disabled channel is dead-lettered by the claim that reaches it, unleased.
_DEAD_LETTER = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"))
    .values(
        state=DeliveryState.dead_lettered.value,
        next_attempt_at=None,
        leased_by=None,
        lease_until=None,
        dead_letter_reason=bindparam("b_reason"),
    )
)
# a claim that found only deliveries of disabled channels claims again, this many times at most
_CLAIM_ROUNDS = 10
_EVENTS = select(_alerts.c.id, _alerts.c.event).where(_alerts.c.id.in_(bindparam("ids", expanding=True)))


def plan_claims(connection: Connection) -> None:
    """Make the claim read due rows in ix_delivery_due's order and stop at the limit, in this
    transaction. On PostgreSQL statistics lag a burst of new deliveries, and with an estimate of
    a few pending rows the planner sorted every pending delivery on each claim (~0.2 s a claim
    at 50,000 pending); SQLite follows the index without being told."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_sort = off")


def due_query(*, now: dt.datetime, limit: int):  # noqa: ANN201 - a SQLAlchemy Select
    """The ids of up to ``limit`` deliveries due at ``now`` that no live lease holds, in due
    order; rows other workers hold locked are skipped (PostgreSQL). Those of a disabled channel
    are among them: the claim dead-letters them instead of sending (:meth:`SqlDeliveryStore.claim_sync`)."""
    return (
        select(_deliveries.c.id)
        .where(
            _deliveries.c.state == DeliveryState.pending.value,
            _deliveries.c.next_attempt_at <= now,
            or_(_deliveries.c.lease_until.is_(None), _deliveries.c.lease_until <= now),
        )
        .order_by(_deliveries.c.next_attempt_at, _deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_deliveries)
    )


def active_secrets(
    subscription_secret: str, previous: str | None, previous_expires_at: dt.datetime | None, *, now: dt.datetime
) -> tuple[str, ...]:
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
    dead_letter_reason: str | None = None


# Composes an e-mail delivery's message: (subscription id, address, message id, CloudEvent bytes)
# to the RFC 5322 bytes the SMTP server receives.
RenderEmail = Callable[[str, str, str, bytes], bytes]


class SqlDeliveryStore:
    """Attempts are queued by :meth:`record_attempt` and written by :meth:`flush`, one
    transaction per batch (service.alerting.dispatcher flushes after each).

    E-mail deliveries are claimed, leased, logged and dead-lettered exactly like webhooks; only
    their message differs, composed at claim time by ``render_email`` from the same CloudEvent.
    """

    def __init__(
        self, engine: Engine, *, secret_box: SecretBox | None = None, render_email: RenderEmail | None = None
    ) -> None:
        self._engine = engine
        self._secret_box = secret_box  # opens sealed secrets; without one, only unsealed ones sign
        self._render_email = render_email
        self._pending: list[_Record] = []
        # the X-Request-ID behind each claimed delivery, named in the log line its attempt ends in
        self._request_ids: dict[str, str] = {}

    def _open_secrets(self, endpoint, *, now: dt.datetime) -> tuple[str, ...] | None:  # noqa: ANN001
        """The endpoint's active secrets, opened; None (and the reason logged) if a key is missing."""
        stored = active_secrets(endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at, now=now)
        try:
            if self._secret_box is None:
                if any(is_sealed(secret) for secret in stored):
                    raise SecretUnreadable("the secret is sealed and this store was given no keys")
                return stored
            return tuple(self._secret_box.open(secret) for secret in stored)
        except SecretUnreadable as error:
            log.error(
                "subscription %s: deliveries held until its lease ends, webhook secret unreadable: %s",
                endpoint.id,
                error,
            )
            return None

    # --- claim -------------------------------------------------------------------------------

    async def claim_due_deliveries(
        self, *, now: dt.datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> list[OutgoingDelivery]:
        return await asyncio.to_thread(
            self.claim_sync, now=now, limit=limit, worker_id=worker_id, lease_seconds=lease_seconds
        )

    def claim_sync(self, *, now: dt.datetime, limit: int, worker_id: str, lease_seconds: int) -> list[OutgoingDelivery]:
        # A batch made only of deliveries of disabled channels (dead-lettered, not sent) claims
        # again, so a drain does not stop while sendable deliveries are due behind them.
        for _ in range(_CLAIM_ROUNDS):
            claimed, dead_lettered = self._claim_round(
                now=now, limit=limit, worker_id=worker_id, lease_seconds=lease_seconds
            )
            if claimed or not dead_lettered:
                return claimed
        return []

    def _claim_round(
        self, *, now: dt.datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> tuple[list[OutgoingDelivery], int]:
        """(what to send, how many due deliveries of disabled channels were dead-lettered instead)."""
        with Session(self._engine) as session:
            begin_write(session)
            connection = session.connection()
            plan_claims(connection)
            due_ids = connection.execute(due_query(now=now, limit=limit)).scalars().all()
            if not due_ids:
                session.rollback()
                return [], 0
            rows = connection.execute(_CLAIMED, {"ids": due_ids}).all()
            # What a batch shares is read once: its endpoints (a few hundred deliveries go to a
            # few dozen of them) and its alerts' events (often one alert for every delivery).
            endpoints = {
                row.id: row
                for row in connection.execute(_ENDPOINTS, {"ids": sorted({row.subscription_id for row in rows})})
            }
            # a delivery whose channel is disabled is not sent: it is dead-lettered with the reason
            # (replayable once the channel runs again) instead of waiting, or piling up, for ever
            stopped = []
            for row in rows:
                endpoint = endpoints.get(row.subscription_id)
                stop = channel_stopped(endpoint, Channel(row.channel)) if endpoint is not None else None
                if stop is not None:
                    at, why = stop
                    if not why.startswith(f"{row.channel} channel disabled"):
                        when = f" at {at.isoformat()}" if at is not None else ""
                        why = f"{row.channel} channel disabled{when}: {why}"
                    stopped.append({"b_id": row.id, "b_reason": why})
            if stopped:
                connection.execute(_DEAD_LETTER, stopped)
                gone = {change["b_id"] for change in stopped}
                rows = [row for row in rows if row.id not in gone]
                due_ids = [delivery_id for delivery_id in due_ids if delivery_id not in gone]
            if due_ids:
                connection.execute(
                    update(_deliveries)
                    .where(_deliveries.c.id.in_(due_ids))
                    .values(leased_by=worker_id, lease_until=now + dt.timedelta(seconds=lease_seconds))
                )
            alert_ids = sorted({row.alert_id for row in rows if row.body is None and row.alert_id is not None})
            emails = {endpoint.id: endpoint.email for endpoint in endpoints.values()}
            events = (
                {alert_id: event.encode("utf-8") for alert_id, event in connection.execute(_EVENTS, {"ids": alert_ids})}
                if alert_ids
                else {}
            )
            session.commit()
        if stopped:
            log.info("dead-lettered %d due deliveries of disabled channels", len(stopped))
        # per endpoint once: its URL, its active secrets, how long it has been failing. An
        # endpoint whose secret no key opens sends nothing: its deliveries stay leased and come
        # due again when the lease ends, so the error repeats at that pace until the keys are fixed.
        endpoint_facts = {}
        for endpoint in endpoints.values():
            secrets = self._open_secrets(endpoint, now=now)
            if secrets is not None:
                endpoint_facts[endpoint.id] = (
                    endpoint.url,
                    secrets,
                    endpoint.failing_since,
                    endpoint.email_failing_since,
                )
        position = {delivery_id: index for index, delivery_id in enumerate(due_ids)}  # due order
        claimed = []
        for (
            delivery_id,
            subscription_id,
            alert_id,
            message_id,
            body,
            attempts_made,
            first_attempt_at,
            channel,
            request_id,
        ) in sorted(rows, key=lambda row: position[row[0]]):
            if request_id:
                self._request_ids[delivery_id] = request_id
            if subscription_id not in endpoint_facts:
                continue
            url, secrets, failing_since, email_failing_since = endpoint_facts[subscription_id]
            payload = body.encode("utf-8") if body is not None else events[alert_id]
            content_type = CONTENT_TYPE
            if channel == Channel.email.value:
                address = emails.get(subscription_id)
                if not address or self._render_email is None:
                    continue  # the channel was removed (its pending deliveries go with it) or is not served here
                url = EMAIL_SCHEME + address
                failing_since = email_failing_since  # each channel's health is its own
                payload = self._render_email(subscription_id, address, message_id, payload)
                content_type = "message/rfc822"
            claimed.append(
                OutgoingDelivery(
                    id=delivery_id,
                    endpoint_id=subscription_id,
                    url=url,
                    message_id=message_id,
                    body=payload,
                    secrets=secrets,
                    attempts_made=attempts_made,
                    first_attempt_at=first_attempt_at,
                    endpoint_failing_since=failing_since,
                    channel=channel,
                    content_type=content_type,
                )
            )
        return claimed, len(stopped)

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
        dead_letter_reason: str | None = None,
    ) -> None:
        """Queue the record; :meth:`flush` writes the queue in one transaction.

        One transaction per batch rather than per delivery keeps the worker from monopolising
        SQLite's single write lock, which report intake needs too. A worker that dies before the
        flush loses only the records: the leases run out and the deliveries are sent again,
        which the at-least-once contract (and the receivers' dedup by webhook-id) allows.
        """
        reason = dead_letter_reason if outcome is DeliveryOutcome.dead_lettered else None
        self._pending.append(_Record(delivery_id, worker_id, attempted_at, result, outcome, next_attempt_at, reason))

    async def flush(self) -> None:
        records, self._pending = self._pending, []
        if records:
            await asyncio.to_thread(self.record_sync, records)

    def record_sync(self, records: list[_Record]) -> None:
        """One transaction, a constant number of statements (executemany for the rows)."""
        ids = [r.delivery_id for r in records]
        with Session(self._engine) as session:
            begin_write(session)
            connection = session.connection()
            # Only the lease holder moves the delivery; a late record from a worker whose lease
            # ran out is kept in the log and changes nothing else. FOR UPDATE holds the rows we
            # still lease until commit, so no other worker can claim one in between (SQLite's
            # BEGIN IMMEDIATE already excludes every other writer).
            held = {
                (row.id, row.leased_by): (row.subscription_id, row.channel)
                for row in connection.execute(_HELD, {"ids": ids})
            }
            existing = {delivery_id for delivery_id, _ in held}
            # deliveries that move alike (delivered in the same batch, most of all) move in one
            # statement; the rest (retries, each with its own jittered time) one row each
            alike: defaultdict[tuple, list[str]] = defaultdict(list)
            attempts = []
            # channel health, per (subscription, channel): a failing webhook says nothing of the e-mail
            failing: dict[tuple[str, str], dt.datetime] = {}
            answered: set[tuple[str, str]] = set()
            for r in records:
                if r.delivery_id not in existing:
                    continue  # the subscription (and its deliveries) was deleted while we were sending
                holder = held.get((r.delivery_id, r.worker_id))
                result = r.result
                attempts.append(
                    {
                        "delivery_id": r.delivery_id,
                        "worker_id": r.worker_id,
                        "attempted_at": r.attempted_at,
                        "status_code": result.status_code,
                        "latency_ms": result.latency_ms,
                        "error": result.error,
                        "response_excerpt": result.response_excerpt[:500] or None,
                        "outcome": r.outcome.value,
                        "counted": holder is not None,
                    }
                )
                if holder is None:
                    continue
                alike[
                    (r.worker_id, _STATE_FOR[r.outcome].value, r.next_attempt_at, r.attempted_at, r.dead_letter_reason)
                ].append(r.delivery_id)
                if result.succeeded:
                    answered.add(holder)
                else:
                    failing.setdefault(holder, r.attempted_at)
            one_by_one = []
            for (worker_id, state, next_at, attempted_at, reason), moved in alike.items():
                if len(moved) == 1:
                    one_by_one.append(
                        {
                            "b_id": moved[0],
                            "b_worker": worker_id,
                            "b_state": state,
                            "b_next": next_at,
                            "b_at": attempted_at,
                            "b_reason": reason,
                        }
                    )
                else:
                    connection.execute(
                        _MOVE_ALIKE,
                        {
                            "ids": moved,
                            "b_worker": worker_id,
                            "b_state": state,
                            "b_next": next_at,
                            "b_at": attempted_at,
                            "b_reason": reason,
                        },
                    )
            if one_by_one:
                connection.execute(_MOVE, one_by_one)
            if attempts:
                connection.execute(_attempts.insert(), attempts)
            # channel health: any success on a channel in the batch proves that channel alive
            for channel in Channel:
                column = _subscriptions.c[CHANNEL_HEALTH[channel][0]]
                alive = sorted(subscription for subscription, on in answered if on == channel.value)
                if alive:
                    connection.execute(
                        update(_subscriptions)
                        .where(_subscriptions.c.id.in_(alive), column.is_not(None))
                        .values({column: None})
                    )
                for (subscription_id, on), since in failing.items():
                    if on == channel.value and (subscription_id, on) not in answered:
                        connection.execute(
                            update(_subscriptions)
                            .where(_subscriptions.c.id == subscription_id, column.is_(None))
                            .values({column: since})
                        )
            session.commit()
        self._log_by_request(records)

    def _log_by_request(self, records: list[_Record]) -> None:
        """One line per request whose deliveries were attempted, with that request's id: a report's
        X-Request-ID leads from the API's log to what the worker did with its alerts."""
        by_request: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for record in records:
            request_id = self._request_ids.pop(record.delivery_id, None)
            if request_id is not None:
                by_request[request_id][record.outcome.value] += 1
        for request_id, outcomes in by_request.items():
            with bound_request_id(request_id):
                request_log.info("deliveries attempted", **outcomes)

    async def disable_endpoint(
        self, *, endpoint_id: str, reason: str, at: dt.datetime, channel: str | None = None
    ) -> None:
        await asyncio.to_thread(self.disable_sync, endpoint_id=endpoint_id, reason=reason, at=at, channel=channel)

    def disable_sync(self, *, endpoint_id: str, reason: str, at: dt.datetime, channel: str | None = None) -> None:
        """Stop one channel of the subscription (``channel``: "webhook" after a 410 Gone or a run
        of failures, "email" after a run of failures), or with None every channel it has. Its
        other channel keeps delivering; a subscription left with no channel that runs is disabled
        as a whole, with the same reason. The stopped channel's pending deliveries that no worker
        holds are dead-lettered now, with the reason (one a worker is sending is dead-lettered by
        the claim that next reaches it, if it is not delivered)."""
        channels = [Channel(channel)] if channel is not None else list(Channel)
        with Session(self._engine) as session:
            begin_write(session)
            connection = session.connection()
            for stopped in channels:
                _, at_column, reason_column = CHANNEL_HEALTH[stopped]
                connection.execute(
                    update(_subscriptions)
                    .where(_subscriptions.c.id == endpoint_id, _subscriptions.c[at_column].is_(None))
                    .values({at_column: at, reason_column: reason, "updated_at": at})
                )
            row = connection.execute(
                select(
                    _subscriptions.c.url,
                    _subscriptions.c.email,
                    _subscriptions.c.webhook_disabled_at,
                    _subscriptions.c.email_disabled_at,
                ).where(_subscriptions.c.id == endpoint_id)
            ).one_or_none()
            if row is None:
                session.rollback()  # deleted meanwhile
                return
            runs = (bool(row.url) and row.webhook_disabled_at is None) or (
                bool(row.email) and row.email_disabled_at is None
            )
            if not runs:
                # nothing else to deliver to: the subscription stops as a whole
                connection.execute(
                    update(_subscriptions)
                    .where(_subscriptions.c.id == endpoint_id, _subscriptions.c.enabled.is_(True))
                    .values(enabled=False, disabled_at=at, disabled_reason=reason, updated_at=at)
                )
            connection.execute(
                update(_deliveries)
                .where(
                    _deliveries.c.subscription_id == endpoint_id,
                    _deliveries.c.channel.in_([c.value for c in channels]),
                    _deliveries.c.state == DeliveryState.pending.value,
                    or_(_deliveries.c.lease_until.is_(None), _deliveries.c.lease_until <= at),
                )
                .values(
                    state=DeliveryState.dead_lettered.value,
                    next_attempt_at=None,
                    leased_by=None,
                    lease_until=None,
                    dead_letter_reason=reason,
                )
            )
            session.commit()
