"""Registry operations: register parents, record names, look substances up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from chemistry.identity import Identity
from service.classification.models import SubstanceClassification, SubstanceClassificationRead
from service.db import stored_id, table_of
from service.reports.models import Report
from service.substances.models import CountryCount, Substance, SubstanceDetail, SubstanceName, SubstanceRead, name_key


def _insert(session: Session, table):  # noqa: ANN001 - a SQLAlchemy Table
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def register(session: Session, identities: Iterable[Identity]) -> tuple[dict[str, Substance], set[str]]:
    """Ensure each parent is in the registry.

    Returns the substances by InChIKey (rows with the columns of Substance, read-only) and the
    InChIKeys this call added. Concurrent writers may register the same parent; ON CONFLICT DO
    NOTHING lets exactly one of them create it.
    """
    wanted = {identity.inchikey: identity for identity in identities}
    if not wanted:
        return {}, set()
    found = _by_inchikey(session, list(wanted))
    missing = [identity for key, identity in wanted.items() if key not in found]
    created: set[str] = set()
    if missing:
        rows = [
            {
                "inchikey": i.inchikey,
                "connectivity_key": i.connectivity_key,
                "inchi": i.inchi,
                "smiles": i.smiles,
                "formula": i.formula,
                "monoisotopic_mass": i.monoisotopic_mass,
                "average_mass": i.average_mass,
                "created_at": dt.datetime.now(dt.UTC),
            }
            for i in sorted(missing, key=lambda identity: identity.inchikey)
        ]
        table = table_of(Substance)
        statement = (
            _insert(session, table).on_conflict_do_nothing(index_elements=["inchikey"]).returning(table.c.inchikey)
        )
        # One statement per new parent: executemany with RETURNING is not portable across drivers,
        # and new parents are the rare case.
        for row in rows:
            created.update(session.execute(statement, row).scalars())
        keys = [i.inchikey for i in missing]
        found.update(_by_inchikey(session, keys))
    return found, created


def add_names(session: Session, pairs: Iterable[tuple[int, str]], *, source: str) -> None:
    """Record names (substance id, name); a name already known for that substance is ignored."""
    rows = {}
    for substance_id, name in pairs:
        clean = " ".join(name.split())
        if clean:
            rows[(substance_id, name_key(clean))] = {
                "substance_id": substance_id,
                "name": clean,
                "name_key": name_key(clean),
                "source": source,
            }
    if rows:
        statement = _insert(session, table_of(SubstanceName)).on_conflict_do_nothing(
            index_elements=["substance_id", "name_key"]
        )
        # sorted: concurrent writers take row locks in one order and cannot deadlock
        session.execute(statement, [rows[key] for key in sorted(rows)])


_S = table_of(Substance).c
_MARK_FIRST = (
    update(table_of(Substance))
    .where(_S.id == bindparam("substance_id"), _S.first_reported_at.is_(None))
    .values(first_reported_at=bindparam("at"), first_reported_country=bindparam("country"))
)


def mark_first_reported(session: Session, firsts: dict[int, tuple[dt.datetime, str]]) -> None:
    """Stamp when and where a substance was first reported, unless it already was."""
    if firsts:
        session.execute(
            _MARK_FIRST,
            [
                {"substance_id": substance_id, "at": at, "country": country}
                for substance_id, (at, country) in sorted(firsts.items())  # one row-lock order for all writers
            ],
        )


def resolve_name(session: Session, name: str) -> Substance | None:
    """The one substance known by this name; None when unknown or ambiguous."""
    ids = session.exec(select(SubstanceName.substance_id).where(SubstanceName.name_key == name_key(name))).all()
    distinct = set(ids)
    return session.get(Substance, distinct.pop()) if len(distinct) == 1 else None


_N = table_of(SubstanceName).c
_NAMES_OF = (
    select(_N.substance_id, _N.name).where(_N.substance_id.in_(bindparam("ids", expanding=True))).order_by(_N.id)
)
# Plain rows, read like Substance objects (same attribute names): intake reads a few hundred per
# batch and never changes them, and building ORM instances cost several times the query.
_BY_INCHIKEY = select(*_S).where(_S.inchikey.in_(bindparam("keys", expanding=True)))


def _by_inchikey(session: Session, keys: list[str]) -> dict[str, Substance]:
    # typed as the Substance they stand in for: the same attribute names, only read
    return {row.inchikey: cast(Substance, row) for row in session.execute(_BY_INCHIKEY, {"keys": keys})}


def names_for(session: Session, substance_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = set(substance_ids)
    names: dict[int, list[str]] = defaultdict(list)
    if ids:
        for substance_id, name in session.execute(_NAMES_OF, {"ids": list(ids)}):
            names[substance_id].append(name)
    return names


def get_by_inchikey(session: Session, inchikey: str) -> Substance | None:
    return session.exec(select(Substance).where(Substance.inchikey == inchikey.upper())).first()


def search(
    session: Session,
    *,
    name: str | None = None,
    inchikey: str | None = None,
    exact: Identity | None = None,
    after_id: int | None = None,
    limit: int,
) -> Sequence[Substance]:
    """Substances by name (case-insensitive substring), InChIKey (full, or first block for all
    stereoisomers) or exact structure, in registration order."""
    query = select(Substance)
    if name:
        pattern = f"%{name_key(name).replace('%', '').replace('_', '')}%"
        query = query.where(
            col(Substance.id).in_(select(SubstanceName.substance_id).where(col(SubstanceName.name_key).like(pattern)))
        )
    if inchikey:
        key = inchikey.strip().upper()
        query = query.where(Substance.connectivity_key == key if len(key) == 14 else Substance.inchikey == key)
    if exact is not None:
        query = query.where(Substance.inchikey == exact.inchikey)
    if after_id is not None:
        query = query.where(col(Substance.id) > after_id)
    return session.exec(query.order_by(col(Substance.id)).limit(limit)).all()


def to_read(substance: Substance, names: list[str]) -> SubstanceRead:
    return SubstanceRead.model_validate({**substance.model_dump(), "names": names})


def detail(session: Session, substance: Substance) -> SubstanceDetail:
    per_country = session.exec(
        select(Report.country, func.count(), func.min(Report.sampled_on), func.max(Report.sampled_on))
        .where(Report.substance_id == substance.id)
        .group_by(Report.country)
        .order_by(func.count().desc(), Report.country)
    ).all()
    countries = [CountryCount(country=c, reports=n, first_seen=lo, last_seen=hi) for c, n, lo, hi in per_country]
    stereoisomers = session.exec(
        select(Substance.inchikey).where(
            Substance.connectivity_key == substance.connectivity_key, Substance.id != substance.id
        )
    ).all()
    substance_id = stored_id(substance)
    read = to_read(substance, names_for(session, [substance_id])[substance_id])
    return SubstanceDetail(
        **read.model_dump(),
        report_count=sum(c.reports for c in countries),
        first_seen=min((c.first_seen for c in countries if c.first_seen), default=None),
        last_seen=max((c.last_seen for c in countries if c.last_seen), default=None),
        countries=countries,
        stereoisomers=list(stereoisomers),
        classification=[
            SubstanceClassificationRead.model_validate(row)
            for row in session.exec(
                select(SubstanceClassification)
                .where(SubstanceClassification.substance_id == substance.id)
                .order_by(SubstanceClassification.jurisdiction)
            )
        ],
    )
