"""In Chromium: sign in as each role; ask "is it controlled?" with a pasted and a drawn structure."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
MEPHEDRONE_KEY = "YELGFTGWJGBAQU-UHFFFAOYSA-N"


@pytest.mark.parametrize("role", ["reporter", "authority", "regulator", "admin"])
def test_each_role_signs_in_sees_its_own_menu_and_signs_out(role, make_caller, open_page, sign_in, shoot):
    caller = make_caller(role)
    page = open_page()
    page.goto("/")
    assert "/signin" in page.url  # signed out: the start page asks to sign in
    sign_in(page, caller.key)
    assert page.get_by_test_id("role").inner_text() == role
    menu = page.get_by_role("navigation", name="Main")
    expected = {
        "reporter": {"Is it controlled?", "My reports", "Upload"},
        "authority": {"Is it controlled?", "Substances", "Families", "Alerts", "Subscriptions"},
        "regulator": {"Is it controlled?", "Substances", "Families", "Drafts", "Alerts"},
        "admin": {"Drafts"},  # admins read every draft (and act on none)
    }[role]
    links = {name.strip() for name in menu.get_by_role("link").all_inner_texts()} - {"API docs"}
    assert links == expected
    shoot(page, f"home-{role}")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signin"))
    page.goto("/classify")
    assert "/signin" in page.url, "after signing out the session no longer opens pages"


def test_a_wrong_key_is_refused_at_the_field(open_page):
    page = open_page()
    page.goto("/signin")
    page.get_by_label("API key").fill("vsl_0000000000000000_nope")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "That API key is unknown or revoked."
    assert page.get_by_label("API key").get_attribute("aria-invalid") == "true"


def _answer_row(page, code: str):
    return page.locator(f"#answer_table tr[data-jurisdiction='{code}']")


def test_a_pasted_structure_is_answered_per_jurisdiction_with_the_core_highlighted(
    make_caller, open_page, sign_in, shoot
):
    page = open_page()
    sign_in(page, make_caller("regulator").key)
    page.goto("/classify")
    page.get_by_label("Structure: SMILES, InChI or Molfile").fill(MEPHEDRONE)
    page.get_by_label("Denmark (DK)").check()
    page.get_by_label("United Kingdom (GB)").check()
    page.get_by_label("Date the law is applied on").fill("2024-06-01")
    page.get_by_role("button", name="Check").click()
    rows = page.locator("#answer_table tbody tr")
    assert rows.count() == 2
    assert _answer_row(page, "DK").locator("td").first.inner_text() == "controlled by group"
    assert "2012-07-04" in _answer_row(page, "DK").locator("td").nth(2).inner_text()  # the Danish group bans' date
    assert _answer_row(page, "GB").locator("td").first.inner_text() == "controlled by group"
    # each group rule gets a depiction whose legend names the rule and the highlighted core
    figures = page.locator("#depictions figure")
    assert figures.count() >= 2
    legend = figures.first.locator("figcaption").inner_text()
    assert "Cathin" in legend and "core" in legend  # which rule, and which part in which colour
    assert figures.first.locator(".legend .swatch").count() >= 2
    assert figures.first.locator("svg").count() == 1
    shoot(page, "classify-pasted")


def test_a_drawn_structure_is_classified(make_caller, open_page, sign_in, shoot):
    page = open_page()
    sign_in(page, make_caller("regulator").key)
    page.goto("/classify")
    # JSME loads itself (GWT) from /static/vendor/jsme; drive it through its JavaScript API
    page.wait_for_function("window.jsmeApplet !== undefined")
    page.evaluate(f"window.jsmeApplet.readGenericMolecularInput('{MEPHEDRONE}')")
    page.get_by_role("button", name="Use the drawing").click()
    assert page.get_by_label("Structure: SMILES, InChI or Molfile").input_value(), "JSME's SMILES was copied"
    shoot(page, "classify-drawing")
    page.get_by_label("Denmark (DK)").check()
    page.get_by_role("button", name="Check").click()
    assert _answer_row(page, "DK").locator("td").first.inner_text() == "controlled by group"
    assert MEPHEDRONE_KEY in page.locator("#answer").inner_text()  # the drawing was mephedrone
    assert page.locator("#depictions figure svg").count() >= 1


def test_an_unreadable_structure_is_explained_at_the_field(make_caller, open_page, sign_in):
    page = open_page()
    sign_in(page, make_caller("reporter").key)
    page.goto("/classify")
    page.get_by_label("Structure: SMILES, InChI or Molfile").fill("C1CC(")
    page.get_by_role("button", name="Check").click()
    field = page.get_by_label("Structure: SMILES, InChI or Molfile")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#structure_error").inner_text()
    assert page.locator("#answer").count() == 0


UNDECYL_JWH = "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"


def test_a_near_miss_reads_as_one_sentence_and_opens_to_the_full_reason(make_caller, open_page, sign_in, shoot):
    """JWH-018 with an undecyl side chain: NpSG Anlage 2.1.4 (as worded in 2024) allows 3-10 atoms, it has 11."""
    page = open_page()
    sign_in(page, make_caller("regulator").key)
    page.goto("/classify")
    page.get_by_label("Structure: SMILES, InChI or Molfile").fill(UNDECYL_JWH)
    page.get_by_label("Germany (DE)").check()
    page.get_by_label("Date the law is applied on").fill("2025-01-01")
    page.get_by_role("button", name="Check").click()
    items = page.locator("#near_misses > li")
    assert items.count() == 1
    sentence = items.first.locator(".near-miss-summary").inner_text()
    assert "side chain" in sentence and "11 atoms" in sentence and "3–10" in sentence and len(sentence) <= 200
    full = items.first.locator("details p")
    assert not full.is_visible()  # one click away
    items.first.get_by_text("Full reason").click()
    assert full.is_visible() and "alkenyl" in full.inner_text()  # every allowed class, as the classifier words it
    shoot(page, "classify-near-miss")
