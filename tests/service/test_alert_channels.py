"""Alerts a duty officer can act on: content in every form, e-mail beside webhooks, less noise,
validated filters, feed tokens and delivery semantics (issue 15).

Real servers only: the webhook receiver and an aiosmtpd SMTP server on loopback; the worker code
runs in the test process (alerting_helpers.dispatch) against the real database.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from alerting_helpers import count, dispatch, events
from lxml import etree
from smtp_receiver import smtp  # noqa: F401 - the fixture
from sqlalchemy import text

from service.alerting.digests import build_due_digests
from service.classification.live import shipped_jurisdictions
from service.families.placement import place_pending

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chemistry"))
from nps_series import series

CAP_XSD = Path(__file__).resolve().parents[1] / "alerts" / "data" / "CAP-v1.2.xsd"
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
ATOM = "{http://www.w3.org/2005/Atom}"
# 1-(4-ethylphenyl)-2-(propylamino)propan-1-one: inside the UK and Danish cathinone clauses, not
# captured in the US (see test_alerts_api)
CATHINONE = "CCCNC(C)C(=O)c1ccc(CC)cc1"


def post(client, caller, body) -> dict:
    response = client.post("/v1/reports", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def subscribe(client, caller, **body) -> dict:
    response = client.post("/v1/subscriptions", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def smtp_settings(smtp) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "alerts@varsel.example"}


def alerts_of(client, caller, **params) -> list[dict]:
    response = client.get("/v1/alerts", params={"limit": 100, **params}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- 1. content ---------------------------------------------------------------------------------


def test_a_webhook_alert_names_the_substance_links_it_and_states_status_and_evidence(
    client, reporter, authority, report_body, receiver, settings, engine
):
    subscribe(client, authority, url=receiver.url(), filters={"event_types": ["substance.first_detection"]})
    post(
        client,
        reporter,
        report_body(
            structure=CATHINONE, substance_name="4-ethyl-N-propylcathinone", sample_type="test_purchase", country="DE"
        ),
    )
    assert dispatch(settings, engine).delivered == 1
    (event,) = events(receiver)
    alert = event["data"]
    substance = client.get(f"/v1/substances/{alert['substance_inchikey']}", headers=authority.headers).json()

    assert alert["substance"] == {
        "inchikey": substance["inchikey"],
        "name": "4-ethyl-N-propylcathinone",
        "smiles": substance["smiles"],
        "formula": substance["formula"],
    }
    assert alert["links"]["substance_page"] == f"http://127.0.0.1:8000/substances/{substance['inchikey']}"
    assert alert["links"]["substance_api"] == f"http://127.0.0.1:8000/v1/substances/{substance['inchikey']}"
    assert alert["links"]["alert"] == f"http://127.0.0.1:8000/v1/alerts/{alert['id']}"
    status = {entry["jurisdiction"]: entry for entry in alert["legal_status"]}
    assert status["GB"]["status"] == "controlled" and "gb-mda-cathinones" in status["GB"]["group_ids"]
    assert status["GB"]["name"] == "United Kingdom"
    # 21 CFR 1300.01: a positional isomer of N-ethylhexedrone (1308.11(d)) - alkyl moieties moved between ring,
    # chain and nitrogen - so Schedule I; no UN schedule lists it
    assert status["US"]["status"] == "controlled"
    assert status["UN"]["status"] == "uncontrolled"
    assert alert["evidence"]["reports_by_country"] == {"DE": 1}
    assert alert["evidence"]["sample_types"] == ["test_purchase"]
    # one paragraph a person can read without another look-up
    summary = alert["summary"]
    for words in (
        "4-ethyl-N-propylcathinone",
        substance["formula"],
        substance["inchikey"],
        "DE",
        "test purchase",
        "controlled in",
        "United Kingdom (GB)",
        "not known yet",
    ):
        assert words in summary, (words, summary)
    assert alert["family_id"] is None  # not held back for placement


def test_cap_carries_the_content_and_the_depiction_as_a_resource(client, reporter, regulator, report_body):
    post(client, reporter, report_body(sample_type="biological_fatal"))
    (fatal,) = alerts_of(client, regulator, min_severity="critical")
    response = client.get(f"/v1/alerts/{fatal['id']}.cap", headers=regulator.headers)
    document = etree.fromstring(response.content)
    etree.XMLSchema(etree.parse(str(CAP_XSD))).assertValid(document)
    info = document.find("cap:info", CAP)
    parameters = [
        (p.findtext("cap:valueName", namespaces=CAP), p.findtext("cap:value", namespaces=CAP))
        for p in info.findall("cap:parameter", CAP)
    ]
    assert ("SMILES", fatal["substance"]["smiles"]) in parameters
    assert ("formula", fatal["substance"]["formula"]) in parameters
    assert any(name == "legalStatus" and value.startswith("DK: ") for name, value in parameters)
    assert ("reportsInCountry", "DK: 1") in parameters
    assert info.findtext("cap:web", namespaces=CAP) == fatal["links"]["substance_page"]
    resource = info.find("cap:resource", CAP)
    assert resource.findtext("cap:mimeType", namespaces=CAP) == "image/png"
    assert resource.findtext("cap:uri", namespaces=CAP) == fatal["links"]["depiction"]
    png = base64.b64decode(resource.findtext("cap:derefUri", namespaces=CAP))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and int(resource.findtext("cap:size", namespaces=CAP)) == len(png)
    # the resource's URI answers with the same picture
    picture = client.get(f"/v1/alerts/{fatal['id']}/depiction.png", headers=regulator.headers)
    assert picture.headers["content-type"] == "image/png" and picture.content == png
    assert client.get(f"/v1/alerts/{fatal['id']}/depiction.png").status_code == 401


def test_the_first_alert_is_not_held_back_and_an_update_names_the_family(
    client, reporter, authority, report_body, receiver, settings, engine
):
    subscribe(
        client,
        authority,
        url=receiver.url(),
        filters={"event_types": ["substance.first_detection", "substance.family_placement"]},
    )
    members = list(series("cathinones").items())[:3]
    for name, smiles in members:
        post(client, reporter, report_body(structure=smiles, substance_name=name))
    firsts = alerts_of(client, authority, type="substance.first_detection")
    assert len(firsts) == 3 and all(a["family_id"] is None and a["updates"] is None for a in firsts)
    assert dispatch(settings, engine).delivered == 3  # sent before any placement

    place_pending(engine, settings=settings)
    families = {
        m["inchikey"]: f["id"]
        for f in client.get("/v1/families", params={"limit": 100}, headers=authority.headers).json()["items"]
        for m in client.get(f"/v1/families/{f['id']}", headers=authority.headers).json()["members"]
    }
    updates = alerts_of(client, authority, type="substance.family_placement")
    assert updates, "placing relatives together updates their first alerts with the family"
    by_id = {a["id"]: a for a in firsts}
    for update in updates:
        original = by_id[update["updates"]["id"]]
        assert update["substance_inchikey"] == original["substance_inchikey"]
        assert update["family_id"] == families[update["substance_inchikey"]]
        assert f"family {update['family_id']}" in update["summary"]
        cap = etree.fromstring(client.get(f"/v1/alerts/{update['id']}.cap", headers=authority.headers).content)
        etree.XMLSchema(etree.parse(str(CAP_XSD))).assertValid(cap)
        assert cap.findtext("cap:msgType", namespaces=CAP) == "Update"
        assert f"urn:uuid:{original['id']}" in cap.findtext("cap:references", namespaces=CAP)
    assert dispatch(settings, engine).delivered == len(updates)
    # placing again raises no second update
    place_pending(engine, settings=settings)
    assert len(alerts_of(client, authority, type="substance.family_placement")) == len(updates)
    assert all(a["updates"] is None for a in alerts_of(client, authority, type="substance.first_detection"))


# --- 2. e-mail ----------------------------------------------------------------------------------


def _parts(message):
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    return plain.get_content(), html.get_content(), images


def test_an_email_subscription_gets_html_text_depiction_and_an_unsubscribe_link(
    client, reporter, authority, report_body, settings, engine, smtp, receiver
):
    by_mail = subscribe(client, authority, email="duty@health.example", name="Duty officer")
    both = subscribe(client, authority, url=receiver.url(), email="desk@health.example")
    assert by_mail["channels"] == ["email"] and by_mail["url"] is None
    assert both["channels"] == ["webhook", "email"]

    post(client, reporter, report_body(structure=CATHINONE, substance_name="4-ethyl-N-propylcathinone"))
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert stats.delivered == stats.claimed > 0
    assert len(receiver.requests) == count(
        engine, "SELECT COUNT(*) FROM delivery WHERE subscription_id = :s AND channel = 'webhook'", s=both["id"]
    )
    to_duty = [m for m in smtp.messages if m.recipients == ["duty@health.example"]]
    first = next(m.message for m in to_duty if "First detection" in m.message["Subject"])
    assert first["From"] == "alerts@varsel.example"
    plain, html, images = _parts(first)
    inchikey = json.loads(receiver.requests[0].body)["data"]["substance_inchikey"]
    for text_part in (plain, html):
        assert "4-ethyl-N-propylcathinone" in text_part and inchikey in text_part
        assert f"http://127.0.0.1:8000/substances/{inchikey}" in text_part
        assert "Unsubscribe" in text_part or "unsubscribe" in text_part.lower()
    (image,) = images
    assert image.get_content().startswith(b"\x89PNG")
    assert f"cid:{image['Content-ID'].strip('<>')}" in html  # shown inline, not only attached

    # the unsubscribe link works without an API key and stops that subscription's e-mail only
    found = re.search(r"http://\S+/unsubscribe\?token=[^\s\"'<>]+", plain)
    assert found is not None
    link = found.group(0)
    assert first["List-Unsubscribe"] == f"<{link}>"
    path = urlsplit(link)
    token = parse_qs(path.query)["token"][0]
    page = client.get("/unsubscribe", params={"token": token})
    assert page.status_code == 200 and "duty@health.example" in page.text
    assert client.get(f"/v1/subscriptions/{by_mail['id']}", headers=authority.headers).json()["email"]  # GET alone
    done = client.post(
        "/unsubscribe",
        params={"token": token},  # RFC 8058 one-click
        data={"List-Unsubscribe": "One-Click"},
    )
    assert done.status_code == 200
    after = client.get(f"/v1/subscriptions/{by_mail['id']}", headers=authority.headers).json()
    assert after["email"] is None and after["enabled"] is False and "unsubscribed" in after["disabled_reason"]
    other = client.get(f"/v1/subscriptions/{both['id']}", headers=authority.headers).json()
    assert other["email"] == "desk@health.example" and other["enabled"] is True
    # a forged or altered token unsubscribes nothing
    assert client.post("/unsubscribe", params={"token": token[:-4] + "AAAA"}).status_code == 404
    assert client.post("/unsubscribe", params={"token": both["id"]}).status_code == 404

    smtp.messages.clear()
    post(client, reporter, report_body(structure=CATHINONE, country="SE", sample_type="biological_fatal"))
    dispatch(settings, engine, **smtp_settings(smtp))
    assert {m.recipients[0] for m in smtp.messages} == {"desk@health.example"}


def test_email_shares_the_retries_log_and_dead_letter_of_webhooks(
    client, reporter, authority, report_body, settings, engine, smtp
):
    created = subscribe(client, authority, email="duty@health.example")
    post(client, reporter, report_body())
    smtp.reply = "451 4.3.0 mailbox busy, try later"
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert stats.retry_scheduled == 1 and smtp.messages == []
    log = client.get(f"/v1/subscriptions/{created['id']}/deliveries", headers=authority.headers).json()["items"]
    (delivery,) = log
    assert delivery["channel"] == "email" and delivery["state"] == "pending"
    (attempt,) = delivery["attempts"]
    assert attempt["status_code"] == 451 and "mailbox busy" in attempt["error"]

    # past the retry horizon the delivery is dead-lettered, and replays like a webhook
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE delivery SET next_attempt_at = :now, first_attempt_at = :long_ago"),
            {"now": dt.datetime.now(dt.UTC), "long_ago": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        )
    assert dispatch(settings, engine, **smtp_settings(smtp)).dead_lettered == 1
    smtp.reply = None
    replayed = client.post(
        f"/v1/subscriptions/{created['id']}/deliveries/replay", json={"dead_lettered": True}, headers=authority.headers
    ).json()["replayed"]
    assert replayed == [delivery["id"]]
    assert dispatch(settings, engine, **smtp_settings(smtp)).delivered == 1
    (mail,) = smtp.messages
    assert mail.recipients == ["duty@health.example"] and "First detection" in mail.message["Subject"]


def test_an_email_digest_states_its_period_counts_and_what_it_leaves_out(
    client, reporter, authority, report_body, settings, engine, smtp, receiver
):
    created = subscribe(
        client,
        authority,
        email="weekly@health.example",
        url=receiver.url(),
        mode="digest",
        digest={"at": "08:00", "timezone": "Europe/Copenhagen"},
    )
    post(client, reporter, report_body(sample_type="biological_nonfatal"))  # first detection + intoxication
    post(client, reporter, report_body(structure=CATHINONE, substance_name=None))
    stored = count(engine, "SELECT COUNT(*) FROM digest_entry WHERE subscription_id = :s", s=created["id"])
    assert stored >= 3
    make_due = text("UPDATE subscription SET next_digest_at = :moment")
    with engine.begin() as connection:  # the schedule's time has come
        connection.execute(make_due, {"moment": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    assert (
        build_due_digests(engine, instance="test", settings=settings.model_copy(update={"digest_max_alerts": 2})) == 1
    )
    dispatch(settings, engine, **smtp_settings(smtp))

    (event,) = events(receiver)
    data = event["data"]
    created_at = dt.datetime.fromisoformat(created["created_at"])
    assert data["period"] == {"from": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "to": event["time"]}
    assert len(data["alerts"]) == 2 and data["left_out"]["count"] == stored - 2
    assert "/v1/alerts?since=" in data["left_out"]["see"] and "filters" in data["left_out"]["not_included"]
    types = [a["type"] for a in data["alerts"]]
    assert data["counts_by_type"] == {t: types.count(t) for t in set(types)}
    (mail,) = smtp.messages
    plain, html, _ = _parts(mail.message)
    assert "Digest" in mail.message["Subject"]
    assert f"Left out: {stored - 2}" in plain and data["period"]["from"] in plain
    # the next digest covers the period from this one on
    post(client, reporter, report_body(country="SE"))
    with engine.begin() as connection:
        connection.execute(make_due, {"moment": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    assert build_due_digests(engine, instance="test", settings=settings) == 1
    dispatch(settings, engine, **smtp_settings(smtp))
    assert events(receiver)[1]["data"]["period"]["from"] == data["period"]["to"]


def test_a_subscription_needs_a_channel_and_a_real_address(client, authority, receiver):
    nothing = client.post("/v1/subscriptions", json={}, headers=authority.headers)
    assert nothing.status_code == 422 and "email" in nothing.text
    for bad in ("not-an-address", "a@b", "x@example.com\r\nBcc: all@example.com", "A <a@example.com>"):
        refused = client.post("/v1/subscriptions", json={"email": bad}, headers=authority.headers)
        assert refused.status_code == 422, bad
    created = subscribe(client, authority, url=receiver.url(), email="a@health.example")
    base = f"/v1/subscriptions/{created['id']}"
    assert client.patch(base, json={"email": None}, headers=authority.headers).json()["channels"] == ["webhook"]
    emptied = client.patch(base, json={"url": None}, headers=authority.headers)
    assert emptied.status_code == 422 and emptied.headers["content-type"] == "application/problem+json"


# --- 3. noise -----------------------------------------------------------------------------------


def test_advisories_only_for_watched_jurisdictions_never_un_and_once_each(
    client, reporter, make_caller, authority, report_body, receiver, engine
):
    post(client, reporter, report_body(structure=CATHINONE, substance_name=None))
    assert alerts_of(client, authority, type="substance.uncontrolled_advisory") == []  # nobody watches

    american = make_caller("authority", org="DEA", kind="authority", country="US")
    subscribe(client, american, url=receiver.url())  # an organisation's own country counts as watched
    subscribe(client, authority, url=receiver.url(), filters={"jurisdictions": ["UN"]})
    pentedrone_like = "CCCCC(NCC)C(=O)c1ccc(CC)cc1"
    post(client, reporter, report_body(structure=pentedrone_like, substance_name=None))
    advisories = alerts_of(client, authority, type="substance.uncontrolled_advisory")
    assert {tuple(a["jurisdictions"]) for a in advisories} == {("US",)}

    # the same substance reported again, elsewhere: still one advisory for it in the US
    post(client, reporter, report_body(structure=pentedrone_like, substance_name=None, country="SE"))
    assert count(engine, "SELECT COUNT(*) FROM alert WHERE type = 'substance.uncontrolled_advisory'") == 1


# --- 4. validation ------------------------------------------------------------------------------


def test_filters_naming_what_does_not_exist_are_refused_with_the_known_values(client, authority, receiver):
    for filters, field, known in (
        ({"jurisdictions": ["DK", "XX"]}, "filters.jurisdictions", ["CN", "DE", "DK", "EU", "GB", "UN", "US"]),
        ({"uncontrolled_in": "NL"}, "filters.uncontrolled_in", ["CN", "DE", "DK", "EU", "GB", "UN", "US"]),
        ({"group_ids": ["no-such-group"]}, "filters.group_ids", None),
        ({"family_ids": ["F-nowhere"]}, "filters.family_ids", []),
    ):
        response = client.post(
            "/v1/subscriptions", json={"url": receiver.url(), "filters": filters}, headers=authority.headers
        )
        assert response.status_code == 422, filters
        assert response.headers["content-type"] == "application/problem+json"
        (error,) = response.json()["errors"]
        assert error["field"] == field
        if known is not None:
            assert error["known"] == known
        else:
            assert "gb-mda-cathinones" in error["known"]
    ok = client.post(
        "/v1/subscriptions",
        json={"url": receiver.url(), "filters": {"jurisdictions": ["dk"], "group_ids": ["gb-mda-cathinones"]}},
        headers=authority.headers,
    )
    assert ok.status_code == 201, ok.text


def test_the_documentation_lists_the_jurisdictions_that_exist(client):
    shipped = sorted(shipped_jurisdictions())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    found = re.search(r"jurisdictions: ((?:[A-Z]{2}, )+[A-Z]{2})\)", readme)
    assert found is not None
    listed = found.group(1).split(", ")
    assert listed == shipped
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    filters = next(v for k, v in schema.items() if k.startswith("Filters"))
    for field in ("jurisdictions", "uncontrolled_in"):
        assert ", ".join(shipped) in filters["properties"][field]["description"], field


# --- 5. feed tokens -----------------------------------------------------------------------------


def test_a_feed_token_opens_its_subscriptions_feed_and_nothing_else(
    client, reporter, authority, regulator, report_body, receiver, engine
):
    fatal_only = subscribe(
        client, authority, url=receiver.url(), name="Fatal cases", filters={"event_types": ["report.intoxication"]}
    )
    issued = client.post(
        f"/v1/subscriptions/{fatal_only['id']}/feed-tokens", json={"label": "Thunderbird"}, headers=authority.headers
    )
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    token, feed_url = issued.json()["token"], issued.json()["feed_url"]
    assert feed_url.endswith(f"/v1/alerts/feed.atom?token={token}")
    post(client, reporter, report_body(sample_type="biological_fatal"))

    # a feed reader: the URL alone, no header
    feed = client.get("/v1/alerts/feed.atom", params={"token": token})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    terms = []
    for entry in entries:
        category = entry.find(f"{ATOM}category")
        assert category is not None
        terms.append(category.get("term"))
    assert terms == ["report.intoxication"]
    title = ET.fromstring(feed.content).findtext(f"{ATOM}title")
    assert title is not None and "Fatal cases" in title

    # stored only as a hash
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM feed_token")).scalars().all()
    assert len(stored) == 1 and token not in stored[0]

    # never an API credential
    bearer = {"Authorization": f"Bearer {token}"}
    for path in (
        "/v1/alerts",
        "/v1/subscriptions",
        f"/v1/subscriptions/{fatal_only['id']}",
        "/v1/alerts/feed.atom",
        "/v1/substances",
    ):
        assert client.get(path, headers=bearer).status_code == 401, path
    # in another route's URL it is no credential (refused as an unknown parameter, or for want of a key)
    assert client.get("/v1/alerts", params={"token": token}).status_code in (401, 422)
    # and an API key is not a feed token
    api_key = authority.headers["Authorization"].removeprefix("Bearer ")
    assert client.get("/v1/alerts/feed.atom", params={"token": api_key}).status_code == 401

    # revocable on its own
    (listed,) = client.get(f"/v1/subscriptions/{fatal_only['id']}/feed-tokens", headers=authority.headers).json()[
        "items"
    ]
    revoked = client.delete(
        f"/v1/subscriptions/{fatal_only['id']}/feed-tokens/{listed['id']}", headers=authority.headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/v1/alerts/feed.atom", params={"token": token}).status_code == 401
    # another organisation cannot issue tokens for it
    other = client.post(f"/v1/subscriptions/{fatal_only['id']}/feed-tokens", headers=regulator.headers)
    assert other.status_code == 403


# --- 6. delivery semantics ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, retry_after, expected_wait",
    [
        (429, "120", 120),
        (503, "120", 120),
        (503, "86400", 600),
    ],
)
def test_retry_after_is_honoured_up_to_a_bound(
    client, authority, receiver, settings, engine, status, retry_after, expected_wait
):
    created = subscribe(client, authority, url=receiver.url())
    client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    receiver.status = status
    receiver.response_headers = {"Retry-After": retry_after}
    assert dispatch(settings, engine, retry_after_max_seconds=600).retry_scheduled == 1
    (delivery,) = client.get(f"/v1/subscriptions/{created['id']}/deliveries", headers=authority.headers).json()["items"]
    attempted, due = (dt.datetime.fromisoformat(delivery[k]) for k in ("last_attempt_at", "next_attempt_at"))
    assert due - attempted == dt.timedelta(seconds=expected_wait)  # no jitter: the receiver's own figure


def test_410_gone_disables_the_endpoint_with_the_reason(client, authority, receiver, settings, engine):
    created = subscribe(client, authority, url=receiver.url())
    client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    receiver.status = 410
    stats = dispatch(settings, engine)
    assert stats.dead_lettered == 1 and stats.endpoints_disabled == 1
    shown = client.get(f"/v1/subscriptions/{created['id']}", headers=authority.headers).json()
    assert shown["enabled"] is False and "410 Gone" in shown["disabled_reason"]  # nothing else to deliver to
    assert "410 Gone" in shown["webhook_disabled_reason"]


def test_410_gone_stops_the_webhook_channel_only_and_email_keeps_delivering(
    client, reporter, authority, report_body, receiver, settings, engine, smtp
):
    both = subscribe(
        client,
        authority,
        url=receiver.url(),
        email="desk@health.example",
        filters={"event_types": ["substance.first_detection"]},
    )
    receiver.status = 410
    post(client, reporter, report_body())
    stats = dispatch(settings, engine, **smtp_settings(smtp))  # one batch: the webhook and the e-mail
    assert (stats.delivered, stats.dead_lettered, stats.endpoints_disabled) == (1, 1, 1)
    assert len(smtp.messages) == 1 and len(receiver.requests) == 1

    shown = client.get(f"/v1/subscriptions/{both['id']}", headers=authority.headers).json()
    assert shown["enabled"] is True and shown["disabled_reason"] is None  # the subscription runs on
    assert "410 Gone" in shown["webhook_disabled_reason"] and shown["webhook_disabled_at"] is not None
    log = client.get(f"/v1/subscriptions/{both['id']}/deliveries", headers=authority.headers).json()["items"]
    by_channel = {d["channel"]: d for d in log}
    assert by_channel["email"]["state"] == "delivered"
    gone = by_channel["webhook"]
    assert gone["state"] == "dead_lettered"
    (attempt,) = gone["attempts"]
    assert attempt["status_code"] == 410 and "webhook channel disabled" in attempt["error"]

    # the next alert reaches the desk by e-mail; the gone webhook is not called again
    post(client, reporter, report_body(structure=CATHINONE, substance_name="4-ethyl-N-propylcathinone"))
    stats = dispatch(settings, engine, **smtp_settings(smtp))
    assert (stats.claimed, stats.delivered) == (1, 1)
    assert len(smtp.messages) == 2 and len(receiver.requests) == 1
    assert "4-ethyl-N-propylcathinone" in smtp.messages[1].message["Subject"]
    # the webhook that alert queued for the stopped channel does not wait: it is dead-lettered, saying why
    waiting = count(
        engine,
        "SELECT COUNT(*) FROM delivery WHERE subscription_id = :s AND channel = 'webhook' AND state = 'pending'",
        s=both["id"],
    )
    assert waiting == 0
    log = client.get(f"/v1/subscriptions/{both['id']}/deliveries", headers=authority.headers).json()["items"]
    dead = [d for d in log if d["channel"] == "webhook"]
    assert [d["state"] for d in dead] == ["dead_lettered", "dead_lettered"]
    assert all("410 Gone" in d["dead_letter_reason"] for d in dead), dead

    # re-enabled (the receiver is back), the reason is cleared and the dead letters replay
    receiver.status = 200
    enabled = client.post(f"/v1/subscriptions/{both['id']}/enable", headers=authority.headers).json()
    assert enabled["webhook_disabled_reason"] is None and enabled["webhook_disabled_at"] is None
    replayed = client.post(
        f"/v1/subscriptions/{both['id']}/deliveries/replay", json={"dead_lettered": True}, headers=authority.headers
    ).json()
    assert sorted(replayed["replayed"]) == sorted(d["id"] for d in dead) and replayed["held"] == []
    assert dispatch(settings, engine, **smtp_settings(smtp)).delivered == 2
    assert len(receiver.requests) == 3 and len(smtp.messages) == 2


def test_a_replay_that_asks_for_nothing_is_a_clear_422(client, authority, receiver):
    created = subscribe(client, authority, url=receiver.url())
    bodies: list[dict[str, object]] = [{}, {"delivery_ids": []}, {"dead_lettered": False}]
    for body in bodies:
        response = client.post(
            f"/v1/subscriptions/{created['id']}/deliveries/replay", json=body, headers=authority.headers
        )
        assert response.status_code == 422, body
        (error,) = response.json()["errors"]
        assert "dead_lettered" in error["detail"] and "delivery_ids" in error["detail"], error
    no_body = client.post(f"/v1/subscriptions/{created['id']}/deliveries/replay", headers=authority.headers)
    assert no_body.status_code == 422
