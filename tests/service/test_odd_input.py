"""Odd input is a problem a person can act on, never a 500 and never a failed batch.

Each case here once answered a plain-text 500, or failed every report of its batch, on SQLite,
on PostgreSQL or on both: non-ASCII cursors, integers wider than the database's, sampling dates
near year 1, NUL characters, non-finite numbers. The ``wire`` client answers as a real server
does (a server error becomes a response instead of an exception in the test).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


@pytest.fixture
def wire(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_problem(response, status: int | tuple[int, ...], field: str | None = None) -> dict:  # noqa: ANN001
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


# --- the last resort ---------------------------------------------------------------------------


def test_an_unexpected_error_is_a_problem_that_leaks_nothing(app, wire, authority):
    @app.get("/v1/test-only/unexpected")
    def unexpected() -> None:
        raise RuntimeError("password=hunter2 at /srv/varsel/service/secret.py line 42")

    response = wire.get("/v1/test-only/unexpected", headers=authority.headers)
    body = assert_problem(response, 500)
    assert body["type"] == "/problems/internal"
    assert "hunter2" not in response.text and "secret.py" not in response.text
    assert "RuntimeError" not in response.text


# --- cursors -----------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ODD_CURSORS = [
    "%C2%80",  # U+0080: not base64's alphabet, not even ASCII
    "%E2%98%83",  # a snowman
    b64(b"\xff" * 26),  # base64 of bytes that are not text
    b64(b"\x00" * 26),  # base64 of 26 NULs: the length of a report id
    b64(b"\x00|\x00"),
    b64(b"2026-01-01T00:00:00|01J0000000000000000000000"),  # a time without an offset
    b64(b"0001-01-01T00:00:00+05:00|01J0000000000000000000000"),  # before the first representable instant
    "!!!!",
]


@pytest.fixture
def subscription_id(wire, authority, receiver) -> str:  # noqa: ANN001
    response = wire.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("route", ["/v1/reports", "/v1/alerts", "/v1/subscriptions/{id}/deliveries"])
def test_a_cursor_this_service_did_not_issue_is_a_422_naming_the_cursor(wire, authority, subscription_id, route):
    for cursor in ODD_CURSORS:
        response = wire.get(f"{route.format(id=subscription_id)}?cursor={cursor}", headers=authority.headers)
        assert_problem(response, 422, "cursor")


def test_issued_cursors_still_page_through_reports_and_alerts(wire, reporter, authority, report_body):
    for _ in range(3):  # an intoxication alert each
        response = wire.post("/v1/reports", json=report_body(sample_type="biological_fatal"), headers=reporter.headers)
        assert response.status_code == 201
    for route in ("/v1/reports", "/v1/alerts"):
        first = wire.get(f"{route}?limit=1", headers=authority.headers).json()
        second = wire.get(f"{route}?limit=1&cursor={first['next_cursor']}", headers=authority.headers).json()
        assert first["items"] and second["items"]
        assert first["items"][0]["id"] != second["items"][0]["id"]
