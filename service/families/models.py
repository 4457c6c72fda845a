"""Families of registered substances: tables, and the shapes they take on the wire.

``family`` holds one row per family (its id is the chemistry family id, a digest of the founding
member's InChIKey), its core and a cached proposal; ``family_member`` places each substance in
exactly one family and keeps what placement needs to rebuild the in-memory index without
recomputing it (fingerprint, generic scaffold); ``family_job`` is the queue and status resource of
admin reclusterings, and its last finished id is the *epoch* every in-memory copy checks.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.classification.models import NearMissRead
from service.db import UTCDateTime, utcnow
from service.substances.models import CountryCount


class Family(SQLModel, table=True):
    __tablename__ = "family"

    id: str = SQLField(sa_column=Column(String(40), primary_key=True))
    founder_substance_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("substance.id", ondelete="RESTRICT"), nullable=False)
    )
    member_count: int = SQLField(sa_column=Column(Integer, nullable=False))
    core_smarts: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    core_member_count: int = SQLField(default=0, sa_column=Column(Integer, nullable=False))
    # chemistry.families.family_name, kept current by the worker with the core (migration 0012);
    # NULL until the worker first names the family
    name: str | None = SQLField(default=None, sa_column=Column(String(200), nullable=True))
    name_source: str | None = SQLField(default=None, sa_column=Column(String(20), nullable=True))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The cached proposal (chemistry.propose) and what it was computed from: stale when the family
    # has changed size or the rulebook has changed since.
    proposal: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON, nullable=True))
    proposal_member_count: int | None = SQLField(default=None, sa_column=Column(Integer, nullable=True))
    proposal_rulebook_version: str | None = SQLField(default=None, sa_column=Column(String(64), nullable=True))
    proposal_computed_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)


class FamilyMember(SQLModel, table=True):
    __tablename__ = "family_member"

    # Placement order: only the holder of the placement lock inserts, so ids grow in commit order.
    id: int | None = SQLField(default=None, primary_key=True)
    substance_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("substance.id", ondelete="RESTRICT"), nullable=False, unique=True)
    )
    family_id: str = SQLField(
        sa_column=Column(String(40), ForeignKey("family.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    joined_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    placed_by: str = SQLField(sa_column=Column(String(20), nullable=False))  # similarity|scaffold|new|recluster
    nearest_similarity: float | None = SQLField(default=None, sa_column=Column(Float, nullable=True))
    nearest_substance_id: int | None = SQLField(default=None, sa_column=Column(Integer, nullable=True))
    fingerprint: bytes = SQLField(sa_column=Column(LargeBinary, nullable=False))  # ExplicitBitVect.ToBinary()
    scaffold: str = SQLField(sa_column=Column(Text, nullable=False))
    distinctive_scaffold: bool = SQLField(sa_column=Column(Boolean, nullable=False))


class JobState(str, enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class FamilyJob(SQLModel, table=True):
    """An admin recluster: queued by the API, run by one worker."""

    __tablename__ = "family_job"
    __table_args__ = (Index("ix_family_job_state", "state", "id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    state: str = SQLField(sa_column=Column(String(12), nullable=False))
    requested_by_key_id: str | None = SQLField(default=None, sa_column=Column(String(32), nullable=True))
    threshold: float = SQLField(sa_column=Column(Float, nullable=False))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    started_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    finished_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    result: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON, nullable=True))
    error: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))


# --- wire shapes ---------------------------------------------------------------------------


class FamilySort(str, enum.Enum):
    growth = "growth"
    countries = "countries"
    uncontrolled = "uncontrolled"
    size = "size"


class FamilySummary(BaseModel):
    id: str
    name: str | None = Field(
        default=None,
        description="A readable name: the synthetic-cannabinoid class (core, linker, head group), the legal group "
        "capturing most members, or the core's ring systems; null until the worker has named a new family",
    )
    name_source: str | None = Field(
        default=None, description="'modular class', 'legal group', 'scaffold class' or 'no core'"
    )
    core_smarts: str | None
    member_count: int
    growth: int = Field(description="Members first reported within the growth window (growth_days)")
    countries: int = Field(description="Distinct countries that reported any member")
    reports: int
    uncontrolled: int = Field(
        description="Members no rule controls (in `jurisdiction` when given, else in every jurisdiction)"
    )
    unclassified: int = Field(description="Members whose legal status is not computed yet")
    first_seen: dt.date | None
    last_seen: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class FamilyPage(BaseModel):
    items: list[FamilySummary]
    next_cursor: str | None


class MemberRead(BaseModel):
    inchikey: str
    smiles: str
    names: list[str]
    joined_at: dt.datetime
    placed_by: str
    nearest_similarity: float | None
    report_count: int
    first_seen: dt.date | None
    last_seen: dt.date | None
    countries: list[CountryCount]
    controlled_in: list[str] = Field(description="Jurisdictions whose rules control it on `as_of`")


class ControlledMember(BaseModel):
    inchikey: str
    name: str | None
    rules: list[str]


class NearestControlled(BaseModel):
    name: str
    inchikey: str
    smiles: str
    similarity: float
    source: str = Field(description="'family member', or the rule that lists it or uses it as an example")


class UncontrolledMember(BaseModel):
    inchikey: str
    name: str | None
    nearest_controlled: list[NearestControlled]
    near_misses: list[NearMissRead] = Field(
        description="Group rules of the jurisdiction whose core matches but which do not capture it, as "
        "POST /v1/classify answers them; those whose matched core is incidental only when asked for"
    )
    near_misses_left_out: int = Field(
        default=0,
        description="Near misses left out because their matched core is incidental (see incidental_near_misses)",
    )


class JurisdictionGap(BaseModel):
    jurisdiction: str
    controlled: list[ControlledMember]
    uncontrolled: list[UncontrolledMember]


class ProposalRead(BaseModel):
    offered: bool = Field(
        description="False when the draft captures a reference medicine or chemical: never offered as-is"
    )
    safe: bool
    generalisation: str
    offenders: list[str]
    coverage: dict[str, Any]
    rule: dict[str, Any] | None = Field(description="The proposed rule in the rule-file format; only when offered")
    flagged_rule: dict[str, Any] | None = Field(description="When not offered: the draft, for review only")
    rulebook_version: str
    member_count: int
    computed_at: dt.datetime
    cached: bool = Field(description="False when computed for this answer (the worker has not refreshed it yet)")


class FamilyDetail(FamilySummary):
    name: str = Field(
        description="A readable name: the synthetic-cannabinoid class (core, linker, head group), the "
        "legal group capturing most members, or the core's ring systems"
    )
    name_source: str = Field(description="'modular class', 'legal group', 'scaffold class' or 'no core'")
    core_svg: str | None = Field(default=None, description="A drawing of the family core")
    as_of: dt.date
    members: list[MemberRead]
    members_total: int
    gap: list[JurisdictionGap]
    proposal: ProposalRead | None
    proposal_problem: str | None = None
    svg_url: str


class Neighbour(BaseModel):
    inchikey: str
    smiles: str
    names: list[str]
    similarity: float
    family_id: str


class NeighbourList(BaseModel):
    inchikey: str
    family_id: str | None
    items: list[Neighbour]


class RecomputeJobRead(BaseModel):
    id: int
    state: JobState
    threshold: float
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: dict[str, Any] | None
    error: str | None
    href: str
