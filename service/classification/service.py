"""Classification without HTTP: answer "is it controlled?", keep the registry's stored answers
current, and manage regulators' draft rules (versions, impact, activation)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from ulid import ULID

from chemistry.classify import Classification, JurisdictionResult, NearMiss, RuleMatch, SetAside
from chemistry.depict import svg_of_smarts, svg_with_highlight
from chemistry.identity import Identity, StructureError, identify
from chemistry.rulebook import Rule, expand_core
from service.audit.service import record
from service.auth.models import ApiKey, Principal, Role
from service.classification import impact as impact_worker
from service.classification.costs import refuse_costly_patterns
from service.classification.draft_checks import NOT_CHECKED, whole_rule_errors
from service.classification.live import (
    LiveRulebook,
    content_hash,
    current,
    rule_json,
    shipped_jurisdictions,
    shipped_rulebook,
)
from service.classification.models import (
    ActivationRead,
    CapturedExample,
    CapturedSubstance,
    CaveatRead,
    ClassificationDraft,
    ClassifyRequest,
    ClassifyResponse,
    CoreDepiction,
    CoreRead,
    DraftImpact,
    DraftRead,
    DraftStatus,
    ExampleCheck,
    ExplanationRead,
    GroupDetail,
    GroupSummary,
    InstrumentRead,
    InstrumentRef,
    InstrumentRule,
    JurisdictionRead,
    MatchRead,
    NearMissRead,
    Part,
    SetAsideRead,
    SubstanceClassification,
    SubstituentRead,
    UndeterminedRead,
)
from service.db import begin_write, stored_id, table_of, utcnow
from service.observability.metrics import CLASSIFICATION_SECONDS
from service.problems import Problem, validation_errors
from service.settings import get_settings
from service.substances import service as registry
from service.substances.models import Substance
from service.validation import UNSTORABLE_DETAIL, holds_unstorable_text

log = logging.getLogger(__name__)

MAX_DEPICTIONS_PER_CORE = 12


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# --- "is it controlled?" ---------------------------------------------------------------------


def check_jurisdictions(
    live: LiveRulebook, jurisdictions: list[str] | None, *, pointer: str = "#/jurisdictions"
) -> None:
    if not jurisdictions:
        return
    known = live.rulebook.jurisdictions
    errors = [
        {
            "in": "body",
            "pointer": f"{pointer}/{i}",
            "field": "jurisdictions",
            "code": "unknown_jurisdiction",
            "detail": f"no rules for jurisdiction {code!r}; known: {', '.join(known)}",
        }
        for i, code in enumerate(jurisdictions)
        if code not in known
    ]
    if errors:
        raise Problem(422, "validation", errors[0]["detail"], errors=errors)


def classify(live: LiveRulebook, request: ClassifyRequest, *, pointer: str = "#") -> ClassifyResponse:
    """Raises StructureError for an unreadable structure, Problem for an unknown jurisdiction."""
    check_jurisdictions(live, request.jurisdictions, pointer=f"{pointer}/jurisdictions")
    identity = identify(request.structure, fmt=request.structure_format)
    with CLASSIFICATION_SECONDS.labels("request").time():
        result = live.classifier.classify(
            identity, jurisdictions=request.jurisdictions, as_of=request.as_of or today_utc()
        )
    return to_response(
        result, identity=identity, live=live, depict=request.depict, incidental=request.incidental_near_misses
    )


DATE_NOT_RECORDED = "date not recorded"
CONSOLIDATION_NOT_RECORDED = "consolidation date not recorded"


def consolidation(consolidated_to: dt.date | None) -> str:
    return f"consolidated to {consolidated_to.isoformat()}" if consolidated_to else CONSOLIDATION_NOT_RECORDED


def _match_read(match: RuleMatch, highlighted: set[int] | None = None) -> MatchRead:
    explanation = None
    if match.explanation is not None:
        e = match.explanation
        if highlighted is not None:
            highlighted.update(e.atoms)
        explanation = ExplanationRead(
            core_id=e.core_id,
            core_title=e.core_title,
            ring_systems=e.ring_systems,
            parts=[Part(part=name, atoms=sorted(atoms)) for name, atoms in e.parts.items()],
            substituents=[
                SubstituentRead(
                    position=s.position, substituent_class=s.substituent_class, atoms=list(s.atoms), smiles=s.smiles
                )
                for s in e.substituents
            ],
        )
    recorded = match.date_recorded
    return MatchRead(
        rule_id=match.rule_id,
        kind=match.kind,
        title=match.title,
        list=match.list,
        citation=match.citation,
        # the engine carries the instrument's own date for an undated entry: never show it as the entry's
        in_force_from=match.in_force_from if recorded else None,
        # an end read only as a bound is not shown as the day control ended
        in_force_to=match.in_force_to if match.end_recorded else None,
        date_recorded=recorded,
        date_note=None
        if recorded
        else (
            f"{DATE_NOT_RECORDED}: '{match.substance}' was added to {match.list} of {match.citation.get('act', match.title)} "
            f"on a date the encoding did not record (the instrument itself applies from {match.in_force_from.isoformat()})"
        ),
        end_recorded=match.end_recorded,
        end_note=None
        if match.end_recorded
        else (
            f"end {DATE_NOT_RECORDED}: '{match.substance}' was removed from {match.list} on a day the encoding did not "
            f"record; it applied at the latest until {match.in_force_to} (see the entry's source)"
        ),
        matched_on=match.matched_on,
        substance=match.substance,
        explanation=explanation,
    )


def _listed(match: RuleMatch) -> str:
    where = f"{match.citation.get('act', match.title)}, {match.list}"
    if match.matched_on == "positional_isomer":
        # not listed itself: the schedule's "isomers" include positional isomers (21 CFR 1300.01)
        return f"{where} as a positional isomer of '{match.substance}' (not listed by its own name)"
    if match.matched_on == "ester_or_ether":
        # not listed itself: the schedule takes in the esters and ethers of what it lists
        return f"{where} as an ester or ether of '{match.substance}' (not listed by its own name)"
    return f"{where} as '{match.substance}'" if match.substance else f"{where} ({match.title})"


def _since(match: RuleMatch) -> str:
    since = DATE_NOT_RECORDED if not match.date_recorded else f"in force since {match.in_force_from.isoformat()}"
    if not match.end_recorded:
        since += f"; removed later, end {DATE_NOT_RECORDED} (at the latest {match.in_force_to})"
    return since


def _set_aside_note(aside: SetAside, by_id: dict[str, RuleMatch]) -> str:
    takers = [by_id[rule_id] for rule_id in aside.by if rule_id in by_id]
    named = "; ".join(
        f"{m.rule_id} lists it as '{m.substance}' ({m.title})"
        if m.substance
        else f"{m.rule_id} ({m.title}) captures it"
        for m in takers
    ) or ", ".join(aside.by)
    return f"{aside.match.title} does not apply: {named}. {aside.reason}"


def _answer(found: JurisdictionResult, instruments: list[InstrumentRef], notes: list[str]) -> str:
    if found.status == "controlled_by_name":
        named = [m for m in found.matches if m.kind == "named"]
        text = "Controlled by name: " + "; ".join(f"listed in {_listed(m)} ({_since(m)})" for m in named) + "."
    elif found.status == "controlled_by_group":
        text = (
            "Controlled by group: "
            + "; ".join(
                f"{m.title} ({m.citation.get('act', '')}, {m.citation.get('part', m.list)}; {_since(m)})"
                for m in found.matches
            )
            + "."
        )
    else:
        controlling = [i for i in instruments if i.controls]
        acts = sorted({i.act for i in controlling})
        text = (
            f"Not controlled: not captured by the encoded instruments ({len(controlling)} rule(s) of "
            f"{'; '.join(acts) or 'none in force'}). That is not a statement that it is lawful: see the caveats "
            "for what a structure cannot decide."
        )
    if found.undetermined:
        cut = ", ".join(u.rule_id for u in found.undetermined)
        why = (
            f"rule(s) {cut} could not be evaluated: their search for this compound ran out of the "
            "per-molecule time budget, so whether they capture it is not known."
        )
        text = (
            f"Undetermined: {why} No other encoded instrument captured it; do not read this as 'not controlled'."
            if found.status == "undetermined"
            else f"{text} Also undetermined: {why}"
        )
    if notes:
        text += " Set aside: " + " ".join(notes)
    return text


_instrument_cache: dict[tuple[str, str, dt.date], list[InstrumentRef]] = {}


def instruments_consulted(live: LiveRulebook, code: str, on: dt.date) -> list[InstrumentRef]:
    """The encoded instruments of one jurisdiction in force on a day (remembered per rulebook version)."""
    key = (live.version, code, on)
    found = _instrument_cache.get(key)
    if found is None:
        found = [
            InstrumentRef(
                rule_id=rule.id,
                kind=rule.kind,
                title=rule.title,
                act=rule.citation.act,
                list=rule.list_,
                controls=rule.controls,
                consolidated_to=rule.consolidated_to,
                consolidation=consolidation(rule.consolidated_to),
            )
            for rule in live.rulebook.rules
            if rule.jurisdiction == code and rule.in_force(on)
        ]
        if len(_instrument_cache) > 1024:
            _instrument_cache.clear()
        _instrument_cache[key] = found
    return found


@functools.cache
def _caveats(code: str) -> tuple[str, list[CaveatRead]]:
    info = shipped_jurisdictions().get(code)
    if info is None:
        return code, []
    return info.name, [CaveatRead(title=c.title, text=c.text, citation=c.citation) for c in info.caveats]


def near_miss_reads(near_misses: Sequence[NearMiss], *, incidental: bool = False) -> tuple[list[NearMissRead], int]:
    """The near misses as answered (in rule order) and how many were left out: those whose
    matched core is incidental (NearMiss.incidental), unless the caller asks for them."""
    shown = [n for n in near_misses if incidental or not n.incidental]
    reads = [
        NearMissRead(
            rule_id=n.rule_id, summary=n.summary, failures=n.failures, incidental=n.incidental, reason=n.reason
        )
        for n in shown
    ]
    return reads, len(near_misses) - len(shown)


def to_response(
    result: Classification, *, identity: Identity, live: LiveRulebook, depict: bool, incidental: bool = False
) -> ClassifyResponse:
    jurisdictions = []
    highlighted: set[int] = set()
    for code, found in result.results.items():
        by_id = {m.rule_id: m for m in (*found.matches, *found.notices)}
        set_aside = []
        notes = []
        for aside in found.set_aside:
            note = _set_aside_note(aside, by_id)
            notes.append(note)
            set_aside.append(
                SetAsideRead(
                    match=_match_read(aside.match), set_aside_by=list(aside.by), reason=aside.reason, note=note
                )
            )
        instruments = instruments_consulted(live, code, result.as_of)
        name, caveats = _caveats(code)
        status, answer = found.status, _answer(found, instruments, notes)
        info = shipped_jurisdictions().get(code)
        if status == "not_controlled" and info is not None and not info.named_lists_encoded:
            # only some generic clause of this jurisdiction is encoded: "not captured" says
            # nothing about its named schedules (fentanyl is not "not controlled" in China)
            acts = "; ".join(sorted({i.act for i in instruments if i.controls})) or "none in force"
            status = "undetermined"
            gap = info.named_lists_gap or "its named schedules are not encoded"
            answer = (
                f"Undetermined: not captured by the encoded instruments of {name} ({acts}), but {gap}, "
                "so whether the compound is listed there by name is not known."
            )
        near_misses, left_out = near_miss_reads(found.near_misses, incidental=incidental)
        jurisdictions.append(
            JurisdictionRead(
                jurisdiction=code,
                name=name,
                status=status,
                answer=answer,
                matches=[_match_read(m, highlighted) for m in found.matches],
                set_aside=set_aside,
                notices=[_match_read(m) for m in found.notices],
                near_misses=near_misses,
                near_misses_left_out=left_out,
                undetermined=[UndeterminedRead(rule_id=u.rule_id, reason=u.reason) for u in found.undetermined],
                instruments=instruments,
                caveats=caveats,
            )
        )
    svg = svg_with_highlight(identity.mol, highlighted) if depict else None
    return ClassifyResponse(
        inchikey=result.inchikey,
        smiles=result.smiles,
        as_of=result.as_of,
        rulebook_version=live.version,
        results=jurisdictions,
        depiction_svg=svg,
    )


# --- groups ----------------------------------------------------------------------------------


def _summary(live: LiveRulebook, rule: Rule) -> dict:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "title": rule.title,
        "jurisdiction": rule.jurisdiction,
        "list": rule.list_,
        "citation": rule.citation.model_dump(exclude_none=True),
        "in_force_from": rule.in_force_from,
        "in_force_to": rule.in_force_to,
        "source": live.sources.get(rule.id, ""),
        "controls": rule.controls,
        "consolidated_to": rule.consolidated_to,
        "consolidation": consolidation(rule.consolidated_to),
        "entries": rule.entry_count,
    }


def list_instruments(
    live: LiveRulebook, *, jurisdiction: str | None, in_force_on: dt.date | None
) -> list[InstrumentRead]:
    """Every instrument (a citation act of one jurisdiction) with the rules that encode it, how far
    each is consolidated, and how many entries it holds."""
    by_act: dict[tuple[str, str], list[Rule]] = {}
    for rule in live.rulebook.rules:
        if (jurisdiction is None or rule.jurisdiction == jurisdiction) and (
            in_force_on is None or rule.in_force(in_force_on)
        ):
            by_act.setdefault((rule.jurisdiction, rule.citation.act), []).append(rule)
    items = []
    for (code, act), rules in sorted(by_act.items()):
        rules.sort(key=lambda r: r.id)
        dates = [r.consolidated_to for r in rules]
        recorded = [d for d in dates if d is not None]
        earliest = min(recorded) if recorded and len(recorded) == len(dates) else None
        items.append(
            InstrumentRead(
                jurisdiction=code,
                act=act,
                references=sorted({r.citation.reference for r in rules}),
                url=next((r.citation.url for r in rules if r.citation.url), None),
                consolidated_to=earliest,
                consolidation=consolidation(earliest),
                entries=sum(r.entry_count for r in rules),
                rules=[
                    InstrumentRule(
                        rule_id=r.id,
                        kind=r.kind,
                        title=r.title,
                        list=r.list_,
                        controls=r.controls,
                        in_force_from=r.in_force_from,
                        in_force_to=r.in_force_to,
                        consolidated_to=r.consolidated_to,
                        consolidation=consolidation(r.consolidated_to),
                        entries=r.entry_count,
                        source=live.sources.get(r.id, ""),
                    )
                    for r in rules
                ],
            )
        )
    return items


def list_groups(
    live: LiveRulebook, *, jurisdiction: str | None, in_force_on: dt.date | None, kind: str | None
) -> list[GroupSummary]:
    return [
        GroupSummary(**_summary(live, rule))
        for rule in sorted(live.rulebook.rules, key=lambda r: (r.jurisdiction, r.id))
        if (jurisdiction is None or rule.jurisdiction == jurisdiction)
        and (in_force_on is None or rule.in_force(in_force_on))
        and (kind is None or rule.kind == kind)
    ]


@functools.lru_cache(maxsize=512)
def _core_svg(smarts: str) -> str:
    return svg_of_smarts(smarts, width=360, height=240)


def group_detail(live: LiveRulebook, rule_id: str) -> GroupDetail | None:
    try:
        rule = live.rulebook.rule(rule_id)
    except KeyError:
        return None
    data = rule_json(rule)
    cores = [
        CoreRead(
            id=core.id,
            title=core.title,
            smarts=core.smarts,
            positions=data["cores"][i].get("positions", []),
            ring_systems=data["cores"][i].get("ring_systems", []),
            depictions=[
                CoreDepiction(ring_systems=labels, smarts=smarts, svg=_core_svg(smarts))
                for labels, smarts in expand_core(core)[:MAX_DEPICTIONS_PER_CORE]
            ],
        )
        for i, core in enumerate(rule.cores)
    ]
    return GroupDetail(
        **_summary(live, rule),
        notes=rule.notes,
        substances_file=rule.substances_file,
        stereoisomers_included=rule.stereoisomers_included,
        limits=data.get("limits", {}),
        cores=cores,
        **{name: data.get(name, []) for name in ("forbid", "exclusions", "must_match", "must_not_match", "substances")},
    )


# --- the registry's stored classification ----------------------------------------------------


def _insert(session: Session, table):  # noqa: ANN001, ANN202 - a SQLAlchemy Table
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _rows(live: LiveRulebook, substance_id: int, subject, *, on: dt.date, at: dt.datetime) -> list[dict]:  # noqa: ANN001
    with CLASSIFICATION_SECONDS.labels("stored").time():
        result = live.classifier.classify(subject, as_of=on)
    return [
        {
            "substance_id": substance_id,
            "jurisdiction": code,
            "status": found.status,
            "rule_ids": sorted({m.rule_id for m in found.matches}),
            "rulebook_version": live.version,
            "computed_at": at,
        }
        for code, found in result.results.items()
    ]


def _store(session: Session, rows: list[dict], jurisdictions: Iterable[str]) -> None:
    """Upsert per (substance, jurisdiction); drop rows of jurisdictions the rulebook no longer has."""
    if not rows:
        return
    table = table_of(SubstanceClassification)
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["substance_id", "jurisdiction"],
        set_={c: statement.excluded[c] for c in ("status", "rule_ids", "rulebook_version", "computed_at")},
    )
    session.execute(statement, rows)
    session.execute(
        table.delete().where(
            table.c.substance_id.in_({r["substance_id"] for r in rows}),
            table.c.jurisdiction.not_in(list(jurisdictions)),
        )
    )


def record_for_new(
    session: Session, *, created: set[str], substances: dict[str, Substance], identities: Iterable[Identity | None]
) -> None:
    """Classify substances registered in this transaction (report intake calls this)."""
    if not created:
        return
    live = current(session)
    on, at = today_utc(), utcnow()
    rows: list[dict] = []
    for identity in {i.inchikey: i for i in identities if i is not None and i.inchikey in created}.values():
        rows.extend(_rows(live, stored_id(substances[identity.inchikey]), identity, on=on, at=at))
    _store(session, rows, live.rulebook.jurisdictions)


def reclassify_stale(engine: Engine, *, chunk: int = 500, today: dt.date | None = None) -> int:
    """Recompute every substance whose stored classification is missing, from another rulebook
    version, or from an earlier day (a rule may have come into force since). One transaction per
    chunk; safe to run in several workers at once (upserts). Returns the number recomputed."""
    on = today or today_utc()
    start_of_day = dt.datetime.combine(on, dt.time(0), tzinfo=dt.UTC)
    done, after = 0, 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            live = current(session)
            fresh = select(SubstanceClassification.substance_id).where(
                SubstanceClassification.rulebook_version == live.version,
                SubstanceClassification.computed_at >= start_of_day,
            )
            batch = [
                (substance_id, smiles)
                for substance_id, smiles in session.exec(
                    select(Substance.id, Substance.smiles)
                    .where(col(Substance.id) > after, col(Substance.id).not_in(fresh))
                    .order_by(col(Substance.id))
                    .limit(chunk)
                ).all()
                if substance_id is not None  # stored rows always have one; the model types it Optional
            ]
            if not batch:
                return done
            at = utcnow()
            rows: list[dict] = []
            for substance_id, smiles in batch:
                try:
                    rows.extend(_rows(live, substance_id, smiles, on=on, at=at))
                except StructureError as error:  # a stored parent RDKit now refuses: leave it, say so
                    log.warning("substance %s not reclassified: %s", substance_id, error.message)
            begin_write(session)
            _store(session, rows, live.rulebook.jurisdictions)
            session.commit()
            done += len(batch)
            after = batch[-1][0]


def reclassify_job(engine: Engine) -> None:
    """The scheduled job: keep the registry's classification current (see service/scheduled.py)."""
    count = reclassify_stale(engine)
    if count:
        log.info("reclassified %d substance(s)", count)


