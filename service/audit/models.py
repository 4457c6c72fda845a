"""The audit log: one row per write, never updated or deleted (the database enforces it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.db import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = SQLField(default=None, primary_key=True)
    at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_key_id: str | None = SQLField(default=None, sa_column=Column(String(32), nullable=True))
    organisation_id: int | None = SQLField(default=None, nullable=True)
    action: str = SQLField(sa_column=Column(String(60), nullable=False))
    entity: str = SQLField(sa_column=Column(String(40), nullable=False))
    entity_id: str = SQLField(sa_column=Column(String(64), nullable=False))
    detail: dict[str, Any] = SQLField(default_factory=dict, sa_column=Column(JSON, nullable=False))
