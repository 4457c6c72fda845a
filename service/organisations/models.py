"""Organisations: the labs, focal points, authorities and regulators that use Varsel."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Column, String
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from service.db import UTCDateTime, utcnow
from service.validation import RequestModel


class OrganisationKind(str, enum.Enum):
    forensic_lab = "forensic_lab"
    toxicology_lab = "toxicology_lab"
    national_focal_point = "national_focal_point"
    authority = "authority"
    regulator = "regulator"


def check_country(value: str) -> str:
    """ISO 3166-1 alpha-2, upper case; says what would be accepted when it is not."""
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        hint = {"UK": "GB", "EL": "GR"}.get(code)
        suggestion = f"; did you mean {hint}?" if hint else ""
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code{suggestion}")
    return code


# The one way a country code is read, in a body or a query: trimmed, upper case, checked (DK, dk, " dk ").
CountryCode = Annotated[str, AfterValidator(check_country)]


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = SQLField(default=None, primary_key=True)
    name: str = SQLField(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = SQLField(sa_column=Column(String(40), nullable=False))
    country: str = SQLField(sa_column=Column(String(2), nullable=False))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OrganisationCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    kind: OrganisationKind
    country: str = Field(description="ISO 3166-1 alpha-2", examples=["DK"])

    _country = field_validator("country")(check_country)


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: OrganisationKind
    country: str
    created_at: dt.datetime
