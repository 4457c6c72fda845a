"""In Chromium, as regulators: from a family's proposal to an active group definition, through
the drafts workbench (a field-level validation message, the impact preview, four-eyes approval,
activation), following the API's rules; and the admin, who reads drafts, cannot act on them."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chemistry"))
from nps_series import all_series

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_proposal_becomes_an_active_draft_with_four_eyes(
    database_url, web_server, launch, make_caller, open_page, sign_in, shoot
):
    reporter = make_caller("reporter")
    author, second = (
        make_caller("regulator", org="Danish Medicines Agency"),
        make_caller("regulator", org="Danish Police"),
    )
    launch("worker", database_url, extra_env={"VARSEL_SECRET_KEYS_FILE": web_server.env["VARSEL_SECRET_KEYS_FILE"]})
    cathinones = list(all_series()["cathinones"].items())[:6]
    for i, (name, smiles) in enumerate(cathinones):
        response = httpx.post(
            f"{web_server.url}/v1/reports",
            headers={"Authorization": f"Bearer {reporter.key}"},
            timeout=30,
            json={
                "structure": smiles,
                "substance_name": name,
                "sample_type": "seizure",
                "country": ("DK", "SE", "DE")[i % 3],
                "techniques": ["GC-MS"],
                "sampled_on": (dt.date.today() - dt.timedelta(days=i)).isoformat(),
                "confidence": "confirmed",
            },
        )
        assert response.status_code == 201, response.text

    page = open_page()
    sign_in(page, author.key)
    rows = page.locator("#families tbody tr a")
    for _ in range(120):  # the worker places the new substances into a family within seconds; bounded
        page.goto("/families?sort=size")
        if rows.count():
            break
        page.wait_for_timeout(500)
    shoot(page, "families")
    # the first look at a family computes its proposal (MCS, impact) unless the worker has: allow for it
    page.goto(rows.first.get_attribute("href"), timeout=120_000)
    assert page.locator("#members tbody tr").count() >= 2
    shoot(page, "family")
    page.get_by_role("button", name="Make a draft for DK").click()
    page.wait_for_url("**/drafts/**")
    assert page.get_by_test_id("draft-status").inner_text() == "draft"

    # a validation message stands at the offending field, and nothing is saved
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save as a new version").click()
    assert page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert page.locator("#title_error").inner_text()
    page.goto(page.url)  # nothing saved: the version and title are as before
    page.get_by_label("Title").fill("Cathinones (page test)")
    page.get_by_role("button", name="Save as a new version").click()
    assert page.get_by_label("Title").input_value() == "Cathinones (page test)"
    shoot(page, "draft")
    draft_url = page.url

    page.get_by_role("link", name="Preview the impact").click()
    assert page.locator("#captured figure").count() >= 1
    assert page.get_by_test_id("examples-verdict").inner_text()
    shoot(page, "draft-impact")
    page.goto(draft_url)

    # four eyes: the author alone cannot activate
    page.get_by_role("button", name="Activate").click()
    assert "approv" in page.get_by_test_id("action-error").inner_text()
    assert page.get_by_test_id("draft-status").inner_text() == "draft"

    other = open_page()
    sign_in(other, second.key)
    other.goto(draft_url)
    other.get_by_role("button", name="Approve (second regulator)").click()
    assert other.get_by_role("status").inner_text().startswith("Approved")

    page.goto(draft_url)
    page.get_by_role("button", name="Activate").click()
    assert page.get_by_test_id("draft-status").inner_text() == "active", page.locator("main").inner_text()[:2000]


def test_an_admin_reads_drafts_but_has_no_buttons(make_caller, open_page, sign_in):
    page = open_page()
    sign_in(page, make_caller("admin").key)
    assert page.goto("/drafts").status == 200
    assert page.goto("/families").status == 403
