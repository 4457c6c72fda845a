"""E-mail end to end: a real `varsel serve` and `varsel worker`, a real SMTP server (aiosmtpd) and
a real webhook receiver on loopback. A subscriber by e-mail and one by webhook and e-mail receive
the same alert; the messages are parsed as a mail client would, and the unsubscribe link is
followed against the real server without an API key."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
import pytest
from alert_load import wait_until
from cryptography.fernet import Fernet
from smtp_receiver import smtp  # noqa: F401 - the fixture
from standardwebhooks.webhooks import Webhook

pytestmark = pytest.mark.e2e

PUBLIC_URL = "https://varsel.health.example"
CATHINONE = "CCCNC(C)C(=O)c1ccc(CC)cc1"


def test_alerts_arrive_by_email_and_webhook_and_the_unsubscribe_link_works(
    database_url, reporter, authority, receiver, launch, smtp
):  # noqa: F811
    shared = {
        "VARSEL_SECRET_KEYS": Fernet.generate_key().decode(),
        "VARSEL_PUBLIC_URL": PUBLIC_URL,
        "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    server = launch("server", database_url, extra_env=shared)
    api = httpx.Client(base_url=server.url, headers=authority.headers, timeout=30)
    by_mail = api.post(
        "/v1/subscriptions",
        json={
            "name": "Duty officer",
            "email": "duty@health.example",
            "filters": {"event_types": ["substance.first_detection"]},
        },
    )
    both = api.post(
        "/v1/subscriptions",
        json={
            "url": receiver.url(),
            "email": "desk@health.example",
            "filters": {"event_types": ["substance.first_detection"]},
        },
    )
    assert by_mail.status_code == 201 and both.status_code == 201, (by_mail.text, both.text)
    report = httpx.post(
        f"{server.url}/v1/reports",
        headers=reporter.headers,
        timeout=30,
        json={
            "structure": CATHINONE,
            "substance_name": "4-ethyl-N-propylcathinone",
            "sample_type": "seizure",
            "country": "DK",
            "sampled_on": "2026-11-30",
            "techniques": ["GC-MS"],
            "confidence": "confirmed",
        },
    )
    assert report.status_code == 201, report.text

    launch(
        "worker",
        database_url,
        extra_env={
            **shared,
            "VARSEL_SMTP_HOST": "127.0.0.1",
            "VARSEL_SMTP_PORT": str(smtp.port),
            "VARSEL_SMTP_FROM": "alerts@health.example",
            "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
        },
    )
    wait_until(
        lambda: len(smtp.messages) == 2 and len(receiver.requests) == 1, timeout=60, what="two e-mails and one webhook"
    )

    (webhook,) = receiver.requests
    Webhook(both.json()["secret"]).verify(webhook.body, webhook.headers)  # the independent library
    alert = json.loads(webhook.body)["data"]
    inchikey = alert["substance_inchikey"]
    assert {m.recipients[0] for m in smtp.messages} == {"duty@health.example", "desk@health.example"}
    for mail in smtp.messages:
        message = mail.message
        assert mail.sender == "alerts@health.example" and message["From"] == "alerts@health.example"
        assert (
            message["Subject"] == "[Varsel] First detection of a new psychoactive substance: 4-ethyl-N-propylcathinone"
        )
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        for part in (plain, html):
            assert alert["substance"]["smiles"] in part and alert["substance"]["formula"] in part
            assert inchikey in part and f"{PUBLIC_URL}/substances/{inchikey}" in part
            assert "United Kingdom (GB)" in part  # the status per jurisdiction
        (png,) = [p for p in message.walk() if p.get_content_type() == "image/png"]
        assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"cid:{png['Content-ID'].strip('<>')}" in html
        assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/unsubscribe?token=")

    # the duty officer's link, followed on the real server with no API key
    duty = next(m.message for m in smtp.messages if m.recipients == ["duty@health.example"])
    found = re.search(r"<(\S+)>", duty["List-Unsubscribe"])
    assert found is not None
    link = urlsplit(found.group(1))
    confirm = httpx.get(f"{server.url}{link.path}?{link.query}", timeout=30)
    assert confirm.status_code == 200 and "duty@health.example" in confirm.text
    done = httpx.post(f"{server.url}{link.path}?{link.query}", data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert done.status_code == 200, done.text
    assert api.get(f"/v1/subscriptions/{by_mail.json()['id']}").json()["email"] is None
    assert api.get(f"/v1/subscriptions/{both.json()['id']}").json()["email"] == "desk@health.example"
    # the delivery log shows both channels
    log = api.get(f"/v1/subscriptions/{both.json()['id']}/deliveries").json()["items"]
    assert sorted((d["channel"], d["state"]) for d in log) == [("email", "delivered"), ("webhook", "delivered")]
    assert {d["attempts"][0]["status_code"] for d in log} == {200, 250}
