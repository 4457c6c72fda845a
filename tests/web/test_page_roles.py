"""Each page admits exactly the roles its API admits (service.auth): a table written out here,
not derived from the code under test; a page never shown signed out; forms need the CSRF token."""

from __future__ import annotations

import re

import pytest

ROLES = ("reporter", "authority", "regulator", "admin")
# page -> the roles that may open it, as the API route behind it (in brackets) admits them
PAGES = {
    "/": set(ROLES),  # the start page
    "/classify": {"reporter", "authority", "regulator"},  # POST /v1/classify
    "/substances": {"authority", "regulator"},  # GET /v1/substances
    "/families": {"authority", "regulator"},  # GET /v1/families
    "/drafts": {"regulator", "admin"},  # GET /v1/drafts
    "/alerts": {"authority", "regulator"},  # GET /v1/alerts
    "/subscriptions": {"authority"},  # GET /v1/subscriptions
    "/reports": {"reporter"},  # a lab's own reports
    "/upload": {"reporter"},  # POST /v1/reports:upload
}


def _sign_in(client, key: str) -> None:
    form = client.get("/signin").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found is not None
    token = found[1]
    assert client.post("/signin", data={"api_key": key, "csrf_token": token}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_for_the_roles_its_api_admits_and_no_other(client, make_caller, role):
    _sign_in(client, make_caller(role).key)
    for path, allowed in PAGES.items():
        response = client.get(path, follow_redirects=False)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path, response.status_code)
        if expected == 403:
            assert "may not do this" in response.text
        # the menu offers exactly the pages the role may open
    home = client.get("/").text
    menu = set(
        re.findall(r'<li><a href="(/[a-z]+)"', home.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0])
    )
    assert menu - {"/docs"} == {p for p, allowed in PAGES.items() if role in allowed and p != "/"}


def test_a_reporter_cannot_reach_regulators_data_pages_by_their_address(client, make_caller):
    _sign_in(client, make_caller("reporter").key)
    for path in (
        "/substances/YELGFTGWJGBAQU-UHFFFAOYSA-N",
        "/families/fam-0000000000000000",
        "/drafts/x",
        "/drafts/x/impact",
        "/alerts/x",
        "/alerts/x.cap",
        "/subscriptions/x",
    ):
        assert client.get(path, follow_redirects=False).status_code == 403, path


@pytest.mark.parametrize("path", [p for p in PAGES if p != "/"])
def test_signed_out_every_page_asks_to_sign_in(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")


def test_every_form_carries_the_csrf_token(client, make_caller):
    for role in ROLES:
        client.cookies.clear()
        _sign_in(client, make_caller(role).key)
        for path, allowed in PAGES.items():
            if role not in allowed:
                continue
            html = client.get(path).text
            forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.DOTALL)
            assert forms, path  # at least the sign-out form
            for form in forms:
                assert 'name="csrf_token"' in form, (role, path)
