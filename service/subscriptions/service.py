"""Subscriptions of an authority's organisation: create, read, change, delete, rotate, re-enable.

Every function takes the caller's principal and only ever touches subscriptions of the
caller's organisation; another organisation's subscription is "not found", not "forbidden",
so ids do not leak across organisations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from sqlalchemy import bindparam, insert, update
from sqlalchemy import delete as sql_delete
from sqlmodel import Session, col, select
from ulid import ULID

from alerts.cloudevents import source_for, to_json_bytes
from alerts.model import rfc3339_utc
from alerts.signing import generate_secret
from alerts.ssrf import UnsafeURL, check_webhook_url, system_resolver
from service.alerting.digests import next_digest_time
from service.alerting.models import Delivery, DeliveryKind, DeliveryState
from service.audit.redact import redact_url
from service.audit.service import record
from service.auth.models import Principal
from service.classification import live
from service.db import begin_write, table_of, utcnow
from service.families.models import Family
from service.problems import Problem
from service.subscriptions.models import (
    CHANNEL_HEALTH,
    Channel,
    DigestSchedule,
    FeedToken,
    FeedTokenRead,
    FeedTokenWithSecret,
    Filters,
    Mode,
    Subscription,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
    channel_stopped,
)
from service.subscriptions.secret_box import SecretBox, SecretUnreadable, is_sealed

TEST_EVENT_TYPE = "eu.varsel.test"


# The subscribe-time lookup runs in a small pool of its own with a bound, so a resolver that
# never answers costs the request this long and never holds a request thread for good.
RESOLVE_TIMEOUT_SECONDS = 5.0
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="varsel-dns")


def _bounded_resolver(host: str, port: int) -> list[str]:
    try:
        return _lookups.submit(system_resolver, host, port).result(timeout=RESOLVE_TIMEOUT_SECONDS)
    except FutureTimeout:
        raise OSError(f"no answer from the resolver within {RESOLVE_TIMEOUT_SECONDS:g} s") from None


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that point into our own network (see alerts.ssrf); raises a 422 Problem."""
    try:
        check_webhook_url(url, allow_private=allow_private, resolver=_bounded_resolver)
    except UnsafeURL as refusal:
        raise Problem(
            422,
            "validation",
            f"url: {refusal}",
            errors=[{"in": "body", "pointer": "#/url", "field": "url", "detail": str(refusal)}],
        ) from None


def known_jurisdictions() -> dict[str, str]:
    """Code to name of every jurisdiction the rulebook encodes (chemistry/rules/jurisdictions.toml)."""
    return {code: info.name for code, info in sorted(live.shipped_jurisdictions().items())}


def _unknown(field: str, unknown: Sequence[str], known: Sequence[str], what: str) -> dict:
    shown = ", ".join(known[:50]) + (f" and {len(known) - 50} more" if len(known) > 50 else "")
    return {
        "in": "body",
        "pointer": f"#/filters/{field}",
        "field": f"filters.{field}",
        "detail": f"unknown {what}: {', '.join(unknown)}; known: {shown or 'none yet'}",
        "known": list(known),
    }


def check_filters(session: Session, filters: Filters) -> None:
    """Refuse (422) a filter naming a jurisdiction, group or family that does not exist: it would
    match nothing, silently, for ever. The error lists the values that exist."""
    errors = []
    jurisdictions = sorted(known_jurisdictions())
    for field, values in (
        ("jurisdictions", filters.jurisdictions),
        ("uncontrolled_in", [filters.uncontrolled_in] if filters.uncontrolled_in else []),
    ):
        unknown = sorted(set(values) - set(jurisdictions))
        if unknown:
            errors.append(_unknown(field, unknown, jurisdictions, "jurisdiction"))
    if filters.group_ids:
        groups = sorted(rule.id for rule in live.current(session).rulebook.rules if rule.kind == "group")
        unknown = sorted(set(filters.group_ids) - set(groups))
        if unknown:
            errors.append(_unknown("group_ids", unknown, groups, "group definition"))
    if filters.family_ids:
        found = set(session.exec(select(Family.id).where(col(Family.id).in_(filters.family_ids))).all())
        unknown = sorted(set(filters.family_ids) - found)
        if unknown:
            families = list(session.exec(select(Family.id).order_by(Family.id).limit(51)).all())
            errors.append(_unknown("family_ids", unknown, families, "family"))
    if errors:
        raise Problem(422, "validation", "; ".join(e["detail"] for e in errors), errors=errors)


