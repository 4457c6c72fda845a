"""The OpenAPI document says what the wire says: every error is ``application/problem+json``.

FastAPI documents a 422 with its own ``HTTPValidationError`` body and no other error. Here each
operation's error answers are documented with one ``Problem`` schema: 401 and 403 where a key is
needed, 404 where the path names a resource, 413 and 415 where there is a body, 422 everywhere
(query parameters are checked on every route, unknown ones refused), 503 where a write may wait for the database, and
what a route declares itself with :func:`problem_responses` (409).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from alerts.cloudevents import CONTENT_TYPE as CLOUDEVENTS_CONTENT_TYPE
from alerts.cloudevents import DIGEST_EVENT_TYPE, EVENT_TYPE_PREFIX
from alerts.model import Alert, AlertType
from service.problems import PROBLEM_MEDIA_TYPE

_WRITES = {"post", "put", "patch", "delete"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_WHEN: dict[int, str] = {
    401: "No API key, or one that is unknown or revoked (`WWW-Authenticate: Bearer`)",
    403: "The key's role or organisation may not do this",
    404: "No such resource, or it is not visible to this key",
    409: "The request conflicts with the current state (see `type` and `detail`)",
    413: "The body exceeds VARSEL_MAX_BODY_BYTES",
    415: "The body's media type is not accepted",
    422: "Invalid input: `errors` names each field (JSON pointer), why, and what is accepted",
    503: "The database was busy for longer than the write wait; nothing was written (`Retry-After`)",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": '`Bearer realm="varsel"`', "schema": {"type": "string"}}},
    415: {"Accept": {"description": "The media type(s) the route reads", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait before sending again", "schema": {"type": "integer"}}},
}


class ProblemFieldError(BaseModel):
    """One invalid field of a request (see service.problems.validation_errors)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    in_: str = Field(alias="in", description="Where the field is: body, query, path or header")
    pointer: str = Field(description="JSON pointer (RFC 6901) to the field, e.g. `#/items/0/country`")
    field: str | None = Field(None, description="The field's dotted name")
    detail: str = Field(description="Why the value was refused and, where known, what would be accepted")
    code: str | None = Field(None, description="Machine-readable reason")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this service is sent."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "no report '01J9...'",
                "instance": "/v1/reports/01J9...",
            }
        },
    )
    type: str = Field(description="URI reference of the problem type; GET it for an explanation")
    title: str = Field(description="Short summary of the problem type")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request, in words a person can act on")
    instance: str | None = Field(None, description="The request path")
    errors: list[ProblemFieldError] | None = Field(None, description="Each invalid field, for invalid input")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose own errors the general rules above cannot infer (409)."""
    return {status: {"description": _WHEN.get(status, HTTPStatus(status).phrase)} for status in statuses}


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {int(code) for code in operation.get("responses", {}) if code.isdigit() and int(code) >= 400}
    if operation.get("security"):
        statuses |= {401, 403}
    statuses.add(422)  # every route refuses query parameters it does not declare
    if path.startswith("/v1/") and method in _WRITES:
        statuses.add(503)
    if "{" in path:
        statuses.add(404)
    if "requestBody" in operation:
        statuses |= {413, 415}
    return statuses


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a generated document in place: every error response is a Problem."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in sorted(_error_statuses(path, method, operation)):
                response: dict[str, Any] = {
                    "description": _WHEN.get(status, HTTPStatus(status).phrase),
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": reference}},
                }
                if status in _HEADERS:
                    response["headers"] = _HEADERS[status]
                operation["responses"][str(status)] = response
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)
    return schema


# --- webhooks: what a subscriber's endpoint receives -------------------------------------------


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope in JSON structured mode (alerts.cloudevents): the bytes signed are
    the bytes sent, compact and key-sorted."""

    specversion: str = Field(description="Always `1.0`", examples=["1.0"])
    id: str = Field(
        description="The event's id, also sent as `webhook-id`: the same on every retry and replay, "
        "so deduplicate on it"
    )
    source: str = Field(description="`urn:varsel:<instance>`: the installation that sent it")
    type: str = Field(description="The event type (this webhook's name)")
    time: str = Field(description="RFC 3339, UTC: when the alert (or digest) was made")
    datacontenttype: str = Field(description="Always `application/json`")


class AlertEvent(CloudEvent):
    severity: str = Field(
        description="Extension attribute: the alert's severity (info, low, moderate, high, "
        "critical), so a router can filter without reading `data`"
    )
    subject: str | None = Field(None, description="The substance's InChIKey, or the family's id")
    data: Alert


class DigestPeriod(BaseModel):
    from_: str = Field(alias="from", description="RFC 3339 UTC")
    to: str = Field(description="RFC 3339 UTC")


class DigestLeftOut(BaseModel):
    count: int = Field(description="Alerts beyond the digest's size limit (the oldest)")
    not_included: str = Field(description="What a digest never holds: alerts the subscription's filters do not match")
    see: str | None = Field(None, description="Where the left-out alerts are (`/v1/alerts?...`), when count > 0")


class DigestData(BaseModel):
    period: DigestPeriod
    counts_by_type: dict[str, int] = Field(description="How many alerts of each type the digest holds")
    left_out: DigestLeftOut
    alerts: list[Alert] = Field(description="Oldest first")


