"""Labs: upload a CSV or SD file of detections (column mapping, preview, per-row results with the
errors at their row) and the list of the lab's own reports.

The preview reads the file with service.reports.upload.parse_upload, as the API does; the upload
itself is the API route's own function (POST /v1/reports:upload), so sending the same file again
stores nothing twice here too. Role checks: Reporter, as the API's.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.datastructures import Headers
from starlette.responses import Response

from service.auth.deps import Reporter
from service.problems import Problem
from service.reports import routes as api
from service.reports import upload
from service.web.deps import CsrfChecked, PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(Reporter))]
PREVIEW_ROWS = 20
# the fields the form offers to map, and those it offers a default for
MAPPED = ("structure", "substance_name", "sample_type", "country", "sampled_on", "techniques", "confidence")
DEFAULTED = ("sample_type", "country", "sampled_on", "techniques", "confidence")
FORMATS: dict[str, upload.FileFormat] = {"csv": "csv", "sdf": "sdf"}  # the form's choices; "" detects


@router.get("/reports")
async def my_reports(request: Request, user: Page) -> Response:
    items = await with_session(
        request,
        lambda session: (
            api.list_reports(
                user.principal,
                session,
                100,
                substance=None,
                country=None,
                organisation=None,
                sample_type=None,
                sampled_from=None,
                sampled_to=None,
                cursor=None,
            ).items
        ),
    )
    return await render(request, "reports.html", user, items=items)


def _blank() -> dict:
    return {"format": "", "mapping": {}, "defaults": {}, "file_name": "", "file_data": ""}


@router.get("/upload")
async def upload_page(request: Request, user: Page) -> Response:
    return await render(request, "upload.html", user, form=_blank(), errors={}, mapped=MAPPED, defaulted=DEFAULTED)


@router.post("/upload")
async def upload_submit(
    request: Request,
    user: Page,
    _: CsrfChecked,
    action: Annotated[str, Form(max_length=20)] = "preview",
    file: UploadFile | None = None,
    file_name: Annotated[str, Form(max_length=300)] = "",
    file_data: Annotated[str, Form(max_length=2_000_000)] = "",
    format: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form_data = await request.form()
    mapping = {f: str(form_data.get(f"map_{f}", "")).strip() for f in MAPPED}
    defaults: dict[str, Any] = {f: str(form_data.get(f"default_{f}", "")).strip() for f in DEFAULTED}
    mapping = {k: v for k, v in mapping.items() if v}
    defaults = {k: v for k, v in defaults.items() if v}
    errors: dict[str, str] = {}
    data = b""
    if file is not None and file.filename:
        data, file_name = await file.read(), file.filename
    elif file_data:
        try:
            data = base64.b64decode(file_data, validate=True)
        except (binascii.Error, ValueError):
            errors["file"] = "the kept file was damaged; choose it again"
    if not data and not errors:
        errors["file"] = "choose a .csv or .sdf file"
    form = {
        "format": format,
        "mapping": mapping,
        "defaults": defaults,
        "file_name": file_name,
        "file_data": base64.b64encode(data).decode() if data else "",
    }
    context: dict[str, Any] = {"form": form, "mapped": MAPPED, "defaulted": DEFAULTED}
    if errors:
        return await render(request, "upload.html", user, errors=errors, status_code=422, **context)
    if defaults.get("techniques"):
        defaults["techniques"] = [t.strip() for t in defaults["techniques"].replace(";", ",").split(",") if t.strip()]
    try:
        fmt = FORMATS.get(format) or upload.detect_format(file_name)
        if action == "upload":
            sent = UploadFile(
                io.BytesIO(data), filename=file_name, headers=Headers({"content-type": "application/octet-stream"})
            )
            answer = await with_session(
                request,
                lambda session: api.upload_reports(
                    request,
                    user.principal,
                    session,
                    sent,
                    mapping=json.dumps(mapping),
                    defaults=json.dumps(defaults),
                    format=fmt,
                ),
            )
            return await render(request, "upload.html", user, errors={}, answer=answer, **context)
        rows = upload.parse_upload(data, fmt=fmt, mapping=mapping, defaults=defaults)
    except Problem as problem:
        for error in problem.errors or [{"field": "file", "detail": problem.detail}]:
            field = (error.get("field") or "file").replace(".", "_")
            errors.setdefault(field if field.split("_")[0] in ("mapping", "defaults") else "file", error["detail"])
        return await render(request, "upload.html", user, errors=errors, status_code=problem.status, **context)
    columns = sorted({k for row in rows[:PREVIEW_ROWS] for k in row.item})
    return await render(
        request,
        "upload.html",
        user,
        errors={},
        preview=rows[:PREVIEW_ROWS],
        total=len(rows),
        columns=columns,
        **context,
    )
