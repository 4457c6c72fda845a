"""RFC 9457 problem details: every error on the wire is ``application/problem+json``.

A problem names its type (a stable URI under ``/problems/``), a human title, the status, a
detail a person can act on, and for invalid input an ``errors`` list with a JSON pointer per
offending field, the rejected value's reason and, where known, what would be accepted.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"

# slug -> (title, what it means); served at /problems/{slug} so each type URI resolves.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation": ("Invalid request", "One or more fields are missing, unknown or out of range; see `errors`."),
    "invalid-structure": (
        "Structure cannot be read",
        "The submitted SMILES, InChI or Molfile could not be turned into an organic parent molecule.",
    ),
    "unauthenticated": ("Authentication required", "Send `Authorization: Bearer <API key>` with a valid key."),
    "forbidden": ("Not allowed for this key", "The API key's role or organisation does not permit this."),
    "not-found": ("Not found", "No such resource, or it is not visible to this key."),
    "idempotency-conflict": (
        "Idempotency key reused with a different body",
        "An Idempotency-Key identifies one request; send a new key for a different report.",
    ),
    "unsupported-media-type": (
        "Body media type not accepted",
        "The route reads its body as another media type (the problem's detail and the Accept header say which): "
        "JSON routes take application/json, uploads multipart/form-data.",
    ),
    "payload-too-large": ("Request body too large", "The body exceeds the configured limit (VARSEL_MAX_BODY_BYTES)."),
    "conflict": ("Conflict", "The request conflicts with the current state of the resource."),
    "unavailable": ("Service not ready", "A dependency (database, migrations) is not ready."),
    "busy": (
        "Database busy",
        "Other writes held the database for longer than the write wait (VARSEL_WRITE_WAIT_SECONDS); nothing was "
        "written. Send the request again after Retry-After seconds.",
    ),
    "http": ("HTTP error", "A generic HTTP error."),
    "invalid-rule": (
        "Draft rule is invalid",
        "The draft does not follow chemistry/rules/FORMAT.md; each entry of `errors` points at a field, with "
        "RDKit's reason for a SMARTS or SMILES it cannot read.",
    ),
    "draft-too-costly": (
        "Draft rule too costly to evaluate",
        "Matching the draft against the registry and the examples did not finish within the time bound "
        "(VARSEL_DRAFT_IMPACT_TIMEOUT_SECONDS); such a pattern would stall classification. Make it more specific.",
    ),
    "activation-refused": (
        "Draft cannot be activated yet",
        "A draft goes live only when every one of its own examples passes and a second regulator of its "
        "jurisdiction, not its author, approved that version; each entry of `errors` names what is missing.",
    ),
    "internal": (
        "Internal error",
        "The service failed on its side; nothing about the cause is sent. The server's log holds it, under the "
        "time of the request.",
    ),
}


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


class Problem(Exception):
    """Raise anywhere in a request to answer with problem+json."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        title = PROBLEM_TYPES.get(self.slug, (HTTPStatus(self.status).phrase, ""))[0]
        body: dict[str, Any] = {
            "type": problem_type(self.slug),
            "title": title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return jsonable_encoder(body)


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.to_dict(instance), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers
    )


def pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    """JSON pointer (RFC 6901) of a pydantic error location, without the 'body' prefix."""
    parts = [str(p) for p in loc if p not in ("body",)]
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validation_errors(errors: list[dict[str, Any]] | Any, *, prefix: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic's error list as problem ``errors`` entries a person can act on."""
    out = []
    for err in errors:
        loc = tuple(prefix) + tuple(err.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        entry: dict[str, Any] = {
            "in": where,
            "pointer": pointer(loc),
            "field": ".".join(str(p) for p in loc) or None,
            "detail": _humanise(err),
            "code": err.get("type"),
        }
        if err.get("type") == "extra_forbidden":
            entry["detail"] = "unknown field; remove it (see the schema at /docs)"
        out.append(entry)
    return out


def _humanise(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    # pydantic prefixes messages raised from our validators with "Value error, "
    return msg.removeprefix("Value error, ")


def busy_problem(error: Exception) -> Problem:
    return Problem(503, "busy", str(error), headers={"Retry-After": "1"})


def install(app: FastAPI) -> None:
    from sqlalchemy.exc import OperationalError

    from service.db import DatabaseBusy

    @app.exception_handler(DatabaseBusy)
    async def _busy(request: Request, exc: DatabaseBusy) -> JSONResponse:
        return problem_response(busy_problem(exc), request.url.path)

    @app.exception_handler(OperationalError)
    async def _locked(request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite's own busy timeout ran out (another process held the lock): the same answer as
        # DatabaseBusy. Any other operational error is not ours to explain: re-raise it.
        if "database is locked" not in str(exc.orig):
            raise exc
        return problem_response(
            busy_problem(RuntimeError("the database was locked by another process")), request.url.path
        )

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        fields = ", ".join(e["field"] or e["in"] for e in errors[:5])
        problem = Problem(422, "validation", f"{len(errors)} invalid field(s): {fields}", errors=errors)
        return problem_response(problem, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not-found",
            413: "payload-too-large",
            415: "unsupported-media-type",
        }.get(exc.status_code, "http")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route or resource at {request.url.path}"
        return problem_response(
            Problem(exc.status_code, slug, detail, headers=getattr(exc, "headers", None)), request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The last resort (Starlette's ServerErrorMiddleware): it re-raises after this answer, so the
        # server logs the traceback; the client learns nothing of it (paths, SQL, values).
        problem = Problem(500, "internal", "the service failed on its side; the request may be sent again later")
        return problem_response(problem, request.url.path)
