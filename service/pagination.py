"""Page size and page cursors, shared by every list route."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Depends, Query, Request

from service.problems import Problem

_SEPARATOR = "|"


def page_limit(request: Request, limit: Annotated[int | None, Query(ge=1, description="Page size")] = None) -> int:
    settings = request.app.state.settings
    if limit is None:
        return settings.default_page_size
    if limit > settings.max_page_size:
        raise Problem(
            422,
            "validation",
            f"limit {limit} is above the maximum page size {settings.max_page_size}",
            errors=[
                {"in": "query", "pointer": "#/limit", "field": "limit", "detail": f"at most {settings.max_page_size}"}
            ],
        )
    return limit


PageLimit = Annotated[int, Depends(page_limit)]


def invalid_cursor() -> Problem:
    return Problem(
        422,
        "validation",
        "cursor is not one this service issued; start again without it",
        errors=[
            {
                "in": "query",
                "pointer": "#/cursor",
                "field": "cursor",
                "detail": "invalid cursor; send next_cursor of the previous page unchanged",
            }
        ],
    )


def encode_cursor(*keys: str) -> str:
    """An opaque cursor holding the sort keys of a page's last row (ids, ISO timestamps)."""
    return base64.urlsafe_b64encode(_SEPARATOR.join(keys).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, keys: int = 1) -> list[str]:
    """The sort keys ``encode_cursor`` put in; anything else a client sends is a 422 naming the
    cursor, before it can reach a query (on PostgreSQL a NUL in a bound value is an error)."""
    try:
        padded = cursor.encode("ascii") + b"=" * (-len(cursor) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except ValueError:  # not ASCII, not base64, or not text: UnicodeError and binascii.Error are ValueErrors
        raise invalid_cursor() from None
    values = text.split(_SEPARATOR)
    if len(values) != keys or not all(values) or not text.isprintable():
        raise invalid_cursor()
    return values
