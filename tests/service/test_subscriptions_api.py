"""Subscriptions through the API: ownership, secrets, SSRF, filters, test sends, delivery log,
retries, dead letters, replay, disabling and re-enabling; webhooks to a real loopback receiver."""

from __future__ import annotations

import datetime as dt

import pytest
from alerting_helpers import count, dispatch, events
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from service.app import create_app


def subscribe(client, caller, url, **body):  # noqa: ANN001, ANN201
    response = client.post("/v1/subscriptions", json={"url": url, **body}, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_secret_is_shown_once_and_the_subscription_belongs_to_its_organisation(
    client, authority, make_caller, receiver
):
    created = subscribe(client, authority, receiver.url(), name="DK alerts")
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True and created["mode"] == "immediate"

    own = client.get(f"/v1/subscriptions/{created['id']}", headers=authority.headers)
    assert own.status_code == 200 and "secret" not in own.json()
    assert [s["id"] for s in client.get("/v1/subscriptions", headers=authority.headers).json()["items"]] == [
        created["id"]
    ]

    other = make_caller("authority", org="Swedish Public Health Agency", kind="authority", country="SE")
    hidden = client.get(f"/v1/subscriptions/{created['id']}", headers=other.headers)
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/subscriptions", headers=other.headers).json()["items"] == []
    assert client.delete(f"/v1/subscriptions/{created['id']}", headers=other.headers).status_code == 404


@pytest.mark.parametrize("role", ["reporter", "regulator", "admin"])
def test_only_authorities_subscribe(client, make_caller, role, receiver):
    caller = make_caller(role)
    response = client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=caller.headers)
    assert response.status_code == 403
    assert client.get("/v1/subscriptions").status_code == 401


def test_private_addresses_are_refused_unless_allowed(settings, engine, authority, row_counts):
    strict = create_app(settings.model_copy(update={"webhook_allow_private": False}), engine=engine)
    before = row_counts()
    with TestClient(strict) as client:
        for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://10.0.0.1/x"):
            response = client.post("/v1/subscriptions", json={"url": url}, headers=authority.headers)
            assert response.status_code == 422, url
            assert response.json()["errors"][0]["pointer"] == "#/url"
    assert row_counts() == before
    assert count(engine, "SELECT COUNT(*) FROM subscription") == 0


