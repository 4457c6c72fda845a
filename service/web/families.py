"""Families: the browser, one family (members, gap per jurisdiction, proposal) and the button
that turns the proposal into a draft. Each calls the API route's own function in
service.families.routes under the same role check (RegistryReader; RegulatorOnly to draft)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from service.auth.deps import RegistryReader, RegulatorOnly
from service.families import routes as api
from service.families.models import FamilySort
from service.problems import Problem
from service.web.deps import CsrfChecked, PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(RegistryReader))]
Drafter = Annotated[PageUser, Depends(page_check(RegulatorOnly))]


@router.get("/families")
async def families_page(
    request: Request,
    user: Page,
    sort: Annotated[str, Query(max_length=20)] = "growth",
    jurisdiction: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    errors = {}
    try:
        chosen = FamilySort(sort)
    except ValueError:
        chosen, errors["sort"] = FamilySort.growth, f"sort by one of: {', '.join(s.value for s in FamilySort)}"

    def load(session):
        known = api.service.jurisdictions(session)
        code = jurisdiction.upper() or None
        if code and code not in known:
            errors["jurisdiction"] = f"no rules for {code!r}; known: {', '.join(known)}"
            code = None
        page_ = api.list_families(
            user.principal, session, 100, sort=chosen, growth_days=30, jurisdiction=code, cursor=None
        )
        return page_.items, known

    items, known = await with_session(request, load)
    return await render(
        request,
        "families.html",
        user,
        items=items,
        sorts=list(FamilySort),
        sort=chosen.value,
        jurisdiction=jurisdiction.upper(),
        jurisdictions=known,
        errors=errors,
    )


@router.get("/families/{family_id}/members.svg")
async def members_svg(request: Request, family_id: str, user: Page) -> Response:
    return await with_session(
        request, lambda session: api.family_svg(request, family_id, user.principal, session, limit=24)
    )


@router.get("/families/{family_id}")
async def family_page(request: Request, family_id: str, user: Page) -> Response:
    detail = await with_session(
        request,
        lambda session: api.get_family(
            request, family_id, user.principal, session, as_of=None, members_limit=200, growth_days=30
        ),
    )
    return await render(request, "family.html", user, f=detail, may_draft=user.role == "regulator", error=None)


@router.post("/families/{family_id}/draft")
async def make_draft(request: Request, family_id: str, user: Drafter, _: CsrfChecked) -> Response:
    try:
        draft = await with_session(
            request, lambda session: api.draft_from_proposal(request, family_id, user.principal, session, Response())
        )
    except Problem as problem:
        if problem.status not in (409, 422):
            raise
        detail = await with_session(
            request,
            lambda session: api.get_family(
                request, family_id, user.principal, session, as_of=None, members_limit=200, growth_days=30
            ),
        )
        return await render(
            request, "family.html", user, f=detail, may_draft=True, error=problem.detail, status_code=problem.status
        )
    return RedirectResponse(f"/drafts/{draft.id}?created=1", status_code=303)
