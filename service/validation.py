"""Input both databases can store, checked where a request comes in.

A client can easily send what a database cannot hold: PostgreSQL refuses a NUL character in
text, neither database can encode an unpaired surrogate (JSON's ``"\\ud800"``), id columns are
32-bit integers on PostgreSQL (64-bit on SQLite), and an infinite float is stored but cannot be
written back as JSON. Refused here, each is a 422 naming the field; found by the database, it
was a 500, and in a batch it failed every item of the transaction.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path, Request, params
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, field_validator

from service.problems import Problem

# PostgreSQL's integer: the narrower of the two databases' id columns, so one bound serves both.
DATABASE_INT_MAX = 2**31 - 1

PathId = Annotated[int, Path(ge=1, le=DATABASE_INT_MAX, description="A numeric id")]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_DETAIL = "text must not hold NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)"


def holds_unstorable_text(value: Any) -> bool:
    """True if ``value`` (a string, or a dict/list of them at any depth) holds a NUL or a surrogate."""
    return _holds_unstorable_text(value)


UNSTORABLE_DETAIL = _UNSTORABLE_DETAIL


def _holds_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_unstorable_text(k) or _holds_unstorable_text(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_unstorable_text(v) for v in value)
    return False  # numbers, dates, enums; a nested model checks its own fields


class RequestModel(BaseModel):
    """Base of every request body: its text (in lists and free-form objects too) can be stored,
    and its numbers are finite."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if _holds_unstorable_text(value):
            raise ValueError(_UNSTORABLE_DETAIL)
        return value


async def refuse_unstorable_parameters(request: Request) -> None:
    """App-wide dependency: a NUL in a path or query parameter is a 422 naming the parameter.
    (Percent-decoding cannot produce a surrogate: invalid UTF-8 becomes U+FFFD.)"""
    errors = [
        {"in": where, "pointer": f"#/{name}", "field": name, "detail": _UNSTORABLE_DETAIL}
        for where, items in (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
        for name, value in items
        if isinstance(value, str) and "\x00" in value
    ]
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Problem(422, "validation", f"{len(errors)} invalid parameter(s): {fields}", errors=errors)


# --- strict edges: unknown query parameters (422) and body media types (415) -----------------


def _query_names(dependant: Any) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _body_media_type(route: APIRoute) -> str | None:
    """What a route's body must be sent as: JSON, a form (Form and File fields), or None (no body)."""
    if route.body_field is None:
        return None
    return "form" if isinstance(route.body_field.field_info, params.Form) else "json"


def _expectations(route: APIRoute) -> tuple[frozenset[str], str | None]:
    # Computed once per route, on its first request: the route's declared parameters never change.
    # The route's own dependant: a router included with dependencies that read query parameters
    # would need those added (none is; the Schemathesis run sends API routes their declared ones).
    known = route.__dict__.get("_varsel_edges")
    if known is None:
        known = route.__dict__["_varsel_edges"] = (frozenset(_query_names(route.dependant)), _body_media_type(route))
    return known


async def refuse_unknown_query_parameters(request: Request) -> None:
    """App-wide dependency: a query parameter the route does not declare is a 422 that lists the
    ones it does (a misspelt filter would otherwise be ignored, and the answer look filtered)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    accepted, _ = _expectations(route)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in accepted]
    if not unknown:
        return
    takes = f"accepted: {', '.join(sorted(accepted))}" if accepted else "this route takes no query parameters"
    raise Problem(
        422,
        "validation",
        f"unknown query parameter(s) {', '.join(map(repr, unknown))}; {takes}",
        errors=[
            {
                "in": "query",
                "pointer": f"#/{name}",
                "field": name,
                "code": "unknown_parameter",
                "detail": f"unknown query parameter; {takes}",
            }
            for name in unknown
        ],
        accepted=sorted(accepted),
    )


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _accepts(expected: str, media_type: str) -> bool:
    if expected == "json":
        return media_type == "application/json" or media_type.endswith("+json")
    return media_type in _FORM_TYPES


async def refuse_unsupported_media_type(request: Request) -> None:
    """App-wide dependency: a body sent as something the route does not read is a 415 that says
    what it reads. A request without a body is left to validation ("field required")."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    _, expected = _expectations(route)
    if expected is None:
        return
    declared = request.headers.get("content-type")
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if declared is None and not has_body:
        return
    media_type = (declared or "").split(";", 1)[0].strip().lower()
    if _accepts(expected, media_type):
        return
    wanted = "application/json" if expected == "json" else " or ".join(_FORM_TYPES)
    raise Problem(
        415,
        "unsupported-media-type",
        f"the body is sent as {media_type or 'no declared type'!r}; this route reads {wanted}",
        headers={"Accept": wanted if expected == "json" else ", ".join(_FORM_TYPES)},
    )
