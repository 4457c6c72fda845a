"""The gap report of one jurisdiction: substances reported in a period that none of its encoded
instruments captures, grouped by family, each with its near misses (issue 17).

Every substance is classified here with the live rulebook (shipped rules and active drafts) as
of the report's date, not read from the stored classification, which may lag a rulebook change
by a worker cycle. A status is what POST /v1/classify would answer: ``not_controlled``, or
``undetermined`` (a rule ran out of the per-molecule budget, or the jurisdiction's named
schedules are not encoded).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from chemistry.identity import StructureError
from service.classification.live import current, shipped_jurisdictions
from service.db import stored_id
from service.families.models import Family, FamilyMember
from service.reports.models import Report
from service.substances.models import Substance
from service.substances.service import names_for

UNPLACED = "not yet placed in a family"


class GapNearMiss(BaseModel):
    """As POST /v1/classify words a near miss (service.classification.models.NearMissRead); the gap
    report keeps the incidental ones too, flagged."""

    rule_id: str
    summary: str
    failures: int
    incidental: bool
    reason: str


class GapSubstance(BaseModel):
    inchikey: str
    names: list[str]
    smiles: str
    status: str = Field(description="not_controlled or undetermined, as POST /v1/classify answers")
    reports: int = Field(description="Reports of it received in the period")
    countries: list[str] = Field(description="Countries it was reported from in the period")
    first_reported: dt.datetime
    last_reported: dt.datetime
    near_misses: list[GapNearMiss] = Field(description="Rules of the jurisdiction it nearly falls under, and why not")


class GapFamily(BaseModel):
    family_id: str | None = Field(description="Null for substances the worker has not placed yet")
    core_smarts: str | None
    member_count: int = Field(description="All members of the family, captured or not")
    substances: list[GapSubstance]


class GapReport(BaseModel):
    jurisdiction: str
    since: dt.date
    until: dt.date
    as_of: dt.date = Field(description="The law is applied as in force on this day")
    rulebook_version: str
    substances_reported: int = Field(description="Distinct substances reported in the period")
    uncaptured: int = Field(description="Of those, the ones no encoded instrument of the jurisdiction captures")
    families: list[GapFamily] = Field(description="Families by number of uncaptured substances, largest first")


def _window(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC; the last day is included (date.max too, without overflowing)."""
    start = dt.datetime.combine(since, dt.time(0), tzinfo=dt.UTC)
    if until == dt.date.max:
        return start, dt.datetime.max.replace(tzinfo=dt.UTC)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


def gap_report(session: Session, *, jurisdiction: str, since: dt.date, until: dt.date, as_of: dt.date) -> GapReport:
    live = current(session)
    start, end = _window(since, until)
    reported = session.exec(
        select(
            col(Report.substance_id), func.count(), func.min(col(Report.received_at)), func.max(col(Report.received_at))
        )
        .where(col(Report.received_at) >= start, col(Report.received_at) < end, col(Report.substance_id).is_not(None))
        .group_by(col(Report.substance_id))
    ).all()
    counts = {sid: (n, first, last) for sid, n, first, last in reported if sid is not None}
    countries: dict[int, set[str]] = defaultdict(set)
    if counts:
        for sid, country in session.exec(
            select(col(Report.substance_id), col(Report.country))
            .distinct()
            .where(
                col(Report.received_at) >= start,
                col(Report.received_at) < end,
                col(Report.substance_id).in_(list(counts)),
            )
        ).all():
            if sid is not None:
                countries[sid].add(country)
    substances = session.exec(select(Substance).where(col(Substance.id).in_(list(counts)))).all() if counts else []

    info = shipped_jurisdictions().get(jurisdiction)
    partial = info is not None and not info.named_lists_encoded
    gaps: dict[int, GapSubstance] = {}
    for substance in substances:
        substance_id = stored_id(substance)
        try:
            found = live.classifier.classify(substance.smiles, jurisdictions=[jurisdiction], as_of=as_of)
        except StructureError:
            continue
        result = found.results.get(jurisdiction)
        if result is None or result.matches:
            continue
        status = "undetermined" if result.undetermined or partial else "not_controlled"
        n, first, last = counts[substance_id]
        gaps[substance_id] = GapSubstance(
            inchikey=substance.inchikey,
            names=[],
            smiles=substance.smiles,
            status=status,
            reports=n,
            countries=sorted(countries[substance_id]),
            first_reported=first,
            last_reported=last,
            near_misses=[
                GapNearMiss(
                    rule_id=m.rule_id, summary=m.summary, failures=m.failures, incidental=m.incidental, reason=m.reason
                )
                for m in result.near_misses
            ],
        )
    for sid, names in names_for(session, list(gaps)).items():
        gaps[sid].names = names

    membership = (
        dict(
            session.exec(
                select(col(FamilyMember.substance_id), col(FamilyMember.family_id)).where(
                    col(FamilyMember.substance_id).in_(list(gaps))
                )
            ).all()
        )
        if gaps
        else {}
    )
    families = (
        {f.id: f for f in session.exec(select(Family).where(col(Family.id).in_(set(membership.values())))).all()}
        if membership
        else {}
    )
    grouped: dict[str | None, list[GapSubstance]] = defaultdict(list)
    for sid, gap in gaps.items():
        grouped[membership.get(sid)].append(gap)
    out = []
    for family_id, members in grouped.items():
        family = families.get(family_id) if family_id else None
        members.sort(key=lambda g: (-g.reports, g.inchikey))
        out.append(
            GapFamily(
                family_id=family_id,
                core_smarts=family.core_smarts if family else None,
                member_count=family.member_count if family else len(members),
                substances=members,
            )
        )
    out.sort(key=lambda f: (-len(f.substances), f.family_id is None, f.family_id or ""))
    return GapReport(
        jurisdiction=jurisdiction,
        since=since,
        until=until,
        as_of=as_of,
        rulebook_version=live.version,
        substances_reported=len(counts),
        uncaptured=len(gaps),
        families=out,
    )


CSV_COLUMNS = (
    "family_id",
    "inchikey",
    "names",
    "smiles",
    "status",
    "reports",
    "countries",
    "first_reported",
    "last_reported",
    "near_misses",
)


def _cell(text: str) -> str:
    """A reporter's text a spreadsheet would run as a formula is quoted (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(report: GapReport) -> str:
    """One row per uncaptured substance; several values in one cell are joined with '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for family in report.families:
        for gap in family.substances:
            writer.writerow(
                [
                    family.family_id or UNPLACED,
                    gap.inchikey,
                    "; ".join(_cell(n) for n in gap.names),
                    gap.smiles,
                    gap.status,
                    gap.reports,
                    "; ".join(gap.countries),
                    gap.first_reported.isoformat(),
                    gap.last_reported.isoformat(),
                    "; ".join(f"{m.rule_id}: {m.reason}" for m in gap.near_misses),
                ]
            )
    return buffer.getvalue()
