"""The worker's side: its jobs timed, its health, and its own small HTTP server.

``varsel worker`` is a separate process with its own metrics (job durations, delivery outcomes),
so it serves them itself, with ``GET /healthz`` for container health, on
``VARSEL_WORKER_HTTP_HOST:VARSEL_WORKER_HTTP_PORT`` (127.0.0.1:9101 by default; port 0 turns the
server off). ``/metrics`` asks for an admin key, as the API's does; ``/healthz`` asks for none
and tells nothing secret.

Healthy means: the scheduler has run its heartbeat job (a ``SELECT 1``) within
``stale_after`` seconds. A scheduler that stopped running jobs, or a database that stopped
answering, turns the answer into a 503 within a minute.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

import structlog
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler
from sqlalchemy import Engine
from sqlmodel import Session

from service.auth.models import Role
from service.auth.service import authenticate
from service.observability.metrics import (
    WORKER_JOB_FAILURES,
    WORKER_JOB_SECONDS,
    exposition,
)
from service.problems import PROBLEM_MEDIA_TYPE, Problem

log = structlog.get_logger("varsel.worker")


class WorkerHealth:
    """The time of the scheduler's last successful heartbeat, read by ``/healthz``."""

    def __init__(self, *, stale_after: float) -> None:
        self.stale_after = stale_after
        self._last_beat: float | None = None  # time.monotonic()
        self._clock = time.monotonic

    def beat(self) -> None:
        self._last_beat = self._clock()

    def status(self) -> tuple[int, dict[str, Any]]:
        if self._last_beat is None:
            return 503, {"status": "starting", "detail": "the scheduler has not run its first heartbeat yet"}
        age = self._clock() - self._last_beat
        if age > self.stale_after:
            return 503, {
                "status": "stale",
                "seconds_since_heartbeat": round(age, 1),
                "detail": f"no heartbeat for more than {self.stale_after:g} s: the scheduler or the database is stuck",
            }
        return 200, {"status": "ok", "seconds_since_heartbeat": round(age, 1)}


def timed_job(job_id: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its duration (and failures) recorded, and ``job`` bound in its log lines."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(job=job_id):
            try:
                return func(*args, **kwargs)
            except Exception:
                WORKER_JOB_FAILURES.labels(job_id).inc()
                raise
            finally:
                WORKER_JOB_SECONDS.labels(job_id).observe(time.perf_counter() - started)

    return run


def instrument_jobs(scheduler: BaseScheduler) -> None:
    """Time every job added so far (call before ``start``)."""
    for job in scheduler.get_jobs():
        job.modify(func=timed_job(job.id, job.func))


def _answer(
    start_response: Callable[..., Any],
    status: int,
    body: bytes,
    content_type: str,
    headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers],
    )
    return [body]


def _problem(start_response: Callable[..., Any], problem: Problem, path: str) -> list[bytes]:
    headers = list((problem.headers or {}).items())
    return _answer(
        start_response, problem.status, json.dumps(problem.to_dict(path)).encode(), PROBLEM_MEDIA_TYPE, headers
    )


def _admin_or_problem(engine: Engine, authorization: str | None) -> Problem | None:
    challenge = {"WWW-Authenticate": 'Bearer realm="varsel"'}
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Problem(401, "unauthenticated", "send 'Authorization: Bearer <admin API key>'", headers=challenge)
    with Session(engine) as session:
        principal = authenticate(session, token.strip())
    if principal is None:
        return Problem(401, "unauthenticated", "the API key is unknown or revoked", headers=challenge)
    if principal.role is not Role.admin:
        return Problem(403, "forbidden", f"role '{principal.role.value}' may not read metrics; allowed: admin")
    return None


def worker_app(*, health: WorkerHealth, engine: Engine) -> Callable[..., list[bytes]]:
    """The worker's WSGI application: ``/healthz`` and ``/metrics``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
        if path not in ("/healthz", "/metrics"):
            return _problem(
                start_response,
                Problem(404, "not-found", f"no route at {path}; the worker serves /healthz and /metrics"),
                path,
            )
        if method not in ("GET", "HEAD"):
            return _problem(start_response, Problem(405, "http", f"{method} is not allowed; use GET"), path)
        if path == "/healthz":
            status, body = health.status()
            return _answer(start_response, status, json.dumps(body).encode(), "application/json")
        refused = _admin_or_problem(engine, environ.get("HTTP_AUTHORIZATION"))
        if refused is not None:
            return _problem(start_response, refused, path)
        # the store's gauges are the API's to report; the worker reports what it counted
        return _answer(start_response, 200, exposition(None), CONTENT_TYPE_LATEST)

    return app


def serve_worker_http(*, host: str, port: int, health: WorkerHealth, engine: Engine) -> WSGIServer:
    """Start the server in a daemon thread; ``shutdown()`` stops it."""
    server = make_server(
        host, port, worker_app(health=health, engine=engine), ThreadingWSGIServer, handler_class=_SilentHandler
    )
    threading.Thread(target=server.serve_forever, name="varsel-worker-http", daemon=True).start()
    log.info("worker http listening", host=host, port=server.server_port)
    return server
