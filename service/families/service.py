"""Reading families: ranked lists, one family's members, legal gap and proposal, neighbours.

Nothing here places or reclusters (that is :mod:`service.families.placement`, in the worker); the
only writes are the queueing of a recompute and its audit row. Reads that need chemistry use the
rows the worker keeps current: members' fingerprints for similarity, their ``controlled_in`` for
ranking by uncontrolled members, the cached core and proposal. What the cache cannot answer (a
proposal older than the family or the rulebook, per-member explanations) is computed per request
and marked as such.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import Draw
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, not_
from sqlalchemy import select as select_rows  # sqlmodel's select types four columns at most
from sqlmodel import Session, col, select

from chemistry.depict import svg_of_smarts
from chemistry.families import fingerprint, is_trivial_core
from chemistry.identity import StructureError, identify
from service.audit.service import record
from service.auth.models import Principal
from service.classification.live import LiveRulebook
from service.classification.models import SubstanceClassification
from service.classification.service import near_miss_reads
from service.db import UTCDateTime, begin_write, utcnow
from service.families.models import (
    ControlledMember,
    Family,
    FamilyDetail,
    FamilyJob,
    FamilyMember,
    FamilySort,
    FamilySummary,
    JobState,
    JurisdictionGap,
    MemberRead,
    NearestControlled,
    Neighbour,
    NeighbourList,
    ProposalRead,
    RecomputeJobRead,
    UncontrolledMember,
)
from service.families.placement import (
    compute_core,
    compute_proposal,
    controlled_in,
    current_epoch,
    identity_of,
    live_rulebook,
    member_identities,
    name_family,
)
from service.reports.models import Report
from service.settings import Settings
from service.substances.models import CountryCount, Substance
from service.substances.service import names_for

NEAREST_CONTROLLED_COUNT = 3
NOT_CONTROLLED = "not_controlled"
SVG_CELL = (260, 200)

# --- lists -------------------------------------------------------------------------------------


def _summaries(session: Session, *, growth_days: int, jurisdiction: str | None, family_id: str | None = None):  # noqa: ANN202
    since = utcnow() - dt.timedelta(days=growth_days)
    first_reported = func.coalesce(col(Substance.first_reported_at), col(Substance.created_at))
    classified = select(col(SubstanceClassification.substance_id))
    controlled = classified.where(col(SubstanceClassification.status) != NOT_CONTROLLED)
    uncontrolled: ColumnElement[bool]
    if jurisdiction:
        uncontrolled = col(FamilyMember.substance_id).in_(
            classified.where(
                col(SubstanceClassification.jurisdiction) == jurisdiction,
                col(SubstanceClassification.status) == NOT_CONTROLLED,
            )
        )
    else:
        uncontrolled = and_(
            col(FamilyMember.substance_id).in_(classified), not_(col(FamilyMember.substance_id).in_(controlled))
        )
    per_member: Select[*tuple[Any, ...]] = (
        select_rows(
            col(FamilyMember.family_id).label("fid"),
            func.sum(case((first_reported >= literal(since, UTCDateTime), 1), else_=0)).label("growth"),
            func.sum(case((uncontrolled, 1), else_=0)).label("uncontrolled"),
            func.sum(case((not_(col(FamilyMember.substance_id).in_(classified)), 1), else_=0)).label("unclassified"),
        )
        .join(Substance, col(Substance.id) == col(FamilyMember.substance_id))
        .group_by(col(FamilyMember.family_id))
    )
    per_report: Select[*tuple[Any, ...]] = (
        select_rows(
            col(FamilyMember.family_id).label("fid"),
            func.count(func.distinct(col(Report.country))).label("countries"),
            func.count(col(Report.id)).label("reports"),
            func.min(col(Report.sampled_on)).label("first_seen"),
            func.max(col(Report.sampled_on)).label("last_seen"),
        )
        .join(Report, col(Report.substance_id) == col(FamilyMember.substance_id))
        .group_by(col(FamilyMember.family_id))
    )
    if family_id is not None:
        per_member = per_member.where(col(FamilyMember.family_id) == family_id)
        per_report = per_report.where(col(FamilyMember.family_id) == family_id)
    m, r = per_member.subquery(), per_report.subquery()
    columns = {
        "growth": func.coalesce(m.c.growth, 0),
        "uncontrolled": func.coalesce(m.c.uncontrolled, 0),
        "unclassified": func.coalesce(m.c.unclassified, 0),
        "countries": func.coalesce(r.c.countries, 0),
        "reports": func.coalesce(r.c.reports, 0),
    }
    query = (
        select_rows(Family, *(c.label(name) for name, c in columns.items()), r.c.first_seen, r.c.last_seen)
        .outerjoin(m, m.c.fid == col(Family.id))
        .outerjoin(r, r.c.fid == col(Family.id))
    )
    if family_id is not None:
        query = query.where(col(Family.id) == family_id)
    return query, columns


def _summary(row) -> FamilySummary:  # noqa: ANN001 - a result row of _summaries
    family = row[0]
    return FamilySummary(
        id=family.id,
        name=family.name,
        name_source=family.name_source,
        core_smarts=family.core_smarts,
        member_count=family.member_count,
        growth=row.growth,
        countries=row.countries,
        reports=row.reports,
        uncontrolled=row.uncontrolled,
        unclassified=row.unclassified,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        created_at=family.created_at,
        updated_at=family.updated_at,
    )


def get_all(
    session: Session,
    *,
    sort: FamilySort,
    growth_days: int,
    jurisdiction: str | None,
    offset: int,
    limit: int,
) -> list[FamilySummary]:
    query, columns = _summaries(session, growth_days=growth_days, jurisdiction=jurisdiction)
    order = {
        FamilySort.growth: (columns["growth"].desc(), col(Family.member_count).desc()),
        FamilySort.countries: (columns["countries"].desc(), columns["reports"].desc()),
        FamilySort.uncontrolled: (columns["uncontrolled"].desc(), col(Family.member_count).desc()),
        FamilySort.size: (col(Family.member_count).desc(),),
    }[sort]
    rows = session.execute(query.order_by(*order, col(Family.id)).offset(offset).limit(limit)).all()
    return [_summary(row) for row in rows]


def jurisdictions(session: Session) -> tuple[str, ...]:
    return live_rulebook(session).rulebook.jurisdictions


# --- one family --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    name: str
    inchikey: str
    smiles: str
    source: str
    controlled_in: frozenset[str]


_references: dict[tuple[str, dt.date], tuple] = {}


def _controlled_reference(live: LiveRulebook, as_of: dt.date) -> tuple[tuple[_Reference, ...], tuple]:
    key = (live.version, as_of)
    if key not in _references:
        if len(_references) >= 4:
            _references.clear()
        _references[key] = _build_controlled_reference(live, as_of)
    return _references[key]


def _build_controlled_reference(live: LiveRulebook, as_of: dt.date) -> tuple[tuple[_Reference, ...], tuple]:
    """Substances the rulebook itself names as controlled: listed substances and legal-text examples.

    Classified once per rulebook version and day, so ``controlled_in`` is the engine's answer, not
    the rule's jurisdiction alone (a substance listed in the UN schedules is also under DE groups).
    """
    found: dict[str, _Reference] = {}
    mols = {}
    engine = live.classifier
    with rdBase.BlockLogs():
        for rule in live.rulebook.rules:
            if rule.kind == "named":
                pool = (
                    [(s.name, s.smiles, f"listed in {rule.id}") for s in rule.substances if s.smiles is not None]
                    if rule.controls
                    else []
                )
            else:
                pool = [(e.name, e.smiles, f"example of {rule.id}") for e in rule.must_match]
            for name, smiles, source in pool:
                try:
                    identity = identify(smiles)
                except StructureError:
                    continue
                if identity.inchikey in found:
                    continue
                status = frozenset(controlled_in(engine.classify(identity, as_of=as_of)))
                if status:
                    found[identity.inchikey] = _Reference(name, identity.inchikey, identity.smiles, source, status)
                    mols[identity.inchikey] = identity.mol
    references = tuple(found.values())
    return references, tuple(fingerprint(mols[r.inchikey]) for r in references)


def _nearest_controlled(
    fp, jurisdiction: str, *, references, reference_sims, family_controlled
) -> list[NearestControlled]:  # noqa: ANN001
    scored: list[tuple[float, str, NearestControlled]] = []
    for ref, sim in zip(references, reference_sims):
        if jurisdiction in ref.controlled_in:
            scored.append(
                (
                    sim,
                    ref.inchikey,
                    NearestControlled(
                        name=ref.name,
                        inchikey=ref.inchikey,
                        smiles=ref.smiles,
                        similarity=round(float(sim), 4),
                        source=ref.source,
                    ),
                )
            )
    for name, inchikey, smiles, member_fp, where in family_controlled:
        if jurisdiction in where:
            sim = DataStructs.TanimotoSimilarity(fp, member_fp)
            scored.append(
                (
                    sim,
                    inchikey,
                    NearestControlled(
                        name=name, inchikey=inchikey, smiles=smiles, similarity=round(sim, 4), source="family member"
                    ),
                )
            )
    scored.sort(key=lambda item: (-item[0], item[1]))
    unique: dict[str, NearestControlled] = {}
    for _, inchikey, item in scored:
        unique.setdefault(inchikey, item)
        if len(unique) == NEAREST_CONTROLLED_COUNT:
            break
    return list(unique.values())


def _proposal(
    session: Session, family: Family, *, version: str, mcs_timeout: int
) -> tuple[ProposalRead | None, str | None]:
    stored = family.proposal
    cached = (
        stored is not None
        and family.proposal_member_count == family.member_count
        and family.proposal_rulebook_version == version
    )
    stored = stored if cached else None
    if stored is None:
        members = member_identities(session, family.id)
        core = compute_core(family, members, timeout=mcs_timeout)
        stored = compute_proposal(session, family.id, version, members, core_smarts=core, count_virtual=False)
    if "error" in stored:
        return None, stored["error"]
    offered = bool(stored["safe"])
    return ProposalRead(
        offered=offered,
        safe=stored["safe"],
        generalisation=stored["generalisation"],
        offenders=stored["offenders"],
        coverage=stored["coverage"],
        rule=stored["rule"] if offered else None,
        flagged_rule=None if offered else stored["rule"],
        rulebook_version=stored["rulebook_version"],
        member_count=stored["member_count"],
        computed_at=dt.datetime.fromisoformat(stored["computed_at"]),
        cached=cached,
    ), None


def current_proposal(session: Session, family: Family, *, mcs_timeout: int) -> tuple[ProposalRead | None, str | None]:
    return _proposal(session, family, version=live_rulebook(session).version, mcs_timeout=mcs_timeout)


def get(session: Session, family_id: str) -> Family | None:
    return session.get(Family, family_id)


def detail(
    session: Session,
    family: Family,
    *,
    as_of: dt.date,
    members_limit: int,
    growth_days: int,
    settings: Settings,
    incidental_near_misses: bool = False,
) -> FamilyDetail:
    query, _ = _summaries(session, growth_days=growth_days, jurisdiction=None, family_id=family.id)
    summary = _summary(session.execute(query).one())
    rows = session.execute(
        select(FamilyMember, Substance)
        .join(Substance, col(Substance.id) == col(FamilyMember.substance_id))
        .where(col(FamilyMember.family_id) == family.id)
        .order_by(col(FamilyMember.id))
        .limit(members_limit)
    ).all()
    ids = [substance.id for _, substance in rows]
    names = names_for(session, ids)
    per_country: dict[int, list[CountryCount]] = defaultdict(list)
    for substance_id, country, count, lo, hi in session.execute(
        select_rows(
            col(Report.substance_id),
            col(Report.country),
            func.count(),
            func.min(col(Report.sampled_on)),
            func.max(col(Report.sampled_on)),
        )
        .where(col(Report.substance_id).in_(ids))
        .group_by(col(Report.substance_id), col(Report.country))
        .order_by(col(Report.substance_id), func.count().desc(), col(Report.country))
    ):
        per_country[substance_id].append(CountryCount(country=country, reports=count, first_seen=lo, last_seen=hi))

    live = live_rulebook(session)
    engine = live.classifier
    wanted = list(live.rulebook.jurisdictions)
    classified = {}
    members: list[MemberRead] = []
    fps = {}
    with rdBase.BlockLogs():
        for member, substance in rows:
            identity = identity_of(substance)
            found = engine.classify(identity, as_of=as_of)
            classified[substance.id] = found
            fps[substance.id] = DataStructs.ExplicitBitVect(member.fingerprint)
            countries = per_country.get(substance.id, [])
            members.append(
                MemberRead(
                    inchikey=substance.inchikey,
                    smiles=substance.smiles,
                    names=names.get(substance.id, []),
                    joined_at=member.joined_at,
                    placed_by=member.placed_by,
                    nearest_similarity=member.nearest_similarity,
                    report_count=sum(c.reports for c in countries),
                    first_seen=min((c.first_seen for c in countries if c.first_seen), default=None),
                    last_seen=max((c.last_seen for c in countries if c.last_seen), default=None),
                    countries=countries,
                    controlled_in=controlled_in(found),
                )
            )

    references, reference_fps = _controlled_reference(live, as_of)
    display = {substance.id: next(iter(names.get(substance.id, [])), None) for _, substance in rows}
    family_controlled = [
        (display[s.id] or s.inchikey, s.inchikey, s.smiles, fps[s.id], set(controlled_in(classified[s.id])))
        for _, s in rows
        if controlled_in(classified[s.id])
    ]
    reference_sims = {
        s.id: DataStructs.BulkTanimotoSimilarity(fps[s.id], list(reference_fps)) if reference_fps else []
        for _, s in rows
        if len(controlled_in(classified[s.id])) < len(wanted)
    }
    gap = []
    for jurisdiction in wanted:
        controlled, uncontrolled = [], []
        for _, substance in rows:
            result = classified[substance.id].results[jurisdiction]
            if result.status != "not_controlled":
                controlled.append(
                    ControlledMember(
                        inchikey=substance.inchikey,
                        name=display[substance.id],
                        rules=sorted({m.rule_id for m in result.matches}),
                    )
                )
                continue
            near_misses, left_out = near_miss_reads(result.near_misses, incidental=incidental_near_misses)
            uncontrolled.append(
                UncontrolledMember(
                    inchikey=substance.inchikey,
                    name=display[substance.id],
                    nearest_controlled=_nearest_controlled(
                        fps[substance.id],
                        jurisdiction,
                        references=references,
                        reference_sims=reference_sims[substance.id],
                        family_controlled=[f for f in family_controlled if f[1] != substance.inchikey],
                    ),
                    near_misses=near_misses,
                    near_misses_left_out=left_out,
                )
            )
        gap.append(JurisdictionGap(jurisdiction=jurisdiction, controlled=controlled, uncontrolled=uncontrolled))

    proposal, problem = _proposal(
        session, family, version=live.version, mcs_timeout=settings.family_mcs_timeout_seconds
    )
    core = summary.core_smarts
    if is_trivial_core(core) and family.member_count > 1:  # not refreshed by the worker yet, or stored before 0.x
        core = compute_core(family, member_identities(session, family.id), timeout=settings.family_mcs_timeout_seconds)
    core = None if is_trivial_core(core) else core
    named = name_family(session, family.id, core, live=live)
    return FamilyDetail(
        **(summary.model_dump() | {"core_smarts": core, "name": named.name, "name_source": named.source}),
        core_svg=_family_core_svg(core),
        as_of=as_of,
        members=members,
        members_total=family.member_count,
        gap=gap,
        proposal=proposal,
        proposal_problem=problem,
        svg_url=f"/v1/families/{family.id}/members.svg",
    )


@functools.lru_cache(maxsize=256)
def _family_core_svg(core: str | None) -> str | None:
    if core is None:
        return None
    try:
        return svg_of_smarts(core, width=360, height=240)
    except Exception:  # noqa: BLE001 - a drawing is a courtesy; the SMARTS is in core_smarts
        return None


def members_svg(session: Session, family: Family, *, limit: int, mcs_timeout: int) -> str:
    """A grid of members (placement order) with the family core highlighted in each."""
    rows = (
        session.execute(
            select(Substance)
            .join(FamilyMember, col(FamilyMember.substance_id) == col(Substance.id))
            .where(col(FamilyMember.family_id) == family.id)
            .order_by(col(FamilyMember.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )
    names = names_for(session, [s.id for s in rows])
    core = family.core_smarts
    if core is None and family.member_count > 1:
        core = compute_core(family, member_identities(session, family.id), timeout=mcs_timeout)
    query = Chem.MolFromSmarts(core) if core else None
    mols = [Chem.MolFromSmiles(s.smiles) for s in rows]
    highlights = [list(mol.GetSubstructMatch(query)) if query is not None else [] for mol in mols]
    legends = [(names.get(s.id) or [s.inchikey[:14]])[0][:40] for s in rows]
    with rdBase.BlockLogs():
        svg = Draw.MolsToGridImage(
            mols,
            molsPerRow=min(4, max(1, len(mols))),
            subImgSize=SVG_CELL,
            legends=legends,
            highlightAtomLists=highlights,
            useSVG=True,
        )
    return svg if isinstance(svg, str) else svg.data


# --- neighbours --------------------------------------------------------------------------------


@dataclass
class _Fingerprints:
    """Every placed substance's fingerprint, in this API process; caught up from the database."""

    epoch: int
    last_member_id: int
    substance_ids: list[int]
    family_ids: list[str]
    fps: list


