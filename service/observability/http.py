"""The API's side: request ids, one access-log line and the request metrics per request, and
``GET /metrics``."""

from __future__ import annotations

import time

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.deps import Admin
from service.observability.logs import (
    bound_request_id,
    is_well_formed_request_id,
    new_request_id,
)
from service.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, exposition
from service.problems import Problem, problem_response

REQUEST_ID_HEADER = "X-Request-ID"
# Requests no person reads the log for: probes and scrapes are logged at debug level.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
# A path that matched no route is one label, not one per path a scanner tried.
UNMATCHED_ROUTE = "(unmatched)"

log = structlog.get_logger("varsel.http")


class RequestContext:
    """Pure ASGI middleware, outermost: every answer, errors included, carries ``X-Request-ID``.

    The id is the client's when well formed (``[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,63}``), else a new
    one. While the request runs it is bound for logging and readable with
    ``current_request_id()``, which report intake stores with the report and the deliveries it
    queues, so the worker's log lines about those deliveries carry it too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming is not None and is_well_formed_request_id(incoming) else new_request_id()
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("ascii"))]
            await send(message)

        with bound_request_id(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                # Answered here rather than by Starlette's last-resort handler, so the 500 carries
                # the id a client can quote; the traceback is logged with it, then raised on.
                log.exception("unhandled error", method=scope["method"], path=scope["path"])
                if not response_started:
                    problem = Problem(
                        500, "internal", "the service failed on its side; the request may be sent again later"
                    )
                    await problem_response(problem, scope["path"])(scope, receive, send_with_id)
                raise
            finally:
                self._observe(scope, status, time.perf_counter() - started)

    @staticmethod
    def _observe(scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
        method = scope["method"]
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_LATENCY.labels(method, route).observe(seconds)
        principal = scope.get("state", {}).get("principal")
        fields = {
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        if principal is not None:
            fields.update(key_id=principal.key_id, organisation_id=principal.organisation_id)
        if route in _QUIET_ROUTES and status < 400:
            log.debug("request", **fields)
        else:
            log.info("request", **fields)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            try:
                return value.decode("ascii")
            except UnicodeDecodeError:
                return None
    return None


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request, principal: Admin) -> Response:
    """Metrics in the Prometheus text format, for an admin key (Prometheus: `authorization:
    {credentials_file: ...}`): requests and latency per route template, reports ingested,
    classification time, and, read from the database at scrape time, deliveries pending and
    dead-lettered and the families' placement lag. The worker serves its own metrics (delivery
    outcomes, job durations) on its HTTP port; see README, Operations."""
    return Response(exposition(request.app.state.engine), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Add the middleware (outermost) and the /metrics route."""
    app.add_middleware(RequestContext)
    app.include_router(router)
