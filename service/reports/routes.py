"""Routes: /v1/reports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from service.auth.deps import Reporter, ReportReader
from service.auth.models import Principal, Role
from service.db import SessionDep
from service.openapi import problem_responses
from service.organisations.models import CountryCode
from service.pagination import PageLimit
from service.problems import Problem, validation_errors
from service.reports import service, upload
from service.reports.models import (
    BatchItem,
    BatchResponse,
    BatchResult,
    ReportCreate,
    ReportPage,
    ReportRead,
    SampleType,
)
from service.validation import DATABASE_INT_MAX

router = APIRouter(prefix="/v1", tags=["reports"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Repeat a request safely: the same key and body return the stored report",
    ),
]


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportRead,
    responses={200: {"description": "Idempotent replay of a stored report"}, **problem_responses(409)},
)
async def create_report(
    data: ReportCreate,
    principal: Reporter,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReportRead:
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
def create_reports_batch(
    request: Request, batch: BatchRequest, principal: Reporter, session: SessionDep
) -> BatchResponse:
    """File up to 1,000 detections. Each item gets its own status; a bad item never rejects the rest."""
    _check_item_count(request, len(batch.items), "items")
    return _answer_items(session, batch.items, principal=principal)


def _check_item_count(request: Request, count: int, what: str) -> None:
    limit = request.app.state.settings.max_batch_items
    if count > limit:
        raise Problem(
            422,
            "validation",
            f"at most {limit} {what} at once; this one has {count}",
            errors=[{"in": "body", "pointer": f"#/{what}", "field": what, "detail": f"at most {limit}"}],
        )


def _answer_items(
    session: SessionDep,
    raw_items: Sequence[dict[str, Any] | Problem],
    *,
    principal: Principal,
    sources: list[str] | None = None,
    key_by_content: bool = False,
) -> BatchResponse:
    """Validate, identify and store items, each with its own answer (the one batch-result shape).

    ``key_by_content``: an item without an idempotency key gets one derived from its content, so
    sending the same row again replays it instead of storing it twice (uploads).
    """
    results: list[BatchResult | None] = [None] * len(raw_items)
    prepared, positions = [], []
    for index, raw in enumerate(raw_items):
        try:
            if isinstance(raw, Problem):
                raise raw
            item = _item_adapter.validate_python(raw)
            # already validated as a BatchItem (a ReportCreate plus its key): no second validation
            data = ReportCreate.model_construct(**{name: getattr(item, name) for name in ReportCreate.model_fields})
            key = item.idempotency_key
            if key is None and key_by_content:
                key = f"upload:{service.request_hash(data)}"
            prepared.append(service.prepare(data, principal=principal, idempotency_key=key))
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
    if sources is not None:
        for result in done:
            result.row = sources[result.index]
    return BatchResponse(
        stored=sum(r.status == 201 for r in done),
        replayed=sum(r.status == 200 for r in done),
        rejected=sum(r.status >= 400 for r in done),
        results=done,
    )


def _json_object(text: str | None, what: str) -> dict[str, Any] | None:
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        value = error
    if not isinstance(value, dict):
        raise Problem(
            422,
            "validation",
            f"{what} must be a JSON object, e.g. {_EXAMPLES[what]}",
            errors=[{"in": "body", "pointer": f"#/{what}", "field": what, "detail": "a JSON object"}],
        )
    return value


_EXAMPLES = {"mapping": '{"structure": "SMILES", "sampled_on": "Date"}', "defaults": '{"country": "DK"}'}


@router.post(
    "/reports:upload",
    response_model=BatchResponse,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {"file": {"contentType": ("text/csv, chemical/x-mdl-sdfile, application/octet-stream")}}
                }
            }
        }
    },
)
def upload_reports(
    request: Request,
    principal: Reporter,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A CSV file (header row) or an SD file, UTF-8")],
    mapping: Annotated[
        str | None,
        Form(
            description=(
                "JSON object {report field: column or SDF data field}, e.g. "
                + _EXAMPLES["mapping"]
                + "; columns named like report fields need no mapping"
            )
        ),
    ] = None,
    defaults: Annotated[
        str | None,
        Form(
            description=("JSON object {report field: value} for fields no column gives, e.g. " + _EXAMPLES["defaults"])
        ),
    ] = None,
    format: Annotated[Literal["csv", "sdf"] | None, Form(description="Default: from the file name")] = None,
) -> BatchResponse:
    """File the detections of a CSV or SD file, one report per row, answered row by row as
    `POST /v1/reports:batch` answers items (`row` says where each is: `line 3`, `record 2`).

    Columns named like report fields are read as those (`smiles` and `inchi` as `structure`, `name`
    as `substance_name`; an SD file's Molfile is the structure and its title the name); `mapping`
    says otherwise, `defaults` fills what no column gives, and columns that feed no field are kept
    in the report's `context`. Sending the same file again stores nothing twice: a row without an
    `idempotency_key` column is keyed by its content, so a repeated row is a replay (status 200).
    """
    fmt = format or upload.detect_format(file.filename, file.content_type)
    rows = upload.parse_upload(
        file.file.read(), fmt=fmt, mapping=_json_object(mapping, "mapping"), defaults=_json_object(defaults, "defaults")
    )
    if not rows:
        raise Problem(
            422,
            "validation",
            "the file holds no rows",
            errors=[{"in": "body", "pointer": "#/file", "field": "file", "detail": "no rows"}],
        )
    _check_item_count(request, len(rows), "rows")
    return _answer_items(
        session,
        [row.problem or row.item for row in rows],
        principal=principal,
        sources=[row.source for row in rows],
        key_by_content=True,
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
        substance=substance,
        country=country,
        organisation_id=organisation,
        sample_type=sample_type.value if sample_type else None,
        sampled_from=sampled_from,
        sampled_to=sampled_to,
    )
    items, next_cursor = service.list_reports(session, flt, cursor=cursor, limit=limit)
    return ReportPage(items=items, next_cursor=next_cursor)


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(report_id: str, principal: ReportReader, session: SessionDep) -> ReportRead:
    """One report. A reporter reads its own organisation's reports only; another organisation's is a 404,
    as if it did not exist."""
    report = service.read_many(session, [report_id]).get(report_id)
    # another organisation's report is "not found" to a reporter: its existence is not theirs to know
    if report is None or (principal.role is Role.reporter and report.organisation_id != principal.organisation_id):
        raise Problem(404, "not-found", f"no report {report_id!r}")
    return report
