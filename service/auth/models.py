"""API keys and roles."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.db import UTCDateTime, utcnow
from service.validation import RequestModel


class Role(str, enum.Enum):
    reporter = "reporter"  # posts reports for its own organisation, reads its own reports
    authority = "authority"  # reads reports and substances, subscribes to alerts
    regulator = "regulator"  # reads everything
    admin = "admin"  # organisations and keys


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    # The public half of a key: "vsl_<id>_<secret>". Only a SHA-256 of the secret is stored.
    id: str = SQLField(sa_column=Column(String(32), primary_key=True))
    organisation_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    role: str = SQLField(sa_column=Column(String(20), nullable=False))
    secret_hash: str = SQLField(sa_column=Column(String(64), nullable=False))
    label: str | None = SQLField(default=None, sa_column=Column(String(200), nullable=True))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key, its role and its organisation."""

    key_id: str
    role: Role
    organisation_id: int
    organisation_name: str
    organisation_country: str


class ApiKeyCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    label: str | None = Field(default=None, max_length=200)  # the column's width


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organisation_id: int
    role: Role
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str  # shown once, never stored
