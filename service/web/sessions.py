"""Signing in to the web pages: an API key becomes a server-side session.

The key is checked by service.auth (the same check as every API call); the browser then holds
only a random session id in an HttpOnly cookie, and the table holds only its SHA-256. A session
ends when it expires, when its owner signs out, or when its key is revoked.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.auth.models import ApiKey, Principal, Role
from service.auth.service import authenticate, hash_secret
from service.db import begin_write, utcnow
from service.organisations.models import Organisation
from service.web.models import WebSession


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a browser session belongs to, and what its forms must carry."""

    principal: Principal
    csrf_token: str
    expires_at: dt.datetime
    alerts_seen_at: dt.datetime | None


def start(session: Session, *, api_key: str, lifetime: dt.timedelta) -> tuple[str, SignedIn] | None:
    """A new session for a valid key: (the only copy of the session id, who it is); None for a
    malformed, unknown or revoked key. Expired sessions are cleared on the way."""
    principal = authenticate(session, api_key.strip())
    if principal is None:
        return None
    session.rollback()  # end the read: begin_write starts the write transaction itself
    now = utcnow()
    begin_write(session)
    session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
    # "new since your last visit" outlives signing out: carry the key's last mark forward
    last_seen = session.exec(
        select(WebSession.alerts_seen_at)
        .where(WebSession.key_id == principal.key_id, col(WebSession.alerts_seen_at).is_not(None))
        .order_by(col(WebSession.alerts_seen_at).desc())
        .limit(1)
    ).first()
    session_id = secrets.token_urlsafe(32)
    row = WebSession(
        id_hash=hash_secret(session_id),
        key_id=principal.key_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + lifetime,
        alerts_seen_at=last_seen,
    )
    session.add(row)
    session.commit()
    return session_id, SignedIn(principal, row.csrf_token, row.expires_at, row.alerts_seen_at)


def resolve(session: Session, session_id: str) -> SignedIn | None:
    """The signed-in principal of a session id; None when unknown, expired or its key revoked."""
    # SQLAlchemy's select (SQLModel's is typed for at most four columns)
    found = session.execute(
        sa_select(
            col(WebSession.csrf_token),
            col(WebSession.expires_at),
            col(WebSession.alerts_seen_at),
            col(ApiKey.id),
            col(ApiKey.role),
            col(ApiKey.revoked_at),
            col(Organisation.id),
            col(Organisation.name),
            col(Organisation.country),
        )
        .join(ApiKey, col(ApiKey.id) == col(WebSession.key_id))
        .join(Organisation, col(Organisation.id) == col(ApiKey.organisation_id))
        .where(col(WebSession.id_hash) == hash_secret(session_id))
    ).first()
    session.rollback()
    if found is None:
        return None
    csrf, expires_at, seen, key_id, role, revoked_at, org_id, org_name, country = found
    if revoked_at is not None or expires_at <= utcnow():
        return None
    principal = Principal(
        key_id=key_id, role=Role(role), organisation_id=org_id, organisation_name=org_name, organisation_country=country
    )
    return SignedIn(principal, csrf, expires_at, seen)


def end(session: Session, session_id: str) -> None:
    begin_write(session)
    session.execute(delete(WebSession).where(col(WebSession.id_hash) == hash_secret(session_id)))
    session.commit()


def mark_alerts_seen(session: Session, session_id: str, *, at: dt.datetime) -> None:
    begin_write(session)
    row = session.get(WebSession, hash_secret(session_id))
    if row is not None:
        row.alerts_seen_at = at
        session.add(row)
    session.commit()


def csrf_matches(signed_in: SignedIn, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(signed_in.csrf_token.encode(), presented.encode())
