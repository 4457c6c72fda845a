"""Classification: the regulator's "is it controlled?", the registry's stored answers, and drafts.

Tables: ``substance_classification`` (every registered substance's current status per
jurisdiction) and ``classification_draft`` (regulators' draft rules, versioned per rule id).
Schemas: the request and answer bodies of /v1/classify, /v1/groups and /v1/drafts.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from chemistry.identity import MAX_STRUCTURE_CHARS, StructureFormat
from service.db import UTCDateTime, utcnow

Status = Literal["controlled_by_group", "controlled_by_name", "not_controlled", "undetermined"]
JurisdictionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


# --- tables ----------------------------------------------------------------------------------


class SubstanceClassification(SQLModel, table=True):
    """A substance's status in one jurisdiction, as of ``computed_at``, under one rulebook version."""

    __tablename__ = "substance_classification"
    __table_args__ = (
        UniqueConstraint("substance_id", "jurisdiction", name="uq_substance_classification"),
        Index("ix_substance_classification_status", "jurisdiction", "status"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    substance_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("substance.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    jurisdiction: str = SQLField(sa_column=Column(String(2), nullable=False))
    status: str = SQLField(sa_column=Column(String(24), nullable=False))
    rule_ids: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    rulebook_version: str = SQLField(sa_column=Column(String(64), nullable=False, index=True))
    computed_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DraftStatus(str, enum.Enum):
    draft = "draft"  # posted, never activated
    active = "active"  # part of the live rulebook from its in_force_from date
    superseded = "superseded"  # was active; a later version of the same rule replaced it


class ClassificationDraft(SQLModel, table=True):
    """One version of a regulator's draft rule. Rows are never deleted: the history is the table."""

    __tablename__ = "classification_draft"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_classification_draft_version"),)

    id: str = SQLField(sa_column=Column(String(26), primary_key=True))  # ULID
    rule_id: str = SQLField(sa_column=Column(String(100), nullable=False, index=True))
    version: int = SQLField(sa_column=Column(Integer, nullable=False))
    kind: str = SQLField(sa_column=Column(String(10), nullable=False))
    jurisdiction: str = SQLField(sa_column=Column(String(2), nullable=False))
    title: str = SQLField(sa_column=Column(String(500), nullable=False))
    in_force_from: dt.date = SQLField(sa_column=Column(Date, nullable=False))
    # the validated rule, by its field aliases: Rule.model_validate(body) rebuilds it
    body: dict[str, Any] = SQLField(sa_column=Column(JSON, nullable=False))
    content_hash: str = SQLField(sa_column=Column(String(64), nullable=False))
    status: str = SQLField(sa_column=Column(String(12), nullable=False, index=True))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_key_id: str | None = SQLField(default=None, sa_column=Column(String(32), nullable=True))
    created_by_organisation_id: int | None = SQLField(default=None, sa_column=Column(Integer, nullable=True))
    # four-eyes: a regulator other than the author approved this version (migration 0008)
    approved_by_key_id: str | None = SQLField(default=None, sa_column=Column(String(32), nullable=True))
    approved_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    activated_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    activated_by_key_id: str | None = SQLField(default=None, sa_column=Column(String(32), nullable=True))
    superseded_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)


# --- /v1/classify ----------------------------------------------------------------------------


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    structure: str = Field(min_length=1, max_length=MAX_STRUCTURE_CHARS, description="SMILES, InChI or Molfile")
    structure_format: StructureFormat | None = Field(default=None, description="Guessed when omitted")
    jurisdictions: list[JurisdictionCode] | None = Field(
        default=None, min_length=1, max_length=50, description="ISO 3166-1 alpha-2 (and UN); all when omitted"
    )
    as_of: dt.date | None = Field(
        default=None,
        description="Date the law is applied on (default: today, UTC). Future dates are allowed: a rule "
        "adopted with a later in-force date answers from that date on.",
    )
    depict: bool = Field(default=True, description="Include an SVG with the matched cores highlighted")
    incidental_near_misses: bool = Field(
        default=False,
        description="Also list the near misses whose matched core is incidental (more than one requirement "
        "fails and the substituents the definition does not allow outweigh the rest of the molecule); by "
        "default they are left out and only counted (near_misses_left_out)",
    )


class Part(BaseModel):
    part: str = Field(description="'core', or the name of a position of the definition")
    atoms: list[int] = Field(description="Atom indices in the standardised parent (its SMILES order)")


class SubstituentRead(BaseModel):
    position: str
    substituent_class: str
    atoms: list[int]
    smiles: str = Field(description="The substituent, '*' where it joins the core")


class ExplanationRead(BaseModel):
    core_id: str
    core_title: str | None
    ring_systems: dict[str, str]
    parts: list[Part]
    substituents: list[SubstituentRead]


class MatchRead(BaseModel):
    rule_id: str
    kind: Literal["group", "named"]
    title: str
    list: str
    citation: dict[str, Any]
    in_force_from: dt.date | None = Field(
        description="The day the text (or the named entry) came into force; null when the entry was "
        "added on a date the encoding did not record (see date_recorded): never a guessed date"
    )
    in_force_to: dt.date | None
    date_recorded: bool = Field(default=True, description="False: the entry's date of listing was not recorded")
    date_note: str | None = Field(default=None, description="Why in_force_from is null, in words")
    end_recorded: bool = Field(
        default=True,
        description="False: the entry was removed on a day the encoding did not record; in_force_to is then null "
        "and end_note gives the latest day it can have applied (never a guessed day)",
    )
    end_note: str | None = Field(default=None, description="Why in_force_to is null although the entry ended, in words")
    matched_on: str = Field(
        description="structure (group); inchikey or connectivity (named); unspecified_stereo: a named entry listed as one stereoisomer, and the structure gave no stereochemistry, so it may be that isomer; positional_isomer: not listed itself, but a positional isomer of the entry named in substance, which the schedule covers (US 21 CFR 1308.11(d) with 1300.01); ester_or_ether: not listed itself, but an ester or ether of the entry named in substance, which the schedule takes in (UN 1961 Schedule I, BtMG Anlagen I-II, MDA Part I para 3, 21 CFR 1308.11(b) and 1308.12(c))"
    )
    substance: str | None = Field(default=None, description="Named rules: the name it is listed under")
    explanation: ExplanationRead | None = None


class NearMissRead(BaseModel):
    rule_id: str
    summary: str = Field(
        description="One sentence: the core that matched, the part that fails and what the definition allows there"
    )
    failures: int = Field(description="How many requirements of the definition fail (1: one modification away)")
    incidental: bool = Field(
        default=False,
        description="More than one requirement fails and what the definition does not allow outweighs the rest "
        "of the molecule: the matched core is a fragment of a different compound",
    )
    reason: str = Field(description="Every failing requirement in technical detail")


class UndeterminedRead(BaseModel):
    rule_id: str
    reason: str


class SetAsideRead(BaseModel):
    """A rule whose definition captures the compound but which does not apply: another instrument
    takes precedence (e.g. § 1 Abs. 2 NpSG: BtMG substances and medicinal products)."""

    match: MatchRead = Field(description="The match that was set aside, as it would have read")
    set_aside_by: list[str] = Field(description="Ids of the rules that take precedence and matched the compound")
    reason: str = Field(description="The provision giving precedence")
    note: str = Field(description="What set it aside, in words: which rule lists the compound and under which name")


class InstrumentRef(BaseModel):
    """One encoded instrument (a rule) consulted for an answer, and how current its encoding is."""

    rule_id: str
    kind: Literal["group", "named"]
    title: str
    act: str
    list: str
    controls: bool = Field(description="False for a register that controls nothing itself (authorised medicines)")
    consolidated_to: dt.date | None = Field(
        description="The encoding follows the instrument's amendments up to this date"
    )
    consolidation: str = Field(description="'consolidated to YYYY-MM-DD' or 'consolidation date not recorded'")


class CaveatRead(BaseModel):
    title: str
    text: str
    citation: str | None = None


class JurisdictionRead(BaseModel):
    jurisdiction: str
    name: str = Field(description="The jurisdiction's name (chemistry/rules/jurisdictions.toml)")
    status: Status
    answer: str = Field(description="The status in words, with what was set aside and the instruments consulted")
    matches: list[MatchRead] = Field(description="Rules that apply and capture the compound")
    set_aside: list[SetAsideRead] = Field(
        default=[], description="Rules whose definition captures the compound but which yield to another instrument"
    )
    notices: list[MatchRead] = Field(
        default=[], description="Matches of registers that control nothing themselves (e.g. authorised medicines)"
    )
    near_misses: list[NearMissRead] = Field(
        description="Group rules whose core matches but which do not capture the compound, in rule order; "
        "those whose matched core is incidental only when the request asks for them"
    )
    near_misses_left_out: int = Field(
        default=0,
        description="Near misses left out because their matched core is incidental (see incidental_near_misses)",
    )
    undetermined: list[UndeterminedRead] = Field(
        default=[],
        description="Rules whose search for this compound ran out of the per-molecule budget: "
        "whether they capture it is not known (status 'undetermined' if nothing else did)",
    )
    instruments: list[InstrumentRef] = Field(
        default=[], description="Every encoded instrument of the jurisdiction in force on as_of: what was consulted"
    )
    caveats: list[CaveatRead] = Field(
        default=[],
        description="What the law decides that a structure cannot (analogue and catch-all clauses, preparations)",
    )


class ClassifyResponse(BaseModel):
    inchikey: str
    smiles: str = Field(description="The standardised parent that was classified; atom indices refer to it")
    as_of: dt.date
    rulebook_version: str
    results: list[JurisdictionRead]
    depiction_svg: str | None = Field(default=None, description="The parent with every matched core highlighted")


class ClassifyBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(min_length=1, description="ClassifyRequest bodies (depict defaults to false)")


class ClassifyBatchResult(BaseModel):
    index: int
    status: int = Field(description="200 classified, 422 rejected (see problem)")
    result: ClassifyResponse | None = None
    problem: dict[str, Any] | None = None


class ClassifyBatchResponse(BaseModel):
    classified: int
    rejected: int
    rulebook_version: str
    results: list[ClassifyBatchResult]


# --- /v1/groups ------------------------------------------------------------------------------


class GroupSummary(BaseModel):
    id: str
    kind: Literal["group", "named"]
    title: str
    jurisdiction: str
    list: str
    citation: dict[str, Any]
    in_force_from: dt.date
    in_force_to: dt.date | None
    source: str = Field(description="The rule file it ships in, or 'draft <id> (version n)'")
    controls: bool = Field(default=True, description="False for a register that controls nothing itself")
    consolidated_to: dt.date | None = Field(default=None, description="The encoding follows amendments up to this date")
    consolidation: str = Field(
        default="consolidation date not recorded",
        description="'consolidated to YYYY-MM-DD' or 'consolidation date not recorded'",
    )
    entries: int = Field(
        default=0, description="Named rules: substances listed (inline and substances_file); groups: cores"
    )


class CoreDepiction(BaseModel):
    ring_systems: dict[str, str]
    smarts: str
    svg: str


class CoreRead(BaseModel):
    id: str
    title: str | None
    smarts: str
    positions: list[dict[str, Any]]
    ring_systems: list[dict[str, Any]]
    depictions: list[CoreDepiction]


class GroupDetail(GroupSummary):
    notes: str | None
    substances_file: str | None = Field(
        default=None, description="Further entries of a named register, a CSV under chemistry/"
    )
    stereoisomers_included: bool
    limits: dict[str, Any]
    cores: list[CoreRead]
    forbid: list[dict[str, Any]]
    exclusions: list[dict[str, Any]]
    must_match: list[dict[str, Any]]
    must_not_match: list[dict[str, Any]]
    substances: list[dict[str, Any]]


class GroupPage(BaseModel):
    rulebook_version: str
    items: list[GroupSummary]


# --- /v1/instruments -------------------------------------------------------------------------


class InstrumentRule(BaseModel):
    rule_id: str
    kind: Literal["group", "named"]
    title: str
    list: str
    controls: bool
    in_force_from: dt.date
    in_force_to: dt.date | None
    consolidated_to: dt.date | None
    consolidation: str
    entries: int = Field(description="Named rules: substances listed; groups: cores")
    source: str


class InstrumentRead(BaseModel):
    """One legal instrument (a citation act of one jurisdiction) and the rules that encode it."""

    jurisdiction: str
    act: str
    references: list[str] = Field(description="Official references cited by its rules")
    url: str | None = None
    consolidated_to: dt.date | None = Field(
        description="The earliest consolidation date of its rules; null if any rule has none recorded"
    )
    consolidation: str
    entries: int = Field(description="Sum over its rules: substances named, or cores of group definitions")
    rules: list[InstrumentRule]


class InstrumentPage(BaseModel):
    rulebook_version: str
    items: list[InstrumentRead]


# --- registry --------------------------------------------------------------------------------


class SubstanceClassificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    jurisdiction: str
    status: Status
    rule_ids: list[str]
    rulebook_version: str
    computed_at: dt.datetime


# --- /v1/drafts ------------------------------------------------------------------------------


class DraftSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    rule_id: str
    version: int
    kind: str
    jurisdiction: str
    title: str
    in_force_from: dt.date
    status: DraftStatus
    created_at: dt.datetime
    activated_at: dt.datetime | None


class DraftChange(BaseModel):
    """One difference between a draft version and the version before it (RFC 6902 vocabulary)."""

    op: Literal["add", "remove", "replace"]
    path: str = Field(description="JSON pointer (RFC 6901) into the rule")
    old: Any = Field(default=None, description="The previous version's value (remove, replace)")
    new: Any = Field(default=None, description="This version's value (add, replace)")


class DraftRead(DraftSummary):
    created_by_key_id: str | None
    approved_by_key_id: str | None = Field(default=None, description="The second regulator who approved this version")
    approved_at: dt.datetime | None = None
    activated_by_key_id: str | None
    superseded_at: dt.datetime | None
    rule: dict[str, Any] = Field(description="The rule, in the format of chemistry/rules/FORMAT.md")
    previous_version: int | None = Field(default=None, description="The version `changes` compares against")
    changes: list[DraftChange] = Field(default=[], description="What this version changed against the previous one")
    activation_blockers: list[str] = Field(
        default=[],
        description="What still stands between this version and activation (approval; its examples are "
        "checked at activation)",
    )


class DraftPage(BaseModel):
    items: list[DraftSummary]
    next_cursor: str | None


class CapturedSubstance(BaseModel):
    inchikey: str
    smiles: str
    names: list[str]
    current_status: Status | None = Field(description="Its stored status in the draft's jurisdiction")
    matched_on: str


class CapturedExample(BaseModel):
    rule_id: str = Field(description="The shipped (or draft's own) rule the example belongs to")
    expectation: Literal["must_match", "must_not_match"]
    name: str
    smiles: str


class ExampleCheck(BaseModel):
    expectation: Literal["must_match", "must_not_match"]
    name: str
    smiles: str
    captured: bool
    as_expected: bool
    near_miss: str | None = Field(
        default=None,
        description="Why the draft does not capture it, in one sentence (the summary of near_miss_detail)",
    )
    near_miss_detail: NearMissRead | None = Field(
        default=None,
        description="The draft's near miss in full: failing requirements counted, the full reason, and whether "
        "the matched core is incidental (flagged, never left out: it explains the example)",
    )


class DraftImpact(BaseModel):
    draft_id: str
    rule_id: str
    version: int
    jurisdiction: str
    evaluated_on: dt.date = Field(description="The draft's in_force_from: the rule is applied as in force")
    registry_size: int
    captured: list[CapturedSubstance] = Field(description="Registry substances the draft would capture")
    newly_controlled: list[CapturedSubstance] = Field(
        description="Of those, the ones not controlled in the draft's jurisdiction today"
    )
    shipped_examples_captured: list[CapturedExample]
    own_examples: list[ExampleCheck] = Field(description="The draft's must_match / must_not_match, checked")
    own_examples_pass: bool = Field(
        default=True, description="Every one of the draft's own examples is as expected (required for activation)"
    )
    seconds: float


class ActivationRead(BaseModel):
    draft: DraftRead
    superseded: list[str] = Field(description="Ids of earlier versions of the rule this activation replaced")
    rulebook_version: str
    impact: DraftImpact
    reclassified: int = Field(description="Registry substances whose stored classification was recomputed")
