"""Odd input is a problem a person can act on, never a 500 and never a failed batch.

Each case here once answered a plain-text 500, or failed every report of its batch, on SQLite,
on PostgreSQL or on both: non-ASCII cursors, integers wider than the database's, sampling dates
near year 1, NUL characters, non-finite numbers. The ``wire`` client answers as a real server
does (a server error becomes a response instead of an exception in the test).
"""

from __future__ import annotations

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
