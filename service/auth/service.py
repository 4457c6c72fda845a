"""Issuing, checking and revoking API keys.

Keys are 256-bit random secrets, so a single SHA-256 is the right hash at rest: it cannot be
brute-forced, and unlike a password hash it costs microseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlmodel import Session, col

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
    row = ApiKey(
        id=key_id, organisation_id=organisation_id, role=role.value, secret_hash=hash_secret(secret), label=label
    )
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
    # SQLAlchemy's select (SQLModel's is typed for at most four columns)
    row = session.execute(
        select(
            col(ApiKey.secret_hash),
            col(ApiKey.revoked_at),
            col(ApiKey.role),
            col(Organisation.id),
            col(Organisation.name),
            col(Organisation.country),
        )
        .join(Organisation, col(Organisation.id) == col(ApiKey.organisation_id))
        .where(col(ApiKey.id) == key_id)
    ).first()
    if row is None:
        return None
    secret_hash, revoked_at, role, org_id, org_name, org_country = row
    if revoked_at is not None or not hmac.compare_digest(secret_hash, hash_secret(secret)):
        return None
    return Principal(
        key_id=key_id,
        role=Role(role),
        organisation_id=org_id,
        organisation_name=org_name,
        organisation_country=org_country,
    )


class PrincipalCache:
    """Principals of recently checked keys, so that a busy client costs one lookup per interval.

    Entries are keyed by the SHA-256 of the presented key (no plaintext is kept) and trusted for
    ``ttl`` seconds. Revoking a key through this process drops its entries at once; a revocation
    made by another process (the CLI, another replica) takes effect within ``ttl``. Unknown and
    revoked keys are never cached: each such attempt asks the database.
    """

    def __init__(self, ttl: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        found = self._entries.get(hash_secret(token))
        if found is None or found[0] < self.clock():
            return None
        return found[1]

    def put(self, token: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                now = self.clock()
                self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[hash_secret(token)] = (self.clock() + self.ttl, principal)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if v[1].key_id != key_id}
