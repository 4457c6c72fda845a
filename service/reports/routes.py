"""Routes: /v1/reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from service.auth.deps import Reporter, ReportReader
from service.auth.models import Role
from service.db import SessionDep
from service.openapi import problem_responses
from service.organisations.models import CountryCode
from service.pagination import PageLimit
from service.problems import Problem, validation_errors
from service.reports import service
from service.validation import DATABASE_INT_MAX
from service.reports.models import (
    BatchItem, BatchResponse, BatchResult, ReportCreate, ReportPage, ReportRead, SampleType,
)

router = APIRouter(prefix="/v1", tags=["reports"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255,
           description="Repeat a request safely: the same key and body return the stored report"),
]


@router.post("/reports", status_code=201, response_model=ReportRead,
             responses={200: {"description": "Idempotent replay of a stored report"}, **problem_responses(409)})
async def create_report(data: ReportCreate, principal: Reporter, request: Request, response: Response,
                        idempotency_key: IdempotencyKey = None) -> ReportRead:
    """File one detection. The answer says whether its substance is new to the registry."""
    # Async so that the write waits on the event loop for the group committer instead of holding
    # a pool thread. Reading the structure is RDKit work: it runs in the thread pool, never on the
    # event loop, so one slow structure cannot stall /healthz or other callers' requests (its size
    # is bounded before parsing, chemistry.identity.check_size_before_parsing).
    prepared = await run_in_threadpool(service.prepare, data, principal=principal, idempotency_key=idempotency_key)
    # committed, with any other reports that arrived meanwhile, before this returns
    outcome = await request.app.state.group_commit.submit(prepared, principal=principal)
    if isinstance(outcome, Problem):
        raise outcome
    if outcome.status == "replayed":
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.report


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(min_length=1, description="Reports; each may carry an idempotency_key")


_item_adapter = TypeAdapter(BatchItem)


@router.post("/reports:batch", response_model=BatchResponse)
def create_reports_batch(request: Request, batch: BatchRequest, principal: Reporter, session: SessionDep) -> BatchResponse:
    """File up to 1,000 detections. Each item gets its own status; a bad item never rejects the rest."""
    limit = request.app.state.settings.max_batch_items
    if len(batch.items) > limit:
        raise Problem(422, "validation", f"a batch holds at most {limit} items; this one has {len(batch.items)}",
                      errors=[{"in": "body", "pointer": "#/items", "field": "items", "detail": f"at most {limit} items"}])
    results: list[BatchResult | None] = [None] * len(batch.items)
    prepared, positions = [], []
    for index, raw in enumerate(batch.items):
        try:
            item = _item_adapter.validate_python(raw)
            # already validated as a BatchItem (a ReportCreate plus its key): no second validation
            data = ReportCreate.model_construct(**{name: getattr(item, name) for name in ReportCreate.model_fields})
            prepared.append(service.prepare(data, principal=principal, idempotency_key=item.idempotency_key))
            positions.append(index)
        except ValidationError as error:
            errors = validation_errors(error.errors(), prefix=("items", index))
            problem = Problem(422, "validation", f"item {index}: {len(errors)} invalid field(s)", errors=errors)
            results[index] = BatchResult(index=index, status=422, problem=problem.to_dict())
        except Problem as problem:
            for err in problem.errors or []:
                err["pointer"] = err["pointer"].replace("#/", f"#/items/{index}/", 1)
            results[index] = BatchResult(index=index, status=problem.status, problem=problem.to_dict())
    outcomes = service.store(session, prepared, principal=principal) if prepared else []
    for index, outcome in zip(positions, outcomes):
        if isinstance(outcome, Problem):
            results[index] = BatchResult(index=index, status=outcome.status, problem=outcome.to_dict())
        else:
            status = 201 if outcome.status == "created" else 200
            results[index] = BatchResult(index=index, status=status, report=outcome.report)
    done = [r for r in results if r is not None]
    return BatchResponse(
        stored=sum(r.status == 201 for r in done),
        replayed=sum(r.status == 200 for r in done),
        rejected=sum(r.status >= 400 for r in done),
        results=done,
    )


@router.get("/reports", response_model=ReportPage)
def list_reports(
    principal: ReportReader,
    session: SessionDep,
    limit: PageLimit,
    substance: Annotated[str | None, Query(description="InChIKey, or its first block for all stereoisomers")] = None,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2 of the sampling country")] = None,
    organisation: Annotated[int | None, Query(ge=1, le=DATABASE_INT_MAX, description="Organisation id")] = None,
    sample_type: SampleType | None = None,
    sampled_from: dt.date | None = None,
    sampled_to: dt.date | None = None,
    cursor: str | None = None,
) -> ReportPage:
    """Reports, newest first. Reporters see their own organisation's reports only."""
    if principal.role is Role.reporter:
        if organisation is not None and organisation != principal.organisation_id:
            raise Problem(403, "forbidden", "a reporter key reads its own organisation's reports only")
        organisation = principal.organisation_id
    flt = service.ReportFilter(
        substance=substance, country=country, organisation_id=organisation,
        sample_type=sample_type.value if sample_type else None, sampled_from=sampled_from, sampled_to=sampled_to,
    )
    items, next_cursor = service.list_reports(session, flt, cursor=cursor, limit=limit)
    return ReportPage(items=items, next_cursor=next_cursor)


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(report_id: str, principal: ReportReader, session: SessionDep) -> ReportRead:
    report = service.read_many(session, [report_id]).get(report_id)
    # another organisation's report is "not found" to a reporter: its existence is not theirs to know
    if report is None or (principal.role is Role.reporter and report.organisation_id != principal.organisation_id):
        raise Problem(404, "not-found", f"no report {report_id!r}")
    return report

