"""Routes: /v1/audit (admin, regulator)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, field_validator

from service.audit import service
from service.audit.redact import redact_detail
from service.auth.deps import AuditReader
from service.db import SessionDep
from service.pagination import PageLimit
from service.validation import DATABASE_INT_MAX

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor_key_id: str | None
    organisation_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]

    @field_validator("detail")
    @classmethod
    def _redacted(cls, detail: dict[str, Any]) -> dict[str, Any]:
        # entries recorded before URLs were redacted on the way in are redacted on the way out
        return redact_detail(detail)


class AuditPage(BaseModel):
    items: list[AuditRead]
    next_cursor: int | None


@router.get("/audit", response_model=AuditPage)
def read_audit_log(
    principal: AuditReader,
    session: SessionDep,
    limit: PageLimit,
    cursor: Annotated[int | None, Query(ge=0, le=DATABASE_INT_MAX)] = None,
) -> AuditPage:
    """Every write, newest first."""
    rows = service.recent(session, before_id=cursor, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    return AuditPage(
        items=[AuditRead.model_validate(r) for r in rows], next_cursor=rows[-1].id if more and rows else None
    )