def get(session: Session, *, subscription_id: str, principal: Principal) -> Subscription:
    row = session.get(Subscription, subscription_id)
    if row is None or row.organisation_id != principal.organisation_id:
        raise Problem(404, "not-found", f"no subscription {subscription_id!r} for your organisation")
    return row


def get_all(session: Session, *, principal: Principal) -> Sequence[Subscription]:
    return session.exec(
        select(Subscription).where(Subscription.organisation_id == principal.organisation_id).order_by(Subscription.id)
    ).all()


def to_read(row: Subscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        url=row.url or None,
        email=row.email,
        channels=list(row.channels()),
        filters=Filters.model_validate(row.filters),
        mode=Mode(row.mode),
        digest=DigestSchedule.model_validate(row.digest) if row.digest else None,
        next_digest_at=row.next_digest_at,
        enabled=row.enabled,
        failing_since=min((t for t in (row.failing_since, row.email_failing_since) if t is not None), default=None),
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
        webhook_failing_since=row.failing_since,
        webhook_disabled_at=row.webhook_disabled_at,
        webhook_disabled_reason=row.webhook_disabled_reason,
        email_failing_since=row.email_failing_since,
        email_disabled_at=row.email_disabled_at,
        email_disabled_reason=row.email_disabled_reason,
        previous_secret_expires_at=row.previous_secret_expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _with_secret(row: Subscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret(**to_read(row).model_dump(), secret=secret)


def _audit(session: Session, principal: Principal, action: str, row: Subscription, **detail: object) -> None:
    # Never the secret, nor the URL's credentials or query: regulators read every organisation's
    # audit entries and must not be able to forge or redirect another's webhooks.
    record(
        session,
        principal=principal,
        action=action,
        entity="subscription",
        entity_id=row.id,
        detail={"url": redact_url(row.url) if row.url else None, "email": bool(row.email), "mode": row.mode, **detail},
    )


def create(
    session: Session, *, data: SubscriptionCreate, principal: Principal, allow_private: bool, secret_box: SecretBox
) -> SubscriptionWithSecret:
    if data.url:
        check_url(data.url, allow_private=allow_private)
    check_filters(session, data.filters)
    now = utcnow()
    secret = generate_secret()  # an e-mail-only subscription has one too, for a webhook added later
    begin_write(session)
    row = Subscription(
        id=str(ULID()),
        organisation_id=principal.organisation_id,
        name=data.name,
        url=data.url or "",
        email=data.email,
        secret=secret_box.seal(secret),
        filters=data.filters.model_dump(mode="json"),
        mode=data.mode.value,
        digest=data.digest.model_dump(mode="json") if data.digest else None,
        next_digest_at=next_digest_time(data.digest, after=now) if data.digest else None,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _audit(session, principal, "subscription.create", row)
    session.commit()
    return _with_secret(row, secret)


def update_subscription(
    session: Session, *, subscription_id: str, data: SubscriptionUpdate, principal: Principal, allow_private: bool
) -> SubscriptionRead:
    changes = data.model_dump(exclude_unset=True)
    if "url" in changes and data.url is not None:
        check_url(data.url, allow_private=allow_private)
    if data.filters is not None:
        check_filters(session, data.filters)
    begin_write(session)
    row = get(session, subscription_id=subscription_id, principal=principal)
    url = (data.url or "") if "url" in changes else row.url
    email = data.email if "email" in changes else row.email
    if not url and not email:
        raise Problem(
            422,
            "validation",
            "a subscription needs a webhook 'url', an 'email' address, or both",
            errors=[{"in": "body", "pointer": "#/url", "field": "url", "detail": "nothing left to deliver to"}],
        )
    mode = data.mode if data.mode is not None else Mode(row.mode)
    digest = data.digest if "digest" in changes else (DigestSchedule.model_validate(row.digest) if row.digest else None)
    if mode is Mode.digest and digest is None:
        raise Problem(
            422,
            "validation",
            "mode 'digest' needs a 'digest' schedule (frequency, at, timezone)",
            errors=[{"in": "body", "pointer": "#/digest", "field": "digest", "detail": "required"}],
        )
    if mode is Mode.immediate:
        digest = None
    now = utcnow()
    if "name" in changes:
        row.name = data.name
    if row.url and not url:
        drop_pending(session, subscription_id=row.id, channel=Channel.webhook)
    if row.email and not email:
        drop_pending(session, subscription_id=row.id, channel=Channel.email)
    if url != row.url:
        # a corrected (or removed) webhook URL is not the one that answered 410 Gone or kept failing
        _clear_channel(row, Channel.webhook)
    if email != row.email:
        _clear_channel(row, Channel.email)
    row.url, row.email = url, email
    if not row.enabled and any(_channel_runs(row, c) for c in row.channels()):
        # a channel runs again (its address changed): so does the subscription
        row.enabled, row.disabled_at, row.disabled_reason = True, None, None
    if data.filters is not None:
        row.filters = data.filters.model_dump(mode="json")
    row.mode = mode.value
    row.digest = digest.model_dump(mode="json") if digest else None
    row.next_digest_at = next_digest_time(digest, after=now) if digest else None
    row.updated_at = now
    session.add(row)
    session.flush()
    _audit(session, principal, "subscription.update", row, fields=sorted(changes))
    session.commit()
    return to_read(row)


def delete(session: Session, *, subscription_id: str, principal: Principal) -> None:
    """Deletes the subscription with its deliveries and their log; alerts stay."""
    begin_write(session)
    row = get(session, subscription_id=subscription_id, principal=principal)
    _audit(session, principal, "subscription.delete", row)
    session.delete(row)
    session.commit()


def rotate_secret(
    session: Session, *, subscription_id: str, principal: Principal, grace: dt.timedelta, secret_box: SecretBox
) -> SubscriptionWithSecret:
    """A new secret signs from now on; the old one keeps signing alongside it for ``grace``,
    so a receiver can switch without rejecting a single webhook."""
    secret = generate_secret()
    begin_write(session)
    row = get(session, subscription_id=subscription_id, principal=principal)
    now = utcnow()
    if grace > dt.timedelta(0):
        row.previous_secret, row.previous_secret_expires_at = row.secret, now + grace
    else:
        row.previous_secret, row.previous_secret_expires_at = None, None
    row.secret = secret_box.seal(secret)
    row.updated_at = now
    session.add(row)
    session.flush()
    _audit(session, principal, "subscription.rotate_secret", row, grace_seconds=grace.total_seconds())
    session.commit()
    return _with_secret(row, secret)


def reseal_secrets(session: Session, *, secret_box: SecretBox) -> tuple[int, int]:
    """Seal every stored secret (current and previous) with the box's first key, in one
    transaction; (secrets, subscriptions) re-sealed. If any secret does not open, nothing
    changes and :class:`SecretUnreadable` names the subscriptions."""
    begin_write(session)
    table = table_of(Subscription)
    rows = session.execute(
        select(table.c.id, table.c.secret, table.c.previous_secret).order_by(table.c.id).with_for_update()
    ).all()
    changes, unreadable = [], []
    for subscription_id, secret, previous in rows:
        try:
            changes.append(
                {
                    "b_id": subscription_id,
                    "b_secret": secret_box.reseal(secret),
                    "b_previous": secret_box.reseal(previous) if previous else None,
                }
            )
        except SecretUnreadable as error:
            reason = error
            unreadable.append(subscription_id)
    if unreadable:
        session.rollback()
        raise SecretUnreadable(f"subscription(s) {', '.join(unreadable)}: {reason}")
    if changes:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(secret=bindparam("b_secret"), previous_secret=bindparam("b_previous")),
            changes,
        )
    session.commit()
    return sum(1 + (change["b_previous"] is not None) for change in changes), len(changes)


def _clear_channel(row: Subscription, channel: Channel) -> None:
    for column in CHANNEL_HEALTH[channel]:
        setattr(row, column, None)


def _channel_runs(row: Subscription, channel: Channel) -> bool:
    """The channel itself is not stopped (whatever the subscription as a whole says)."""
    return getattr(row, CHANNEL_HEALTH[channel][1]) is None


def enable(
    session: Session, *, subscription_id: str, principal: Principal, channel: Channel | None = None
) -> SubscriptionRead:
    """Switch a disabled subscription back on: every channel, or only ``channel``. What its
    stopped channels left was dead-lettered, with the reason; replay it
    (POST .../deliveries/replay with ``dead_lettered``) once the receiver is back."""
    begin_write(session)
    row = get(session, subscription_id=subscription_id, principal=principal)
    if channel is not None and channel not in row.channels():
        raise Problem(
            409,
            "conflict",
            f"the subscription has no {channel.value} channel to re-enable; "
            f"its channels: {', '.join(c.value for c in row.channels()) or 'none'}",
        )
    now = utcnow()
    channels = [channel] if channel is not None else list(Channel)
    was = {c.value: stop[1] for c in channels if (stop := channel_stopped(row, c)) is not None}
    for each in channels:
        _clear_channel(row, each)
    # a channel it has runs again, so the subscription does
    row.enabled, row.disabled_at, row.disabled_reason = True, None, None
    row.updated_at = now
    session.add(row)
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.subscription_id) == row.id,
            col(Delivery.state) == DeliveryState.pending.value,
            col(Delivery.channel).in_([c.value for c in channels]),
        )
        .values(next_attempt_at=now)
    )
    session.flush()
    _audit(session, principal, "subscription.enable", row, was_disabled_because=was or None)
    session.commit()
    return to_read(row)


