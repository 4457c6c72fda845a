"""Issuing, checking and revoking API keys.

Keys are 256-bit random secrets, so a single SHA-256 is the right hash at rest: it cannot be
brute-forced, and unlike a password hash it costs microseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from service.auth.models import ApiKey, Principal, Role
from service.db import utcnow
from service.organisations.models import Organisation

KEY_PREFIX = "vsl"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, *, organisation_id: int, role: Role, label: str | None = None) -> tuple[ApiKey, str]:
    """Add a key to the session; returns the row and the only copy of the plaintext key."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(id=key_id, organisation_id=organisation_id, role=role.value, secret_hash=hash_secret(secret), label=label)
    session.add(row)
    return row, f"{KEY_PREFIX}_{key_id}_{secret}"


def revoke_key(session: Session, *, key_id: str) -> ApiKey | None:
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal for a presented key, or None if it is malformed, unknown or revoked."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        return None
    # plain columns, not entities: this runs on every request
    row = session.execute(
        select(ApiKey.secret_hash, ApiKey.revoked_at, ApiKey.role, Organisation.id, Organisation.name,
               Organisation.country)
        .join(Organisation, Organisation.id == ApiKey.organisation_id)
        .where(ApiKey.id == key_id)
    ).first()
    if row is None:
        return None
    secret_hash, revoked_at, role, org_id, org_name, org_country = row
    if revoked_at is not None or not hmac.compare_digest(secret_hash, hash_secret(secret)):
        return None
    return Principal(key_id=key_id, role=Role(role), organisation_id=org_id, organisation_name=org_name,
                     organisation_country=org_country)
