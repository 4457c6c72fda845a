"""Routes: /v1/families, /v1/families:recompute, /v1/substances/{inchikey}/neighbours."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from service.auth.deps import Admin, RegistryReader, RegulatorOnly
from service.classification import service as drafts
from service.classification.models import DraftRead
from service.db import SessionDep
from service.families import service
from service.families.gaps import GapReport, as_csv, gap_report
from service.families.models import (
    FamilyDetail,
    FamilyPage,
    FamilySort,
    NeighbourList,
    RecomputeJobRead,
)
from service.openapi import problem_responses
from service.pagination import PageLimit
from service.problems import Problem
from service.substances import service as registry
from service.validation import PathId

router = APIRouter(prefix="/v1", tags=["families"])

GrowthDays = Annotated[int, Query(ge=1, le=3650, description="Window for `growth`: members first reported within it")]


def _family_or_404(session, family_id: str):  # noqa: ANN001, ANN202
    family = service.get(session, family_id)
    if family is None:
        raise Problem(404, "not-found", f"no family {family_id!r}; list them with GET /v1/families")
    return family


def _check_jurisdiction(session, jurisdiction: str | None) -> str | None:  # noqa: ANN001
    if jurisdiction is None:
        return None
    known = service.jurisdictions(session)
    if jurisdiction.upper() not in known:
        raise Problem(
            422,
            "validation",
            f"unknown jurisdiction {jurisdiction!r}; the rulebook knows {', '.join(known)}",
            errors=[
                {
                    "in": "query",
                    "pointer": "#/jurisdiction",
                    "field": "jurisdiction",
                    "detail": f"one of {', '.join(known)}",
                }
            ],
        )
    return jurisdiction.upper()


@router.get("/families", response_model=FamilyPage)
def list_families(
    principal: RegistryReader,
    session: SessionDep,
    limit: PageLimit,
    sort: FamilySort = FamilySort.growth,
    growth_days: GrowthDays = 30,
    jurisdiction: Annotated[
        str | None,
        Query(min_length=2, max_length=2, description="Count members uncontrolled here (default: controlled nowhere)"),
    ] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$", description="next_cursor of the previous page")] = None,
) -> FamilyPage:
    """Families ranked by growth, by reporting countries, by uncontrolled members, or by size."""
    offset = int(cursor or 0)
    items = service.get_all(
        session,
        sort=sort,
        growth_days=growth_days,
        jurisdiction=_check_jurisdiction(session, jurisdiction),
        offset=offset,
        limit=limit + 1,
    )
    more = len(items) > limit
    return FamilyPage(items=items[:limit], next_cursor=str(offset + limit) if more else None)


@router.post(
    "/families:recompute",
    status_code=202,
    response_model=RecomputeJobRead,
    responses={202: {"description": "Queued (or the unfinished recompute already queued)"}},
)
def recompute_families(request: Request, principal: Admin, session: SessionDep, response: Response) -> RecomputeJobRead:
    """Recluster every registered substance from scratch (Butina), in the worker.

    Answers at once with a job resource to poll; the worker replaces all memberships in one
    transaction when the recluster is done. Only one recompute is queued at a time.
    """
    job, _ = service.request_recompute(session, principal=principal, settings=request.app.state.settings)
    read = service.job_read(job)
    response.headers["Location"] = read.href
    return read


@router.get("/families/recomputes/{job_id}", response_model=RecomputeJobRead)
def get_recompute(job_id: PathId, principal: Admin, session: SessionDep) -> RecomputeJobRead:
    """A recompute job: queued, running, succeeded or failed, when, and its result (the URL the request
    answered with in Location)."""
    job = service.get_job(session, job_id)
    if job is None:
        raise Problem(404, "not-found", f"no recompute job {job_id}")
    return service.job_read(job)


@router.get("/families/{family_id}", response_model=FamilyDetail)
def get_family(
    request: Request,
    family_id: str,
    principal: RegistryReader,
    session: SessionDep,
    as_of: Annotated[dt.date | None, Query(description="Legal status on this date (default: today, UTC)")] = None,
    members_limit: Annotated[int, Query(ge=1, le=1000, description="Members listed (placement order)")] = 200,
    growth_days: GrowthDays = 30,
    incidental_near_misses: Annotated[
        bool,
        Query(
            description="Also list the gap's near misses whose matched core is incidental (a fragment of a "
            "different compound), flagged; by default they are left out and counted (near_misses_left_out)"
        ),
    ] = False,
) -> FamilyDetail:
    """Members with detections; per jurisdiction the controlled members and the gap; the proposal."""
    family = _family_or_404(session, family_id)
    return service.detail(
        session,
        family,
        as_of=as_of or dt.datetime.now(dt.UTC).date(),
        members_limit=members_limit,
        growth_days=growth_days,
        settings=request.app.state.settings,
        incidental_near_misses=incidental_near_misses,
    )


@router.get(
    "/families/{family_id}/members.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "SVG grid, core highlighted"}},
)
def family_svg(
    request: Request,
    family_id: str,
    principal: RegistryReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Members drawn (placement order)")] = 24,
) -> Response:
    """The family's members drawn as one SVG grid, in placement order, with the shared core highlighted."""
    family = _family_or_404(session, family_id)
    svg = service.members_svg(
        session, family, limit=limit, mcs_timeout=request.app.state.settings.family_mcs_timeout_seconds
    )
    return Response(svg, media_type="image/svg+xml")


