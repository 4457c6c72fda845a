"""The OpenAPI document is valid, lets Swagger authorise with an API key, and documents every error
as the problem+json the service sends."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from service.problems import PROBLEM_MEDIA_TYPE

UNAUTHENTICATED = {"/healthz", "/readyz"}
KEYED_OUTSIDE_V1 = {"/metrics"}  # Prometheus' conventional path; an admin key reads it
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def spec(client) -> dict:  # noqa: ANN001
    return client.get("/openapi.json").json()


def _operations(spec: dict):  # noqa: ANN202
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(spec):  # noqa: ANN001
    validate(spec)


def test_a_bearer_scheme_guards_every_v1_route_and_nothing_else(spec):  # noqa: ANN001
    schemes = spec["components"]["securitySchemes"]
    assert [s["type"] for s in schemes.values()] == ["http"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    (name,) = schemes
    for path, method, operation in _operations(spec):
        if path.startswith("/v1/") or path in KEYED_OUTSIDE_V1:
            assert operation.get("security") == [{name: []}], f"{method} {path}"
        else:
            assert not operation.get("security"), f"{method} {path} should need no key"
    assert UNAUTHENTICATED <= set(spec["paths"])


def test_every_v1_route_documents_401_and_422_as_problems_and_says_what_it_does(spec):  # noqa: ANN001
    for path, method, operation in _operations(spec):
        if not path.startswith("/v1/"):
            continue
        assert operation.get("summary") or operation.get("description"), f"{method} {path}"
        for status in ("401", "403", "422"):
            response = operation["responses"].get(status)
            assert response, f"{method} {path} does not document {status}"
            assert response["content"] == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}, f"{method} {path} {status}"
        if "{" in path:
            assert "404" in operation["responses"], f"{method} {path}"
        if "requestBody" in operation:
            assert "413" in operation["responses"], f"{method} {path}"


def test_no_error_is_documented_as_anything_but_a_problem(spec):  # noqa: ANN001
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], f"{method} {path} {status}"
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert '"#/components/schemas/HTTPValidationError"' not in str(spec)


def test_conflicts_are_documented_where_they_happen(spec):  # noqa: ANN001
    for path in ("/v1/reports", "/v1/organisations", "/v1/drafts"):
        assert "409" in spec["paths"][path]["post"]["responses"], path


def test_the_problem_schema_describes_what_the_service_sends(client, spec):  # noqa: ANN001
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    answer = client.get("/v1/reports")  # no key
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert set(answer.json()) <= set(problem["properties"])


def test_swagger_sends_the_key_it_was_given(client, reporter):  # noqa: ANN001
    """What Swagger's Authorize button sends is what the service accepts."""
    assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
    assert client.get("/v1/reports", headers={"Authorization": f"bearer  {reporter.key} "}).status_code == 200
    for header, detail in (("", "no API key"), ("Basic abc", "must be 'Bearer <key>'"), ("Bearer ", "must be")):
        answer = client.get("/v1/reports", headers={"Authorization": header} if header else {})
        assert answer.status_code == 401 and detail in answer.json()["detail"], header
        assert answer.headers["www-authenticate"].startswith("Bearer")
