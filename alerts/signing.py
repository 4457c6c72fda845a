"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec v1).

The signed content is ``"{webhook-id}.{webhook-timestamp}.{body}"``, the MAC is HMAC-SHA256 keyed
with the base64-decoded secret, and the header carries ``v1,<base64 MAC>``. Several signatures
may be sent separated by spaces, which is how a subscriber rotates its secret without a gap: the
old and new secret both sign until the receiver has switched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets as _random_source
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

__all__ = [
    "DEFAULT_TOLERANCE",
    "SECRET_PREFIX",
    "InvalidSignature",
    "generate_secret",
    "headers_for",
    "sign",
    "verify",
]

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
# The spec asks for secrets of 24 to 64 random bytes; 32 matches HMAC-SHA256's block strength.
DEFAULT_SECRET_BYTES = 32


class InvalidSignature(ValueError):
    """A webhook that must not be trusted; the message says which check failed."""


def generate_secret(*, nbytes: int = DEFAULT_SECRET_BYTES) -> str:
    if not 24 <= nbytes <= 64:
        raise ValueError("Standard Webhooks secrets are 24 to 64 bytes")
    return SECRET_PREFIX + base64.b64encode(_random_source.token_bytes(nbytes)).decode("ascii")


def _secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ValueError(f"webhook secret is not {SECRET_PREFIX}<base64>: {error}") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _unix_seconds(timestamp: datetime) -> int:
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must carry a timezone")
    return math.floor(timestamp.timestamp())


def _mac(key: bytes, msg_id: str, unix_seconds: int, body: bytes) -> bytes:
    signed_content = f"{msg_id}.{unix_seconds}.".encode() + body
    return hmac.new(key, signed_content, hashlib.sha256).digest()


def sign(*, secret: str, msg_id: str, timestamp: datetime, body: bytes) -> str:
    mac = _mac(_secret_key(secret), msg_id, _unix_seconds(timestamp), body)
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode('ascii')}"


def headers_for(*, secrets: Sequence[str], msg_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every active secret of the endpoint."""
    if not secrets:
        raise ValueError("an endpoint needs at least one secret")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(_unix_seconds(timestamp)),
        "webhook-signature": " ".join(
            sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body) for secret in secrets
        ),
    }


def verify(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Raise :class:`InvalidSignature` unless one ``v1`` signature matches and the timestamp is
    within ``tolerance`` of ``now`` (both ways: the window is what stops a replay)."""
    by_name = {name.lower(): value for name, value in headers.items()}
    msg_id = by_name.get("webhook-id")
    raw_timestamp = by_name.get("webhook-timestamp")
    signature_header = by_name.get("webhook-signature")
    if not (msg_id and raw_timestamp and signature_header):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        unix_seconds = int(raw_timestamp)
    except ValueError:
        raise InvalidSignature(f"webhook-timestamp is not an integer: {raw_timestamp!r}") from None
    drift = abs(_unix_seconds(now) - unix_seconds)
    if drift > tolerance.total_seconds():
        raise InvalidSignature(f"webhook-timestamp is {drift} s from now; tolerance is {tolerance}")

    expected = _mac(_secret_key(secret), msg_id, unix_seconds, body)
    for candidate in signature_header.split(" "):
        version, _, encoded = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        try:
            received = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if hmac.compare_digest(expected, received):
            return
    raise InvalidSignature("no v1 signature matches this secret")
