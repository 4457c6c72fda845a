"""Routes: /v1/classify, /v1/groups, /v1/instruments, /v1/drafts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import ValidationError

from chemistry.identity import StructureError
from service.auth.deps import ClassifyReader, RegulatorOnly, require
from service.auth.models import Principal, Role
from service.classification import service
from service.classification.live import LiveRulebook, current
from service.classification.models import (
    ActivationRead,
    ClassifyBatchRequest,
    ClassifyBatchResponse,
    ClassifyBatchResult,
    ClassifyRequest,
    ClassifyResponse,
    DraftImpact,
    DraftPage,
    DraftRead,
    DraftStatus,
    DraftSummary,
    GroupDetail,
    GroupPage,
    InstrumentPage,
)
from service.db import SessionDep
from service.openapi import problem_responses
from service.pagination import PageLimit
from service.problems import Problem, validation_errors
from service.reports.service import structure_problem

router = APIRouter(prefix="/v1", tags=["classification"])


def _classify(live: LiveRulebook, request: ClassifyRequest, *, pointer: str = "#") -> ClassifyResponse:
    try:
        return service.classify(live, request, pointer=pointer)
    except StructureError as error:
        raise structure_problem(error, pointer=f"{pointer}/structure") from None


@router.post("/classify", response_model=ClassifyResponse)
def classify(body: ClassifyRequest, principal: ClassifyReader, session: SessionDep) -> ClassifyResponse:
    """Is this compound controlled, by which legal text, in which jurisdiction, on which date?

    Per jurisdiction: `controlled_by_name`, `controlled_by_group` or `not_controlled`, and the
    same in words (`answer`); the rules that capture it with their citations and which atoms of
    the parent matched which part of the definition; the rules whose definition captures it but
    which yield to another instrument (`set_aside`, with the reason: § 1 Abs. 2 NpSG for BtMG
    substances and medicines); matches of registers that control nothing themselves (`notices`);
    near misses with the reason; every instrument consulted with the date it is consolidated to;
    and the caveats: what the law decides that a structure cannot (analogue and catch-all clauses,
    preparations). A named entry whose date of listing was not recorded has `in_force_from: null`
    and `date_recorded: false`. `as_of` may lie in the future (a rule adopted with a later
    in-force date then applies).
    """
    return _classify(current(session), body)


@router.post("/classify:batch", response_model=ClassifyBatchResponse)
def classify_batch(
    request: Request, batch: ClassifyBatchRequest, principal: ClassifyReader, session: SessionDep
) -> ClassifyBatchResponse:
    """Classify up to 1,000 compounds; each item gets its own status, a bad item never rejects the rest."""
    limit = request.app.state.settings.max_batch_items
    if len(batch.items) > limit:
        raise Problem(
            422,
            "validation",
            f"a batch holds at most {limit} items; this one has {len(batch.items)}",
            errors=[{"in": "body", "pointer": "#/items", "field": "items", "detail": f"at most {limit} items"}],
        )
    live = current(session)
    results = []
    for index, raw in enumerate(batch.items):
        pointer = f"#/items/{index}"
        try:
            item = ClassifyRequest.model_validate({"depict": False, **raw})
            results.append(ClassifyBatchResult(index=index, status=200, result=_classify(live, item, pointer=pointer)))
        except ValidationError as error:
            errors = validation_errors(error.errors(), prefix=("items", index))
            problem = Problem(422, "validation", f"item {index}: {len(errors)} invalid field(s)", errors=errors)
            results.append(ClassifyBatchResult(index=index, status=422, problem=problem.to_dict()))
        except Problem as problem:
            results.append(ClassifyBatchResult(index=index, status=problem.status, problem=problem.to_dict()))
    return ClassifyBatchResponse(
        classified=sum(r.status == 200 for r in results),
        rejected=sum(r.status != 200 for r in results),
        rulebook_version=live.version,
        results=results,
    )


@router.get("/groups", response_model=GroupPage)
def list_groups(
    principal: ClassifyReader,
    session: SessionDep,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, or UN")] = None,
    in_force_on: Annotated[dt.date | None, Query(description="Only rules in force on this date")] = None,
    kind: Annotated[Literal["group", "named"] | None, Query(description="group definitions or named lists")] = None,
) -> GroupPage:
    """Every rule of the live rulebook (shipped files and activated drafts)."""
    live = current(session)
    return GroupPage(
        rulebook_version=live.version,
        items=service.list_groups(live, jurisdiction=jurisdiction, in_force_on=in_force_on, kind=kind),
    )


@router.get("/instruments", response_model=InstrumentPage)
def list_instruments(
    principal: ClassifyReader,
    session: SessionDep,
    jurisdiction: Annotated[
        str | None, Query(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, or UN / EU")
    ] = None,
    in_force_on: Annotated[dt.date | None, Query(description="Only rules in force on this date")] = None,
) -> InstrumentPage:
    """Every legal instrument encoded (per jurisdiction and act), the rules encoding it, the date
    each is consolidated to ("consolidation date not recorded" when unknown) and its entries:
    substances named, or cores of group definitions."""
    live = current(session)
    return InstrumentPage(
        rulebook_version=live.version,
        items=service.list_instruments(live, jurisdiction=jurisdiction, in_force_on=in_force_on),
    )


@router.get("/groups/{rule_id}", response_model=GroupDetail)
def get_group(rule_id: str, principal: ClassifyReader, session: SessionDep) -> GroupDetail:
    """One rule: citation, dates in force, notes, examples, and an SVG of each core."""
    found = service.group_detail(current(session), rule_id)
    if found is None:
        raise Problem(404, "not-found", f"no rule {rule_id!r} in the rulebook")
    return found


# --- drafts ----------------------------------------------------------------------------------

# Admins see every draft (and activate none); regulators see and act on their jurisdiction's.
DraftReader = Annotated[Principal, Depends(require(Role.regulator, Role.admin))]


@router.post("/drafts", status_code=201, response_model=DraftRead, responses=problem_responses(409))
def create_draft(
    body: Annotated[dict[str, Any], Body(description="A rule, as chemistry/rules/FORMAT.md, in JSON")],
    request: Request,
    principal: RegulatorOnly,
    session: SessionDep,
) -> DraftRead:
    """Post a draft rule for your organisation's jurisdiction. The same rule id posted again
    becomes its next version. Every validation error comes back at once (422): each field's,
    the rule's as a whole and each of its own examples that the rule does not capture (or
    captures, for must_not_match); where a broken field keeps a check from running, an entry with
    code `examples_not_checked` says so."""
    timeout = request.app.state.settings.draft_impact_timeout_seconds
    return service.draft_read(service.create_draft(session, body=body, principal=principal, timeout=timeout), session)


@router.get("/drafts", response_model=DraftPage)
def list_drafts(
    principal: DraftReader,
    session: SessionDep,
    limit: PageLimit,
    rule_id: str | None = None,
    status: DraftStatus | None = None,
    cursor: str | None = None,
) -> DraftPage:
    """Drafts, newest first: a regulator's own jurisdiction's; an admin's, all."""
    rows, next_cursor = service.list_drafts(
        session, rule_id=rule_id, status=status, cursor=cursor, limit=limit, principal=principal
    )
    return DraftPage(items=[DraftSummary.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/drafts/{draft_id}", response_model=DraftRead)
def get_draft(draft_id: str, principal: DraftReader, session: SessionDep) -> DraftRead:
    """One version, with its changes against the previous version and what blocks its activation."""
    return service.draft_read(service.get_draft(session, draft_id, principal), session)


@router.patch("/drafts/{draft_id}", response_model=DraftRead, status_code=200, responses=problem_responses(409))
def patch_draft(
    draft_id: str,
    patch: Annotated[
        dict[str, Any],
        Body(
            description="RFC 7396 merge patch on the rule (application/merge-patch+json or application/json)",
            media_type="application/merge-patch+json",
        ),
    ],
    principal: RegulatorOnly,
    session: SessionDep,
    response: Response,
    request: Request = None,  # type: ignore[assignment]  # None when a page calls this function directly
) -> DraftRead:
    """Edit a draft: the latest version with the patch applied becomes the next version (it needs
    its own approval); the answer lists its `changes` against the version patched. A patch that
    changes nothing returns that version unchanged."""
    draft = service.patch_draft(
        session,
        draft_id=draft_id,
        patch=patch,
        principal=principal,
        timeout=request.app.state.settings.draft_impact_timeout_seconds if request is not None else None,
    )
    response.headers["Location"] = f"/v1/drafts/{draft.id}"
    return service.draft_read(draft, session)


@router.get("/drafts/{draft_id}/impact", response_model=DraftImpact)
def draft_impact(draft_id: str, request: Request, principal: DraftReader, session: SessionDep) -> DraftImpact:
    """Which registry substances and shipped examples the draft would capture, which it would
    newly control, and whether its own examples pass. The only place an inactive draft is
    applied: classification answers never see it. Bounded in time
    (VARSEL_DRAFT_IMPACT_TIMEOUT_SECONDS): 422 when exceeded."""
    draft = service.get_draft(session, draft_id, principal)
    return service.impact(session, draft, timeout=request.app.state.settings.draft_impact_timeout_seconds)


@router.post("/drafts/{draft_id}:approve", response_model=DraftRead, responses=problem_responses(409))
def approve_draft(draft_id: str, principal: RegulatorOnly, session: SessionDep) -> DraftRead:
    """Four-eyes: a regulator of the draft's jurisdiction other than its author approves this
    version (audited). Activation requires it."""
    return service.draft_read(service.approve(session, draft_id=draft_id, principal=principal), session)


@router.post("/drafts/{draft_id}:activate", response_model=ActivationRead, responses=problem_responses(409))
def activate_draft(draft_id: str, request: Request, principal: RegulatorOnly, session: SessionDep) -> ActivationRead:
    """Add the draft to the rulebook from its in_force_from date; an earlier active version of
    the same rule is superseded (kept in the history). The registry is reclassified.

    Only a regulator of the draft's jurisdiction, and only when every one of the draft's own
    examples passes and a second regulator approved it: otherwise 422 `activation-refused`
    listing every reason. Audited."""
    return service.activate(
        session,
        draft_id=draft_id,
        principal=principal,
        engine=request.app.state.engine,
        timeout=request.app.state.settings.draft_impact_timeout_seconds if request is not None else None,
    )
