"""Regulators' "Is it controlled?": paste, look up by name or draw a structure; read the answer
per jurisdiction with the matched core highlighted. Calls service.classification.classify, the
function behind POST /v1/classify, under the same role check (ClassifyReader)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from rdkit import Chem
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from chemistry.identity import StructureError
from service.auth.deps import ClassifyReader
from service.classification import service
from service.classification.live import LiveRulebook, current, shipped_jurisdictions
from service.classification.models import (
    ClassifyRequest,
    ClassifyResponse,
    MatchRead,
    NearMissRead,
)
from service.problems import Problem
from service.substances import service as registry
from service.web.depiction import PALETTE, hex_colour, svg_of_parts
from service.web.deps import CsrfChecked, PageUser, page_check
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(ClassifyReader))]


@dataclass
class MatchView:
    jurisdiction: str
    match: MatchRead
    svg: str | None = None
    parts: list[tuple[str, str]] = field(default_factory=list)  # (colour, what matched there)


@dataclass
class NearMissView:
    jurisdiction: str
    rule_id: str
    title: str
    sentence: str
    full: str


def near_miss_sentence(live: LiveRulebook, jurisdiction: str, miss: NearMissRead) -> NearMissView:
    """The engine's one-sentence summary (the core that matched, the part that fails and what the
    definition allows there), with the whole technical reason one click away."""
    try:
        title = live.rulebook.rule(miss.rule_id).title
    except KeyError:
        title = miss.rule_id
    return NearMissView(jurisdiction, miss.rule_id, title, miss.summary, miss.reason)


def match_views(answer: ClassifyResponse) -> list[MatchView]:
    """Every matching rule; each group match with its own depiction, one colour per part."""
    mol = Chem.MolFromSmiles(answer.smiles)
    views = []
    for result in answer.results:
        for match in result.matches:
            view = MatchView(result.jurisdiction, match)
            explanation = match.explanation
            if explanation and mol is not None:
                labelled = [(f"{p.part}", p.atoms) for p in explanation.parts if p.atoms]
                labelled += [
                    (f"{s.position}: {s.substituent_class} ({s.smiles})", s.atoms)
                    for s in explanation.substituents
                    if s.atoms
                ]
                view.svg = svg_of_parts(mol, [atoms for _, atoms in labelled])
                view.parts = [(hex_colour(PALETTE[i % len(PALETTE)]), label) for i, (label, _) in enumerate(labelled)]
            views.append(view)
    return views


def _form_defaults(live: LiveRulebook) -> dict:
    names = shipped_jurisdictions()
    return {
        "jurisdictions": [(code, names[code].name if code in names else code) for code in live.rulebook.jurisdictions],
        "today": dt.datetime.now(dt.UTC).date().isoformat(),
    }


def _live(request: Request) -> LiveRulebook:
    with Session(request.app.state.engine) as session:
        return current(session)


@router.get("/classify")
async def classify_page(request: Request, user: Page) -> Response:
    live = await run_in_threadpool(_live, request)
    return await render(
        request,
        "classify.html",
        user,
        form={"as_of": _form_defaults(live)["today"], "chosen": []},
        errors={},
        **_form_defaults(live),
    )


def _run(request: Request, *, structure: str, name: str, as_of: str, jurisdictions: list[str]):
    """(answer, live, looked-up name, field errors)."""
    with Session(request.app.state.engine) as session:
        live = current(session)
        looked_up = None
        if not structure.strip() and name.strip():
            substance = registry.resolve_name(session, name.strip())
            if substance is None:
                return (
                    None,
                    live,
                    None,
                    {"name": f"no single substance is known as {name.strip()!r}; paste or draw its structure"},
                )
            structure, looked_up = substance.smiles, name.strip()
    if not structure.strip():
        return None, live, None, {"structure": "paste a SMILES, InChI or Molfile, type a name, or draw the structure"}
    try:
        request_body = ClassifyRequest(structure=structure, as_of=as_of or None, jurisdictions=jurisdictions or None)
    except ValidationError as error:
        return None, live, None, {str(e["loc"][0]): e["msg"].removeprefix("Value error, ") for e in error.errors()}
    try:
        return service.classify(live, request_body), live, looked_up, {}
    except StructureError as error:
        return None, live, None, {"structure": str(error)}
    except Problem as problem:
        return None, live, None, {"jurisdictions": problem.detail}


@router.post("/classify")
async def classify_submit(
    request: Request,
    user: Page,
    _: CsrfChecked,
    structure: Annotated[str, Form(max_length=200_000)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    as_of: Annotated[str, Form(max_length=20)] = "",
    jurisdictions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    answer, live, looked_up, errors = await run_in_threadpool(
        _run, request, structure=structure, name=name, as_of=as_of, jurisdictions=jurisdictions
    )
    context = {
        "form": {"structure": structure, "name": name, "as_of": as_of, "chosen": jurisdictions},
        "errors": errors,
        "answer": answer,
        "looked_up": looked_up,
        **_form_defaults(live),
    }
    if answer is not None:
        context["matches"] = match_views(answer)
        context["near_misses"] = [
            near_miss_sentence(live, r.jurisdiction, m) for r in answer.results for m in r.near_misses
        ]
        # near misses whose matched core is an incidental fragment (NearMiss.incidental) are left
        # out of the answer; the page says how many, per jurisdiction
        context["near_misses_left_out"] = [
            (r.jurisdiction, r.near_misses_left_out) for r in answer.results if r.near_misses_left_out
        ]
    return await render(request, "classify.html", user, status_code=422 if errors else 200, **context)
