"""In Chromium, as an authority: create a subscription, trigger an alert with a real report, see
the delivery in the log; the alerts inbox marks what is new and downloads CAP; the substance page
shows the reports over time; a reporter cannot open these pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NEW_SUBSTANCE = "CCCC(NC)C(=O)c1ccc2c(c1)OCO2"  # pentylone's N-methyl homologue: new to an empty registry


def _report(server_url: str, key: str, structure: str, *, country: str, days_ago: int, name: str | None = None) -> dict:
    body = {
        "structure": structure,
        "sample_type": "seizure",
        "country": country,
        "sampled_on": (dt.date.today() - dt.timedelta(days=days_ago)).isoformat(),
        "techniques": ["GC-MS"],
        "confidence": "confirmed",
    }
    if name:
        body["substance_name"] = name
    response = httpx.post(f"{server_url}/v1/reports", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def test_subscribe_trigger_an_alert_and_see_its_delivery(
    database_url, web_server, launch, receiver, make_caller, open_page, sign_in, shoot
):
    authority, reporter = make_caller("authority"), make_caller("reporter")
    launch(
        "worker",
        database_url,
        extra_env={
            "VARSEL_SECRET_KEYS_FILE": web_server.env["VARSEL_SECRET_KEYS_FILE"],
            "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
        },
    )
    page = open_page()
    sign_in(page, authority.key)
    page.goto("/subscriptions")
    page.get_by_label("Name").fill("Duty desk")
    page.get_by_label("Webhook URL").fill(receiver.url())
    page.get_by_label("substance.first_detection").check()
    page.get_by_label("Countries of the reports (comma-separated)").fill("dk, se")
    page.get_by_role("button", name="Create subscription").click()
    secret = page.get_by_test_id("secret").inner_text()
    assert secret.startswith("whsec_")
    shoot(page, "subscription-created")
    subscription_url = page.url if "/subscriptions/" in page.url else None
    page.get_by_role("link", name="Refresh").click()
    assert page.get_by_test_id("secret-once").count() == 0, "the secret is shown once"
    subscription_url = page.url
    # filters kept their valid values
    assert page.get_by_label("Countries of the reports (comma-separated)").input_value() == "DK, SE"

    _report(web_server.url, reporter.key, NEW_SUBSTANCE, country="DK", days_ago=2)
    deadline_rows = page.locator("#deliveries tr[data-state='delivered']")
    # the worker alerts and delivers within seconds once it runs, but starting it takes 5-10 s on a loaded
    # machine: bounded polling, about two minutes, that stops at the first delivered row
    for _ in range(240):
        page.goto(subscription_url)
        if deadline_rows.count():
            break
        page.wait_for_timeout(500)
    row = deadline_rows.first
    assert "alert" in row.inner_text()
    assert re.search(r"\b200 · \d+ ms", row.locator(".attempt").first.inner_text())
    assert any(r.path == "/hook" for r in receiver.requests)
    shoot(page, "subscription-log")

    page.get_by_role("button", name="Send a test event").click()
    assert page.get_by_role("status").inner_text().startswith("A signed test event was queued")
    page.get_by_role("button", name="Rotate the signing secret").click()
    rotated = page.get_by_test_id("secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret


def test_an_invalid_filter_is_shown_at_its_field(web_server, make_caller, open_page, sign_in):
    page = open_page()
    sign_in(page, make_caller("authority").key)
    page.goto("/subscriptions")
    page.get_by_label("Webhook URL").fill("https://hooks.example/varsel")
    page.get_by_label("Countries of the reports (comma-separated)").fill("Denmark")
    page.get_by_role("button", name="Create subscription").click()
    field = page.get_by_label("Countries of the reports (comma-separated)")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#countries_error").inner_text()
    assert page.locator("#subscriptions tbody").inner_text().strip() == "No subscription yet."


def test_alerts_inbox_substance_page_and_downloads(
    database_url, web_server, launch, make_caller, open_page, sign_in, shoot
):
    authority, reporter = make_caller("authority"), make_caller("reporter")
    launch("worker", database_url, extra_env={"VARSEL_SECRET_KEYS_FILE": web_server.env["VARSEL_SECRET_KEYS_FILE"]})
    for country, days in (("DK", 70), ("DK", 40), ("SE", 35), ("DE", 5)):
        _report(web_server.url, reporter.key, NEW_SUBSTANCE, country=country, days_ago=days, name="4-MeO-test-one")
    page = open_page()
    sign_in(page, authority.key)
    rows = page.locator("#alerts tbody tr[data-new='true']")
    for _ in range(120):  # bounded: about a minute
        page.goto("/alerts")
        if rows.count() and "substance.first_in_country" in page.locator("#alerts").inner_text():
            break
        page.wait_for_timeout(500)
    assert rows.count() >= 1
    shoot(page, "alerts-inbox")
    page.get_by_label("Type").select_option("substance.first_in_country")
    page.get_by_role("button", name="Filter").click()
    # the filter is a GET form: read the table of the page it loads, not the one it leaves
    # (all_inner_texts does not wait, and read the old page mid-navigation once in CI)
    page.wait_for_url(re.compile(r"/alerts\?.*type=substance\.first_in_country"))
    page.locator("#alerts tbody tr td").first.wait_for()
    types = page.locator("#alerts tbody tr td:nth-child(3)").all_inner_texts()
    assert types and set(types) == {"substance.first_in_country"}
    # a second visit: nothing is new any more
    page.goto("/alerts")
    assert page.locator("#alerts tbody tr[data-new='true']").count() == 0
    first = page.locator("#alerts tbody tr a").first
    first.click()
    assert page.get_by_test_id("summary").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="CAP").click()
    assert b"urn:oasis:names:tc:emergency:cap:1.2" in Path(download.value.path()).read_bytes()
    shoot(page, "alert")
    page.get_by_role("link", name="4-MeO-test-one").first.click()
    assert "First seen" in page.get_by_test_id("seen").inner_text()
    chart = page.locator("#reports_chart")
    assert chart.locator("svg rect").count() >= 3  # months with DK, SE and DE reports
    assert {t.strip() for t in chart.locator(".legend li").all_inner_texts()} == {"DK", "SE", "DE"}
    shoot(page, "substance")


@pytest.mark.parametrize("path", ["/substances", "/families", "/drafts", "/alerts", "/subscriptions"])
def test_a_reporter_cannot_open_regulators_or_authorities_pages(path, make_caller, open_page, sign_in):
    page = open_page(width=390, height=844)  # a phone's width, too
    sign_in(page, make_caller("reporter").key)
    response = page.goto(path)
    assert response.status == 403
    assert "may not do this" in page.get_by_test_id("page-error").inner_text()
