"""Routes: /v1/subscriptions (role authority; an organisation sees only its own)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from service.alerting import service as alerting
from service.alerting.models import DeliveryPage, DeliveryState, ReplayRequest, ReplayResult, TestSendResult
from service.auth.deps import Subscriber
from service.db import SessionDep
from service.pagination import PageLimit
from service.problems import Problem
from service.subscriptions import service
from service.subscriptions.models import (
    Channel,
    FeedTokenCreate,
    FeedTokenPage,
    FeedTokenRead,
    FeedTokenWithSecret,
    SubscriptionCreate,
    SubscriptionPage,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from service.subscriptions.secret_box import SecretBox, SecretKeysError, secret_box

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
# Outside /v1: the person who clicks an e-mail's link has no API key, and needs none.
unsubscribe_router = APIRouter(prefix="/unsubscribe", tags=["subscriptions"])


def _secret_box(request: Request) -> SecretBox:
    try:
        return secret_box(request.app.state.settings)
    except SecretKeysError as error:  # the operator's to fix; the message names no key
        raise Problem(503, "unavailable", f"webhook secrets cannot be stored: {error}") from None


# --- the unsubscribe link of every alert e-mail: no API key, only the link's own token ---------

_UNSUBSCRIBE_TOKEN = Annotated[
    str, Query(min_length=1, max_length=1000, description="The token from the e-mail's unsubscribe link")
]


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


@unsubscribe_router.get("", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: _UNSUBSCRIBE_TOKEN, session: SessionDep) -> HTMLResponse:
    """A page asking to confirm: link checkers that open every link in a message must not
    unsubscribe anyone, so only the form's POST (or a mail client's one-click POST) does."""
    row = service.subscription_for_unsubscribe(session, token=token, secret_box=_secret_box(request))
    name = html.escape(row.name or row.id)
    if row.email is None:
        return _page("Already unsubscribed", f"<p>Subscription <b>{name}</b> sends no more e-mail.</p>")
    return _page(
        "Unsubscribe from Varsel alerts",
        (
            f"<p>Stop the alert e-mails of subscription <b>{name}</b> to {html.escape(row.email)}? "
            "Other subscriptions are not affected.</p>"
            f"<form method='post' action='?token={quote(token, safe='')}'>"
            "<button type='submit'>Unsubscribe</button></form>"
        ),
    )


@unsubscribe_router.post("", response_class=HTMLResponse)
def unsubscribe(
    request: Request,
    session: SessionDep,
    token: _UNSUBSCRIBE_TOKEN,
    one_click: Annotated[str | None, Form(alias="List-Unsubscribe", description="RFC 8058: 'One-Click'")] = None,
) -> HTMLResponse:
    """Stop one subscription's e-mails. The token is the link's own: a mail client's RFC 8058
    one-click POST goes to the link itself, and the confirmation page's form posts to it too."""
    row = service.unsubscribe_email(session, token=token, secret_box=_secret_box(request))
    return _page("Unsubscribed", f"<p>Subscription <b>{html.escape(row.name or row.id)}</b> sends no more e-mail.</p>")


@router.post("", status_code=201, response_model=SubscriptionWithSecret)
def create_subscription(
    request: Request, data: SubscriptionCreate, principal: Subscriber, session: SessionDep, response: Response
) -> SubscriptionWithSecret:
    """Subscribe by webhook (``url``), by e-mail (``email``), or both. The answer carries the
    webhook signing secret, once: store it now."""
    settings = request.app.state.settings
    created = service.create(
        session,
        data=data,
        principal=principal,
        allow_private=settings.webhook_allow_private,
        secret_box=_secret_box(request),
    )
    response.headers["Location"] = f"/v1/subscriptions/{created.id}"
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get("", response_model=SubscriptionPage)
def list_subscriptions(principal: Subscriber, session: SessionDep) -> SubscriptionPage:
    """Your organisation's subscriptions, with their filters, channels and endpoint health."""
    return SubscriptionPage(items=[service.to_read(r) for r in service.get_all(session, principal=principal)])


