"""What the audit log may say about a URL: where it points, not how to get in.

Regulators read every organisation's audit entries, so a webhook URL is recorded as scheme, host,
port and path only. Credentials (``user:password@``) are dropped; a query string or fragment,
where tokens of webhook receivers usually travel, is replaced by ``?…`` or ``#…`` so a reader
still sees that there was one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

ELIDED = "…"


def redact_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a URL too broken to take apart may hide anything: keep only its scheme
        return f"{url.partition(':')[0][:20]}:{ELIDED}" if ":" in url else ELIDED
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    shown = f"{parts.scheme}://{host}{f':{port}' if port is not None else ''}{parts.path}"
    if parts.query:
        shown += f"?{ELIDED}"
    if parts.fragment:
        shown += f"#{ELIDED}"
    return shown


def redact_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit detail as it may be shown: any ``url`` in it redacted (rows written before
    redaction was recorded included)."""
    url = detail.get("url")
    if not isinstance(url, str):
        return detail
    return {**detail, "url": redact_url(url)}
