"""In Chromium: the pages work from the keyboard and fit a phone's width (390 px) and 1280 px."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PAGES = {
    "regulator": ["/", "/classify", "/substances", "/families", "/drafts", "/alerts"],
    "authority": ["/subscriptions"],
    "reporter": ["/reports", "/upload"],
}
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_sign_in_and_classify_with_the_keyboard_alone(make_caller, open_page, shoot):
    page = open_page()
    page.goto("/signin")
    assert page.evaluate("document.activeElement.id") == "api_key"  # the form starts in its field
    page.keyboard.type(make_caller("regulator").key)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/signin" not in url)
    page.goto("/classify")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.get_by_label("Structure: SMILES, InChI or Molfile").focus()
    page.keyboard.type("CNC(C)C(=O)c1ccc(C)cc1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"  # the next field, in reading order
    for _ in range(40):  # on to the Check button, past the editor and the jurisdictions
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Check":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer_table")
    assert page.locator("#answer_table tbody tr").count() >= 5


@pytest.mark.parametrize("width", [390, 1280])
def test_main_pages_fit_the_width_without_sideways_scrolling(width, make_caller, open_page, sign_in, shoot):
    for role, paths in PAGES.items():
        page = open_page(width=width, height=844 if width < 500 else 900)
        sign_in(page, make_caller(role).key)
        for path in paths:
            page.goto(path)
            assert page.evaluate(FITS), f"{path} scrolls sideways at {width} px"
            if width < 500 and path in ("/classify", "/alerts", "/upload"):
                shoot(page, f"phone{path.replace('/', '-')}")


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_the_api_docs_render_without_any_other_origin(path, ready, open_page, web_server):
    page = open_page()
    elsewhere = []
    ours = (web_server.url, f"blob:{web_server.url}", "data:")  # a worker from a same-origin blob is ours
    page.on("request", lambda request: None if request.url.startswith(ours) else elsewhere.append(request.url))
    page.goto(path)
    assert page.locator(ready).first.inner_text().startswith("Varsel")
    assert elsewhere == []
