"""Signing in to the pages: a server-side session behind an HttpOnly, SameSite=Strict cookie,
a CSRF token on every form, expiry and sign-out; /docs and /redoc without any other origin."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlmodel import Session

from service.auth.service import hash_secret
from service.web.models import WebSession

ROOT = Path(__file__).resolve().parents[2]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def sign_in(client, key: str, *, next_: str = "/"):
    form = client.get("/signin")
    return client.post(
        "/signin", data={"api_key": key, "csrf_token": _csrf(form.text), "next": next_}, follow_redirects=False
    )


def test_the_root_leads_to_the_sign_in_form(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    form = client.get("/signin")
    assert form.status_code == 200 and 'name="api_key"' in form.text and 'name="csrf_token"' in form.text


def test_signing_in_sets_a_strict_httponly_session_and_stores_only_its_hash(client, engine, regulator):
    response = sign_in(client, regulator.key)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("varsel_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https below
    found = re.match(r"varsel_session=([^;]+)", cookie)
    assert found is not None
    session_id = found[1]
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT id_hash, key_id FROM web_session")).all()
    assert stored == [(hash_secret(session_id), regulator.key_id)]
    assert regulator.key not in client.get("/").text  # the key is never echoed into a page


def test_the_cookie_is_secure_behind_https(app, regulator):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://varsel.example") as client:
        response = sign_in(client, regulator.key)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("varsel_session="))
    assert "Secure" in cookie


def test_a_wrong_key_or_a_missing_token_signs_nobody_in(client, regulator):
    assert sign_in(client, "vsl_0000000000000000_nope").status_code == 401
    client.get("/signin")
    no_token = client.post("/signin", data={"api_key": regulator.key, "csrf_token": "forged"}, follow_redirects=False)
    assert no_token.status_code == 403 and "varsel_session" not in no_token.headers.get("set-cookie", "")


def test_a_form_without_the_sessions_csrf_token_is_refused(client, regulator):
    sign_in(client, regulator.key)
    page = client.get("/classify")
    assert client.post("/classify", data={"structure": "CCO"}).status_code == 403
    assert client.post("/classify", data={"structure": "CCO", "csrf_token": "x" * 43}).status_code == 403
    answered = client.post("/classify", data={"structure": "CCO", "csrf_token": _csrf(page.text)})
    assert answered.status_code == 200 and 'id="answer"' in answered.text


def test_signing_out_ends_the_session_on_the_server(client, engine, regulator):
    response = sign_in(client, regulator.key)
    found = re.search(r"varsel_session=([^;]+)", response.headers["set-cookie"])
    assert found is not None
    session_id = found[1]
    page = client.get("/classify")
    out = client.post("/signout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM web_session")).scalar_one() == 0
    # the old cookie, replayed, opens nothing
    client.cookies.set("varsel_session", session_id)
    assert client.get("/classify", follow_redirects=False).headers["location"].startswith("/signin")


def test_an_expired_session_opens_nothing(client, engine, regulator):
    sign_in(client, regulator.key)
    assert client.get("/classify").status_code == 200
    with Session(engine) as session:
        session.exec(update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        session.commit()
    response = client.get("/classify", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2Fclassify"


def test_a_revoked_key_ends_its_sessions(client, admin, regulator):
    sign_in(client, regulator.key)
    assert client.get("/classify").status_code == 200
    assert client.post(f"/v1/keys/{regulator.key_id}:revoke", headers=admin.headers).status_code == 200
    assert client.get("/classify", follow_redirects=False).status_code == 303


def test_sign_in_returns_only_to_a_path_on_this_site(client, regulator):
    assert sign_in(client, regulator.key, next_="https://evil.example/").headers["location"] == "/"
    client.cookies.clear()
    assert sign_in(client, regulator.key, next_="//evil.example").headers["location"] == "/"
    client.cookies.clear()
    assert sign_in(client, regulator.key, next_="/classify").headers["location"] == "/classify"


@pytest.mark.parametrize(
    "path, asset",
    [("/docs", "/static/vendor/swagger/swagger-ui-bundle.js"), ("/redoc", "/static/vendor/redoc.standalone.js")],
)
def test_api_docs_load_their_assets_from_this_service(client, path, asset):
    page = client.get(path)
    assert page.status_code == 200 and asset in page.text
    assert not re.search(r'(src|href)="https?://', page.text), "no asset from another origin"
    if asset.startswith("/static/vendor") and not (ROOT / "service/web" / asset.removeprefix("/")).exists():
        pytest.skip("npm assets not installed (make web-assets)")
    assert client.get(asset).status_code == 200


def test_the_image_builds_the_npm_assets_in_a_node_stage():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"FROM node:\S+ AS web", dockerfile)
    assert "npm ci" in dockerfile and "COPY --from=web /web/static/vendor /app/service/web/static/vendor" in dockerfile
    assert (ROOT / "service/web/package-lock.json").is_file()
