"""Writing to and reading the append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.auth.models import Principal
from service.db import table_of, utcnow


def record_many(
    session: Session,
    *,
    principal: Principal | None,
    action: str,
    entity: str,
    entries: Sequence[tuple[str, dict[str, Any]]],
) -> None:
    """Append one audit row per (entity id, detail), in the caller's transaction."""
    if not entries:
        return
    at = utcnow()
    session.execute(
        table_of(AuditEntry).insert(),
        [
            {
                "at": at,
                "actor_key_id": principal.key_id if principal else None,
                "organisation_id": principal.organisation_id if principal else None,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "detail": detail,
            }
            for entity_id, detail in entries
        ],
    )


def record(
    session: Session,
    *,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    record_many(session, principal=principal, action=action, entity=entity, entries=[(entity_id, detail or {})])


def recent(session: Session, *, before_id: int | None, limit: int) -> Sequence[AuditEntry]:
    query = select(AuditEntry)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    return session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
