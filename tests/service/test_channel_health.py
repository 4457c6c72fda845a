"""Endpoint health per channel (issue 15): a webhook that keeps failing stops the webhook alone,
an e-mail channel that keeps failing stops the e-mail alone; the stopped channel's pending
deliveries are dead-lettered with the reason, not retried for ever, and replay once it runs again.

Real parts: the webhook receiver and an aiosmtpd server on loopback, the worker code in the test
process against SQLite and PostgreSQL (the database fixtures' two parameters).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from alerting_helpers import count, dispatch, dispatcher
from smtp_receiver import smtp  # noqa: F401 - the fixture
from sqlalchemy import make_url, text

from service.db import make_engine
from service.schema import upgrade

CATHINONE = "CCCNC(C)C(=O)c1ccc(CC)cc1"  # a second substance, for a second first-detection alert
# a channel failing for longer than this is stopped; the tests make the failures that old
DISABLE_AFTER = {"endpoint_disable_after_hours": 1.0}


def subscribe(client, caller, **body) -> dict:
    response = client.post("/v1/subscriptions", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def post(client, caller, body) -> None:
    response = client.post("/v1/reports", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text


def smtp_settings(smtp) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "alerts@varsel.example"}


def shown(client, caller, subscription: dict) -> dict:
    return client.get(f"/v1/subscriptions/{subscription['id']}", headers=caller.headers).json()


def log(client, caller, subscription: dict) -> list[dict]:
    return client.get(f"/v1/subscriptions/{subscription['id']}/deliveries", headers=caller.headers).json()["items"]


def failing_for_two_hours(engine, channel: str) -> None:
    """The channel's run of failures began two hours ago, and its retries are due now."""
    column = "failing_since" if channel == "webhook" else "email_failing_since"
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            text(f"UPDATE subscription SET {column} = :since WHERE {column} IS NOT NULL"),
            {"since": now - dt.timedelta(hours=2)},
        )
        connection.execute(
            text("UPDATE delivery SET next_attempt_at = :now WHERE state = 'pending' AND channel = :channel"),
            {"now": now, "channel": channel},
        )


def test_a_failing_webhook_stops_only_the_webhook_and_email_keeps_delivering(
    client, reporter, authority, report_body, receiver, settings, engine, smtp
):
    both = subscribe(
        client,
        authority,
        url=receiver.url(),
        email="desk@health.example",
        filters={"event_types": ["substance.first_detection"]},
    )
    receiver.status = 500
    post(client, reporter, report_body())
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert (stats.delivered, stats.retry_scheduled) == (1, 1)  # the e-mail went; the webhook failed
    # the e-mail's success does not hide the webhook's failure: the webhook is failing, the e-mail is not
    failing = "SELECT COUNT(*) FROM subscription WHERE id = :s AND failing_since IS NOT NULL"
    assert count(engine, failing, s=both["id"]) == 1
    health = shown(client, authority, both)
    assert health["webhook_failing_since"] is not None and health["email_failing_since"] is None

    # more webhooks wait for retries later on (a backlog behind the failing receiver)
    for _ in range(3):
        client.post(f"/v1/subscriptions/{both['id']}/test", headers=authority.headers)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE delivery SET next_attempt_at = :later WHERE kind = 'test'"),
            {"later": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)},
        )
    failing_for_two_hours(engine, "webhook")
    stats = dispatch(settings, engine, **smtp_settings(smtp), **DISABLE_AFTER)
    assert stats.endpoints_disabled == 1

    health = shown(client, authority, both)
    assert health["enabled"] is True and health["disabled_at"] is None  # the subscription runs on
    assert health["webhook_disabled_at"] is not None
    assert "every attempt failed since" in health["webhook_disabled_reason"]
    assert health["email_disabled_at"] is None and health["email_disabled_reason"] is None

    # nothing of the webhook is left pending to be retried for ever: all of it is dead-lettered, saying why
    pending = "SELECT COUNT(*) FROM delivery WHERE subscription_id = :s AND channel = 'webhook' AND state = 'pending'"
    assert count(engine, pending, s=both["id"]) == 0
    webhooks = [d for d in log(client, authority, both) if d["channel"] == "webhook"]
    assert len(webhooks) == 4 and {d["state"] for d in webhooks} == {"dead_lettered"}
    assert all("webhook channel disabled" in d["dead_letter_reason"] for d in webhooks), webhooks

    # the next alert reaches the desk by e-mail; the failing webhook is not called, and its copy is a dead letter
    requests_before = len(receiver.requests)
    post(client, reporter, report_body(structure=CATHINONE, substance_name="4-ethyl-N-propylcathinone"))
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert stats.delivered == 1 and len(receiver.requests) == requests_before
    assert len(smtp.messages) == 2 and "4-ethyl-N-propylcathinone" in smtp.messages[1].message["Subject"]
    assert count(engine, pending, s=both["id"]) == 0

    # while the webhook is stopped, a replay holds its dead letters back instead of sending them to die again
    dead = [d["id"] for d in log(client, authority, both) if d["channel"] == "webhook"]
    replay = f"/v1/subscriptions/{both['id']}/deliveries/replay"
    refused = client.post(replay, json={"delivery_ids": dead[:1]}, headers=authority.headers)
    assert refused.status_code == 409 and "re-enable" in refused.json()["detail"]
    held = client.post(replay, json={"dead_lettered": True}, headers=authority.headers).json()
    assert held == {"replayed": [], "held": sorted(dead)}

    # re-enabled (the receiver is back), the dead letters replay and go out
    receiver.status = 200
    enabled = client.post(
        f"/v1/subscriptions/{both['id']}/enable", params={"channel": "webhook"}, headers=authority.headers
    ).json()
    assert enabled["webhook_disabled_at"] is None and enabled["webhook_disabled_reason"] is None
    assert enabled["webhook_failing_since"] is None
    replayed = client.post(replay, json={"dead_lettered": True}, headers=authority.headers).json()
    assert sorted(replayed["replayed"]) == sorted(dead) and replayed["held"] == []
    assert dispatch(settings, engine, **smtp_settings(smtp)).delivered == 5
    assert {d["state"] for d in log(client, authority, both)} == {"delivered"}
    assert all(d["dead_letter_reason"] is None for d in log(client, authority, both))


