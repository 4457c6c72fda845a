"""Signals to alerts through report intake (the outbox), and the pull channels: JSON, CAP, Atom."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alerting_helpers import count, dispatch
from lxml import etree
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from service.alerting.digests import build_due_digests, next_digest_time
from service.subscriptions.models import DigestSchedule

ETHOXY_CATHINONE = "CCCNC(C)C(=O)c1ccc(OCC)cc1"
CAP_XSD = Path(__file__).resolve().parents[1] / "alerts" / "data" / "CAP-v1.2.xsd"
PENTEDRONE = "CCCC(NC)C(=O)c1ccccc1"


def post(client, caller, body):  # noqa: ANN001, ANN201
    response = client.post("/v1/reports", json=body, headers=caller.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


def alert_types(client, caller) -> list[str]:  # noqa: ANN001
    """Alert types raised so far, without legal advisories: whether one fires depends on the
    rulebook's coverage of each jurisdiction, and has a test of its own."""
    items = client.get("/v1/alerts", headers=caller.headers).json()["items"]
    return sorted(a["type"] for a in items if a["type"] != "substance.uncontrolled_advisory")


def test_signals_raise_each_condition_once(client, reporter, make_caller, authority, report_body):
    post(client, reporter, report_body())
    assert alert_types(client, authority) == ["substance.first_detection"]
    post(client, reporter, report_body(country="DK"))  # same substance, same country: nothing new
    post(client, reporter, report_body())
    assert alert_types(client, authority) == ["substance.first_detection"]

    swedish = make_caller("reporter", org="NFC Sweden", country="SE")
    post(client, swedish, report_body(country="SE", sample_type="biological_fatal"))
    assert alert_types(client, authority) == [
        "report.intoxication",
        "substance.first_detection",
        "substance.first_in_country",
    ]
    (fatal,) = client.get("/v1/alerts?type=report.intoxication", headers=authority.headers).json()["items"]
    assert fatal["severity"] == "critical" and fatal["evidence"]["countries"] == ["SE"]

    # a third organisation in the window: 3 organisations in 2 countries escalate, once
    german = make_caller("reporter", org="BKA KT 34", country="DE")
    post(client, german, report_body(country="DK"))
    post(client, german, report_body(country="DK"))
    assert alert_types(client, authority).count("substance.escalation") == 1


def test_an_idempotent_replay_raises_nothing(client, reporter, authority, report_body, engine):
    headers = {**reporter.headers, "Idempotency-Key": "run-42"}
    for _ in range(2):
        client.post("/v1/reports", json=report_body(sample_type="biological_nonfatal"), headers=headers)
    assert count(engine, "SELECT COUNT(*) FROM alert") == 2  # first detection + intoxication


def test_a_batch_raises_one_first_detection_per_substance(client, reporter, authority, report_body, engine):
    items = [report_body(), report_body(country="SE"), report_body(structure=PENTEDRONE, substance_name="pentedrone")]
    response = client.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.json()["stored"] == 3
    assert alert_types(client, authority) == [
        "substance.first_detection",
        "substance.first_detection",
        "substance.first_in_country",
    ]


def test_deliveries_are_queued_in_the_report_transaction_for_matching_subscriptions(
    client, reporter, authority, report_body, engine, receiver, settings
):
    def subscribe(**body):  # noqa: ANN003, ANN202
        response = client.post("/v1/subscriptions", json={"url": receiver.url(), **body}, headers=authority.headers)
        return response.json()

    everything = subscribe()
    fatal_only = subscribe(filters={"event_types": ["report.intoxication"]})
    swedish = subscribe(filters={"countries": ["SE"]})
    severe = subscribe(filters={"min_severity": "critical"})
    digest = subscribe(mode="digest", digest={"at": "08:00", "timezone": "Europe/Copenhagen"})

    post(client, reporter, report_body(sample_type="biological_nonfatal"))
    per_subscription = {
        s["id"]: count(engine, "SELECT COUNT(*) FROM delivery WHERE subscription_id = :s", s=s["id"])
        for s in (everything, fatal_only, swedish, severe, digest)
    }
    assert per_subscription == {
        everything["id"]: 2,
        fatal_only["id"]: 1,
        swedish["id"]: 0,
        severe["id"]: 0,
        digest["id"]: 0,
    }
    assert count(engine, "SELECT COUNT(*) FROM digest_entry WHERE subscription_id = :s", s=digest["id"]) == 2
    assert receiver.requests == []

    assert dispatch(settings, engine).delivered == 3
    for request in receiver.requests:
        event = json.loads(request.body)
        assert event["specversion"] == "1.0" and event["type"].startswith("eu.varsel.alert.")
        assert request.headers["webhook-id"] == event["id"]
        assert request.headers["content-type"] == "application/cloudevents+json"
    verified = 0
    for request in receiver.requests:
        for subscription in (everything, fatal_only):
            try:
                Webhook(subscription["secret"]).verify(request.body, request.headers)
                verified += 1
            except Exception:  # noqa: BLE001 - signed for the other subscription
                pass
    assert verified == 3


