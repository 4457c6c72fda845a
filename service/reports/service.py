"""Report intake: identify each structure, then store a batch of reports in one transaction.

Single POSTs and batches share this path. Everything that can fail on bad input (validation,
structure parsing, idempotency conflicts) is decided before anything is written, so a rejected
item never leaves a substance, a name or an audit row behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select
from ulid import ULID

from chemistry.identity import Identity, StructureError, identify
from service.alerting.outbox import raise_alerts
from service.audit.service import record_many
from service.auth.models import Principal
from service.classification import service as classification
from service.db import begin_write, stored_id, table_of, utcnow
from service.observability.logs import current_request_id
from service.observability.metrics import record_reports
from service.pagination import decode_cursor, encode_cursor, invalid_cursor
from service.problems import Problem
from service.reports.models import Quantity, Report, ReportCreate, ReportRead
from service.substances import service as registry
from service.substances.models import Substance, SubstanceSummary


@dataclass(slots=True)
class PreparedReport:
    """A validated report whose structure has been identified, not yet stored."""

    data: ReportCreate
    identity: Identity | None
    request_hash: str
    idempotency_key: str | None
    request_id: str | None = None  # X-Request-ID of the request that sent it


@dataclass(slots=True)
class Outcome:
    status: Literal["created", "replayed"]
    report: ReportRead


def request_hash(data: ReportCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def structure_problem(error: StructureError, *, pointer: str = "#/structure") -> Problem:
    fmt = error.fmt.value if error.fmt else "structure"
    return Problem(
        422,
        "invalid-structure",
        f"structure: {error.message}",
        errors=[
            {
                "in": "body",
                "pointer": pointer,
                "field": "structure",
                "detail": error.message,
                "code": error.code,
                "format": fmt,
            }
        ],
    )


def prepare(data: ReportCreate, *, principal: Principal, idempotency_key: str | None) -> PreparedReport:
    """Check who may file it and read its structure; raises Problem, writes nothing."""
    claimed = data.organisation
    if claimed is not None and claimed not in (principal.organisation_id, principal.organisation_name):
        raise Problem(
            403,
            "forbidden",
            f"this key reports for organisation '{principal.organisation_name}' "
            f"(id {principal.organisation_id}) only, not for {claimed!r}",
        )
    identity = None
    if data.structure and data.structure.strip():
        try:
            identity = identify(data.structure, fmt=data.structure_format)
        except StructureError as error:
            raise structure_problem(error) from None
    return PreparedReport(
        data=data,
        identity=identity,
        request_hash=request_hash(data),
        idempotency_key=idempotency_key,
        request_id=current_request_id(),
    )


def store(session: Session, items: list[PreparedReport], *, principal: Principal) -> list[Outcome | Problem]:
    """Store prepared reports atomically; returns one outcome or problem per item, in order."""
    (outcomes,) = store_groups(session, [(principal, items)])
    return outcomes


def store_groups(
    session: Session, groups: list[tuple[Principal, list[PreparedReport]]]
) -> list[list[Outcome | Problem]]:
    """Store several callers' reports in one transaction, each group under its own principal.

    The groups are stored in order, exactly as if one transaction per group had run one after
    the other: a substance registered by an earlier group is not new to a later one, and its
    alerts see the earlier group's reports.

    A concurrent request may claim the same idempotency key between our check and our insert;
    the unique constraint then rolls everything back and one retry sees the winner's report.
    On PostgreSQL a deadlock victim is run again too (rows are written in a fixed order, so
    this is a last resort).
    """
    for attempt in (1, 2, 3):
        try:
            begin_write(session)
            outcomes = [_store_once(session, items, principal=principal) for principal, items in groups]
            session.commit()
            record_reports(o.status for group in outcomes for o in group if isinstance(o, Outcome))
            return outcomes
        except (IntegrityError, OperationalError) as error:
            session.rollback()
            retryable = isinstance(error, IntegrityError) or _is_deadlock(error)
            if not retryable or attempt == 3:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _is_deadlock(error: OperationalError) -> bool:
    """PostgreSQL chose this transaction as a deadlock victim or failed its serialization:
    running it again is the documented remedy."""
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def _store_once(session: Session, items: list[PreparedReport], *, principal: Principal) -> list[Outcome | Problem]:
    now = utcnow()
    # per item: a Problem (a conflict), the index of the item whose answer it replays, or None (new)
    results: list[Problem | int | None] = [None] * len(items)

    # 1. Idempotency: a key already used by this organisation replays or conflicts.
    keys = {item.idempotency_key for item in items if item.idempotency_key}
    earlier: dict[str | None, Report] = {}  # by idempotency key: only reports with one are read
    if keys:
        earlier = {
            r.idempotency_key: r
            for r in session.exec(
                select(Report).where(
                    Report.organisation_id == principal.organisation_id, col(Report.idempotency_key).in_(keys)
                )
            )
        }
    fresh: list[int] = []
    seen_in_batch: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.idempotency_key
        if key and (previous := earlier.get(key)) is not None:
            results[index] = _replay_or_conflict(previous.request_hash, item, key) or index
        elif key and key in seen_in_batch:
            first = items[seen_in_batch[key]]
            results[index] = _replay_or_conflict(first.request_hash, item, key) or seen_in_batch[key]
        else:
            if key:
                seen_in_batch[key] = index
            fresh.append(index)

    # 2. Registry: new parents are registered; reports without a structure are resolved by name.
    substances, created = registry.register(session, (identity for i in fresh if (identity := items[i].identity)))
    classification.record_for_new(
        session, created=created, substances=substances, identities=(items[i].identity for i in fresh)
    )
    rows: list[dict] = []
    linked: dict[int, Substance | None] = {}
    new_flags: dict[int, bool] = {}
    claimed_new: set[str] = set()
    for index in fresh:
        item = items[index]
        substance: Substance | None
        if item.identity is not None:
            substance = substances[item.identity.inchikey]
        else:
            substance = registry.resolve_name(session, item.data.substance_name or "")
        is_new = False
        if substance is not None and substance.inchikey in created and substance.inchikey not in claimed_new:
            is_new = True
            claimed_new.add(substance.inchikey)
        linked[index], new_flags[index] = substance, is_new
        rows.append(_row(item, substance, is_new, principal=principal, received_at=now))

    if rows:
        # The outbox: alerts and their deliveries commit (or roll back) with the reports. The
        # signals are read before the reports are inserted, so the history they read is the
        # reports stored before this batch, with no batch ids to exclude.
        raise_alerts(session, stored=[(row, linked[i]) for i, row in zip(fresh, rows)])
        session.execute(table_of(Report).insert(), rows)  # Core: the ORM's bulk path costs more
        registry.add_names(
            session,
            (
                (stored_id(substance), name)
                for i in fresh
                if (substance := linked[i]) is not None and (name := items[i].data.substance_name)
            ),
            source="report",
        )
        firsts: dict[int, tuple[dt.datetime, str]] = {}
        for index, row in zip(fresh, rows):
            if (substance := linked[index]) is not None and substance.first_reported_at is None:
                firsts.setdefault(stored_id(substance), (now, row["country"]))
        registry.mark_first_reported(session, firsts)
        record_many(
            session,
            principal=principal,
            action="report.create",
            entity="report",
            entries=[
                (row["id"], {"substance": substance.inchikey if (substance := linked[i]) else None})
                for i, row in zip(fresh, rows)
            ],
        )
        if created:
            record_many(
                session,
                principal=principal,
                action="substance.register",
                entity="substance",
                entries=[(key, {}) for key in sorted(created)],
            )

    # 3. Answers: new reports from what was just written, replays read back from the database.
    names = registry.names_for(session, {stored_id(s) for s in linked.values() if s is not None})
    by_index = {index: _to_read(row, linked[index], names) for index, row in zip(fresh, rows)}
    replays = read_many(
        session,
        [
            earlier[items[i].idempotency_key].id
            for i, r in enumerate(results)
            if isinstance(r, int) and items[i].idempotency_key in earlier
        ],
    )
    answers: list[Outcome | Problem] = []
    for index, result in enumerate(results):
        if isinstance(result, Problem):
            answers.append(result)
        elif result is None:
            answers.append(Outcome("created", by_index[index]))
        elif items[index].idempotency_key in earlier:
            answers.append(Outcome("replayed", replays[earlier[items[index].idempotency_key].id]))
        else:  # a repeat, inside this batch, of an item stored a moment ago
            answers.append(Outcome("replayed", by_index[result]))
    return answers


def _replay_or_conflict(stored_hash: str, item: PreparedReport, key: str) -> Problem | None:
    if stored_hash == item.request_hash:
        return None
    return Problem(
        409,
        "idempotency-conflict",
        f"Idempotency-Key {key!r} was already used for a different report; use a new key for new content",
    )


def _row(
    item: PreparedReport, substance: Substance | None, is_new: bool, *, principal: Principal, received_at: dt.datetime
) -> dict:
    data = item.data
    return {
        "id": str(ULID()),
        "organisation_id": principal.organisation_id,
        "substance_id": substance.id if substance else None,
        "substance_was_new": is_new,
        "structure": data.structure,
        "structure_format": item.identity.input_format.value if item.identity else None,
        "substance_name": data.substance_name,
        "sample_type": data.sample_type.value,
        "country": data.country,
        "region": data.region,
        "sampled_on": data.sampled_on,
        "techniques": [t.value for t in data.techniques],
        "confidence": data.confidence.value,
        "quantity_value": data.quantity.value if data.quantity else None,
        "quantity_unit": data.quantity.unit.value if data.quantity else None,
        "purity_percent": data.purity_percent,
        "context": data.context,
        "received_at": received_at,
        "idempotency_key": item.idempotency_key,
        "request_hash": item.request_hash,
        "submitted_by_key_id": principal.key_id,
        "request_id": item.request_id,
    }


# --- reading ---------------------------------------------------------------------------------


def read_many(session: Session, report_ids: list[str]) -> dict[str, ReportRead]:
    if not report_ids:
        return {}
    pairs = session.exec(
        select(Report, Substance)
        .join(Substance, col(Substance.id) == Report.substance_id, isouter=True)
        .where(col(Report.id).in_(report_ids))
    ).all()
    return to_reads(session, pairs)


def to_reads(session: Session, pairs: Sequence[tuple[Report, Substance | None]]) -> dict[str, ReportRead]:
    names = registry.names_for(session, {stored_id(s) for _, s in pairs if s is not None})
    return {report.id: _to_read(report.model_dump(), substance, names) for report, substance in pairs}


def _to_read(row: dict, substance: Substance | None, names: dict[int, list[str]]) -> ReportRead:
    """One ReportRead from a report's column values, whether just written or read back."""
    summary = None
    if substance is not None:
        summary = SubstanceSummary(
            inchikey=substance.inchikey,
            connectivity_key=substance.connectivity_key,
            smiles=substance.smiles,
            formula=substance.formula,
            names=names.get(stored_id(substance), []),
        )
    # a non-finite value, stored before intake refused them, has no JSON form: read as no quantity
    value = row["quantity_value"]
    quantity = Quantity(value=value, unit=row["quantity_unit"]) if value and math.isfinite(value) else None
    return ReportRead.model_validate(
        {
            **row,
            "substance": summary,
            "substance_is_new": row["substance_was_new"],
            "quantity": quantity,
            **_identification(row, substance),
        }
    )


