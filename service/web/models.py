"""Browser sign-in: a server-side session per signed-in API key.

The cookie carries a random session id; the table keeps only its SHA-256 (like API keys), so a
copy of the database signs nobody in. Each session has its own CSRF token, which every form
carries, and remembers when its key last opened the alerts inbox ("new since your last visit").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.db import UTCDateTime, utcnow


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id_hash: str = SQLField(sa_column=Column(String(64), primary_key=True))
    key_id: str = SQLField(
        sa_column=Column(String(32), ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    csrf_token: str = SQLField(sa_column=Column(String(64), nullable=False))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = SQLField(sa_type=UTCDateTime, nullable=False, index=True)
    alerts_seen_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