@pytest.mark.parametrize(
    "body, pointer",
    [
        ({"mode": "digest"}, "#/"),  # a rule across fields: the body as a whole
        ({"mode": "digest", "digest": {"at": "08:00", "timezone": "Mars/Olympus"}}, "#/digest/timezone"),
        # found by Schemathesis: a name longer than a file name made the zone lookup raise OSError (500)
        ({"mode": "digest", "digest": {"at": "08:00", "timezone": "Europe/" + "x" * 300}}, "#/digest/timezone"),
        ({"mode": "digest", "digest": {"at": "08:00", "timezone": "Europe/../../etc/passwd"}}, "#/digest/timezone"),
        ({"mode": "digest", "digest": {"at": "08:00", "timezone": "UTC\u0000"}}, "#/digest/timezone"),
        ({"mode": "digest", "digest": {"frequency": "weekly", "at": "08:00", "timezone": "UTC"}}, "#/digest"),
        ({"filters": {"countries": ["UK"]}}, "#/filters/countries"),
        ({"filters": {"event_types": ["substance.nonsense"]}}, "#/filters/event_types/0"),
        ({"filters": {"min_severity": "apocalyptic"}}, "#/filters/min_severity"),
    ],
)
def test_invalid_subscriptions_are_problems_that_write_nothing(client, authority, receiver, engine, body, pointer):
    response = client.post("/v1/subscriptions", json={"url": receiver.url(), **body}, headers=authority.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer
    assert count(engine, "SELECT COUNT(*) FROM subscription") == 0


def test_update_and_delete(client, authority, receiver, engine):
    created = subscribe(client, authority, receiver.url())
    changed = client.patch(
        f"/v1/subscriptions/{created['id']}",
        headers=authority.headers,
        json={
            "filters": {"countries": ["dk", "SE"], "min_severity": "high"},
            "mode": "digest",
            "digest": {"frequency": "weekly", "weekday": "monday", "at": "07:30", "timezone": "Europe/Copenhagen"},
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["filters"]["countries"] == ["DK", "SE"] and body["filters"]["min_severity"] == "high"
    next_at = dt.datetime.fromisoformat(body["next_digest_at"])
    local = next_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Copenhagen"))
    assert (local.weekday(), local.hour, local.minute) == (0, 7, 30)

    assert client.delete(f"/v1/subscriptions/{created['id']}", headers=authority.headers).status_code == 204
    assert client.get(f"/v1/subscriptions/{created['id']}", headers=authority.headers).status_code == 404
    assert count(engine, "SELECT COUNT(*) FROM audit_log WHERE entity = 'subscription'") == 3
    assert count(engine, "SELECT COUNT(*) FROM audit_log WHERE CAST(detail AS TEXT) LIKE '%whsec_%'") == 0


def test_a_test_send_is_signed_and_logged(client, authority, receiver, settings, engine):
    created = subscribe(client, authority, receiver.url())
    queued = client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    assert queued.status_code == 202
    assert receiver.requests == []  # nothing is sent inside a request

    assert dispatch(settings, engine).delivered == 1
    (request,) = receiver.requests
    Webhook(created["secret"]).verify(request.body, request.headers)  # an independent verifier
    assert request.headers["webhook-id"] == queued.json()["message_id"]
    assert events(receiver)[0]["type"] == "eu.varsel.test"

    log = client.get(f"/v1/subscriptions/{created['id']}/deliveries", headers=authority.headers).json()
    (delivery,) = log["items"]
    assert delivery["state"] == "delivered" and delivery["kind"] == "test"
    (attempt,) = delivery["attempts"]
    assert attempt["status_code"] == 200 and attempt["error"] is None and attempt["latency_ms"] > 0


def test_after_rotation_both_secrets_sign_until_the_grace_period_ends(client, authority, receiver, settings, engine):
    created = subscribe(client, authority, receiver.url())
    rotated = client.post(f"/v1/subscriptions/{created['id']}/rotate-secret", headers=authority.headers).json()
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_expires_at"]
    client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    dispatch(settings, engine)
    (request,) = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (created["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_failures_retry_then_dead_letter_and_replay_delivers(client, authority, receiver, settings, engine):
    created = subscribe(client, authority, receiver.url())
    base = f"/v1/subscriptions/{created['id']}"
    client.post(f"{base}/test", headers=authority.headers)
    receiver.status = 503
    # a horizon shorter than any backoff: the first failure is also the last
    stats = dispatch(settings, engine, retry_horizon_hours=1e-9)
    assert stats.dead_lettered == 1
    (dead,) = client.get(f"{base}/deliveries?state=dead_lettered", headers=authority.headers).json()["items"]
    assert dead["attempts"][0]["status_code"] == 503 and dead["attempts"][0]["error"] == "HTTP 503"
    assert client.get(base, headers=authority.headers).json()["failing_since"] is not None

    receiver.status = 200
    replayed = client.post(f"{base}/deliveries/replay", json={"dead_lettered": True}, headers=authority.headers)
    assert replayed.json() == {"replayed": [dead["id"]], "held": []}
    assert dispatch(settings, engine).delivered == 1
    (delivered,) = client.get(f"{base}/deliveries", headers=authority.headers).json()["items"]
    assert delivered["state"] == "delivered" and [a["status_code"] for a in delivered["attempts"]] == [503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # same webhook-id on replay
    assert client.get(base, headers=authority.headers).json()["failing_since"] is None

    unknown = client.post(f"{base}/deliveries/replay", json={"delivery_ids": ["nope"]}, headers=authority.headers)
    assert unknown.status_code == 404


def test_a_failing_endpoint_is_disabled_with_a_reason_and_can_be_re_enabled(
    client, authority, receiver, settings, engine
):
    created = subscribe(client, authority, receiver.url())
    base = f"/v1/subscriptions/{created['id']}"
    receiver.status = 500
    client.post(f"{base}/test", headers=authority.headers)
    dispatch(settings, engine)  # first failure: failing since now
    with engine.begin() as connection:  # a retry that is due now, long after the failures began
        connection.execute(__import__("sqlalchemy").text("UPDATE delivery SET next_attempt_at = first_attempt_at"))
    stats = dispatch(settings, engine, endpoint_disable_after_hours=1e-9)
    assert stats.endpoints_disabled == 1
    shown = client.get(base, headers=authority.headers).json()
    assert shown["enabled"] is False and "failed" in shown["disabled_reason"]

    assert "failed" in shown["webhook_disabled_reason"] and shown["webhook_disabled_at"] is not None

    receiver.status = 200
    client.post(f"{base}/test", headers=authority.headers)
    assert dispatch(settings, engine).claimed == 0  # a disabled channel's deliveries are not sent...
    log = client.get(f"{base}/deliveries", headers=authority.headers).json()["items"]
    assert [d["state"] for d in log] == ["dead_lettered", "dead_lettered"]  # ...but dead-lettered, saying why
    assert all("webhook channel disabled" in d["dead_letter_reason"] for d in log), log
    enabled = client.post(f"{base}/enable", headers=authority.headers).json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None
    assert enabled["webhook_disabled_at"] is None
    replayed = client.post(f"{base}/deliveries/replay", json={"dead_lettered": True}, headers=authority.headers)
    assert len(replayed.json()["replayed"]) == 2
    assert dispatch(settings, engine).delivered == 2


def test_a_resolver_that_never_answers_gives_a_bounded_422(client, authority, monkeypatch):
    # The subscribe-time lookup is bounded: a hung resolver must not hold the request for good.
    import threading

    from service.subscriptions import service as subscriptions

    release = threading.Event()
    monkeypatch.setattr(subscriptions, "RESOLVE_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(subscriptions, "system_resolver", lambda host, port: release.wait(30) and [])
    try:
        answer = client.post(
            "/v1/subscriptions", json={"url": "https://hooks.example.org/varsel"}, headers=authority.headers
        )
    finally:
        release.set()
    assert answer.status_code == 422, answer.text
    assert "within 0.2 s" in answer.json()["detail"]