def test_a_rejected_report_writes_no_alert_and_no_delivery(client, reporter, authority, report_body, engine, receiver):
    client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
    response = client.post("/v1/reports", json=report_body(structure="C1CC("), headers=reporter.headers)
    assert response.status_code == 422
    assert count(engine, "SELECT COUNT(*) FROM alert") == 0
    assert count(engine, "SELECT COUNT(*) FROM delivery") == 0


def test_a_digest_carries_every_alert_since_the_last_one(
    client, reporter, authority, report_body, engine, receiver, settings
):
    created = client.post(
        "/v1/subscriptions",
        headers=authority.headers,
        json={"url": receiver.url(), "mode": "digest", "digest": {"at": "08:00", "timezone": "Europe/Copenhagen"}},
    ).json()
    post(client, reporter, report_body(sample_type="biological_fatal"))
    due_at = dt.datetime.fromisoformat(created["next_digest_at"])
    assert build_due_digests(engine, instance="test", now=due_at - dt.timedelta(seconds=1)) == 0
    assert build_due_digests(engine, instance="test", now=due_at) == 1
    assert build_due_digests(engine, instance="test", now=due_at) == 0  # moved to the next day
    with engine.begin() as connection:  # the digest was built "tomorrow at 08:00"; send it today
        connection.execute(text("UPDATE delivery SET next_attempt_at = :now"), {"now": dt.datetime.now(dt.UTC)})
    dispatch(settings, engine)
    (request,) = receiver.requests
    Webhook(created["secret"]).verify(request.body, request.headers)
    event = json.loads(request.body)
    assert event["type"] == "eu.varsel.alert.digest"
    assert sorted(a["type"] for a in event["data"]["alerts"]) == ["report.intoxication", "substance.first_detection"]
    shown = client.get(f"/v1/subscriptions/{created['id']}", headers=authority.headers).json()
    assert dt.datetime.fromisoformat(shown["next_digest_at"]) == due_at + dt.timedelta(days=1)