# --- drafts ----------------------------------------------------------------------------------
#
# Governance (issue 17): a regulator drafts only for the jurisdiction of their organisation; a
# draft is read only by regulators of that jurisdiction and by admins; a version is activated
# only when every one of its own examples passes and a regulator other than its author approved
# that version (four-eyes), by a regulator of its jurisdiction. Admins read, never activate.


def _error(pointer: str, field: str | None, code: str, detail: str) -> dict:
    return {"in": "body", "pointer": pointer, "field": field, "code": code, "detail": detail}


def validate_rule(
    body: dict, *, session: Session | None = None, principal: Principal | None = None, timeout: float | None = None
) -> Rule:
    """The draft as a Rule, or one 422 problem listing every error at once, each with a JSON
    pointer: the format's (RDKit's reason for a SMARTS), a shipped rule's id, a jurisdiction
    that is not the regulator's own, an id that drafts of another jurisdiction already use."""
    if holds_unstorable_text(body):  # PostgreSQL cannot store a NUL: refused here, not as a 500
        raise Problem(
            422,
            "invalid-rule",
            f"the draft rule: {UNSTORABLE_DETAIL}",
            errors=[{"in": "body", "pointer": "#", "field": None, "detail": UNSTORABLE_DETAIL}],
        )
    errors: list[dict] = []
    rule = None
    try:
        rule = Rule.model_validate(body)
    except ValidationError as exc:
        errors.extend(validation_errors(exc.errors(include_url=False)))
    raw = body if isinstance(body, dict) else {}
    if raw:  # the rule as a whole and its own examples, in the same answer as the field errors
        reported = {(e["pointer"], e["detail"]) for e in errors}
        if timeout is None:
            timeout = get_settings().draft_impact_timeout_seconds
        errors.extend(
            e
            for e in whole_rule_errors(raw, rule, list(errors), timeout=timeout)
            if (e["pointer"], e["detail"]) not in reported
        )
    rule_id, jurisdiction = raw.get("id"), raw.get("jurisdiction")
    if isinstance(rule_id, str) and rule_id in shipped_rulebook().sources:
        errors.append(
            _error(
                "#/id",
                "id",
                "shipped_rule",
                f"rule id {rule_id!r} is a shipped rule ({shipped_rulebook().sources[rule_id]}); amend "
                "shipped rules in chemistry/rules, or draft a new rule under a new id",
            )
        )
    pointers = {e["pointer"] for e in errors}
    if principal is not None and jurisdiction != principal.organisation_country and "#/jurisdiction" not in pointers:
        errors.append(
            _error(
                "#/jurisdiction",
                "jurisdiction",
                "not_your_jurisdiction",
                f"a regulator of {principal.organisation_name} drafts rules for "
                f"{principal.organisation_country} only; got {jurisdiction!r}",
            )
        )
    if session is not None and isinstance(rule_id, str):
        taken = session.exec(
            select(ClassificationDraft.jurisdiction).where(ClassificationDraft.rule_id == rule_id).limit(1)
        ).first()
        if taken is not None and taken != jurisdiction:
            errors.append(
                _error(
                    "#/id",
                    "id",
                    "rule_id_taken",
                    f"rule id {rule_id!r} belongs to drafts of {taken}; choose another id",
                )
            )
    # "examples not checked" explains a 422, never causes one: a draft whose examples could not be
    # matched in time is stored, and its activation runs the same bounded check and refuses it
    if any(e.get("code") != NOT_CHECKED for e in errors):
        fields = ", ".join(dict.fromkeys(e["pointer"] for e in errors[:8]))
        raise Problem(422, "invalid-rule", f"the draft rule has {len(errors)} problem(s) at {fields}", errors=errors)
    assert rule is not None
    return rule


