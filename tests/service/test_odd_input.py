"""Odd input is a problem a person can act on, never a 500 and never a failed batch.

Each case here once answered a plain-text 500, or failed every report of its batch, on SQLite,
on PostgreSQL or on both: non-ASCII cursors, integers wider than the database's, sampling dates
near year 1, NUL characters, non-finite numbers. The ``wire`` client answers as a real server
does (a server error becomes a response instead of an exception in the test).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from service.auth.models import Principal, Role
from service.reports import service as reports
from service.reports.models import ReportCreate

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


# --- integers wider than the database's --------------------------------------------------------

BEYOND_INT64 = "99999999999999999999"
BEYOND_INT32 = str(2**31)

WIDE_INTEGERS = [
    ("admin", "GET", "/v1/organisations/{n}/keys"),
    ("admin", "POST", "/v1/organisations/{n}/keys"),
    ("admin", "GET", "/v1/families/recomputes/{n}"),
    ("admin", "GET", "/v1/audit?cursor={n}"),
    ("authority", "GET", "/v1/substances?cursor={n}"),
    ("authority", "GET", "/v1/reports?organisation={n}"),
    ("authority", "GET", "/v1/alerts/{n}"),
    ("authority", "GET", "/v1/alerts/{n}.cap"),
    ("authority", "GET", "/v1/subscriptions/{n}"),
    ("authority", "GET", "/v1/reports/{n}"),
    ("authority", "GET", "/v1/families/{n}"),
]


@pytest.mark.parametrize(("role", "method", "route"), WIDE_INTEGERS)
def test_integers_beyond_the_database_are_404_or_422(wire, make_caller, role, method, route):
    caller = make_caller(role)
    body = {"role": "reporter"} if method == "POST" else None
    for number in (BEYOND_INT64, BEYOND_INT32, "-" + BEYOND_INT64):
        response = wire.request(method, route.format(n=number), json=body, headers=caller.headers)
        assert_problem(response, (404, 422))


# --- NUL characters ----------------------------------------------------------------------------


def test_a_nul_in_a_report_field_is_a_422_naming_it(wire, reporter, report_body, row_counts):
    before = row_counts()
    for field in ("context", "substance_name", "region", "structure", "organisation"):
        response = wire.post("/v1/reports", json=report_body(**{field: "mephedrone\x00"}), headers=reporter.headers)
        assert_problem(response, 422, field)
    assert row_counts() == before


def test_a_nul_fails_only_its_own_batch_item(wire, reporter, report_body):
    items = [
        report_body(),
        report_body(context="seized at\x00the border"),
        report_body(idempotency_key="k\x00"),
        report_body(country="SE"),
    ]
    response = wire.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 422, 201]
    assert results[1]["problem"]["errors"][0]["pointer"] == "#/items/1/context"
    assert results[2]["problem"]["errors"][0]["pointer"] == "#/items/2/idempotency_key"


NUL_BODIES = [
    ("admin", "POST", "/v1/organisations", {"name": "Lab\x00", "kind": "forensic_lab", "country": "DK"}, "name"),
    ("admin", "POST", "/v1/organisations/1/keys", {"role": "reporter", "label": "\x00"}, "label"),
    ("authority", "POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/hook", "name": "a\x00"}, "name"),
    ("authority", "POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/hook\x00"}, "url"),
    (
        "authority",
        "POST",
        "/v1/subscriptions",
        {"url": "http://127.0.0.1:9/hook", "filters": {"family_ids": ["f\x00"]}},
        "filters.family_ids",
    ),
]


def test_a_nul_in_other_bodies_is_a_422_naming_the_field(wire, make_caller):
    for role, method, route, body, field in NUL_BODIES:
        response = wire.request(method, route, json=body, headers=make_caller(role).headers)
        assert_problem(response, 422, field)


def test_an_unpaired_surrogate_is_a_422_naming_the_field(wire, reporter, report_body):
    content = json.dumps(report_body(context="x")).replace('"context": "x"', '"context": "\\ud800"')
    response = wire.post(
        "/v1/reports", content=content, headers={**reporter.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 422, "context")


NUL_PARAMETERS = [
    ("authority", "/v1/reports?substance=a%00b", "substance"),
    ("authority", "/v1/reports?country=D%00", "country"),
    ("authority", "/v1/alerts?substance=%00", "substance"),
    ("authority", "/v1/alerts?country=%00", "country"),
    ("authority", "/v1/substances?q=ab%00", "q"),
    ("authority", "/v1/substances?inchikey=%00", "inchikey"),
    ("regulator", "/v1/drafts?cursor=%00", "cursor"),
    ("regulator", "/v1/drafts?rule_id=%00", "rule_id"),
    ("authority", "/v1/reports/a%00b", "report_id"),
    ("authority", "/v1/substances/a%00b", "inchikey"),
    ("authority", "/v1/alerts/a%00b", "alert_id"),
    ("authority", "/v1/subscriptions/a%00b", "subscription_id"),
    ("authority", "/v1/families/a%00b", "family_id"),
    ("regulator", "/v1/drafts/a%00b", "draft_id"),
    ("regulator", "/v1/groups/a%00b", "rule_id"),
]


def test_a_nul_in_a_query_or_path_parameter_is_a_422_naming_it(wire, authority, regulator):
    callers = {"authority": authority, "regulator": regulator}
    for role, url, field in NUL_PARAMETERS:
        assert_problem(wire.get(url, headers=callers[role].headers), 422, field)


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "pointer"),
    [
        ('"quantity": {{"value": {n}, "unit": "g"}}', "#/quantity/value"),
        ('"purity_percent": {n}', "#/purity_percent"),
    ],
)
def test_non_finite_numbers_are_a_422(wire, reporter, report_body, row_counts, template, pointer):
    before = row_counts()
    for number in ("Infinity", "-Infinity", "NaN", "1e309"):
        content = json.dumps(report_body())[:-1] + ", " + template.format(n=number) + "}"
        response = wire.post(
            "/v1/reports", content=content, headers={**reporter.headers, "Content-Type": "application/json"}
        )
        body = assert_problem(response, 422)
        assert pointer in [e["pointer"] for e in body["errors"]], (number, body)
    assert row_counts() == before


def test_a_non_finite_quantity_stored_before_it_was_refused_reads_as_no_quantity(wire, engine, reporter, report_body):
    created = wire.post("/v1/reports", json=report_body(quantity={"value": 2.5, "unit": "g"}), headers=reporter.headers)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE report SET quantity_value = :inf WHERE id = :id"),
            {"inf": float("inf"), "id": created.json()["id"]},
        )
    response = wire.get(f"/v1/reports/{created.json()['id']}", headers=reporter.headers)
    assert response.status_code == 200, response.text
    assert response.json()["quantity"] is None


# --- sampling dates ----------------------------------------------------------------------------


def test_implausible_sampling_dates_are_a_422_naming_the_field(wire, reporter, report_body, row_counts):
    before = row_counts()
    for sampled_on in ("0001-01-01", "0001-01-05", "0001-01-30", "1899-12-31"):
        response = wire.post("/v1/reports", json=report_body(sampled_on=sampled_on), headers=reporter.headers)
        body = assert_problem(response, 422, "sampled_on")
        assert "1900-01-01" in body["errors"][0]["detail"]
    assert row_counts() == before


def test_the_earliest_accepted_sampling_date_is_stored(wire, reporter, report_body):
    response = wire.post("/v1/reports", json=report_body(sampled_on="1900-01-01"), headers=reporter.headers)
    assert response.status_code == 201, response.text


def test_an_ancient_sampling_date_fails_only_its_own_batch_item(wire, reporter, report_body):
    items = [report_body(), report_body(sampled_on="0001-01-05"), report_body(country="SE")]
    response = wire.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[1]["problem"]["errors"][0]["pointer"] == "#/items/1/sampled_on"


def test_a_stored_date_near_year_one_does_not_fail_the_outbox_for_its_batch(engine, reporter, report_body):
    """Intake refuses such dates, but one that reaches the store another way (an import, a row
    from before the rule) must not make the signal window arithmetic overflow for every report."""
    principal = Principal(
        key_id=reporter.key_id,
        role=Role.reporter,
        organisation_id=reporter.organisation_id,
        organisation_name=reporter.organisation_name,
        organisation_country="DK",
    )
    valid = ReportCreate.model_validate(report_body())
    items = [valid, valid.model_copy(update={"sampled_on": dt.date(1, 1, 5)}), valid]
    prepared = [reports.prepare(item, principal=principal, idempotency_key=None) for item in items]
    with Session(engine, expire_on_commit=False) as session:
        outcomes = reports.store(session, prepared, principal=principal)
    assert [o.status for o in outcomes] == ["created"] * 3
    second = outcomes[1]
    assert isinstance(second, reports.Outcome)
    assert second.report.sampled_on == dt.date(1, 1, 5)