def queue_test(session: Session, *, subscription_id: str, principal: Principal, instance: str) -> Delivery:
    """Queue a signed test event for the endpoint; a worker sends it like any alert."""
    begin_write(session)
    row = get(session, subscription_id=subscription_id, principal=principal)
    now = utcnow()
    event_id = str(uuid.uuid4())
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": source_for(instance),
        "type": TEST_EVENT_TYPE,
        "time": rfc3339_utc(now),
        "datacontenttype": "application/json",
        "data": {"subscription_id": row.id, "message": "Test webhook from Varsel: your endpoint and secret work."},
    }
    delivery = {
        "id": str(ULID()),
        "subscription_id": row.id,
        "alert_id": None,
        "kind": DeliveryKind.test.value,
        "message_id": event_id,
        "body": to_json_bytes(event).decode(),
        "state": DeliveryState.pending.value,
        "next_attempt_at": now,
        "attempts_made": 0,
        "created_at": now,
    }
    session.execute(insert(Delivery), [delivery])
    _audit(session, principal, "subscription.test", row, delivery_id=delivery["id"])
    session.commit()
    return Delivery.model_validate(delivery)


# --- e-mail unsubscribe links ------------------------------------------------------------------

UNSUBSCRIBE_PREFIX = "unsubscribe:"