def create_draft(
    session: Session, *, body: dict, principal: Principal, timeout: float | None = None
) -> ClassificationDraft:
    rule = validate_rule(body, session=session, principal=principal, timeout=timeout)
    return _insert_version(session, rule=rule, principal=principal, action="draft.create")


def _insert_version(
    session: Session, *, rule: Rule, principal: Principal, action: str, detail: dict | None = None
) -> ClassificationDraft:
    try:
        begin_write(session)
        latest = session.exec(
            select(func.max(ClassificationDraft.version)).where(ClassificationDraft.rule_id == rule.id)
        ).one()
        draft = ClassificationDraft(
            id=str(ULID()),
            rule_id=rule.id,
            version=(latest or 0) + 1,
            kind=rule.kind,
            jurisdiction=rule.jurisdiction,
            title=rule.title,
            in_force_from=rule.in_force_from,
            body=rule_json(rule),
            content_hash=content_hash(rule),
            status=DraftStatus.draft.value,
            created_at=utcnow(),
            created_by_key_id=principal.key_id,
            created_by_organisation_id=principal.organisation_id,
        )
        session.add(draft)
        session.flush()
        record(
            session,
            principal=principal,
            action=action,
            entity="classification_draft",
            entity_id=draft.id,
            detail={"rule_id": rule.id, "version": draft.version, "jurisdiction": rule.jurisdiction, **(detail or {})},
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem(
            409, "conflict", f"another version of {rule.id!r} was posted at the same moment; post again"
        ) from None
    return draft


def may_read(draft: ClassificationDraft, principal: Principal) -> bool:
    """Admins read every draft; a regulator only those of their organisation's jurisdiction."""
    return principal.role == Role.admin or draft.jurisdiction == principal.organisation_country


def get_draft(session: Session, draft_id: str, principal: Principal | None = None) -> ClassificationDraft:
    draft = session.get(ClassificationDraft, draft_id)
    if draft is None or (principal is not None and not may_read(draft, principal)):
        scope = (
            ""
            if principal is None or principal.role == Role.admin
            else f" among the drafts of {principal.organisation_country}"
        )
        raise Problem(404, "not-found", f"no draft {draft_id!r}{scope}")
    return draft


def list_drafts(
    session: Session,
    *,
    rule_id: str | None,
    status: DraftStatus | None,
    cursor: str | None,
    limit: int,
    principal: Principal | None = None,
) -> tuple[list[ClassificationDraft], str | None]:
    """Newest first; the cursor is the last draft id (a ULID) seen. Regulators see their
    jurisdiction's drafts only."""
    query = select(ClassificationDraft)
    if principal is not None and principal.role != Role.admin:
        query = query.where(ClassificationDraft.jurisdiction == principal.organisation_country)
    if rule_id:
        query = query.where(ClassificationDraft.rule_id == rule_id)
    if status:
        query = query.where(ClassificationDraft.status == status.value)
    if cursor:
        query = query.where(ClassificationDraft.id < cursor)
    rows = session.exec(query.order_by(col(ClassificationDraft.id).desc()).limit(limit + 1)).all()
    more, rows = len(rows) > limit, list(rows[:limit])
    return rows, rows[-1].id if more and rows else None


def _escape(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def json_diff(old: object, new: object, path: str = "") -> list[dict]:
    """The changes from ``old`` to ``new`` as RFC 6902-style operations with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict] = []
        for key in [*old, *(k for k in new if k not in old)]:
            where = f"{path}/{_escape(key)}"
            if key not in new:
                out.append({"op": "remove", "path": where, "old": old[key]})
            elif key not in old:
                out.append({"op": "add", "path": where, "new": new[key]})
            else:
                out.extend(json_diff(old[key], new[key], where))
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for index in range(max(len(old), len(new))):
            where = f"{path}/{index}"
            if index >= len(new):
                out.append({"op": "remove", "path": where, "old": old[index]})
            elif index >= len(old):
                out.append({"op": "add", "path": where, "new": new[index]})
            else:
                out.extend(json_diff(old[index], new[index], where))
        return out
    return [] if old == new else [{"op": "replace", "path": path or "/", "old": old, "new": new}]


def merge_patch(target: object, patch: object) -> object:
    """RFC 7396 JSON Merge Patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _previous(session: Session, draft: ClassificationDraft) -> ClassificationDraft | None:
    if draft.version <= 1:
        return None
    return session.exec(
        select(ClassificationDraft).where(
            ClassificationDraft.rule_id == draft.rule_id, ClassificationDraft.version == draft.version - 1
        )
    ).first()


def blockers(draft: ClassificationDraft, session: Session | None = None) -> list[str]:
    """What activation would refuse, as far as it is known without evaluating the draft; with a
    session, an approval by a key revoked since (approval_revoked) is named too."""
    if draft.status != DraftStatus.draft.value:
        return []
    found = []
    if draft.approved_by_key_id is None:
        found.append(
            f"approval by a second regulator of {draft.jurisdiction} (not the author): "
            f"POST /v1/drafts/{draft.id}:approve"
        )
    elif session is not None and approval_revoked(session, draft):
        found.append(
            f"approval again: the key that approved this version ({draft.approved_by_key_id}) has been revoked, "
            f"so its approval no longer counts; another regulator of {draft.jurisdiction} (not the author): "
            f"POST /v1/drafts/{draft.id}:approve"
        )
    found.append(
        "every one of its own must_match / must_not_match examples passes (checked at activation; "
        f"see GET /v1/drafts/{draft.id}/impact)"
    )
    return found


def draft_read(draft: ClassificationDraft, session: Session | None = None) -> DraftRead:
    data = {**draft.model_dump(exclude={"body"}), "rule": draft.body, "activation_blockers": blockers(draft, session)}
    previous = _previous(session, draft) if session is not None else None
    if previous is not None:
        data["previous_version"] = previous.version
        data["changes"] = json_diff(previous.body, draft.body)
    return DraftRead.model_validate(data)


def patch_draft(
    session: Session, *, draft_id: str, patch: object, principal: Principal, timeout: float | None = None
) -> ClassificationDraft:
    """A new version of the rule: the latest version with an RFC 7396 merge patch applied."""
    base = get_draft(session, draft_id, principal)
    latest = session.exec(
        select(func.max(ClassificationDraft.version)).where(ClassificationDraft.rule_id == base.rule_id)
    ).one()
    if latest != base.version:
        raise Problem(
            409,
            "conflict",
            f"draft {draft_id} is version {base.version} of {base.rule_id!r}, but version "
            f"{latest} is newer: patch the latest version",
        )
    if not isinstance(patch, dict):
        raise Problem(
            422,
            "invalid-rule",
            "a merge patch (RFC 7396) is a JSON object",
            errors=[_error("#", None, "not_an_object", "send a JSON object with the fields to change")],
        )
    body = merge_patch(base.body, patch)
    assert isinstance(body, dict)  # an object merged into the stored object stays an object
    if body.get("id") != base.rule_id:
        raise Problem(
            422,
            "invalid-rule",
            "a draft's rule id cannot change",
            errors=[_error("#/id", "id", "id_changed", f"keep {base.rule_id!r}; post a new draft for a new rule id")],
        )
    rule = validate_rule(body, session=session, principal=principal, timeout=timeout)
    if content_hash(rule) == base.content_hash:
        session.rollback()
        return base
    session.rollback()  # end the reads: the version is inserted in its own write transaction
    return _insert_version(
        session,
        rule=rule,
        principal=principal,
        action="draft.patch",
        detail={"previous_version": base.version, "changes": len(json_diff(base.body, rule_json(rule)))},
    )


def approve(session: Session, *, draft_id: str, principal: Principal) -> ClassificationDraft:
    """The second pair of eyes: a regulator of the draft's jurisdiction, not its author.

    "Not its author" compares API keys, the only identity the system has: a key belongs to an
    organisation, not to a person (its label is free text), so two keys an admin issued to one
    person look like two regulators. What is guaranteed: two distinct unrevoked regulator keys of
    the jurisdiction, both named in the audit log; an approval by a key revoked before
    activation does not count (and another regulator may approve again)."""
    draft = get_draft(session, draft_id, principal)
    if draft.jurisdiction != principal.organisation_country:
        raise Problem(
            403,
            "forbidden",
            f"draft {draft_id} is for {draft.jurisdiction}; your organisation's "
            f"jurisdiction is {principal.organisation_country}",
        )
    if draft.created_by_key_id == principal.key_id:
        raise Problem(
            403,
            "forbidden",
            f"you wrote draft {draft_id}; a second regulator of {draft.jurisdiction} must approve it (four-eyes)",
        )
    begin_write(session)
    draft = session.exec(
        select(ClassificationDraft)
        .where(ClassificationDraft.id == draft_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if draft.status != DraftStatus.draft.value:
        session.rollback()
        raise Problem(
            409, "conflict", f"draft {draft_id} is {draft.status}; only a draft awaiting activation is approved"
        )
    replaced = draft.approved_by_key_id
    if replaced is not None and not approval_revoked(session, draft):
        session.rollback()
        raise Problem(409, "conflict", f"draft {draft_id} was already approved by key {draft.approved_by_key_id}")
    draft.approved_by_key_id, draft.approved_at = principal.key_id, utcnow()
    session.add(draft)
    session.flush()
    record(
        session,
        principal=principal,
        action="draft.approve",
        entity="classification_draft",
        entity_id=draft.id,
        detail={
            "rule_id": draft.rule_id,
            "version": draft.version,
            "jurisdiction": draft.jurisdiction,
            "content_hash": draft.content_hash,
            "author_key_id": draft.created_by_key_id,
            **({"replaces_approval_of_revoked_key": replaced} if replaced else {}),
        },
    )
    session.commit()
    return draft


def approval_revoked(session: Session, draft: ClassificationDraft) -> bool:
    """True when the key that approved this version has been revoked since: the approval no longer
    counts. Keys name no person (see approve), so revoking a key is how an admin who finds that
    one person held two regulator keys takes back what the second key approved."""
    if draft.approved_by_key_id is None:
        return False
    key = session.get(ApiKey, draft.approved_by_key_id)
    return key is None or key.revoked_at is not None


def impact(session: Session, draft: ClassificationDraft, *, timeout: float) -> DraftImpact:
    """What the draft would capture: registry substances, shipped examples, and what it newly
    controls. Matching runs in a child process killed after ``timeout`` seconds (422 then)."""
    live = current(session)
    rule = Rule.model_validate(draft.body)
    refuse_costly_patterns(rule, label=f"draft {draft.id} ({rule.id} version {draft.version})")
    substances = [
        (substance_id, key, smiles)
        for substance_id, key, smiles in session.exec(
            select(Substance.id, Substance.inchikey, Substance.smiles).order_by(col(Substance.id))
        ).all()
        if substance_id is not None  # stored rows always have one; the model types it Optional
    ]
    examples = [
        (other.id, expectation, example.name, example.smiles)
        for other in shipped_rulebook().rules
        if other.id != rule.id
        for expectation, found in (("must_match", other.must_match), ("must_not_match", other.must_not_match))
        for example in found
    ]
    data = impact_worker.ImpactInput(
        rule=draft.body,
        on=rule.in_force_from,
        substances=[(key, smiles) for _, key, smiles in substances],
        examples=examples,
    )
    try:
        out = impact_worker.run_bounded(data, timeout=timeout)
    except impact_worker.ImpactTimeout as exc:
        raise Problem(
            422,
            "draft-too-costly",
            f"matching draft {draft.id} ({rule.id} version {draft.version}) against the registry and the examples "
            f"did not finish within {exc.seconds:g} s; a pattern this costly would stall classification. Make the "
            "SMARTS more specific (fewer '*' and '~', fixed elements, fewer atoms)",
            errors=[
                {
                    "in": "body",
                    "pointer": "#/cores",
                    "field": "cores",
                    "code": "too_costly",
                    "detail": f"substructure search exceeded {exc.seconds:g} s",
                }
            ],
        ) from None
    except impact_worker.ImpactFailed as exc:
        raise Problem(422, "draft-too-costly", f"the draft could not be evaluated: {exc}") from None

    by_key = {key: (substance_id, smiles) for substance_id, key, smiles in substances}
    names = registry.names_for(session, [by_key[key][0] for key, _ in out.captured])
    today = today_utc()
    captured = []
    for key, matched_on in out.captured:
        substance_id, smiles = by_key[key]
        # a jurisdiction no live rule covers yet comes back not_controlled
        status = live.classifier.classify(smiles, jurisdictions=[rule.jurisdiction], as_of=today).status(
            rule.jurisdiction
        )
        captured.append(
            CapturedSubstance(
                inchikey=key,
                smiles=smiles,
                names=names.get(substance_id, []),
                current_status=status,
                matched_on=matched_on,
            )
        )
    own = [ExampleCheck(**check) for check in out.own_examples]
    return DraftImpact(
        draft_id=draft.id,
        rule_id=rule.id,
        version=draft.version,
        jurisdiction=rule.jurisdiction,
        evaluated_on=rule.in_force_from,
        registry_size=len(substances),
        captured=captured,
        newly_controlled=[c for c in captured if c.current_status == "not_controlled"],
        shipped_examples_captured=[
            CapturedExample(
                rule_id=examples[i][0], expectation=examples[i][1], name=examples[i][2], smiles=examples[i][3]
            )
            for i in out.examples_captured
        ],
        own_examples=own,
        own_examples_pass=all(check.as_expected for check in own),
        seconds=out.seconds,
    )


def _activation_errors(draft: ClassificationDraft, evaluated: DraftImpact, *, revoked: bool = False) -> list[dict]:
    """Every reason the draft may not go live, each pointing at what to fix."""
    errors = []
    index = {"must_match": 0, "must_not_match": 0}
    for check in evaluated.own_examples:
        at = index[check.expectation]
        index[check.expectation] += 1
        if not check.as_expected:
            expected = "captured" if check.expectation == "must_match" else "not captured"
            why = f" (near miss: {check.near_miss})" if check.near_miss else ""
            errors.append(
                _error(
                    f"#/{check.expectation}/{at}",
                    check.expectation,
                    "example_fails",
                    f"{check.name} must be {expected} by the draft, and is not{why}",
                )
            )
    if draft.kind == "group" and index["must_match"] == 0:
        errors.append(
            _error(
                "#/must_match",
                "must_match",
                "no_examples",
                "a group definition goes live only with at least one must_match example that it captures",
            )
        )
    if revoked:
        errors.append(
            _error(
                "#",
                None,
                "approval_revoked",
                f"the key that approved this version ({draft.approved_by_key_id}) has been revoked: another "
                f"regulator of {draft.jurisdiction}, not the author, must approve it again: "
                f"POST /v1/drafts/{draft.id}:approve",
            )
        )
    if draft.approved_by_key_id is None:
        errors.append(
            _error(
                "#",
                None,
                "approval_missing",
                f"a second regulator of {draft.jurisdiction}, not the author, must approve this version "
                f"first: POST /v1/drafts/{draft.id}:approve",
            )
        )
    return errors


def activate(
    session: Session, *, draft_id: str, principal: Principal, engine: Engine, timeout: float
) -> ActivationRead:
    """Add the draft to the live rulebook (from its in_force_from), replacing the rule's active
    version; only when its impact was computed within the time bound, every one of its own
    examples passes and a second regulator approved it. History stays in the table."""
    draft = get_draft(session, draft_id, principal)
    if draft.jurisdiction != principal.organisation_country:
        raise Problem(
            403,
            "forbidden",
            f"draft {draft_id} is for {draft.jurisdiction}; a regulator activates only for "
            f"their organisation's jurisdiction ({principal.organisation_country})",
        )
    if draft.status == DraftStatus.active.value:
        raise Problem(409, "conflict", f"draft {draft_id} ({draft.rule_id} version {draft.version}) is already active")
    evaluated = impact(session, draft, timeout=timeout)
    errors = _activation_errors(draft, evaluated, revoked=approval_revoked(session, draft))
    if errors:
        raise Problem(
            422,
            "activation-refused",
            f"draft {draft_id} ({draft.rule_id} version {draft.version}) cannot be activated: "
            + "; ".join(e["detail"] for e in errors),
            errors=errors,
        )

    begin_write(session)
    # Lock every version of the rule (PostgreSQL; SQLite's writer lock already serialises), so
    # two activations of one rule cannot both leave a version active.
    versions = session.exec(
        select(ClassificationDraft)
        .where(ClassificationDraft.rule_id == draft.rule_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    draft = next(v for v in versions if v.id == draft_id)
    if draft.status == DraftStatus.active.value:  # activated by someone else meanwhile
        session.rollback()
        raise Problem(409, "conflict", f"draft {draft_id} was activated by another request")
    now = utcnow()
    replaced = [v for v in versions if v.status == DraftStatus.active.value]
    for old in replaced:
        old.status, old.superseded_at = DraftStatus.superseded.value, now
        session.add(old)
    draft.status, draft.activated_at, draft.activated_by_key_id = DraftStatus.active.value, now, principal.key_id
    draft.superseded_at = None
    session.add(draft)
    session.flush()
    record(
        session,
        principal=principal,
        action="draft.activate",
        entity="classification_draft",
        entity_id=draft.id,
        detail={
            "rule_id": draft.rule_id,
            "version": draft.version,
            "jurisdiction": draft.jurisdiction,
            "in_force_from": draft.in_force_from.isoformat(),
            "author_key_id": draft.created_by_key_id,
            "approved_by_key_id": draft.approved_by_key_id,
            "superseded": [old.id for old in replaced],
            "captured": len(evaluated.captured),
            "newly_controlled": [c.inchikey for c in evaluated.newly_controlled],
        },
    )
    session.commit()

    live = current(session)  # compiles the new rulebook in this process; other replicas follow
    reclassified = reclassify_stale(engine)
    return ActivationRead(
        draft=draft_read(draft, session),
        superseded=[old.id for old in replaced],
        rulebook_version=live.version,
        impact=evaluated,
        reclassified=reclassified,
    )
