"""Substance pages: search the registry and read one substance. The same service functions and
role check (RegistryReader) as GET /v1/substances, /v1/substances/{inchikey},
/v1/substances/{inchikey}/neighbours and GET /v1/reports?substance=."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from rdkit import Chem
from starlette.responses import Response

from chemistry.depict import svg_with_highlight
from chemistry.identity import StructureError, identify
from service.auth.deps import RegistryReader
from service.db import stored_id
from service.families import service as families
from service.problems import Problem
from service.reports import service as reports
from service.substances import service as registry
from service.web.charts import reports_by_country_over_time
from service.web.deps import PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(RegistryReader))]
CHART_REPORTS = 500  # the chart reads at most this many of the newest reports


@router.get("/substances")
async def search_page(request: Request, user: Page, q: Annotated[str, Query(max_length=300)] = "") -> Response:
    query = q.strip()
    error = None

    def search(session):
        exact = None
        if not query:
            rows = registry.search(session, name=None, inchikey=None, exact=None, after_id=None, limit=50)
        elif len(query) == 27 and query.count("-") == 2 or len(query) == 14 and query.isalpha():
            rows = registry.search(session, name=None, inchikey=query.upper(), exact=None, after_id=None, limit=50)
        else:
            rows = registry.search(session, name=query, inchikey=None, exact=None, after_id=None, limit=50)
            if not rows and len(query) > 3:
                try:
                    exact = identify(query)
                except StructureError:
                    exact = None
                if exact is not None:
                    rows = registry.search(session, name=None, inchikey=None, exact=exact, after_id=None, limit=50)
        ids = [stored_id(s) for s in rows]
        names = registry.names_for(session, ids)
        return [registry.to_read(s, names.get(i, [])) for s, i in zip(rows, ids)]

    if 0 < len(query) < 2:
        items, error = [], "type at least 2 characters"
    else:
        items = await with_session(request, search)
    return await render(request, "substances.html", user, items=items, q=q, error=error)


@router.get("/substances/{inchikey}")
async def substance_page(request: Request, inchikey: str, user: Page) -> Response:
    def load(session):
        substance = registry.get_by_inchikey(session, inchikey)
        if substance is None:
            raise Problem(404, "not-found", f"no substance with InChIKey {inchikey!r}")
        detail = registry.detail(session, substance)
        neighbours = families.neighbours(session, substance, limit=8, min_similarity=0.3)
        newest, _ = reports.list_reports(
            session, reports.ReportFilter(substance=substance.inchikey), cursor=None, limit=CHART_REPORTS
        )
        return detail, neighbours, newest

    detail, neighbours, newest = await with_session(request, load)
    mol = Chem.MolFromSmiles(detail.smiles)
    chart = reports_by_country_over_time([(r.sampled_on, r.country) for r in newest])
    return await render(
        request,
        "substance.html",
        user,
        s=detail,
        neighbours=neighbours,
        chart=chart,
        svg=svg_with_highlight(mol, []) if mol is not None else "",
        chart_capped=len(newest) >= CHART_REPORTS,
    )