def for_jurisdiction(rule: dict, country: str) -> dict:
    """The proposal as a draft of ``country``: its jurisdiction and an id under that country."""
    suffix = rule["id"].split("-", 1)[1] if "-" in rule["id"] else rule["id"]
    return {**rule, "id": f"{country.lower()}-{suffix}", "jurisdiction": country}


@router.post(
    "/families/{family_id}/proposal:draft", status_code=201, response_model=DraftRead, responses=problem_responses(409)
)
def draft_from_proposal(
    request: Request, family_id: str, principal: RegulatorOnly, session: SessionDep, response: Response
) -> DraftRead:
    """Turn the family's proposal into a draft group definition in one call (regulators).

    The draft is for the regulator's own jurisdiction (never a placeholder code) and goes through
    the classification domain's draft service (validation, versioning, audit, four-eyes
    activation), so its impact can be measured and it can be activated like any other draft. A
    flagged proposal (it captures a reference medicine or chemical) is refused.
    """
    family = _family_or_404(session, family_id)
    proposal, problem = service.current_proposal(
        session, family, mcs_timeout=request.app.state.settings.family_mcs_timeout_seconds
    )
    if proposal is None or proposal.rule is None:  # no proposal, or one not offered (rule only when offered)
        offenders = ", ".join(proposal.offenders) if proposal is not None else ""
        reason = problem or f"it captures {offenders}; narrow it by hand as a draft"
        raise Problem(409, "conflict", f"family {family_id} has no proposal that can be offered: {reason}")
    rule = proposal.rule
    session.rollback()  # end the reads: the draft service opens its own write transaction
    draft = drafts.create_draft(
        session,
        body=for_jurisdiction(rule, principal.organisation_country),
        principal=principal,
        timeout=request.app.state.settings.draft_impact_timeout_seconds,
    )
    read = drafts.draft_read(draft, session)
    response.headers["Location"] = f"/v1/drafts/{draft.id}"
    return read


@router.get(
    "/gaps",
    response_model=GapReport,
    tags=["families"],
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV (Accept: text/csv or ?format=csv)"},
        **problem_responses(403),
    },
)
def gaps(
    request: Request,
    principal: RegulatorOnly,
    session: SessionDep,
    jurisdiction: Annotated[
        str | None, Query(pattern=r"^[A-Z]{2}$", description="Your organisation's jurisdiction (the default); no other")
    ] = None,
    since: Annotated[
        dt.date | None, Query(description="First day of the period (reports received); default 30 days ago")
    ] = None,
    until: Annotated[dt.date | None, Query(description="Last day of the period, included; default today (UTC)")] = None,
    as_of: Annotated[dt.date | None, Query(description="Apply the law in force on this day; default: until")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="csv: the same as Accept: text/csv")] = None,
) -> GapReport | Response:
    """The gap report of your jurisdiction: substances reported in the period that none of its
    encoded instruments captures, grouped by family (largest gap first), each with its near
    misses. Regulators only, and only for their organisation's jurisdiction."""
    code = jurisdiction or principal.organisation_country
    if code != principal.organisation_country:
        raise Problem(
            403,
            "forbidden",
            f"a regulator of {principal.organisation_name} reads the gap report of "
            f"{principal.organisation_country} only, not of {code}",
        )
    today = dt.datetime.now(dt.UTC).date()
    until = until or today
    since = since or max(dt.date.min + dt.timedelta(days=30), until) - dt.timedelta(days=30)
    if since > until:
        raise Problem(
            422,
            "validation",
            f"since ({since}) is after until ({until})",
            errors=[{"in": "query", "pointer": "#/since", "field": "since", "detail": "on or before until"}],
        )
    report = gap_report(session, jurisdiction=code, since=since, until=until, as_of=as_of or until)
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        return Response(
            as_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="gaps-{code}-{since}-{until}.csv"'},
        )
    return report


@router.get("/substances/{inchikey}/neighbours", response_model=NeighbourList, tags=["substances"])
def substance_neighbours(
    inchikey: str,
    principal: RegistryReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    min_similarity: Annotated[float, Query(ge=0, le=1, description="Tanimoto (ECFP4) floor")] = 0.3,
) -> NeighbourList:
    """The most similar registered substances (ECFP4 Tanimoto, one bulk pass over the registry)."""
    substance = registry.get_by_inchikey(session, inchikey)
    if substance is None:
        raise Problem(404, "not-found", f"no substance with InChIKey {inchikey!r}")
    return service.neighbours(session, substance, limit=limit, min_similarity=min_similarity)