class DigestEvent(CloudEvent):
    data: DigestData


class TestEventData(BaseModel):
    subscription_id: str
    message: str


class TestEvent(CloudEvent):
    data: TestEventData


_SIGNATURE_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Standard Webhooks message id: the CloudEvent's `id`, the same on every retry and replay. "
        "A receiver that has seen it already answers 2xx and does nothing more.",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "Unix seconds when this attempt was signed. Refuse a delivery more than 5 minutes from your "
        "clock (a replay).",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "`v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the "
        "base64-decoded part of the subscription's `whsec_` secret (Standard Webhooks v1). Several, "
        "separated by spaces, while a rotated secret's grace period runs: accept if one matches. Any "
        "Standard Webhooks library verifies it (`Webhook(secret).verify(body, headers)`).",
    },
]
_WEBHOOK_RESPONSES = {
    "2XX": {"description": "Received. Any 2xx ends the delivery; the body is not read beyond a few KiB."},
    "410": {"description": "Gone: the delivery is dead-lettered at once and the subscription disabled (no retries)."},
    "429": {
        "description": "Sent again later; with a 429 or 503, a `Retry-After` (up to "
        "VARSEL_RETRY_AFTER_MAX_SECONDS) says when."
    },
    "default": {
        "description": "Any other answer, a timeout or no connection: sent again with exponential backoff "
        "and jitter until VARSEL_RETRY_HORIZON_HOURS, then dead-lettered (replayable)."
    },
}


def _webhook(event_type: str, summary: str, description: str, schema_name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "allOf": [
            {"$ref": f"#/components/schemas/{schema_name}"},
            {"type": "object", "properties": {"type": {"const": event_type}}},
        ]
    }
    return {
        "post": {
            "summary": summary,
            "description": description,
            "operationId": f"webhook_{event_type.replace('.', '_')}",
            "tags": ["webhooks"],
            "parameters": _SIGNATURE_HEADERS,
            "requestBody": {"required": True, "content": {CLOUDEVENTS_CONTENT_TYPE: {"schema": schema}}},
            "responses": _WEBHOOK_RESPONSES,
        }
    }


_ALERT_EVENTS: dict[AlertType, tuple[str, str]] = {
    AlertType.first_detection: (
        "A substance is reported for the first time",
        "The first report anywhere of a substance new to the registry.",
    ),
    AlertType.first_in_country: (
        "A substance is reported in a country for the first time",
        "A known substance is reported in a country where it was not reported before.",
    ),
    AlertType.intoxication: (
        "A report from an intoxication",
        "A report from a biological sample of a fatal or non-fatal intoxication.",
    ),
    AlertType.escalation: (
        "A substance spreads",
        "A substance is reported by enough organisations in enough countries within the window "
        "(VARSEL_SIGNAL_ESCALATION_*). Once per substance.",
    ),
    AlertType.uncontrolled_advisory: (
        "An uncontrolled substance close to a controlled one",
        "A substance not controlled in a jurisdiction that someone watches is captured elsewhere, or is similar "
        "to a controlled substance.",
    ),
    AlertType.family_placement: (
        "A new substance is placed among relatives",
        "An update of a first detection (`data.updates` names it), once the worker has placed the substance "
        "in a family of two or more related substances: `data.family_id`.",
    ),
    AlertType.family_growth: (
        "A family of related substances grows",
        "A family of structurally related substances reaches another step of VARSEL_SIGNAL_FAMILY_GROWTH_STEP members.",
    ),
}


def document_webhooks(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``webhooks`` section: one entry per event type a subscription's endpoint receives,
    with its CloudEvent payload and the Standard Webhooks signature headers."""
    from service.subscriptions.service import TEST_EVENT_TYPE  # the domain that sends test events

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (AlertEvent, DigestEvent, TestEvent):
        model_schema = model.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}", mode="serialization"
        )
        for name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = model_schema
    common = (
        " Sent as `application/cloudevents+json`, signed per Standard Webhooks; retried until a 2xx. "
        "Subscriptions in digest mode receive `eu.varsel.alert.digest` instead."
    )
    webhooks: dict[str, Any] = {}
    for alert_type, (summary, description) in _ALERT_EVENTS.items():
        event_type = EVENT_TYPE_PREFIX + alert_type.value
        webhooks[event_type] = _webhook(event_type, summary, description + common, "AlertEvent")
    webhooks[DIGEST_EVENT_TYPE] = _webhook(
        DIGEST_EVENT_TYPE,
        "A digest of alerts",
        "For subscriptions in digest mode: the alerts matching the filters since the last digest, at the "
        "subscription's schedule; its id derives from the alerts', so a rebuilt digest has the same id.",
        "DigestEvent",
    )
    webhooks[TEST_EVENT_TYPE] = _webhook(
        TEST_EVENT_TYPE,
        "A test event",
        "Sent by `POST /v1/subscriptions/{subscription_id}/test`: proves the URL and the "
        "secret work. Signed like every other event.",
        "TestEvent",
    )
    schema["webhooks"] = webhooks
    return schema


def install(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_webhooks(document_problems(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
