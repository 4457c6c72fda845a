"""Input both databases can store, checked where a request comes in.

A client can easily send what a database cannot hold: PostgreSQL refuses a NUL character in
text, neither database can encode an unpaired surrogate (JSON's ``"\\ud800"``), id columns are
32-bit integers on PostgreSQL (64-bit on SQLite), and an infinite float is stored but cannot be
written back as JSON. Refused here, each is a 422 naming the field; found by the database, it
was a 500, and in a batch it failed every item of the transaction.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, field_validator

from service.problems import Problem

# PostgreSQL's integer: the narrower of the two databases' id columns, so one bound serves both.
DATABASE_INT_MAX = 2**31 - 1

PathId = Annotated[int, Path(ge=1, le=DATABASE_INT_MAX, description="A numeric id")]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_DETAIL = "text must not hold NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)"


def holds_unstorable_text(value: Any) -> bool:
    """True if ``value`` (a string, or a dict/list of them at any depth) holds a NUL or a surrogate."""
    return _holds_unstorable_text(value)


UNSTORABLE_DETAIL = _UNSTORABLE_DETAIL


def _holds_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_unstorable_text(k) or _holds_unstorable_text(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_unstorable_text(v) for v in value)
    return False  # numbers, dates, enums; a nested model checks its own fields


class RequestModel(BaseModel):
    """Base of every request body: its text (in lists and free-form objects too) can be stored,
    and its numbers are finite."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if _holds_unstorable_text(value):
            raise ValueError(_UNSTORABLE_DETAIL)
        return value


async def refuse_unstorable_parameters(request: Request) -> None:
    """App-wide dependency: a NUL in a path or query parameter is a 422 naming the parameter.
    (Percent-decoding cannot produce a surrogate: invalid UTF-8 becomes U+FFFD.)"""
    errors = [
        {"in": where, "pointer": f"#/{name}", "field": name, "detail": _UNSTORABLE_DETAIL}
        for where, items in (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
        for name, value in items
        if isinstance(value, str) and "\x00" in value
    ]
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Problem(422, "validation", f"{len(errors)} invalid parameter(s): {fields}", errors=errors)