def test_a_failing_email_channel_stops_only_the_email_and_the_webhook_keeps_delivering(
    client, reporter, authority, report_body, receiver, settings, engine, smtp
):
    both = subscribe(
        client,
        authority,
        url=receiver.url(),
        email="desk@health.example",
        filters={"event_types": ["substance.first_detection"]},
    )
    smtp.reply = "451 4.3.0 mailbox busy, try later"
    post(client, reporter, report_body())
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert (stats.delivered, stats.retry_scheduled) == (1, 1)
    health = shown(client, authority, both)
    assert health["email_failing_since"] is not None and health["webhook_failing_since"] is None
    assert health["failing_since"] == health["email_failing_since"]

    failing_for_two_hours(engine, "email")
    stats = dispatch(settings, engine, **smtp_settings(smtp), **DISABLE_AFTER)
    assert (stats.endpoints_disabled, stats.dead_lettered) == (1, 1)
    health = shown(client, authority, both)
    assert health["enabled"] is True and health["webhook_disabled_at"] is None
    assert health["email_disabled_at"] is not None and "email channel disabled" in health["email_disabled_reason"]
    (mail,) = [d for d in log(client, authority, both) if d["channel"] == "email"]
    assert mail["state"] == "dead_lettered" and "every attempt failed since" in mail["dead_letter_reason"]
    assert mail["attempts"][-1]["status_code"] == 451  # the attempt that found the channel failing too long

    post(client, reporter, report_body(structure=CATHINONE, substance_name="4-ethyl-N-propylcathinone"))
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert stats.delivered == 1 and len(receiver.requests) == 2 and smtp.messages == []

    # re-enabling everything (no channel named) brings the e-mail back; its dead letters replay
    smtp.reply = None
    enabled = client.post(f"/v1/subscriptions/{both['id']}/enable", headers=authority.headers).json()
    assert enabled["email_disabled_at"] is None and enabled["email_failing_since"] is None
    replayed = client.post(
        f"/v1/subscriptions/{both['id']}/deliveries/replay", json={"dead_lettered": True}, headers=authority.headers
    ).json()
    assert len(replayed["replayed"]) == 2
    assert dispatch(settings, engine, **smtp_settings(smtp)).delivered == 2
    assert len(smtp.messages) == 2


def test_a_webhook_only_subscription_whose_webhook_stops_is_disabled_as_a_whole(
    client, authority, receiver, settings, engine
):
    only = subscribe(client, authority, url=receiver.url())
    receiver.status = 500
    client.post(f"/v1/subscriptions/{only['id']}/test", headers=authority.headers)
    dispatch(settings, engine)
    failing_for_two_hours(engine, "webhook")
    assert dispatch(settings, engine, **DISABLE_AFTER).endpoints_disabled == 1
    health = shown(client, authority, only)
    assert health["enabled"] is False and "every attempt failed" in health["disabled_reason"]
    assert health["webhook_disabled_reason"] == health["disabled_reason"]
    # re-enabling a channel it does not have is refused; its own channel brings it back
    wrong = client.post(
        f"/v1/subscriptions/{only['id']}/enable", params={"channel": "email"}, headers=authority.headers
    )
    assert wrong.status_code == 409
    back = client.post(
        f"/v1/subscriptions/{only['id']}/enable", params={"channel": "webhook"}, headers=authority.headers
    )
    assert back.json()["enabled"] is True and back.json()["disabled_reason"] is None