_fingerprints: dict[str, _Fingerprints] = {}
_fingerprints_guard = threading.Lock()


def _rows_after(session: Session, member_id: int):  # noqa: ANN202
    return session.execute(
        select(
            col(FamilyMember.id),
            col(FamilyMember.substance_id),
            col(FamilyMember.family_id),
            col(FamilyMember.fingerprint),
        )
        .where(col(FamilyMember.id) > member_id)
        .order_by(col(FamilyMember.id))
    ).all()


def fingerprints(session: Session) -> _Fingerprints:
    """Placed substances' fingerprints: appended from new member rows, reloaded after a recluster."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    epoch = current_epoch(session)
    highest = session.execute(select(func.coalesce(func.max(col(FamilyMember.id)), 0))).scalar_one()
    with _fingerprints_guard:
        cache = _fingerprints.get(key)
        if cache is None or cache.epoch != epoch or highest < cache.last_member_id:
            cache = _Fingerprints(epoch, 0, [], [], [])
            _fingerprints[key] = cache
        if highest > cache.last_member_id:
            for member_id, substance_id, family_id, fp in _rows_after(session, cache.last_member_id):
                cache.substance_ids.append(substance_id)
                cache.family_ids.append(family_id)
                cache.fps.append(DataStructs.ExplicitBitVect(fp))
                cache.last_member_id = member_id
        return cache


def neighbours(session: Session, substance: Substance, *, limit: int, min_similarity: float) -> NeighbourList:
    cache = fingerprints(session)
    with _fingerprints_guard:
        ids, families, fps = list(cache.substance_ids), list(cache.family_ids), list(cache.fps)
    own = {sid: i for i, sid in enumerate(ids)}.get(substance.id) if substance.id is not None else None
    query_fp = fps[own] if own is not None else fingerprint(Chem.MolFromSmiles(substance.smiles))
    items: list[Neighbour] = []
    if fps:
        sims = np.asarray(DataStructs.BulkTanimotoSimilarity(query_fp, fps))
        if own is not None:
            sims[own] = -1.0
        count = min(limit, sims.size)
        top = np.argpartition(-sims, count - 1)[:count]
        chosen = sorted((i for i in top.tolist() if sims[i] >= min_similarity), key=lambda i: (-sims[i], ids[i]))
        rows = {s.id: s for s in session.exec(select(Substance).where(col(Substance.id).in_([ids[i] for i in chosen])))}
        names = names_for(session, [ids[i] for i in chosen])
        items = [
            Neighbour(
                inchikey=rows[ids[i]].inchikey,
                smiles=rows[ids[i]].smiles,
                names=names.get(ids[i], []),
                similarity=round(float(sims[i]), 4),
                family_id=families[i],
            )
            for i in chosen
        ]
    return NeighbourList(inchikey=substance.inchikey, family_id=families[own] if own is not None else None, items=items)


# --- recompute jobs ----------------------------------------------------------------------------


def job_read(job: FamilyJob) -> RecomputeJobRead:
    return RecomputeJobRead(
        id=job.id,
        state=JobState(job.state),
        threshold=job.threshold,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result,
        error=job.error,
        href=f"/v1/families/recomputes/{job.id}",
    )


def request_recompute(session: Session, *, principal: Principal, settings: Settings) -> tuple[FamilyJob, bool]:
    """Queue a full recluster; an unfinished one already queued is returned instead (False)."""
    begin_write(session)
    pending = session.exec(
        select(FamilyJob)
        .where(col(FamilyJob.state).in_([JobState.queued.value, JobState.running.value]))
        .order_by(col(FamilyJob.id))
    ).first()
    if pending is not None:
        session.rollback()
        return pending, False
    job = FamilyJob(
        state=JobState.queued.value,
        requested_by_key_id=principal.key_id,
        threshold=settings.family_threshold,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    record(
        session,
        principal=principal,
        action="family.recompute.request",
        entity="family_job",
        entity_id=str(job.id),
        detail={"threshold": job.threshold},
    )
    session.commit()
    return job, True


def get_job(session: Session, job_id: int) -> FamilyJob | None:
    return session.get(FamilyJob, job_id)
