"""The substance registry: one row per standardised parent (standard InChIKey)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.classification.models import SubstanceClassificationRead
from service.db import UTCDateTime, utcnow


class Substance(SQLModel, table=True):
    __tablename__ = "substance"

    id: int | None = SQLField(default=None, primary_key=True)
    inchikey: str = SQLField(sa_column=Column(String(27), nullable=False, unique=True))
    # first InChIKey block: shared by stereoisomers, the handle for grouping them
    connectivity_key: str = SQLField(sa_column=Column(String(14), nullable=False, index=True))
    inchi: str = SQLField(sa_column=Column(Text, nullable=False))
    smiles: str = SQLField(sa_column=Column(Text, nullable=False))
    formula: str = SQLField(sa_column=Column(String(100), nullable=False))
    monoisotopic_mass: float = SQLField(sa_column=Column(Float, nullable=False))
    average_mass: float = SQLField(sa_column=Column(Float, nullable=False))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    first_reported_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    first_reported_country: str | None = SQLField(default=None, sa_column=Column(String(2), nullable=True))


class SubstanceName(SQLModel, table=True):
    """Names and synonyms; ``name_key`` is the case-folded form used for search."""

    __tablename__ = "substance_name"
    __table_args__ = (UniqueConstraint("substance_id", "name_key", name="uq_substance_name"),)

    id: int | None = SQLField(default=None, primary_key=True)
    substance_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("substance.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = SQLField(sa_column=Column(String(300), nullable=False))
    name_key: str = SQLField(sa_column=Column(String(300), nullable=False, index=True))
    source: str = SQLField(sa_column=Column(String(40), nullable=False))


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class SubstanceSummary(BaseModel):
    """How a substance appears inside other answers."""

    model_config = ConfigDict(from_attributes=True)

    inchikey: str
    connectivity_key: str
    smiles: str
    formula: str
    names: list[str] = []


class SubstanceRead(SubstanceSummary):
    inchi: str
    monoisotopic_mass: float
    average_mass: float
    created_at: dt.datetime
    first_reported_at: dt.datetime | None
    first_reported_country: str | None


class CountryCount(BaseModel):
    country: str
    reports: int
    first_seen: dt.date | None
    last_seen: dt.date | None


class SubstanceDetail(SubstanceRead):
    report_count: int
    first_seen: dt.date | None
    last_seen: dt.date | None
    countries: list[CountryCount]
    stereoisomers: list[str]  # other registered substances sharing the connectivity block
    classification: list[SubstanceClassificationRead] = []  # current status per jurisdiction


class SubstancePage(BaseModel):
    items: list[SubstanceRead]
    next_cursor: str | None