@pytest.fixture
def empty_database(migrated_database: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """An empty database of the same kind as the migrated one (SQLite or PostgreSQL)."""
    if migrated_database.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    admin_url = make_url(migrated_database)
    name = f"varsel_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_0014_splits_the_old_health_by_channel(empty_database):
    """Rows written before per-channel health: one failing_since covered both channels, and a
    subscription was disabled as a whole."""
    upgrade(empty_database, "0013")
    engine = make_engine(empty_database, pool_size=1)
    since = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (id, name, kind, country, created_at) VALUES (1, 'o', 'authority', 'DK', :t)"
                ),
                {"t": since},
            )
            for sub_id, url, email, enabled, reason in (
                ("both", "https://a.example/h", "desk@a.example", True, None),
                ("mail", "", "duty@a.example", True, None),
                ("hook", "https://c.example/h", None, True, None),
                ("off", "https://b.example/h", "x@b.example", False, "every attempt failed since then"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO subscription (id, organisation_id, url, email, secret, filters, mode, enabled, "
                        "failing_since, disabled_at, disabled_reason, created_at, updated_at) VALUES "
                        "(:id, 1, :url, :email, 'whsec_x', '{}', 'immediate', :enabled, :since, :off, :reason, :t, :t)"
                    ),
                    {
                        "id": sub_id,
                        "url": url,
                        "email": email,
                        "enabled": enabled,
                        "since": since,
                        "off": None if enabled else since,
                        "reason": reason,
                        "t": since,
                    },
                )
        upgrade(empty_database)
        with engine.connect() as connection:
            rows = {
                r.id: r
                for r in connection.execute(
                    text(
                        "SELECT id, failing_since, email_failing_since, webhook_disabled_at, webhook_disabled_reason, "
                        "email_disabled_at, email_disabled_reason FROM subscription"
                    )
                )
            }
    finally:
        engine.dispose()
    # neither channel had succeeded since the one failing_since: both carry it on
    assert rows["both"].failing_since is not None and rows["both"].email_failing_since is not None
    assert rows["mail"].failing_since is None and rows["mail"].email_failing_since is not None
    assert rows["hook"].failing_since is not None and rows["hook"].email_failing_since is None
    assert rows["both"].webhook_disabled_at is None and rows["both"].email_disabled_at is None
    # disabled as a whole: each of its channels is marked stopped, with the time and the reason
    off = rows["off"]
    assert off.webhook_disabled_reason == off.email_disabled_reason == "every attempt failed since then"
    assert off.webhook_disabled_at is not None and off.email_disabled_at is not None


def test_a_claim_dead_letters_due_deliveries_of_a_stopped_channel_and_reaches_those_behind(
    client, authority, receiver, settings, engine
):
    stopped = subscribe(client, authority, url=receiver.url())
    running = subscribe(client, authority, url=receiver.url())
    for _ in range(5):
        client.post(f"/v1/subscriptions/{stopped['id']}/test", headers=authority.headers)
    client.post(f"/v1/subscriptions/{running['id']}/test", headers=authority.headers)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        # the stopped channel's deliveries are due first (queued before it stopped, say, or by a
        # worker that was still sending when it stopped)
        connection.execute(
            text("UPDATE delivery SET next_attempt_at = :early WHERE subscription_id = :s"),
            {"early": now - dt.timedelta(minutes=5), "s": stopped["id"]},
        )
        connection.execute(
            text("UPDATE subscription SET webhook_disabled_at = :at, webhook_disabled_reason = :why WHERE id = :s"),
            {"at": now - dt.timedelta(minutes=1), "why": "the receiver was retired", "s": stopped["id"]},
        )
    with dispatcher(settings, engine) as worker:
        # batches of two: the first rounds hold only the stopped channel's deliveries
        claimed = worker.store.claim_sync(now=now, limit=2, worker_id="w1", lease_seconds=60)
    assert [d.endpoint_id for d in claimed] == [running["id"]]
    dead = log(client, authority, stopped)
    assert len(dead) == 5 and {d["state"] for d in dead} == {"dead_lettered"}
    assert all(
        d["dead_letter_reason"].startswith("webhook channel disabled at ")
        and d["dead_letter_reason"].endswith("the receiver was retired")
        and d["attempts"] == []
        for d in dead
    ), dead