def test_digest_times_follow_the_local_clock_across_daylight_saving():
    daily = DigestSchedule(at=dt.time(8, 0), timezone="Europe/Copenhagen")
    before_switch = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)  # DST starts 29 March 2026
    first = next_digest_time(daily, after=before_switch)
    second = next_digest_time(daily, after=first)
    assert first == dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)  # 08:00 CEST
    assert second == dt.datetime(2026, 3, 30, 6, 0, tzinfo=dt.UTC)
    assert next_digest_time(daily, after=dt.datetime(2026, 3, 27, 7, 0, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 28, 7, 0, tzinfo=dt.UTC
    )  # 08:00 CET
    weekly = DigestSchedule(frequency="weekly", weekday="friday", at=dt.time(16, 30), timezone="America/New_York")
    moment = next_digest_time(weekly, after=before_switch)
    local = moment.astimezone(ZoneInfo("America/New_York"))
    assert (local.weekday(), local.hour, local.minute) == (4, 16, 30) and moment > before_switch


@pytest.mark.parametrize("role, status", [("reporter", 403), ("admin", 403), ("regulator", 200), ("authority", 200)])
def test_who_reads_alerts(client, make_caller, role, status):
    assert client.get("/v1/alerts", headers=make_caller(role).headers).status_code == status
    assert client.get("/v1/alerts").status_code == 401
    assert client.get("/v1/alerts/feed.atom").status_code == 401


def test_one_alert_as_json_and_as_cap(client, reporter, regulator, report_body):
    post(client, reporter, report_body(sample_type="biological_fatal"))
    items = client.get("/v1/alerts?min_severity=critical", headers=regulator.headers).json()["items"]
    (fatal,) = items
    as_json = client.get(f"/v1/alerts/{fatal['id']}", headers=regulator.headers)
    assert as_json.json() == fatal

    schema = etree.XMLSchema(etree.parse(str(CAP_XSD)))
    for response in (
        client.get(f"/v1/alerts/{fatal['id']}", headers={**regulator.headers, "Accept": "application/cap+xml"}),
        client.get(f"/v1/alerts/{fatal['id']}.cap", headers=regulator.headers),
    ):
        assert response.headers["content-type"].startswith("application/cap+xml")
        document = etree.fromstring(response.content)
        schema.assertValid(document)
        ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
        assert document.findtext("cap:identifier", namespaces=ns) == f"urn:uuid:{fatal['id']}"
        assert document.findtext("cap:info/cap:severity", namespaces=ns) == "Extreme"

    missing = client.get("/v1/alerts/00000000-0000-0000-0000-000000000000", headers=regulator.headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_alert_filters_and_pages(client, reporter, make_caller, authority, report_body):
    post(client, reporter, report_body(sample_type="biological_nonfatal"))
    post(client, make_caller("reporter", org="NFC Sweden", country="SE"), report_body(country="SE"))
    everything = client.get("/v1/alerts?limit=1", headers=authority.headers).json()
    assert len(everything["items"]) == 1 and everything["next_cursor"]
    seen = [everything["items"][0]["id"]]
    cursor = everything["next_cursor"]
    while cursor:
        page = client.get(f"/v1/alerts?limit=1&cursor={cursor}", headers=authority.headers).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 3
    swedish = client.get("/v1/alerts?country=se", headers=authority.headers).json()["items"]
    assert [a["type"] for a in swedish] == ["substance.first_in_country"]
    high = client.get("/v1/alerts?min_severity=high", headers=authority.headers).json()["items"]
    assert sorted(a["type"] for a in high) == ["report.intoxication", "substance.first_detection"]
    assert client.get("/v1/alerts?since=2020-01-01T00:00:00", headers=authority.headers).status_code == 422
    assert client.get("/v1/alerts?cursor=%%%", headers=authority.headers).status_code == 422


def test_the_atom_feed(client, reporter, authority, report_body):
    empty = client.get("/v1/alerts/feed.atom", headers=authority.headers)
    assert empty.status_code == 200 and empty.headers["content-type"].startswith("application/atom+xml")
    post(client, reporter, report_body(sample_type="biological_fatal"))
    feed = ET.fromstring(client.get("/v1/alerts/feed.atom", headers=authority.headers).content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 2
    alerts = {f"urn:uuid:{a['id']}": a for a in client.get("/v1/alerts", headers=authority.headers).json()["items"]}
    for entry in entries:
        entry_id = entry.findtext(f"{atom}id")
        assert entry_id is not None
        alert = alerts[entry_id]
        links = {(link.get("rel"), link.get("href")) for link in entry.findall(f"{atom}link")}
        # a reader opens the substance's page; the API resources are related links
        assert ("alternate", f"http://127.0.0.1:8000/substances/{alert['substance_inchikey']}") in links
        assert ("related", f"http://testserver/v1/alerts/{alert['id']}") in links
        assert ("related", f"http://127.0.0.1:8000/v1/substances/{alert['substance_inchikey']}") in links
        content = entry.findtext(f"{atom}content")
        assert content is not None
        assert alert["substance"]["smiles"] in content and alert["substance_inchikey"] in content


def test_a_substance_captured_by_a_group_elsewhere_raises_an_advisory_where_it_is_uncontrolled(
    client, reporter, authority, report_body, receiver
):
    # advisories are raised for jurisdictions someone watches: a US authority's subscription
    us_authority = client.post(
        "/v1/subscriptions",
        json={"url": receiver.url(), "filters": {"jurisdictions": ["US"]}},
        headers=authority.headers,
    )
    assert us_authority.status_code == 201, us_authority.text
    # 1-(4-ethoxyphenyl)-2-(propylamino)propan-1-one, a constructed cathinone: ring-alkoxy and
    # N-alkyl derivative of 2-amino-1-phenyl-1-propanone, so inside the UK cathinone clause
    # (SI 2010/1207) and the Danish list B cathinone group; the US has no generic cathinone clause,
    # no schedule names it, and no 1308.11(d) hallucinogen has its formula (so it is no positional
    # isomer of one, 21 CFR 1300.01). (4-ethyl-N-propylcathinone, used before, is one: of N-ethylhexedrone.)
    post(client, reporter, report_body(structure=ETHOXY_CATHINONE, substance_name=None))
    alerts = client.get(
        "/v1/alerts", params={"type": "substance.uncontrolled_advisory"}, headers=authority.headers
    ).json()["items"]
    us = [a for a in alerts if a["jurisdictions"] == ["US"]]
    assert len(us) == 1
    assert "gb-mda-cathinones" in us[0]["group_ids"]
    assert "not controlled in US" in us[0]["summary"]
    assert not [a for a in alerts if a["jurisdictions"] in (["GB"], ["DK"])]
    # the same condition never raises the same alert twice
    post(client, reporter, report_body(structure=ETHOXY_CATHINONE, substance_name=None, country="SE"))
    again = client.get(
        "/v1/alerts", params={"type": "substance.uncontrolled_advisory"}, headers=authority.headers
    ).json()["items"]
    assert len([a for a in again if a["jurisdictions"] == ["US"]]) == 1
