"""Detection reports: what a laboratory found, where, when, and how sure it is."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from alerts.signals import SampleType  # one vocabulary for intake and signals
from chemistry.identity import StructureFormat
from service.db import UTCDateTime, utcnow
from service.organisations.models import check_country
from service.substances.models import SubstanceSummary
from service.validation import RequestModel

# A lab on UTC+14 is a calendar day ahead of UTC; later than that is a typing error.
LATEST_TIMEZONE_OFFSET = dt.timedelta(hours=14)
# Earlier than this is a typing error too (0026 for 2026, an empty date read as 0001-01-01), not
# an archived sample; it would also take the signal windows before the first representable date.
EARLIEST_SAMPLING_DATE = dt.date(1900, 1, 1)


class Technique(str, enum.Enum):
    gc_ms = "GC-MS"
    gc_ir = "GC-IR"
    gc_hrms = "GC-HRMS"
    lc_ms = "LC-MS"
    lc_msms = "LC-MS/MS"
    lc_hrms = "LC-HRMS"
    hplc_dad = "HPLC-DAD"
    nmr = "NMR"
    ftir = "FTIR"
    raman = "Raman"
    uv_vis = "UV-Vis"
    xrd = "XRD"
    tlc = "TLC"
    immunoassay = "immunoassay"
    other = "other"


class Confidence(str, enum.Enum):
    confirmed = "confirmed"  # confirmed against a reference standard
    tentative = "tentative"


class QuantityUnit(str, enum.Enum):
    ug = "ug"
    mg = "mg"
    g = "g"
    kg = "kg"
    ml = "ml"
    l = "l"  # noqa: E741
    units = "units"  # tablets, blotters, capsules, items
    ng_per_ml = "ng/ml"  # concentrations in biological samples
    ug_per_l = "ug/l"
    mg_per_l = "mg/l"


class Quantity(RequestModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(gt=0)
    unit: QuantityUnit


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key", name="uq_report_idempotency"),
        # covering index for the signal history: who reported a substance, read without the rows
        Index("ix_report_substance_reporters", "substance_id", "organisation_id", "country"),
    )

    id: str = SQLField(sa_column=Column(String(26), primary_key=True))  # ULID: sortable by arrival
    organisation_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    substance_id: int | None = SQLField(
        default=None,
        sa_column=Column(Integer, ForeignKey("substance.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    substance_was_new: bool = SQLField(sa_column=Column(Boolean, nullable=False))
    structure: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))  # exactly as submitted
    structure_format: str | None = SQLField(default=None, sa_column=Column(String(10), nullable=True))
    substance_name: str | None = SQLField(default=None, sa_column=Column(String(300), nullable=True))
    sample_type: str = SQLField(sa_column=Column(String(30), nullable=False, index=True))
    country: str = SQLField(sa_column=Column(String(2), nullable=False, index=True))
    region: str | None = SQLField(default=None, sa_column=Column(String(100), nullable=True))
    sampled_on: dt.date = SQLField(sa_column=Column(Date, nullable=False, index=True))
    techniques: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    confidence: str = SQLField(sa_column=Column(String(20), nullable=False))
    quantity_value: float | None = SQLField(default=None, sa_column=Column(Float, nullable=True))
    quantity_unit: str | None = SQLField(default=None, sa_column=Column(String(10), nullable=True))
    purity_percent: float | None = SQLField(default=None, sa_column=Column(Float, nullable=True))
    context: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    received_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    idempotency_key: str | None = SQLField(default=None, sa_column=Column(String(255), nullable=True))
    request_hash: str = SQLField(sa_column=Column(String(64), nullable=False))
    submitted_by_key_id: str = SQLField(sa_column=Column(String(32), nullable=False))
    # X-Request-ID of the request that filed it; its alerts' deliveries carry it to the worker's logs
    request_id: str | None = SQLField(default=None, sa_column=Column(String(64), nullable=True))


class ReportCreate(RequestModel):
    """One detection, as a laboratory or focal point submits it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "structure": "CNC(C)C(=O)c1ccc(C)cc1.Cl",
                    "substance_name": "mephedrone hydrochloride",
                    "sample_type": "seizure",
                    "country": "DK",
                    "sampled_on": "2026-11-02",
                    "techniques": ["GC-MS", "NMR"],
                    "confidence": "confirmed",
                    "quantity": {"value": 12.5, "unit": "g"},
                    "purity_percent": 87,
                }
            ]
        },
    )

    organisation: int | str | None = Field(
        default=None,
        description="Reporting organisation (id or name); defaults to the key's own, and must be it",
    )
    structure: str | None = Field(
        default=None, max_length=100_000, description="SMILES, InChI or Molfile (V2000/V3000), as measured"
    )
    structure_format: StructureFormat | None = Field(default=None, description="Detected when omitted")
    substance_name: str | None = Field(default=None, min_length=1, max_length=300)
    sample_type: SampleType
    country: str = Field(description="ISO 3166-1 alpha-2 code of the country of sampling", examples=["DK"])
    region: str | None = Field(default=None, max_length=100)
    sampled_on: dt.date = Field(
        description=f"Date of sampling (ISO 8601): from {EARLIEST_SAMPLING_DATE.isoformat()}, not in the future"
    )
    techniques: list[Technique] = Field(min_length=1, max_length=20)
    confidence: Confidence
    quantity: Quantity | None = None
    purity_percent: float | None = Field(default=None, ge=0, le=100)
    context: str | None = Field(default=None, max_length=10_000)

    _country = field_validator("country")(check_country)

    @field_validator("sampled_on")
    @classmethod
    def _plausible(cls, value: dt.date) -> dt.date:
        latest = (utcnow() + LATEST_TIMEZONE_OFFSET).date()
        if value > latest:
            raise ValueError(f"sampling date {value.isoformat()} is in the future; the latest accepted is {latest}")
        if value < EARLIEST_SAMPLING_DATE:
            raise ValueError(
                f"sampling date {value.isoformat()} is before {EARLIEST_SAMPLING_DATE.isoformat()}, "
                "the earliest accepted; check the year"
            )
        return value

    @field_validator("techniques")
    @classmethod
    def _distinct(cls, value: list[Technique]) -> list[Technique]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _structure_or_name(self) -> "ReportCreate":
        if not (self.structure and self.structure.strip()) and not self.substance_name:
            raise ValueError("give the substance as a structure (SMILES, InChI or Molfile), a name, or both")
        return self