def _identification(row: dict, substance: Substance | None) -> dict:
    """How the report's substance was found, and, when it was not, a reason the reporter can act on."""
    if substance is not None:
        return {"identified_by": "structure" if row["structure"] else "name", "substance_note": None}
    return {
        "identified_by": None,
        "substance_note": (
            f"the registry knows no substance by the name {row['substance_name']!r}, or more than one: the report is "
            "stored without a substance, so it counts for no substance and raises no alert. Send the structure "
            "(SMILES, InChI or Molfile) with the name to identify it"
        ),
    }


@dataclass(frozen=True, slots=True)
class ReportFilter:
    substance: str | None = None  # InChIKey, or its first block for all stereoisomers
    country: str | None = None
    organisation_id: int | None = None
    sample_type: str | None = None
    sampled_from: dt.date | None = None
    sampled_to: dt.date | None = None


def list_reports(
    session: Session, flt: ReportFilter, *, cursor: str | None, limit: int
) -> tuple[list[ReportRead], str | None]:
    """Newest first; the cursor is the last id seen, so pages stay stable while reports arrive."""
    query = select(Report, Substance).join(Substance, col(Substance.id) == Report.substance_id, isouter=True)
    if flt.substance:
        key = flt.substance.strip().upper()
        query = query.where(Substance.connectivity_key == key if len(key) == 14 else Substance.inchikey == key)
    if flt.country:
        query = query.where(Report.country == flt.country.upper())
    if flt.organisation_id is not None:
        query = query.where(Report.organisation_id == flt.organisation_id)
    if flt.sample_type:
        query = query.where(Report.sample_type == flt.sample_type)
    if flt.sampled_from:
        query = query.where(Report.sampled_on >= flt.sampled_from)
    if flt.sampled_to:
        query = query.where(Report.sampled_on <= flt.sampled_to)
    if cursor:
        (last_id,) = decode_cursor(cursor)
        if len(last_id) != 26:  # a ULID
            raise invalid_cursor()
        query = query.where(Report.id < last_id)
    pairs = session.exec(query.order_by(col(Report.id).desc()).limit(limit + 1)).all()
    more = len(pairs) > limit
    pairs = pairs[:limit]
    reads = to_reads(session, pairs)
    items = [reads[r.id] for r, _ in pairs]
    return items, encode_cursor(items[-1].id) if more and items else None
