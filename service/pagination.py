"""Page size, shared by every list route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from service.problems import Problem


def page_limit(request: Request, limit: Annotated[int | None, Query(ge=1, description="Page size")] = None) -> int:
    settings = request.app.state.settings
    if limit is None:
        return settings.default_page_size
    if limit > settings.max_page_size:
        raise Problem(422, "validation", f"limit {limit} is above the maximum page size {settings.max_page_size}",
                      errors=[{"in": "query", "pointer": "#/limit", "field": "limit",
                               "detail": f"at most {settings.max_page_size}"}])
    return limit


PageLimit = Annotated[int, Depends(page_limit)]