class BatchItem(ReportCreate):
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=255)


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organisation_id: int
    substance: SubstanceSummary | None
    substance_is_new: bool = Field(description="True when this report added the substance to the registry")
    identified_by: Literal["structure", "name"] | None = Field(
        default=None,
        description="How the substance was found: from the structure, or by the name in the registry (a report "
        "without a structure); null when no substance could be linked (see substance_note)",
    )
    substance_note: str | None = Field(
        default=None, description="When no substance is linked: why, and what to send to identify it"
    )
    structure: str | None
    structure_format: str | None
    substance_name: str | None
    sample_type: SampleType
    country: str
    region: str | None
    sampled_on: dt.date
    techniques: list[str]
    confidence: Confidence
    quantity: Quantity | None
    purity_percent: float | None
    context: str | None
    received_at: dt.datetime
    idempotency_key: str | None


class ReportPage(BaseModel):
    items: list[ReportRead]
    next_cursor: str | None


class BatchResult(BaseModel):
    index: int
    row: str | None = Field(default=None, description="Uploads: where the row is in the file (`line 3`, `record 2`)")
    status: int = Field(description="201 stored, 200 idempotent replay, 4xx rejected (see problem)")
    report: ReportRead | None = None
    problem: dict[str, Any] | None = None


class BatchResponse(BaseModel):
    stored: int
    replayed: int
    rejected: int
    results: list[BatchResult]
