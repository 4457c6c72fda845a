"""Placing substances in families, in ONE place: the worker, under a database lock.

Why the worker and not the report transaction
---------------------------------------------
Incremental placement (:meth:`chemistry.families.FamilyIndex.assign`) is order-dependent: a
substance joins the family of its nearest *already placed* relative, or founds a family. With
several API replicas each placing inside its own report transaction, two related substances
reported a millisecond apart on two replicas would each miss the other and found two families;
every replica would also need the whole index in memory and a global lock held for the length of
every report transaction (on SQLite: the one write lock, already the intake's bottleneck). So
intake only *registers* a substance, and placement happens afterwards:

* :func:`place_pending` takes the substances without a ``family_member`` row in registration
  order (``substance.id``), in batches of a short write transaction each, under the *placement
  lock*: ``pg_try_advisory_xact_lock`` on PostgreSQL (a worker that does not get it skips this
  round: another one is placing), the database's single write lock on SQLite (``BEGIN
  IMMEDIATE``). Only the lock holder writes ``family_member`` rows, so their ids grow in commit
  order.
* The :class:`~chemistry.families.FamilyIndex` lives in the worker's memory, built from the
  database once and then kept in step by its own placements. Before each batch, under the lock,
  it checks two numbers (epoch = last finished recluster, highest member id); if
  another worker placed meanwhile, or an admin reclustered, it reloads. A batch that fails to
  commit drops the in-memory index (it would be ahead of the database) and the next batch reloads.
* Reload cost decided storage: fingerprints (``ExplicitBitVect.ToBinary``, ~40-100 bytes) and
  generic scaffolds are stored on ``family_member``. Recomputing them from SMILES costs ~60 us
  (fingerprint) + ~190 us (scaffold) + parsing per substance, ~13 s at 50,000; decoding the stored
  bytes costs ~3.5 us, ~0.2 s at 50,000 (measured with this machine's RDKit).

A report's answer therefore does not name the family of a brand-new substance; it is placed
within one worker tick (``VARSEL_FAMILY_INTERVAL_SECONDS``, 1 s by default).

What else the worker does here (all outside the write lock, because MCS and proposals take
seconds and SQLite's intake must not wait for them): :func:`refresh_families` recomputes the core
and the cached proposal of families whose size or the live rulebook changed; :func:`run_recomputes` runs an admin recluster: computed from a snapshot without any lock,
then written in one short locked transaction that replaces every membership. Substances
registered after the snapshot are simply unplaced afterwards and placed incrementally.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from sqlalchemy import CursorResult, Engine, delete, func, insert, or_, text, update
from sqlalchemy import select as select_rows  # sqlmodel's select types four columns at most
from sqlmodel import Session, col, select

from alerts.signals import NearestControlled
from chemistry.classify import Classification
from chemistry.families import (
    FINGERPRINT_BITS,
    FINGERPRINT_RADIUS,
    MCS_SAMPLE_SIZE,
    STATE_FORMAT,
    FamilyIndex,
    FamilyName,
    family_core,
    family_name,
    fingerprint,
    is_trivial_core,
    recluster,
    scaffold_of,
)
from chemistry.families import Family as IndexFamily
from chemistry.identity import Identity, StructureFormat
from chemistry.propose import propose_group
from service.alerting.outbox import Placement, raise_placement_alerts
from service.audit.service import record
from service.classification.live import LiveRulebook, current
from service.classification.models import SubstanceClassification
from service.db import begin_write, stored_id, utcnow
from service.families.models import Family, FamilyJob, FamilyMember, JobState
from service.settings import Settings, get_settings
from service.substances.models import Substance, SubstanceName

log = logging.getLogger("varsel.families")

# pg_advisory_xact_lock key: one lock for every write of memberships ("VARSEL-F" as ASCII)
PLACEMENT_LOCK_KEY = 0x56415253454C2D46 & 0x7FFFFFFFFFFFFFFF
PLACEMENT_BATCH = 200
# substance_classification.status values that mean "controlled in that jurisdiction"
CONTROLLED_STATUSES = ("controlled_by_group", "controlled_by_name")
# A job "running" longer than this was left behind by a worker that died; another may take it.
STALE_JOB_AFTER = dt.timedelta(hours=1)
# A proposal is drafted from at most this many members (a deterministic spread); it is screened
# against at most this many registry neighbours outside the family (Tanimoto >= the floor).
PROPOSAL_MAX_MEMBERS = 200
PROPOSAL_REGISTRY_MAX = 300
PROPOSAL_REGISTRY_MIN_SIMILARITY = 0.30


# --- the rulebook the service judges against -----------------------------------------------
# The live rulebook of the classification domain: shipped rule files plus activated drafts, with
# its version (service.classification.live). Legal status per substance is stored there too
# (substance_classification, kept current by intake and its own job); families only read it.


def live_rulebook(session: Session) -> LiveRulebook:
    return current(session)


def controlled_in(found: Classification) -> list[str]:
    return sorted(j for j, result in found.results.items() if result.status != "not_controlled")


def identity_of(row) -> Identity:  # noqa: ANN001 - a Substance or a row with its columns
    """The registry row as a chemistry Identity (its SMILES is the standardised parent's)."""
    return Identity(
        inchikey=row.inchikey,
        inchi=row.inchi,
        smiles=row.smiles,
        formula=row.formula,
        monoisotopic_mass=row.monoisotopic_mass,
        average_mass=row.average_mass,
        input_format=StructureFormat.smiles,
        mol=Chem.MolFromSmiles(row.smiles),
    )


# --- the lock --------------------------------------------------------------------------------


def _take_lock(session: Session, *, wait: bool) -> bool:
    """The placement lock, for the current write transaction (begin_write must come first)."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # BEGIN IMMEDIATE already holds SQLite's only write lock
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLACEMENT_LOCK_KEY})
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PLACEMENT_LOCK_KEY}).scalar())


# --- the in-memory index ---------------------------------------------------------------------


@dataclass
class LiveIndex:
    index: FamilyIndex
    epoch: int
    keys: list[str] = field(default_factory=list)  # registration order of the index
    smiles: list[str] = field(default_factory=list)
    substance_ids: list[int] = field(default_factory=list)
    id_of: dict[str, int] = field(default_factory=dict)
    last_member_id: int = 0

    def append(self, key: str, smiles: str, substance_id: int) -> None:
        self.keys.append(key)
        self.smiles.append(smiles)
        self.substance_ids.append(substance_id)
        self.id_of[key] = substance_id


_live: dict[str, LiveIndex] = {}
_live_guard = threading.Lock()


def _engine_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def forget(engine: Engine) -> None:
    """Drop this process's index for ``engine``: the next use reloads it from the database."""
    with _live_guard:
        _live.pop(_engine_key(engine), None)


def current_epoch(session: Session) -> int:
    last = session.exec(
        select(func.max(col(FamilyJob.id))).where(col(FamilyJob.state) == JobState.succeeded.value)
    ).one()
    return last or 0


def _membership_mark(session: Session) -> tuple[int, int]:
    """(epoch, highest member id): both index lookups. Only the lock holder inserts members and a
    recluster, the only delete, moves the epoch, so these two say whether anything changed."""
    highest = session.execute(select(func.max(col(FamilyMember.id)))).scalar_one()
    return current_epoch(session), highest or 0


def _load(session: Session, settings: Settings, epoch: int) -> LiveIndex:
    started = time.perf_counter()
    families = session.execute(
        select(col(Family.id), col(Substance.inchikey), col(Family.core_smarts), col(Family.core_member_count)).join(
            Substance, col(Substance.id) == col(Family.founder_substance_id)
        )
    ).all()
    rows = session.execute(
        select_rows(
            col(FamilyMember.id),
            col(FamilyMember.substance_id),
            col(Substance.inchikey),
            col(Substance.smiles),
            col(FamilyMember.family_id),
            col(FamilyMember.scaffold),
            col(FamilyMember.distinctive_scaffold),
            col(FamilyMember.fingerprint),
        )
        .join(Substance, col(Substance.id) == col(FamilyMember.substance_id))
        .order_by(col(FamilyMember.id))
    ).all()
    state = {
        "format": STATE_FORMAT,
        "threshold": settings.family_threshold,
        "scaffold_threshold": settings.family_scaffold_threshold,
        "min_shared": settings.family_min_shared,
        "fingerprint": {"kind": "morgan", "radius": FINGERPRINT_RADIUS, "bits": FINGERPRINT_BITS},
        "families": [
            {"family_id": fid, "founder": founder, "core_smarts": core, "core_member_count": core_count}
            for fid, founder, core, core_count in families
        ],
        "members": [
            {
                "key": r.inchikey,
                "family_id": r.family_id,
                "smiles": r.smiles,
                "scaffold": r.scaffold,
                "distinctive_scaffold": r.distinctive_scaffold,
                "fingerprint": base64.b64encode(r.fingerprint).decode(),
            }
            for r in rows
        ],
    }
    live = LiveIndex(index=FamilyIndex.from_state(state), epoch=epoch)
    for r in rows:
        live.append(r.inchikey, r.smiles, r.substance_id)
    live.last_member_id = rows[-1].id if rows else 0
    log.info(
        "family index loaded: %d substances, %d families in %.2f s",
        len(rows),
        len(families),
        time.perf_counter() - started,
    )
    return live


def live_index(session: Session, engine: Engine, settings: Settings) -> LiveIndex:
    """This process's index, reloaded when the database moved on without it."""
    epoch, highest = _membership_mark(session)
    key = _engine_key(engine)
    with _live_guard:
        live = _live.get(key)
    if live is None or live.epoch != epoch or live.last_member_id != highest:
        live = _load(session, settings, epoch)
        with _live_guard:
            _live[key] = live
    return live


# --- placement ---------------------------------------------------------------------------------


def place_pending(engine: Engine, *, settings: Settings | None = None, batch_size: int = PLACEMENT_BATCH) -> int:
    """Place every registered substance that has no family yet; returns how many were placed.

    Returns early (0 for this round) when another worker holds the placement lock.
    """
    settings = settings or get_settings()
    placed = 0
    while True:
        done = _place_batch(engine, settings, batch_size)
        if done is None:
            break
        placed += done
        if done < batch_size:
            break
    return placed


def _place_batch(engine: Engine, settings: Settings, batch_size: int) -> int | None:
    with Session(engine, expire_on_commit=False) as session:
        begin_write(session)
        if not _take_lock(session, wait=False):
            session.rollback()
            return None
        pending = (
            session.execute(
                select(Substance)
                .outerjoin(FamilyMember, col(FamilyMember.substance_id) == col(Substance.id))
                .where(col(FamilyMember.id).is_(None))
                .order_by(col(Substance.id))
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not pending:
            session.rollback()
            return 0
        live = live_index(session, engine, settings)
        try:
            placed = _place(session, live, pending)
            # family growth and similarity advisories commit with the memberships they describe
            raise_placement_alerts(session, placed=placed, settings=settings)
            session.commit()
        except BaseException:
            forget(engine)  # the in-memory index is ahead of what the database kept
            raise
        return len(pending)


def _place(session: Session, live: LiveIndex, pending: Sequence[Substance]) -> list[Placement]:
    """Write the memberships of ``pending``; returns each placement, in order, with its
    family's size once it joined and its nearest controlled relative among the index's nearest."""
    now = utcnow()
    founders: dict[str, int] = {}
    joined: Counter[str] = Counter()
    rows = []
    nearest_of: list[list[tuple[int, float]]] = []
    with rdBase.BlockLogs():
        for substance in pending:
            identity = identity_of(substance)
            mol = identity.mol
            assignment = live.index.assign(substance.inchikey, mol)
            nearest = assignment.nearest[0] if assignment.nearest else None
            nearest_of.append(
                [(live.id_of[key], similarity) for key, similarity in assignment.nearest if key in live.id_of]
            )
            substance_id = stored_id(substance)
            live.append(substance.inchikey, substance.smiles, substance_id)
            if assignment.is_new_family:
                founders[assignment.family_id] = substance_id
            joined[assignment.family_id] += 1
            _, distinctive = scaffold_of(mol)
            rows.append(
                {
                    "substance_id": substance.id,
                    "family_id": assignment.family_id,
                    "joined_at": now,
                    "placed_by": assignment.reason,
                    "nearest_similarity": nearest[1] if nearest else None,
                    "nearest_substance_id": live.id_of.get(nearest[0]) if nearest else None,
                    "fingerprint": fingerprint(mol).ToBinary(),
                    "scaffold": assignment.scaffold,
                    "distinctive_scaffold": distinctive,
                }
            )
    sizes = dict(
        session.execute(select(col(Family.id), col(Family.member_count)).where(col(Family.id).in_(list(joined)))).all()
    )
    if founders:
        session.execute(
            insert(Family),
            [
                {
                    "id": fid,
                    "founder_substance_id": sid,
                    "member_count": 0,
                    "core_member_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for fid, sid in founders.items()
            ],
        )
    for fid, count in joined.items():
        session.execute(
            update(Family)
            .where(col(Family.id) == fid)
            .values(member_count=col(Family.member_count) + count, updated_at=now)
        )
    session.execute(insert(FamilyMember), rows)
    live.last_member_id = session.execute(select(func.max(col(FamilyMember.id)))).scalar_one() or 0
    _name_founded(session, founders, pending)
    return _placements(session, pending, rows, nearest_of, sizes)


def _name_founded(session: Session, founders: dict[str, int], pending: Sequence[Substance]) -> None:
    """A new family is listed with a name from the start: its founder's (one member, or the few
    of this batch), cheap enough to run under the lock; the worker's refresh renames it as it grows."""
    if not founders:
        return
    rulebook = live_rulebook(session)
    smiles = {substance.id: substance.smiles for substance in pending}
    for family_id, founder_id in founders.items():
        with rdBase.BlockLogs():
            mol = Chem.MolFromSmiles(smiles[founder_id])
        core = Chem.MolToSmarts(mol) if mol is not None else None
        named = name_family(session, family_id, None if is_trivial_core(core) else core, live=rulebook)
        session.execute(
            update(Family).where(col(Family.id) == family_id).values(name=named.name, name_source=named.source)
        )


def _placements(
    session: Session,
    pending: Sequence[Substance],
    rows: list[dict],
    nearest_of: list[list[tuple[int, float]]],
    sizes: dict[str, int],
) -> list[Placement]:
    neighbour_ids = sorted({sid for nearest in nearest_of for sid, _ in nearest})
    controlled = (
        set(
            session.execute(
                select(col(SubstanceClassification.substance_id))
                .distinct()
                .where(
                    col(SubstanceClassification.substance_id).in_(neighbour_ids),
                    col(SubstanceClassification.status).in_(CONTROLLED_STATUSES),
                )
            ).scalars()
        )
        if neighbour_ids
        else set()
    )
    inchikeys = (
        dict(
            session.execute(
                select(col(Substance.id), col(Substance.inchikey)).where(col(Substance.id).in_(list(controlled)))
            ).all()
        )
        if controlled
        else {}
    )
    names = _display_names(session, list(controlled)) if controlled else {}
    placements = []
    for substance, row, nearest in zip(pending, rows, nearest_of, strict=True):
        sizes[row["family_id"]] = sizes.get(row["family_id"], 0) + 1
        relative = next(((sid, similarity) for sid, similarity in nearest if sid in controlled), None)
        placements.append(
            Placement(
                substance=substance,
                family_id=row["family_id"],
                family_size=sizes[row["family_id"]],
                nearest_controlled=NearestControlled(
                    inchikey=inchikeys[relative[0]], name=names.get(relative[0]), similarity=relative[1]
                )
                if relative
                else None,
            )
        )
    return placements


# --- cores and cached proposals ----------------------------------------------------------------


def _spread(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _display_names(session: Session, substance_ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for substance_id, name in session.execute(
        select(col(SubstanceName.substance_id), col(SubstanceName.name))
        .where(col(SubstanceName.substance_id).in_(substance_ids))
        .order_by(col(SubstanceName.id))
    ):
        names.setdefault(substance_id, name)
    return names


def member_identities(session: Session, family_id: str) -> list[tuple[int, Identity]]:
    rows = (
        session.execute(
            select(Substance)
            .join(FamilyMember, col(FamilyMember.substance_id) == col(Substance.id))
            .where(col(FamilyMember.family_id) == family_id)
            .order_by(col(Substance.inchikey))
        )
        .scalars()
        .all()
    )
    return [(row.id, identity_of(row)) for row in rows]


def compute_core(family: Family, members: list[tuple[int, Identity]], *, timeout: int) -> str | None:
    """The family core, recomputed only when membership changed enough (chemistry's own rule)."""
    stored = IndexFamily(
        family_id=family.id,
        founder="",
        members=[i.inchikey for _, i in members],
        core_smarts=family.core_smarts,
        core_member_count=family.core_member_count,
    )
    if not stored.core_is_stale() and not is_trivial_core(
        family.core_smarts
    ):  # a trivial core stored earlier is redone
        return family.core_smarts
    sample = _spread(members, MCS_SAMPLE_SIZE)  # members come sorted by InChIKey: deterministic
    return family_core([identity.mol for _, identity in sample], timeout=timeout)


def compute_proposal(
    session: Session,
    family_id: str,
    version: str,
    members: list[tuple[int, Identity]],
    *,
    core_smarts: str | None,
    registry: Sequence[tuple[str, Identity | str]] = (),
    count_virtual: bool,
) -> dict:
    """The proposal for a family as stored in ``family.proposal`` (or ``{"error": ...}``)."""
    chosen = _spread(members, PROPOSAL_MAX_MEMBERS)
    names = _display_names(session, [sid for sid, _ in chosen])
    named = [(names.get(sid, identity.inchikey), identity) for sid, identity in chosen]
    try:
        proposal = propose_group(
            family_id,
            named,
            core_smarts=core_smarts,
            registry=registry,
            count_virtual=count_virtual,
            law=live_rulebook(session).classifier,
        )
    except ValueError as error:  # no common core of three atoms: nothing to define a group on
        return {
            "error": str(error),
            "rulebook_version": version,
            "member_count": len(members),
            "computed_at": utcnow().isoformat(),
        }
    coverage = proposal.coverage
    return {
        "safe": proposal.safe,
        "generalisation": proposal.generalisation,
        "offenders": list(proposal.offenders),
        "coverage": {
            "members": coverage.members,
            "members_captured": list(coverage.members_captured),
            "members_missed": list(coverage.members_missed),
            "registry_captured": list(coverage.registry_captured),
            "registry_screened": len(registry),
            "negatives_captured": list(coverage.negatives_captured),
            "reference_captured": list(coverage.reference_captured),
            "virtual_analogues": coverage.virtual_analogues if count_virtual else None,
            "virtual_captured": coverage.virtual_captured if count_virtual else None,
            # per jurisdiction: captured but not controlled there today (the live rulebook)
            "registry_newly_controlled": {k: list(v) for k, v in coverage.registry_newly_controlled.items()},
            "virtual_newly_controlled": coverage.virtual_newly_controlled if count_virtual else None,
        },
        "rule": proposal.as_dict(),
        "rulebook_version": version,
        "member_count": len(members),
        "computed_at": utcnow().isoformat(),
    }


def _registry_neighbours(
    live: LiveIndex | None, family_id: str, members: list[tuple[int, Identity]]
) -> list[tuple[str, str]]:
    """Registered substances outside the family and close to it: what a proposal is screened against."""
    if live is None or not live.keys:
        return []
    best: np.ndarray | None = None
    for _, identity in _spread(members, MCS_SAMPLE_SIZE):
        sims = live.index.similarities(identity.mol)
        if sims.size != len(live.keys):
            return []  # the index moved under us; screen nothing rather than the wrong rows
        best = sims if best is None else np.maximum(best, sims)
    if best is None:
        return []
    inside = {identity.inchikey for _, identity in members}
    order = np.argsort(-best, kind="stable")
    chosen: list[tuple[str, str]] = []
    for position in order.tolist():
        if best[position] < PROPOSAL_REGISTRY_MIN_SIMILARITY or len(chosen) >= PROPOSAL_REGISTRY_MAX:
            break
        if live.keys[position] not in inside:
            chosen.append((live.keys[position], live.smiles[position]))
    return chosen


# A family is named from a deterministic spread of at most this many members: the name is a
# majority vote (modular class, legal group), which a few hundred members settle.
NAME_SAMPLE_SIZE = 200


def name_family(session: Session, family_id: str, core_smarts: str | None, *, live: LiveRulebook) -> FamilyName:
    """The family's readable name (chemistry.families.family_name) from its members' structures
    and their stored classifications: the group rules of the live rulebook that capture each."""
    rows = session.execute(
        select(col(FamilyMember.substance_id), col(Substance.smiles))
        .join(Substance, col(Substance.id) == col(FamilyMember.substance_id))
        .where(col(FamilyMember.family_id) == family_id)
        .order_by(col(FamilyMember.id))
    ).all()
    chosen = _spread(list(rows), NAME_SAMPLE_SIZE)
    groups = {rule.id: rule for rule in live.rulebook.rules if rule.kind == "group"}
    titles: dict[int, list[str]] = {}
    for substance_id, jurisdiction, rule_ids in session.execute(
        select(
            col(SubstanceClassification.substance_id),
            col(SubstanceClassification.jurisdiction),
            col(SubstanceClassification.rule_ids),
        ).where(col(SubstanceClassification.substance_id).in_([sid for sid, _ in chosen]))
    ):
        titles.setdefault(substance_id, []).extend(
            f"{groups[rule_id].title} ({jurisdiction})" for rule_id in rule_ids if rule_id in groups
        )
    with rdBase.BlockLogs():
        parsed = [(sid, Chem.MolFromSmiles(smiles)) for sid, smiles in chosen]
    members = [(sid, mol) for sid, mol in parsed if mol is not None]
    return family_name([mol for _, mol in members], core_smarts, [titles.get(sid, []) for sid, _ in members])


def name_unnamed(engine: Engine, *, limit: int = 500, time_budget: float = 5.0) -> int:
    """Name families that have no name yet (new since migration 0012, or rebuilt by a recluster)
    with their stored core; returns how many. Cheap: no MCS, no proposal."""
    started = time.perf_counter()
    done = 0
    with Session(engine, expire_on_commit=False) as session:
        live = live_rulebook(session)
        unnamed = session.execute(
            select(col(Family.id), col(Family.core_smarts), col(Family.member_count))
            .where(col(Family.name).is_(None))
            .order_by(col(Family.id))
            .limit(limit)
        ).all()
        for family_id, core, count in unnamed:
            if time.perf_counter() - started > time_budget:
                break
            named = name_family(session, family_id, None if is_trivial_core(core) else core, live=live)
            session.rollback()  # end the read transaction before writing
            begin_write(session)
            session.execute(
                update(Family)
                .where(col(Family.id) == family_id, col(Family.member_count) == count)
                .values(name=named.name, name_source=named.source)
            )
            session.commit()
            done += 1
    return done


def refresh_families(
    engine: Engine, *, settings: Settings | None = None, limit: int = 10, time_budget: float = 5.0
) -> int:
    """Recompute stale cores and proposals (most recently changed families first); returns how many."""
    settings = settings or get_settings()
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        version = live_rulebook(session).version
        stale = session.exec(
            select(Family)
            .where(
                or_(
                    col(Family.core_member_count) != col(Family.member_count),
                    col(Family.proposal_member_count).is_(None),
                    col(Family.proposal_member_count) != col(Family.member_count),
                    col(Family.proposal_rulebook_version) != version,
                )
            )
            .order_by(col(Family.updated_at).desc(), col(Family.id))
            .limit(limit)
        ).all()
        session.expunge_all()  # plain snapshots: a rollback below must not reload them
        live = _live.get(_engine_key(engine))
        done = 0
        for family in stale:
            if time.perf_counter() - started > time_budget:
                break
            members = member_identities(session, family.id)
            if len(members) != family.member_count:
                continue  # placement moved on since we read the row; the next round sees it
            core = compute_core(family, members, timeout=settings.family_mcs_timeout_seconds)
            registry = _registry_neighbours(live, family.id, members)
            proposal = compute_proposal(
                session, family.id, version, members, core_smarts=core, registry=registry, count_virtual=True
            )
            named = name_family(session, family.id, core, live=live_rulebook(session))
            session.rollback()  # end the read transaction before writing
            begin_write(session)
            session.execute(
                update(Family)
                .where(col(Family.id) == family.id, col(Family.member_count) == len(members))
                .values(
                    core_smarts=core,
                    core_member_count=len(members),
                    name=named.name,
                    name_source=named.source,
                    proposal=proposal,
                    proposal_member_count=len(members),
                    proposal_rulebook_version=version,
                    proposal_computed_at=utcnow(),
                )
            )
            session.commit()
            done += 1
    return done


# --- admin recluster -----------------------------------------------------------------------------


def run_recomputes(engine: Engine, *, settings: Settings | None = None) -> int:
    """Run queued reclusterings one after another; returns how many ran."""
    settings = settings or get_settings()
    ran = 0
    while (job_id := _claim_job(engine)) is not None:
        ran += 1
        try:
            result = _recompute(engine, settings, job_id)
        except Exception as error:  # the job resource reports it; the worker keeps running
            log.exception("recluster %s failed", job_id)
            with Session(engine) as session:
                begin_write(session)
                session.execute(
                    update(FamilyJob)
                    .where(col(FamilyJob.id) == job_id)
                    .values(state=JobState.failed.value, finished_at=utcnow(), error=f"{type(error).__name__}: {error}")
                )
                session.commit()
        else:
            log.info("recluster %s: %s", job_id, result)
        forget(engine)
    return ran


def _claim_job(engine: Engine) -> int | None:
    now = utcnow()
    with Session(engine) as session:
        begin_write(session)
        job_id = session.exec(
            select(col(FamilyJob.id))
            .where(
                or_(
                    col(FamilyJob.state) == JobState.queued.value,
                    (col(FamilyJob.state) == JobState.running.value)
                    & (col(FamilyJob.started_at) < now - STALE_JOB_AFTER),
                )
            )
            .order_by(col(FamilyJob.id))
            .limit(1)
        ).first()
        if job_id is None:
            session.rollback()
            return None
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(FamilyJob)
                .where(
                    col(FamilyJob.id) == job_id,
                    col(FamilyJob.state).in_([JobState.queued.value, JobState.running.value]),
                )
                .values(state=JobState.running.value, started_at=now)
            ),
        ).rowcount
        session.commit()
        return job_id if claimed else None


def _recompute(engine: Engine, settings: Settings, job_id: int) -> dict:
    started = time.perf_counter()
    with Session(engine) as session:
        job = session.get(FamilyJob, job_id)
        if job is None:
            raise LookupError(f"recluster job {job_id} is gone")
        threshold = job.threshold
        snapshot = session.execute(
            select(col(Substance.id), col(Substance.inchikey), col(Substance.smiles)).order_by(col(Substance.id))
        ).all()
    with rdBase.BlockLogs():
        built = recluster(
            ((row.inchikey, Chem.MolFromSmiles(row.smiles)) for row in snapshot),
            threshold=threshold,
            scaffold_threshold=min(settings.family_scaffold_threshold, threshold),
            min_shared=settings.family_min_shared,
        )
    computed = time.perf_counter() - started
    id_of = {row.inchikey: row.id for row in snapshot}
    state = built.to_state(include_fingerprints=True)
    per_member = {row["key"]: row for row in state["members"]}
    now = utcnow()
    family_rows, member_rows = [], []
    for family_id, keys in built.families().items():
        family_rows.append(
            {
                "id": family_id,
                "founder_substance_id": id_of[keys[0]],
                "member_count": len(keys),
                "core_member_count": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        fps = []
        for key in keys:
            fp = DataStructs.ExplicitBitVect(FINGERPRINT_BITS)
            fp.FromBase64(per_member[key]["fingerprint"])
            fps.append(fp)
        to_centroid = DataStructs.BulkTanimotoSimilarity(fps[0], fps)
        for position, key in enumerate(keys):
            row = per_member[key]
            member_rows.append(
                {
                    "substance_id": id_of[key],
                    "family_id": family_id,
                    "joined_at": now,
                    "placed_by": "recluster",
                    "nearest_similarity": None if position == 0 else round(to_centroid[position], 4),
                    "nearest_substance_id": None if position == 0 else id_of[keys[0]],
                    "fingerprint": base64.b64decode(row["fingerprint"]),
                    "scaffold": row["scaffold"],
                    "distinctive_scaffold": row["distinctive_scaffold"],
                }
            )
    with Session(engine) as session:
        begin_write(session)
        _take_lock(session, wait=True)
        session.execute(delete(FamilyMember))
        session.execute(delete(Family))
        if family_rows:
            session.execute(insert(Family), family_rows)
            session.execute(insert(FamilyMember), member_rows)
        result = {
            "substances": len(member_rows),
            "families": len(family_rows),
            "threshold": threshold,
            "recluster_seconds": round(computed, 3),
            "total_seconds": round(time.perf_counter() - started, 3),
        }
        session.execute(
            update(FamilyJob)
            .where(col(FamilyJob.id) == job_id)
            .values(state=JobState.succeeded.value, finished_at=utcnow(), result=result)
        )
        record(
            session,
            principal=None,
            action="family.recompute.finish",
            entity="family_job",
            entity_id=str(job_id),
            detail=result,
        )
        session.commit()
    name_unnamed(engine)  # the rebuilt families; what the time budget leaves, the next ticks name
    return result
