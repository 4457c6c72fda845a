"""Strict edges: unknown query parameters (422, naming the accepted ones) on every route, a body of
the wrong media type (415), one reading of country codes everywhere, and an honest answer to a
report that names a substance the registry does not know."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from service.problems import PROBLEM_MEDIA_TYPE


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def api_routes(routes):
    """Every APIRoute, also those of included routers (FastAPI keeps those in the router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def test_every_route_refuses_a_query_parameter_it_does_not_declare(app, client):
    checked = 0
    for route in api_routes(app.routes):
        for method in route.methods - {"HEAD"}:
            response = client.request(method, _concrete(route.path) + "?colour=blue")
            assert response.status_code == 422, (method, route.path, response.status_code)
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
            problem = response.json()
            assert [e["field"] for e in problem["errors"]] == ["colour"], (method, route.path)
            assert problem["errors"][0]["in"] == "query"
            checked += 1
    assert checked > 40  # the API, the pages and the docs


def test_the_problem_lists_what_the_route_accepts(client, reporter):
    response = client.get("/v1/reports?contry=DK&limit=5", headers=reporter.headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["accepted"] == sorted(
        ["substance", "country", "organisation", "sample_type", "sampled_from", "sampled_to", "cursor", "limit"]
    )
    assert "'contry'" in problem["detail"] and "country" in problem["errors"][0]["detail"]
    assert client.get("/healthz?verbose=1").json()["errors"][0]["detail"].endswith("takes no query parameters")


def test_declared_query_parameters_still_work(client, reporter):
    assert client.get("/v1/reports?limit=5&country=DK", headers=reporter.headers).status_code == 200
    assert client.get("/healthz").status_code == 200


# --- 415 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_json_route_refuses_a_body_of_another_media_type(client, reporter, report_body, content_type, row_counts):
    import json

    before = row_counts()
    response = client.post(
        "/v1/reports", content=json.dumps(report_body()), headers={**reporter.headers, "Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["accept"] == "application/json"
    assert response.json()["type"] == "/problems/unsupported-media-type"
    assert content_type in response.json()["detail"]
    assert row_counts() == before


def test_a_body_without_a_media_type_is_refused_too(client, reporter, report_body):
    import json

    response = client.post("/v1/reports", content=json.dumps(report_body()).encode(), headers=reporter.headers)
    assert response.status_code == 415


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json"],
)
def test_json_in_its_spellings_is_read(client, reporter, report_body, content_type):
    import json

    response = client.post(
        "/v1/reports", content=json.dumps(report_body()), headers={**reporter.headers, "Content-Type": content_type}
    )
    assert response.status_code == 201


def test_a_json_route_without_a_body_is_a_validation_problem_not_415(client, reporter):
    response = client.post("/v1/reports", headers=reporter.headers)
    assert response.status_code == 422


def test_415_is_documented_for_every_route_with_a_body(client):
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "415" in operation["responses"], (method, path)
                assert "Accept" in operation["responses"]["415"]["headers"]


# --- countries --------------------------------------------------------------------------------


def test_country_codes_are_read_the_same_way_in_bodies_and_queries(client, reporter, authority, report_body, receiver):
    assert (
        client.post("/v1/reports", json=report_body(country=" se "), headers=reporter.headers).json()["country"] == "SE"
    )
    upper = client.get("/v1/reports?country=SE", headers=reporter.headers).json()["items"]
    lower = client.get("/v1/reports?country=se", headers=reporter.headers).json()["items"]
    assert len(upper) == 1 and lower == upper
    alerts = client.get("/v1/alerts?country=SE", headers=authority.headers).json()["items"]
    assert alerts and client.get("/v1/alerts?country=se", headers=authority.headers).json()["items"] == alerts
    for path, caller in (("/v1/reports", reporter), ("/v1/alerts", authority), ("/v1/alerts/feed.atom", authority)):
        refused = client.get(f"{path}?country=UK", headers=caller.headers)
        assert refused.status_code == 422, path
        (error,) = refused.json()["errors"]
        assert error["field"] == "country" and "did you mean GB?" in error["detail"], path
    created = client.post(
        "/v1/subscriptions", json={"url": receiver.url(), "filters": {"countries": ["se"]}}, headers=authority.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["filters"]["countries"] == ["SE"]


# --- a substance by name ------------------------------------------------------------------------


def test_a_report_naming_an_unknown_substance_says_so(client, reporter, report_body):
    response = client.post(
        "/v1/reports", json=report_body(structure=None, substance_name="Zorbital-9"), headers=reporter.headers
    )
    assert response.status_code == 201
    report = response.json()
    assert report["substance"] is None and report["identified_by"] is None
    assert "'Zorbital-9'" in report["substance_note"] and "structure" in report["substance_note"]
    again = client.get(f"/v1/reports/{report['id']}", headers=reporter.headers).json()
    assert again["substance_note"] == report["substance_note"]


def test_a_report_naming_a_known_substance_is_linked_by_name(client, reporter, report_body):
    by_structure = client.post("/v1/reports", json=report_body(), headers=reporter.headers).json()
    assert by_structure["identified_by"] == "structure" and by_structure["substance_note"] is None
    by_name = client.post(
        "/v1/reports",
        json=report_body(structure=None, substance_name="Mephedrone Hydrochloride"),
        headers=reporter.headers,
    ).json()
    assert by_name["identified_by"] == "name" and by_name["substance_note"] is None
    assert by_name["substance"]["inchikey"] == by_structure["substance"]["inchikey"]
