"""Routes: /v1/substances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chemistry.identity import StructureError, identify
from service.auth.deps import RegistryReader
from service.db import SessionDep, stored_id
from service.pagination import PageLimit
from service.problems import Problem
from service.reports.service import structure_problem
from service.substances import service
from service.substances.models import SubstanceDetail, SubstancePage
from service.validation import DATABASE_INT_MAX

router = APIRouter(prefix="/v1", tags=["substances"])


@router.get("/substances", response_model=SubstancePage)
def search_substances(
    principal: RegistryReader,
    session: SessionDep,
    limit: PageLimit,
    q: Annotated[str | None, Query(min_length=2, max_length=300, description="Name or synonym (substring)")] = None,
    inchikey: Annotated[
        str | None, Query(description="Full InChIKey, or its first block for all stereoisomers")
    ] = None,
    structure: Annotated[str | None, Query(max_length=5000, description="Exact structure: SMILES or InChI")] = None,
    cursor: Annotated[int | None, Query(ge=0, le=DATABASE_INT_MAX)] = None,
) -> SubstancePage:
    """Search the registry by name, InChIKey or exact structure (salts and charges are ignored)."""
    exact = None
    if structure:
        try:
            exact = identify(structure)
        except StructureError as error:
            raise structure_problem(error, pointer="#/structure") from None
    rows = service.search(session, name=q, inchikey=inchikey, exact=exact, after_id=cursor, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    ids = [stored_id(s) for s in rows]
    names = service.names_for(session, ids)
    items = [service.to_read(s, names.get(i, [])) for s, i in zip(rows, ids)]
    return SubstancePage(items=items, next_cursor=str(rows[-1].id) if more and rows else None)


@router.get("/substances/{inchikey}", response_model=SubstanceDetail)
def get_substance(inchikey: str, principal: RegistryReader, session: SessionDep) -> SubstanceDetail:
    """One substance: identity, names, report counts by country, first and last seen."""
    substance = service.get_by_inchikey(session, inchikey)
    if substance is None:
        raise Problem(404, "not-found", f"no substance with InChIKey {inchikey!r}")
    return service.detail(session, substance)