def unsubscribe_token(subscription_id: str, *, secret_box: SecretBox) -> str:
    """The token in every e-mail's unsubscribe link: the subscription's id sealed with the
    operator's keys, so it names that one subscription, cannot be forged, and needs no API key
    (the person reading the e-mail may have none). It opens nothing else."""
    return secret_box.seal(UNSUBSCRIBE_PREFIX + subscription_id)


def subscription_for_unsubscribe(session: Session, *, token: str, secret_box: SecretBox) -> Subscription:
    try:
        opened = secret_box.open(token) if is_sealed(token) else ""
    except SecretUnreadable:
        opened = ""
    row = (
        session.get(Subscription, opened.removeprefix(UNSUBSCRIBE_PREFIX))
        if opened.startswith(UNSUBSCRIBE_PREFIX)
        else None
    )
    if row is None:
        raise Problem(404, "not-found", "this unsubscribe link is not valid, or its subscription no longer exists")
    return row


def drop_pending(session: Session, *, subscription_id: str, channel: Channel) -> None:
    """Pending deliveries of a channel the subscription no longer has go with it."""
    session.execute(
        sql_delete(Delivery).where(
            col(Delivery.subscription_id) == subscription_id,
            col(Delivery.channel) == channel.value,
            col(Delivery.state) == DeliveryState.pending.value,
        )
    )


