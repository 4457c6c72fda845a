"""Routes: /v1/subscriptions (role authority; an organisation sees only its own)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.alerting import service as alerting
from service.alerting.models import DeliveryPage, DeliveryState, ReplayRequest, ReplayResult, TestSendResult
from service.auth.deps import Subscriber
from service.db import SessionDep
from service.pagination import PageLimit
from service.subscriptions import service
from service.problems import Problem
from service.subscriptions.models import (
    SubscriptionCreate, SubscriptionPage, SubscriptionRead, SubscriptionUpdate, SubscriptionWithSecret,
)
from service.subscriptions.secret_box import SecretBox, SecretKeysError, secret_box

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])


def _secret_box(request: Request) -> SecretBox:
    try:
        return secret_box(request.app.state.settings)
    except SecretKeysError as error:  # the operator's to fix; the message names no key
        raise Problem(503, "unavailable", f"webhook secrets cannot be stored: {error}") from None


@router.post("", status_code=201, response_model=SubscriptionWithSecret)
def create_subscription(request: Request, data: SubscriptionCreate, principal: Subscriber, session: SessionDep,
                        response: Response) -> SubscriptionWithSecret:
    """Subscribe a webhook. The answer carries the signing secret, once: store it now."""
    settings = request.app.state.settings
    created = service.create(session, data=data, principal=principal, allow_private=settings.webhook_allow_private,
                             secret_box=_secret_box(request))
    response.headers["Location"] = f"/v1/subscriptions/{created.id}"
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get("", response_model=SubscriptionPage)
def list_subscriptions(principal: Subscriber, session: SessionDep) -> SubscriptionPage:
    return SubscriptionPage(items=[service.to_read(r) for r in service.get_all(session, principal=principal)])


@router.get("/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> SubscriptionRead:
    """One subscription, with its endpoint's health: failing since when, disabled and why."""
    return service.to_read(service.get(session, subscription_id=subscription_id, principal=principal))


@router.patch("/{subscription_id}", response_model=SubscriptionRead)
def update_subscription(request: Request, subscription_id: str, data: SubscriptionUpdate, principal: Subscriber,
                        session: SessionDep) -> SubscriptionRead:
    settings = request.app.state.settings
    return service.update_subscription(session, subscription_id=subscription_id, data=data, principal=principal,
                                       allow_private=settings.webhook_allow_private)


@router.delete("/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> Response:
    service.delete(session, subscription_id=subscription_id, principal=principal)
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate-secret", response_model=SubscriptionWithSecret)
def rotate_secret(request: Request, subscription_id: str, principal: Subscriber, session: SessionDep,
                  response: Response) -> SubscriptionWithSecret:
    """A new secret, shown once. The previous one keeps signing (a second signature in
    ``webhook-signature``) for VARSEL_WEBHOOK_SECRET_GRACE_HOURS."""
    grace = dt.timedelta(hours=request.app.state.settings.webhook_secret_grace_hours)
    response.headers["Cache-Control"] = "no-store"
    return service.rotate_secret(session, subscription_id=subscription_id, principal=principal, grace=grace,
                                 secret_box=_secret_box(request))


@router.post("/{subscription_id}/enable", response_model=SubscriptionRead)
def enable_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> SubscriptionRead:
    """Re-enable an endpoint that was disabled after failing; what waited for it becomes due."""
    return service.enable(session, subscription_id=subscription_id, principal=principal)


@router.post("/{subscription_id}/test", status_code=202, response_model=TestSendResult)
def send_test(request: Request, subscription_id: str, principal: Subscriber, session: SessionDep) -> TestSendResult:
    """Queue a signed test event (type ``eu.varsel.test``); follow it in the deliveries log."""
    delivery = service.queue_test(session, subscription_id=subscription_id, principal=principal,
                                  instance=request.app.state.settings.instance_name)
    return TestSendResult(delivery_id=delivery.id, message_id=delivery.message_id,
                          detail=f"queued; see /v1/subscriptions/{subscription_id}/deliveries")


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(subscription_id: str, principal: Subscriber, session: SessionDep, limit: PageLimit,
                    state: Annotated[DeliveryState | None, Query()] = None,
                    cursor: Annotated[str | None, Query()] = None) -> DeliveryPage:
    """Deliveries, newest first, each with every attempt: time, status code, latency, error."""
    service.get(session, subscription_id=subscription_id, principal=principal)
    items, next_cursor = alerting.list_deliveries(session, subscription_id=subscription_id, state=state,
                                                  cursor=cursor, limit=limit)
    return DeliveryPage(items=items, next_cursor=next_cursor)


@router.post("/{subscription_id}/deliveries/replay", response_model=ReplayResult)
def replay_deliveries(subscription_id: str, data: ReplayRequest, principal: Subscriber,
                      session: SessionDep) -> ReplayResult:
    """Send chosen deliveries, or every dead-lettered one, again (same ``webhook-id``)."""
    service.get(session, subscription_id=subscription_id, principal=principal)
    replayed = alerting.replay(session, subscription_id=subscription_id, delivery_ids=data.delivery_ids,
                               dead_lettered=data.dead_lettered, principal=principal)
    return ReplayResult(replayed=replayed)
