"""Liveness and readiness: no key needed, nothing secret shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.schema import current_revisions

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head."""
    engine = request.app.state.engine
    checks: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revisions(engine), request.app.state.schema_heads
        checks["migrations"] = "ok" if current == head else f"at {sorted(current) or 'none'}, head is {sorted(head)}"
    except Exception as error:  # noqa: BLE001 - readiness reports any failure, it never raises
        checks["database"] = f"unreachable: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values()) and "migrations" in checks
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )
