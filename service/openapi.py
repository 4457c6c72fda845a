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
    401: {"WWW-Authenticate": {"description": "`Bearer realm=\"varsel\"`", "schema": {"type": "string"}}},
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

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {
        "type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "no report '01J9...'", "instance": "/v1/reports/01J9...",
    }})
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


def install(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
