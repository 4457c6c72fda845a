"""Subscription pages through FastAPI's client: a disabled endpoint is re-enabled from its page,
and another organisation's subscription is not found."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import text


def _signed_in(client, key: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found is not None
    token = found[1]
    client.post("/signin", data={"api_key": key, "csrf_token": token})
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/subscriptions").text)
    assert found is not None
    return found[1]


def test_a_disabled_subscription_is_re_enabled_from_its_page(client, engine, authority):
    csrf = _signed_in(client, authority.key)
    created = client.post(
        "/subscriptions",
        data={"name": "desk", "url": "http://127.0.0.1:9/varsel", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert created.status_code == 200 and "whsec_" in created.text
    found = re.search(r'action="/subscriptions/([^/"]+)/test"', created.text)
    assert found is not None
    subscription_id = found[1]
    with engine.begin() as connection:  # the worker disables an endpoint that kept failing
        connection.execute(
            text("UPDATE subscription SET enabled = :no, disabled_at = :at, disabled_reason = :why WHERE id = :id"),
            {
                "no": False,
                "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "why": "failed for 120 hours",
                "id": subscription_id,
            },
        )
    page = client.get(f"/subscriptions/{subscription_id}").text
    assert "failed for 120 hours" in page and "Re-enable" in page
    enabled = client.post(f"/subscriptions/{subscription_id}/enable", data={"csrf_token": csrf})
    assert enabled.status_code == 200 and "Re-enabled" in enabled.text and "Re-enable</button>" not in enabled.text
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT enabled FROM subscription WHERE id = :id"), {"id": subscription_id}
        ).scalar_one() in (True, 1)


def test_another_organisations_subscription_is_not_found(client, make_caller, authority):
    csrf = _signed_in(client, authority.key)
    created = client.post("/subscriptions", data={"name": "mine", "url": "http://127.0.0.1:9/a", "csrf_token": csrf})
    found = re.search(r'action="/subscriptions/([^/"]+)/test"', created.text)
    assert found is not None
    subscription_id = found[1]
    client.cookies.clear()
    other = make_caller("authority", org="Swedish Public Health Agency", kind="authority", country="SE")
    _signed_in(client, other.key)
    assert client.get(f"/subscriptions/{subscription_id}").status_code == 404
