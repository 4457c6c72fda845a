"""Digests: every matching alert since the last digest, in one message, at a local time of day.

Alerts reach a digest subscription through ``digest_entry`` rows written in the report's own
transaction (the same outbox as immediate deliveries). The digest job turns a subscription's
unsent entries into one delivery and moves its next digest time, in one transaction; the digest's
event id derives from its alert ids, so a rebuilt digest carries the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col, select

from alerts.cloudevents import digest_event, to_json_bytes
from alerts.model import rfc3339_utc
from service.alerting.models import AlertRow, Delivery, DeliveryKind, DigestEntry
from service.alerting.outbox import delivery_row, public_base
from service.db import begin_write, utcnow
from service.settings import Settings, get_settings
from service.subscriptions.models import DigestSchedule, Frequency, Mode, Subscription

log = logging.getLogger("varsel.digests")


def next_digest_time(schedule: DigestSchedule, *, after: dt.datetime) -> dt.datetime:
    """The first scheduled local time strictly after ``after``, in UTC.

    Wall-clock arithmetic in the named zone, so "08:00 Europe/Copenhagen" stays 08:00 across
    daylight-saving changes; a time skipped by a spring-forward gap is resolved by zoneinfo's
    fold rules (it lands an hour later that one day).
    """
    zone = ZoneInfo(schedule.timezone)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 9):
        day = local_day + dt.timedelta(days=offset)
        if (
            schedule.weekday is not None
            and schedule.frequency is Frequency.weekly
            and day.weekday() != schedule.weekday.number
        ):
            continue
        candidate = dt.datetime.combine(day, schedule.at, tzinfo=zone).astimezone(dt.UTC)
        if candidate > after:
            return candidate
    raise AssertionError("a daily or weekly schedule always has a time within 8 days")


def build_due_digests(
    engine: Engine, *, instance: str, now: dt.datetime | None = None, limit: int = 100, settings: Settings | None = None
) -> int:
    """Build the digests that are due; returns how many digests were built (each queues one
    delivery per channel of its subscription).

    A digest covers the period since the subscription's previous digest (or its creation) and
    carries at most ``digest_max_alerts`` alerts, the newest; it says how many older ones it left
    out and where to find them. Every entry of the period is marked sent either way, so the next
    digest starts where this one ended.

    Subscriptions are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so two workers never
    build the same digest; SQLite's single writer gives the same guarantee.
    """
    settings = settings or get_settings()
    now = now or utcnow()
    queued = 0
    with Session(engine, expire_on_commit=False) as session:
        begin_write(session)
        due = session.exec(
            select(Subscription)
            .where(Subscription.mode == Mode.digest.value, col(Subscription.next_digest_at) <= now)
            .order_by(col(Subscription.next_digest_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for subscription in due:
            entries = session.exec(
                select(AlertRow)
                .join(DigestEntry, col(DigestEntry.alert_id) == col(AlertRow.id))
                .where(DigestEntry.subscription_id == subscription.id, col(DigestEntry.delivery_id).is_(None))
                .order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc())
            ).all()
            period_start = subscription.last_digest_at or subscription.created_at
            if entries:
                kept, left_out = entries[: settings.digest_max_alerts], entries[settings.digest_max_alerts :]
                query = None
                if left_out:
                    query = (
                        f"{public_base(settings)}/v1/alerts?since={rfc3339_utc(left_out[-1].created_at)}"
                        f"&until={rfc3339_utc(kept[-1].created_at)}"
                    )
                event = digest_event(
                    [a.to_alert() for a in kept],
                    instance=instance,
                    time=now,
                    period_start=period_start,
                    left_out=len(left_out),
                    left_out_query=query,
                )
                body = to_json_bytes(event).decode()
                rows = [
                    delivery_row(
                        subscription_id=subscription.id,
                        channel=channel,
                        kind=DeliveryKind.digest,
                        message_id=event["id"],
                        body=body,
                        now=now,
                    )
                    for channel in subscription.channels()
                ]
                if rows:
                    session.execute(insert(Delivery), rows)
                session.execute(
                    update(DigestEntry)
                    .where(
                        col(DigestEntry.subscription_id) == subscription.id,
                        col(DigestEntry.alert_id).in_([a.id for a in entries]),
                    )
                    # a subscription left without a channel (unsubscribed) still closes its period
                    .values(delivery_id=rows[0]["id"] if rows else "none")
                )
                queued += 1
                subscription.last_digest_at = now
            schedule = DigestSchedule.model_validate(subscription.digest)
            subscription.next_digest_at = next_digest_time(schedule, after=now)
            session.add(subscription)
        session.commit()
    if queued:
        log.info("queued %d digest(s)", queued)
    return queued
