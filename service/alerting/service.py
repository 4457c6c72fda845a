"""Reading alerts and deliveries, and replaying deliveries: what the routes share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, select

from alerts.model import Alert, AlertType, Severity
from service.alerting.models import (
    AlertRow,
    AttemptRead,
    Delivery,
    DeliveryAttempt,
    DeliveryRead,
    DeliveryState,
)
from service.audit.service import record
from service.auth.models import Principal
from service.db import begin_write, utcnow
from service.pagination import decode_cursor, encode_cursor, invalid_cursor
from service.problems import Problem
from service.subscriptions.models import Channel, Subscription, channel_stopped

# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertFilter:
    types: tuple[AlertType, ...] = ()
    min_severity: Severity | None = None
    substance: str | None = None
    country: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def get_alert(session: Session, *, alert_id: str) -> AlertRow:
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise Problem(404, "not-found", f"no alert {alert_id!r}")
    return row


def list_alerts(
    session: Session, flt: AlertFilter, *, cursor: str | None, limit: int
) -> tuple[list[Alert], str | None]:
    """Newest first; the cursor holds the last (created_at, id) seen."""
    query = select(AlertRow)
    if flt.types:
        query = query.where(col(AlertRow.type).in_([t.value for t in flt.types]))
    if flt.min_severity is not None:
        query = query.where(AlertRow.severity_rank >= flt.min_severity.rank)
    if flt.substance:
        query = query.where(AlertRow.substance_inchikey == flt.substance.strip().upper())
    if flt.country:
        query = query.where(col(AlertRow.countries).like(f"%,{flt.country.strip().upper()},%"))
    if flt.since:
        query = query.where(AlertRow.created_at >= flt.since)
    if flt.until:
        query = query.where(AlertRow.created_at < flt.until)
    if cursor:
        moment, last_id = decode_cursor(cursor, keys=2)
        try:
            last_at = dt.datetime.fromisoformat(moment)
            if last_at.tzinfo is None:  # every cursor issued holds an offset; the column refuses naive times
                raise ValueError(moment)
            last_at = last_at.astimezone(dt.UTC)  # overflows for an offset at either end of the calendar
        except (ValueError, OverflowError):
            raise invalid_cursor() from None
        query = query.where(
            or_(
                col(AlertRow.created_at) < last_at,
                (col(AlertRow.created_at) == last_at) & (col(AlertRow.id) < last_id),
            )
        )
    rows = session.exec(query.order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at.isoformat(), rows[-1].id) if more and rows else None
    return [r.to_alert() for r in rows], next_cursor


# --- deliveries --------------------------------------------------------------------------------


def list_deliveries(
    session: Session, *, subscription_id: str, state: DeliveryState | None, cursor: str | None, limit: int
) -> tuple[list[DeliveryRead], str | None]:
    """Newest first, each with every attempt made (oldest attempt first)."""
    query = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if state is not None:
        query = query.where(Delivery.state == state.value)
    if cursor:
        (last_id,) = decode_cursor(cursor)
        query = query.where(Delivery.id < last_id)
    rows = session.exec(query.order_by(col(Delivery.id).desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    attempts: dict[str, list[AttemptRead]] = {r.id: [] for r in rows}
    if rows:
        for attempt in session.exec(
            select(DeliveryAttempt)
            .where(col(DeliveryAttempt.delivery_id).in_(list(attempts)))
            .order_by(col(DeliveryAttempt.id))
        ):
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt, from_attributes=True))
    items = [DeliveryRead.model_validate({**row.model_dump(), "attempts": attempts[row.id]}) for row in rows]
    return items, encode_cursor(rows[-1].id) if more and rows else None


def replay(
    session: Session, *, subscription_id: str, delivery_ids: Sequence[str], dead_lettered: bool, principal: Principal
) -> tuple[list[str], list[str]]:
    """Make chosen deliveries (and, if asked, every dead-lettered one) due again now; (replayed,
    held).

    The message keeps its ``webhook-id``, so a receiver that already processed it can drop it.
    The retry horizon starts afresh. A delivery a worker holds right now is left alone. A
    delivery of a channel that is disabled is not replayed (it would only be dead-lettered
    again): named, it is a 409; among every dead-lettered one, it is held and listed.
    """
    begin_write(session)
    now = utcnow()
    subscription = session.get(Subscription, subscription_id)
    stopped = (
        {c.value: stop for c in Channel if (stop := channel_stopped(subscription, c)) is not None}
        if subscription is not None
        else {}
    )
    chosen = set(delivery_ids)
    if chosen:
        found = dict(
            session.exec(
                select(Delivery.id, Delivery.channel).where(
                    Delivery.subscription_id == subscription_id, col(Delivery.id).in_(chosen)
                )
            ).all()
        )
        missing = sorted(chosen - set(found))
        if missing:
            raise Problem(
                404,
                "not-found",
                f"no deliveries {', '.join(missing)} for this subscription",
                errors=[
                    {
                        "in": "body",
                        "pointer": "#/delivery_ids",
                        "field": "delivery_ids",
                        "detail": f"unknown: {', '.join(missing)}",
                    }
                ],
            )
        blocked = sorted(delivery_id for delivery_id, channel in found.items() if channel in stopped)
        if blocked:
            channels = sorted({found[delivery_id] for delivery_id in blocked})
            raise Problem(
                409,
                "conflict",
                f"deliveries {', '.join(blocked)} go by the {' and '.join(channels)} channel, which is disabled "
                f"({'; '.join(stopped[c][1] for c in channels)}): re-enable it first "
                f"(POST /v1/subscriptions/{subscription_id}/enable), then replay",
            )
    wanted: ColumnElement[bool] | None = col(Delivery.id).in_(chosen) if chosen else None
    if dead_lettered:
        dead = col(Delivery.state) == DeliveryState.dead_lettered.value
        wanted = dead if wanted is None else or_(wanted, dead)
    if wanted is None:
        session.rollback()
        return [], []
    found_targets = session.exec(
        select(Delivery.id, Delivery.channel).where(
            Delivery.subscription_id == subscription_id,
            wanted,
            or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) <= now),
        )
    ).all()
    targets = [delivery_id for delivery_id, channel in found_targets if channel not in stopped]
    held = sorted(delivery_id for delivery_id, channel in found_targets if channel in stopped)
    if targets:
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(targets))
            .values(
                state=DeliveryState.pending.value,
                next_attempt_at=now,
                attempts_made=0,
                first_attempt_at=None,
                leased_by=None,
                lease_until=None,
                dead_letter_reason=None,
            )
        )
        record(
            session,
            principal=principal,
            action="delivery.replay",
            entity="subscription",
            entity_id=subscription_id,
            detail={"deliveries": sorted(targets)},
        )
    session.commit()
    return sorted(targets), held
