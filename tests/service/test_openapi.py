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


def test_every_operation_documents_its_errors_and_says_what_it_does(spec):  # noqa: ANN001
    """Every route, not only /v1: each can refuse an unknown query parameter (422), a keyed one
    answers 401 and 403, one naming a resource 404, one with a body 413 and 415."""
    for path, method, operation in _operations(spec):
        assert (operation.get("description") or "").strip(), f"{method} {path} has no description"
        expected = {"422"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        missing = expected - set(operation["responses"])
        assert not missing, f"{method} {path} does not document {sorted(missing)}"
        for status in expected:
            content = operation["responses"][status]["content"]
            assert content == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}, f"{method} {path} {status}"


def test_the_statuses_a_route_answers_are_documented(client, reporter, spec):  # noqa: ANN001
    """What the service really answers for each kind of error is what the document lists."""
    documented = spec["paths"]["/v1/reports"]["post"]["responses"]
    answers = {
        client.post("/v1/reports", json={}).status_code,  # no key
        client.post("/v1/reports?x=1", json={}, headers=reporter.headers).status_code,
        client.post(
            "/v1/reports", content=b"{}", headers={**reporter.headers, "Content-Type": "text/plain"}
        ).status_code,
        client.post("/v1/reports", json={}, headers=reporter.headers).status_code,
    }
    assert answers == {401, 415, 422}
    assert {str(status) for status in answers} <= set(documented)


# --- webhooks ---------------------------------------------------------------------------------


def test_every_event_type_is_a_documented_webhook_with_its_signature_headers(spec):  # noqa: ANN001
    from alerts.model import AlertType

    expected = {f"eu.varsel.alert.{t.value}" for t in AlertType} | {"eu.varsel.alert.digest", "eu.varsel.test"}
    assert set(spec["webhooks"]) == expected
    for name, item in spec["webhooks"].items():
        operation = item["post"]
        assert operation["description"].strip() and operation["summary"].strip(), name
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}, name
        assert all(p["required"] for p in headers.values()), name
        assert "HMAC-SHA256" in headers["webhook-signature"]["description"]
        (media_type,) = operation["requestBody"]["content"]
        assert media_type == "application/cloudevents+json", name


def _webhook_validator(spec: dict, event_type: str):  # noqa: ANN202
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:varsel:openapi", Resource.from_contents(spec, DRAFT202012))
    pointer = (
        f"/webhooks/{event_type.replace('~', '~0').replace('/', '~1')}/post/requestBody/content/"
        "application~1cloudevents+json/schema"
    )
    return Draft202012Validator({"$ref": f"urn:varsel:openapi#{pointer}"}, registry=registry)


def test_what_a_subscriber_receives_is_what_the_webhooks_section_says(
    client, spec, reporter, authority, report_body, engine, settings, receiver
):  # noqa: ANN001
    from alerting_helpers import dispatch
    from standardwebhooks.webhooks import Webhook

    subscription = client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers).json()
    client.post(f"/v1/subscriptions/{subscription['id']}/test", headers=authority.headers)
    client.post("/v1/reports", json=report_body(sample_type="biological_fatal"), headers=reporter.headers)
    dispatch(settings, engine)
    import json

    received = {json.loads(r.body)["type"]: r for r in receiver.requests}
    assert {
        "eu.varsel.test",
        "eu.varsel.alert.substance.first_detection",
        "eu.varsel.alert.report.intoxication",
    } <= set(received)
    for event_type, request in received.items():
        event = json.loads(request.body)
        errors = list(_webhook_validator(spec, event_type).iter_errors(event))
        assert not errors, (event_type, [e.message for e in errors])
        Webhook(subscription["secret"]).verify(request.body, request.headers)  # the documented signature
    wrong = dict(json.loads(received["eu.varsel.test"].body), type="eu.varsel.alert.digest")
    assert list(_webhook_validator(spec, "eu.varsel.test").iter_errors(wrong))  # the schema does check


def test_a_digest_event_is_what_the_webhooks_section_says(client, spec, reporter, authority, report_body):  # noqa: ANN001
    import datetime as dt

    from alerts.cloudevents import digest_event
    from alerts.model import Alert

    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    alerts = [Alert.model_validate(a) for a in client.get("/v1/alerts", headers=authority.headers).json()["items"]]
    assert alerts
    event = digest_event(
        alerts,
        instance="test",
        time=dt.datetime.now(dt.UTC),
        left_out=2,
        left_out_query="/v1/alerts?until=2026-01-01T00:00:00Z",
    )
    validator = _webhook_validator(spec, "eu.varsel.alert.digest")
    assert not [e.message for e in validator.iter_errors(event)]
    assert list(validator.iter_errors({**event, "data": {**event["data"], "alerts": "none"}}))
