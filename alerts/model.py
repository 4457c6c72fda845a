"""Alerts and subscription filters: the values every other module in ``alerts`` passes around.

An alert's id is derived from its *dedup key*, the words that name the condition it reports
("mephedrone was detected in Denmark for the first time"). Raising the same condition twice
therefore yields the same id, and the storage layer's unique key on that id is the last line of
defence against a duplicate even when two workers evaluate reports at the same moment.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "ALERT_ID_NAMESPACE",
    "EVENT_NAMES",
    "Alert",
    "AlertLinks",
    "AlertReference",
    "AlertType",
    "Evidence",
    "JurisdictionStatus",
    "Severity",
    "SubstanceInfo",
    "SubscriptionFilter",
    "alert_id_for",
    "headline",
    "matches",
    "rfc3339_utc",
]

# Fixed forever: changing it would give every historical condition a new id and re-raise it.
ALERT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:varsel:alert")


class AlertType(str, enum.Enum):
    first_detection = "substance.first_detection"
    first_in_country = "substance.first_in_country"
    intoxication = "report.intoxication"
    escalation = "substance.escalation"
    uncontrolled_advisory = "substance.uncontrolled_advisory"
    family_growth = "family.growth"
    # the update of a substance's first alert once the worker has placed it among relatives
    family_placement = "substance.family_placement"


class Severity(str, enum.Enum):
    """Ordered from least to most severe; compare with :attr:`rank`, not with ``<`` on strings."""

    info = "info"
    low = "low"
    moderate = "moderate"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_ORDER = tuple(Severity)
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(_SEVERITY_ORDER)}


def _require_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("must carry a timezone; Varsel stores times in UTC")
    return moment.astimezone(timezone.utc)


def rfc3339_utc(moment: datetime) -> str:
    """``2025-03-01T12:00:00Z``: whole seconds, UTC, the form CloudEvents and Atom both accept."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]


def _sorted_unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


SortedStrings = Annotated[tuple[str, ...], AfterValidator(_sorted_unique)]


class Evidence(BaseModel):
    """The reports behind an alert, so a reader can check the claim rather than trust it."""

    model_config = ConfigDict(frozen=True)

    report_ids: SortedStrings = ()
    countries: SortedStrings = Field(default=(), description="ISO 3166-1 alpha-2 codes")
    organisation_ids: SortedStrings = ()
    first_sampled_on: date | None = None
    last_sampled_on: date | None = None
    reports_by_country: dict[str, int] = Field(
        default_factory=dict, description="How many of the reports behind the alert came from each country"
    )
    sample_types: SortedStrings = Field(
        default=(), description="Kinds of sample: seizure, test_purchase, biological_fatal, wastewater, ..."
    )

    @property
    def report_count(self) -> int:
        return len(self.report_ids)


class SubstanceInfo(BaseModel):
    """Who the alert is about, readable without another look-up."""

    model_config = ConfigDict(frozen=True)

    inchikey: str
    name: str | None = Field(default=None, description="Best known name: as reported, else the registry's first")
    smiles: str | None = None
    formula: str | None = None


class JurisdictionStatus(BaseModel):
    """The substance's legal status in one jurisdiction when the alert was raised."""

    model_config = ConfigDict(frozen=True)

    jurisdiction: str
    name: str | None = Field(default=None, description="The jurisdiction's name, e.g. Denmark")
    status: str = Field(description="controlled, uncontrolled or unknown (not fully encoded, or undecided)")
    group_ids: tuple[str, ...] = Field(default=(), description="Group definitions that capture it there")


class AlertLinks(BaseModel):
    """Absolute links, from the installation's public URL (VARSEL_PUBLIC_URL)."""

    model_config = ConfigDict(frozen=True)

    alert: str | None = Field(default=None, description="This alert in the API")
    substance_page: str | None = Field(default=None, description="The substance's page, for a person")
    substance_api: str | None = Field(default=None, description="The substance in the API")
    depiction: str | None = Field(default=None, description="A PNG drawing of the structure")


