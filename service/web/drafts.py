"""Regulators' drafts workbench: the list, one draft with an edit form whose validation messages
stand at the offending field, its impact preview, approval by a second regulator and activation.

Every action is the API route's own function in service.classification.routes, under the same
role checks (DraftReader to read, RegulatorOnly to change): the four-eyes and example rules of
the API apply unchanged, and their refusals are shown where they arise.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from rdkit import Chem
from starlette.responses import RedirectResponse, Response

from chemistry.depict import svg_with_highlight
from service.auth.deps import RegulatorOnly
from service.classification import routes as api
from service.problems import Problem
from service.web.deps import CsrfChecked, PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[PageUser, Depends(page_check(api.DraftReader))]
Editor = Annotated[PageUser, Depends(page_check(RegulatorOnly))]
DEPICTED = 24  # captured substances drawn on the impact page; the rest are listed


def _field_errors(problem: Problem) -> dict[str, list[str]]:
    """The problem's errors by the top-level rule field they concern ('rule' for the rest)."""
    out: dict[str, list[str]] = {}
    for error in problem.errors or [{"pointer": "#", "detail": problem.detail}]:
        pointer = (error.get("pointer") or "#").removeprefix("#").strip("/")
        field = pointer.split("/")[0] if pointer else ""
        where = field if field in ("title", "in_force_from") else "rule"
        label = f"{pointer}: " if pointer and where == "rule" else ""
        out.setdefault(where, []).append(label + error["detail"])
    return out


@router.get("/drafts")
async def drafts_page(request: Request, user: Reader) -> Response:
    items = await with_session(
        request,
        lambda session: api.list_drafts(user.principal, session, 100, rule_id=None, status=None, cursor=None).items,
    )
    return await render(request, "drafts.html", user, items=items)


async def _workbench(
    request: Request,
    user,
    draft_id: str,
    *,
    errors: dict | None = None,
    form: dict | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    draft = await with_session(request, lambda session: api.get_draft(draft_id, user.principal, session))
    rule = {k: v for k, v in draft.rule.items() if k not in ("title", "in_force_from")}
    form = form or {
        "title": draft.rule.get("title", draft.title),
        "in_force_from": str(draft.rule.get("in_force_from", draft.in_force_from)),
        "rule": json.dumps(rule, indent=2, ensure_ascii=False),
    }
    return await render(
        request,
        "draft.html",
        user,
        d=draft,
        form=form,
        errors=errors or {},
        notice=notice,
        may_act=user.role == "regulator",
        status_code=status_code,
    )


@router.get("/drafts/{draft_id}")
async def draft_page(request: Request, draft_id: str, user: Reader, created: int = 0) -> Response:
    return await _workbench(
        request, user, draft_id, notice="Draft created from the family's proposal." if created else None
    )


@router.post("/drafts/{draft_id}")
async def edit(
    request: Request,
    draft_id: str,
    user: Editor,
    _: CsrfChecked,
    title: Annotated[str, Form(max_length=2000)] = "",
    in_force_from: Annotated[str, Form(max_length=40)] = "",
    rule: Annotated[str, Form(max_length=500_000)] = "{}",
) -> Response:
    form = {"title": title, "in_force_from": in_force_from, "rule": rule}
    try:
        patch: Any = json.loads(rule or "{}")
    except json.JSONDecodeError as error:
        return await _workbench(
            request,
            user,
            draft_id,
            form=form,
            status_code=422,
            errors={"rule": [f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]},
        )
    if not isinstance(patch, dict):
        return await _workbench(
            request, user, draft_id, form=form, status_code=422, errors={"rule": ["the rule must be a JSON object"]}
        )
    patch.update({"title": title, "in_force_from": in_force_from})
    try:
        saved = await with_session(
            request, lambda session: api.patch_draft(draft_id, patch, user.principal, session, Response())
        )
    except Problem as problem:
        if problem.status not in (409, 422):
            raise
        return await _workbench(
            request, user, draft_id, form=form, errors=_field_errors(problem), status_code=problem.status
        )
    return RedirectResponse(f"/drafts/{saved.id}", status_code=303)


@router.get("/drafts/{draft_id}/impact")
async def impact_page(request: Request, draft_id: str, user: Reader) -> Response:
    try:
        found = await with_session(
            request, lambda session: api.draft_impact(draft_id, request, user.principal, session)
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        return await render(
            request, "error.html", user, status_code=422, title="Impact not computed", detail=problem.detail
        )
    pictures = {}
    for captured in found.captured[:DEPICTED]:
        mol = Chem.MolFromSmiles(captured.smiles)
        if mol is not None:
            pictures[captured.inchikey] = svg_with_highlight(mol, [], width=220, height=160)
    newly = {c.inchikey for c in found.newly_controlled}
    return await render(request, "draft_impact.html", user, i=found, pictures=pictures, newly=newly)


async def _act(request: Request, user, draft_id: str, action: str) -> Response:
    def run(session):
        if action == "approve":
            return api.approve_draft(draft_id, user.principal, session)
        return api.activate_draft(draft_id, request, user.principal, session)

    try:
        await with_session(request, run)
    except Problem as problem:
        if problem.status not in (403, 409, 422):
            raise
        reasons = [e["detail"] for e in problem.errors] if problem.errors else [problem.detail]
        return await _workbench(request, user, draft_id, errors={"action": reasons}, status_code=problem.status)
    notice = (
        "Approved: the author (or another regulator) may activate it."
        if action == "approve"
        else "Activated: the rule is part of the live rulebook from its in-force date; the registry was reclassified."
    )
    return await _workbench(request, user, draft_id, notice=notice)


@router.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: str, user: Editor, _: CsrfChecked) -> Response:
    return await _act(request, user, draft_id, "approve")


@router.post("/drafts/{draft_id}/activate")
async def activate(request: Request, draft_id: str, user: Editor, _: CsrfChecked) -> Response:
    return await _act(request, user, draft_id, "activate")