@router.get("/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> SubscriptionRead:
    """One subscription, with its endpoint's health: failing since when, disabled and why."""
    return service.to_read(service.get(session, subscription_id=subscription_id, principal=principal))


@router.patch("/{subscription_id}", response_model=SubscriptionRead)
def update_subscription(
    request: Request, subscription_id: str, data: SubscriptionUpdate, principal: Subscriber, session: SessionDep
) -> SubscriptionRead:
    """Change a subscription: only the fields sent change (`filters` and `digest` as a whole); a new URL
    is checked as a new subscription's is."""
    settings = request.app.state.settings
    return service.update_subscription(
        session,
        subscription_id=subscription_id,
        data=data,
        principal=principal,
        allow_private=settings.webhook_allow_private,
    )


@router.delete("/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> Response:
    """Delete a subscription with its deliveries and their log; nothing more is sent to it. The alerts
    stay."""
    service.delete(session, subscription_id=subscription_id, principal=principal)
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate-secret", response_model=SubscriptionWithSecret)
def rotate_secret(
    request: Request, subscription_id: str, principal: Subscriber, session: SessionDep, response: Response
) -> SubscriptionWithSecret:
    """A new secret, shown once. The previous one keeps signing (a second signature in
    ``webhook-signature``) for VARSEL_WEBHOOK_SECRET_GRACE_HOURS."""
    grace = dt.timedelta(hours=request.app.state.settings.webhook_secret_grace_hours)
    response.headers["Cache-Control"] = "no-store"
    return service.rotate_secret(
        session, subscription_id=subscription_id, principal=principal, grace=grace, secret_box=_secret_box(request)
    )


@router.post("/{subscription_id}/enable", response_model=SubscriptionRead)
def enable_subscription(
    subscription_id: str,
    principal: Subscriber,
    session: SessionDep,
    channel: Annotated[
        Channel | None, Query(description="Re-enable this channel only (webhook or email); without it, every channel")
    ] = None,
) -> SubscriptionRead:
    """Re-enable a subscription, or one of its channels, stopped after 410 Gone or a run of
    failures. What the stopped channel had pending was dead-lettered with the reason: replay it
    with ``POST .../deliveries/replay`` (``{"dead_lettered": true}``) once the receiver is back."""
    return service.enable(session, subscription_id=subscription_id, principal=principal, channel=channel)


@router.post("/{subscription_id}/test", status_code=202, response_model=TestSendResult)
def send_test(request: Request, subscription_id: str, principal: Subscriber, session: SessionDep) -> TestSendResult:
    """Queue a signed test event (type ``eu.varsel.test``); follow it in the deliveries log."""
    delivery = service.queue_test(
        session, subscription_id=subscription_id, principal=principal, instance=request.app.state.settings.instance_name
    )
    return TestSendResult(
        delivery_id=delivery.id,
        message_id=delivery.message_id,
        detail=f"queued; see /v1/subscriptions/{subscription_id}/deliveries",
    )


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(
    subscription_id: str,
    principal: Subscriber,
    session: SessionDep,
    limit: PageLimit,
    state: Annotated[DeliveryState | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> DeliveryPage:
    """Deliveries, newest first, each with every attempt: time, status code, latency, error."""
    service.get(session, subscription_id=subscription_id, principal=principal)
    items, next_cursor = alerting.list_deliveries(
        session, subscription_id=subscription_id, state=state, cursor=cursor, limit=limit
    )
    return DeliveryPage(items=items, next_cursor=next_cursor)


@router.post("/{subscription_id}/deliveries/replay", response_model=ReplayResult)
def replay_deliveries(
    subscription_id: str, data: ReplayRequest, principal: Subscriber, session: SessionDep
) -> ReplayResult:
    """Send chosen deliveries, or every dead-lettered one, again (same ``webhook-id``). Those of
    a channel that is still disabled are not sent: named, the request is a 409; among every
    dead-lettered one, they are listed in ``held``. Re-enable the channel first."""
    service.get(session, subscription_id=subscription_id, principal=principal)
    replayed, held = alerting.replay(
        session,
        subscription_id=subscription_id,
        delivery_ids=data.delivery_ids,
        dead_lettered=data.dead_lettered,
        principal=principal,
    )
    return ReplayResult(replayed=replayed, held=held)


def _base_url(request: Request) -> str:
    """VARSEL_PUBLIC_URL, else the address this request reached (what the caller can reach)."""
    return request.app.state.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


@router.post("/{subscription_id}/feed-tokens", status_code=201, response_model=FeedTokenWithSecret)
def create_feed_token(
    request: Request,
    subscription_id: str,
    principal: Subscriber,
    session: SessionDep,
    response: Response,
    data: FeedTokenCreate | None = None,
) -> FeedTokenWithSecret:
    """A token for a feed reader: ``feed_url`` opens this subscription's Atom feed (the alerts its
    filters match) and nothing else. Shown once; revoke it on its own when it leaks."""
    response.headers["Cache-Control"] = "no-store"
    return service.create_feed_token(
        session,
        subscription_id=subscription_id,
        label=data.label if data else None,
        principal=principal,
        base_url=_base_url(request),
    )


@router.get("/{subscription_id}/feed-tokens", response_model=FeedTokenPage)
def list_feed_tokens(subscription_id: str, principal: Subscriber, session: SessionDep) -> FeedTokenPage:
    """The subscription's feed tokens: ids, labels, when made and revoked; never a token itself."""
    return FeedTokenPage(items=service.list_feed_tokens(session, subscription_id=subscription_id, principal=principal))


@router.delete("/{subscription_id}/feed-tokens/{token_id}", response_model=FeedTokenRead)
def revoke_feed_token(subscription_id: str, token_id: str, principal: Subscriber, session: SessionDep) -> FeedTokenRead:
    """Revoke a feed token at once; the feed answers 401 to it from now on."""
    return service.revoke_feed_token(session, subscription_id=subscription_id, token_id=token_id, principal=principal)