class AlertReference(BaseModel):
    """An earlier alert this one updates (CAP ``msgType`` Update, ``<references>``)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    created_at: UtcDatetime


class Alert(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    dedup_key: str
    type: AlertType
    severity: Severity
    substance_inchikey: str | None = None
    substance_name: str | None = None
    family_id: str | None = None
    jurisdictions: SortedStrings = Field(
        default=(),
        description="Jurisdictions the alert speaks about: for an uncontrolled-substance advisory "
        "the one where the substance is uncontrolled, otherwise every jurisdiction whose legal "
        "status of the substance was known when the alert was raised.",
    )
    uncontrolled_in: SortedStrings = Field(
        default=(), description="Jurisdictions where the substance was known to be uncontrolled."
    )
    group_ids: SortedStrings = Field(
        default=(), description="Group definitions that capture the substance, in any jurisdiction."
    )
    evidence: Evidence = Evidence()
    summary: str = Field(description="One paragraph for a person: what was found, where, and its legal status")
    created_at: UtcDatetime
    substance: SubstanceInfo | None = None
    legal_status: tuple[JurisdictionStatus, ...] = Field(
        default=(), description="Status per jurisdiction, as far as the encoded legal texts decide it"
    )
    links: AlertLinks = AlertLinks()
    updates: AlertReference | None = Field(
        default=None, description="The earlier alert this one completes, e.g. with the family found after placement"
    )

    @classmethod
    def raise_for(cls, *, dedup_key: str, **fields: object) -> Alert:
        """Build an alert whose id is bound to ``dedup_key`` (see :func:`alert_id_for`)."""
        return cls(id=alert_id_for(dedup_key), dedup_key=dedup_key, **fields)


def alert_id_for(dedup_key: str) -> uuid.UUID:
    return uuid.uuid5(ALERT_ID_NAMESPACE, dedup_key)


EVENT_NAMES: dict[AlertType, str] = {
    AlertType.first_detection: "First detection of a new psychoactive substance",
    AlertType.first_in_country: "New psychoactive substance detected in a new country",
    AlertType.intoxication: "Intoxication involving a new psychoactive substance",
    AlertType.escalation: "Rapid spread of a new psychoactive substance",
    AlertType.uncontrolled_advisory: "Uncontrolled relative of controlled substances",
    AlertType.family_growth: "Growing family of related substances",
    AlertType.family_placement: "New psychoactive substance placed in a family of related substances",
}


def headline(alert: Alert) -> str:
    """A one-line title for feeds, CAP and e-mail: what happened, to which substance or family."""
    subject = alert.substance_name or alert.substance_inchikey or alert.family_id
    if alert.type is AlertType.uncontrolled_advisory and alert.jurisdictions:
        subject = f"{subject} ({', '.join(alert.jurisdictions)})"
    event = EVENT_NAMES[alert.type]
    if alert.updates is not None:
        return f"Update: {subject} is in family {alert.family_id}"
    return f"{event}: {subject}" if subject else event


class SubscriptionFilter(BaseModel):
    """What a subscriber wants. An empty criterion means "any"; criteria combine with AND.

    ``family_ids`` and ``group_ids`` form one criterion ("this chemical neighbourhood"): an alert
    passes when it names any listed family *or* any listed group, because a regulator watching
    the cathinone group and a cluster of its relatives wants both.
    """

    model_config = ConfigDict(frozen=True)

    event_types: frozenset[AlertType] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    family_ids: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()
    uncontrolled_in: str | None = None
    min_severity: Severity = Severity.info


def matches(subscription_filter: SubscriptionFilter, alert: Alert) -> bool:
    wanted = subscription_filter
    if alert.severity.rank < wanted.min_severity.rank:
        return False
    if wanted.event_types and alert.type not in wanted.event_types:
        return False
    if wanted.jurisdictions and wanted.jurisdictions.isdisjoint(alert.jurisdictions):
        return False
    if wanted.countries and wanted.countries.isdisjoint(alert.evidence.countries):
        return False
    if wanted.family_ids or wanted.group_ids:
        in_family = alert.family_id is not None and alert.family_id in wanted.family_ids
        in_group = not wanted.group_ids.isdisjoint(alert.group_ids)
        if not (in_family or in_group):
            return False
    if wanted.uncontrolled_in is not None and wanted.uncontrolled_in not in alert.uncontrolled_in:
        return False
    return True
