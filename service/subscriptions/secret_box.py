"""Webhook signing secrets at rest: sealed with the operator's keys, opened only to sign.

HMAC needs the secret itself at every send, so it cannot be hashed like an API key; it is
encrypted instead, with Fernet (AES-128-CBC and HMAC-SHA256, authenticated) from `cryptography`.
A copy of the database, a backup or a read-only role then yields no secret that forges webhooks.

Keys come from VARSEL_SECRET_KEYS, comma-separated: the first seals, every one opens (MultiFernet).
A key is rotated by putting a new one first, running ``varsel secrets rotate`` (every stored
secret re-sealed with the new key), then dropping the old one. With no keys set, as in the demo,
a key is generated once into VARSEL_SECRET_KEYS_FILE (var/secret-keys.txt, readable by its owner
only) and read from there, one key a line, the same rule for which seals.

A stored value that still starts with ``whsec_`` was written before secrets were sealed (migration
0007 seals every such value, but a process still running the previous release may write one during
a rolling upgrade). It is used as it is and sealed by the next ``varsel secrets rotate``.

No message here carries a key, a secret or a sealed value.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from alerts.signing import SECRET_PREFIX
from service.settings import Settings

__all__ = ["SecretBox", "SecretKeysError", "SecretUnreadable", "is_sealed", "new_key", "secret_box"]


class SecretKeysError(ValueError):
    """The configured keys cannot be used; the message names the setting and what to do."""


class SecretUnreadable(ValueError):
    """A stored secret that none of the configured keys opens."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def is_sealed(stored: str) -> bool:
    return not stored.startswith(SECRET_PREFIX)


class SecretBox:
    def __init__(self, keys: Sequence[str], *, source: str = "VARSEL_SECRET_KEYS") -> None:
        if not keys:
            raise SecretKeysError(f"{source} holds no key; make one with `varsel secrets new-key`")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise SecretKeysError(
                    f"key {position} of {source} is not a Fernet key (32 bytes, url-safe base64, 44 characters); "
                    "make one with `varsel secrets new-key`"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._source = source

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise self._unreadable() from None

    def reseal(self, stored: str) -> str:
        """The same secret sealed with the first key (a plain ``whsec_`` value is sealed)."""
        if not is_sealed(stored):
            return self.seal(stored)
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise self._unreadable() from None

    def _unreadable(self) -> SecretUnreadable:
        return SecretUnreadable(
            f"a webhook secret was sealed with a key that is not in {self._source} (was a key removed "
            "before `varsel secrets rotate` ran, or is this another installation's key?)"
        )


def secret_box(settings: Settings) -> SecretBox:
    """The box for these settings' keys, created (and the key file written) on first use."""
    configured = settings.secret_keys.get_secret_value()
    return _box(configured, settings.secret_keys_file.resolve())


@lru_cache(maxsize=32)
def _box(configured: str, keys_file: Path) -> SecretBox:
    if configured.strip():
        return SecretBox([key.strip() for key in configured.split(",") if key.strip()])
    return SecretBox(_read_or_create_keys_file(keys_file), source=f"the keys file {keys_file}")


def _read_or_create_keys_file(path: Path) -> list[str]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: link fails if the file exists, so when the API
        # and the worker of `make run` start together one key wins and neither reads half a file.
        # The draft is this thread's own: the API's first requests arrive together, in threads of
        # one process, and a shared draft was truncated or unlinked under another's feet.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("# Varsel webhook-secret keys, one a line: the first seals, all open. Keep this file.\n")
            handle.write(new_key() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]