def unsubscribe_email(session: Session, *, token: str, secret_box: SecretBox) -> Subscription:
    """Stop this subscription's e-mails (and only this subscription's). Its webhook, if it has one,
    keeps running; a subscription left with no channel is disabled, with the reason."""
    begin_write(session)
    row = subscription_for_unsubscribe(session, token=token, secret_box=secret_box)
    if row.email is not None:
        now = utcnow()
        row.email = None
        if not row.channels():
            row.enabled, row.disabled_at, row.disabled_reason = False, now, "unsubscribed through the e-mail link"
        row.updated_at = now
        session.add(row)
        drop_pending(session, subscription_id=row.id, channel=Channel.email)
        session.flush()
        record(
            session,
            principal=None,
            action="subscription.unsubscribe_email",
            entity="subscription",
            entity_id=row.id,
            detail={"channels_left": [c.value for c in row.channels()]},
        )
    session.commit()
    return row


# --- Atom feed tokens --------------------------------------------------------------------------

FEED_TOKEN_PREFIX = "vfeed_"


def _feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _feed_read(row: FeedToken) -> FeedTokenRead:
    return FeedTokenRead(
        id=row.id,
        subscription_id=row.subscription_id,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def create_feed_token(
    session: Session, *, subscription_id: str, label: str | None, principal: Principal, base_url: str
) -> FeedTokenWithSecret:
    """A new token for the subscription's feed; the token itself is returned once and stored
    only as its SHA-256 (it has 256 random bits, so a fast hash is enough)."""
    begin_write(session)
    subscription = get(session, subscription_id=subscription_id, principal=principal)
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = FeedToken(
        id=str(ULID()),
        subscription_id=subscription.id,
        token_hash=_feed_token_hash(token),
        label=label,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        principal=principal,
        action="feed_token.create",
        entity="subscription",
        entity_id=subscription.id,
        detail={"feed_token": row.id},
    )
    session.commit()
    return FeedTokenWithSecret(
        **_feed_read(row).model_dump(), token=token, feed_url=f"{base_url}/v1/alerts/feed.atom?token={token}"
    )


def list_feed_tokens(session: Session, *, subscription_id: str, principal: Principal) -> list[FeedTokenRead]:
    get(session, subscription_id=subscription_id, principal=principal)
    rows = session.exec(
        select(FeedToken).where(FeedToken.subscription_id == subscription_id).order_by(FeedToken.id)
    ).all()
    return [_feed_read(row) for row in rows]


def revoke_feed_token(session: Session, *, subscription_id: str, token_id: str, principal: Principal) -> FeedTokenRead:
    begin_write(session)
    get(session, subscription_id=subscription_id, principal=principal)
    row = session.get(FeedToken, token_id)
    if row is None or row.subscription_id != subscription_id:
        raise Problem(404, "not-found", f"no feed token {token_id!r} for this subscription")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        record(
            session,
            principal=principal,
            action="feed_token.revoke",
            entity="subscription",
            entity_id=subscription_id,
            detail={"feed_token": row.id},
        )
    session.commit()
    return _feed_read(row)


def subscription_for_feed_token(session: Session, *, token: str) -> Subscription | None:
    """The subscription whose feed ``token`` opens, or None (unknown, revoked, or not a feed token)."""
    if not token.startswith(FEED_TOKEN_PREFIX):
        return None
    found = session.exec(select(FeedToken).where(FeedToken.token_hash == _feed_token_hash(token))).first()
    if found is None or found.revoked_at is not None:
        return None
    subscription = session.get(Subscription, found.subscription_id)
    return subscription
