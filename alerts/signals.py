"""Where a report becomes an alert.

:func:`evaluate_report` looks at one stored detection report together with what was known before
it, and returns the alerts the report raises. It reads history through :class:`SignalHistory`,
which the service implements with database queries; nothing here knows about SQL.

Each signal names its condition with a *dedup key*; a condition that already produced an alert
(``history.alert_exists``) produces nothing, so re-evaluating a report, or a second report of the
same fact, never alerts twice.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from alerts.content import describe
from alerts.model import Alert, AlertReference, AlertType, Evidence, JurisdictionStatus, Severity, SubstanceInfo

__all__ = [
    "ControlStatus",
    "LegalStatus",
    "NearestControlled",
    "ReportFacts",
    "SampleType",
    "SignalHistory",
    "SignalThresholds",
    "SubstanceActivity",
    "NOT_A_PLACE",
    "escalation_dedup_key",
    "evaluate_placement",
    "family_placement_dedup_key",
    "family_update",
    "evaluate_report",
]


class SampleType(str, enum.Enum):
    seizure = "seizure"
    test_purchase = "test_purchase"
    collected_sample = "collected_sample"
    biological_nonfatal = "biological_nonfatal"
    biological_fatal = "biological_fatal"
    wastewater = "wastewater"
    drug_checking = "drug_checking"


class ControlStatus(str, enum.Enum):
    controlled = "controlled"
    uncontrolled = "uncontrolled"
    unknown = "unknown"


@dataclass(frozen=True, slots=True)
class LegalStatus:
    """The substance's status in one jurisdiction; ``matched_group_ids`` are the group bans that
    capture it there (empty when it is controlled by name only, or not at all)."""

    status: ControlStatus
    matched_group_ids: tuple[str, ...] = ()
    jurisdiction_name: str | None = None


@dataclass(frozen=True, slots=True)
class NearestControlled:
    """The most similar controlled substance in the registry; ``similarity`` is in [0, 1]."""

    inchikey: str
    name: str | None
    similarity: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFacts:
    """One stored report, reduced to what the signal rules read.

    ``is_new_substance`` is true when this report created the substance in the registry.
    ``legal_status`` maps jurisdiction codes to the substance's status there, as far as known.
    ``family_size`` counts the family's members including this report's substance.
    """

    report_id: str
    substance_inchikey: str
    substance_name: str | None
    country: str
    organisation_id: str
    sample_type: SampleType
    sampled_on: date
    received_at: datetime
    is_new_substance: bool
    legal_status: Mapping[str, LegalStatus] = field(default_factory=dict)
    nearest_controlled: NearestControlled | None = None
    family_id: str | None = None
    family_size: int | None = None
    substance_smiles: str | None = None
    substance_formula: str | None = None


@dataclass(frozen=True, slots=True)
class SubstanceActivity:
    organisation_ids: frozenset[str]
    countries: frozenset[str]
    report_ids: frozenset[str]
    earliest_sampled_on: date | None = None
    reports_by_country: Mapping[str, int] = field(default_factory=dict)
    sample_types: frozenset[str] = frozenset()


class SignalHistory(Protocol):
    """What the signal rules need to know about the past.

    Every query answers for reports stored *before* the one being evaluated; the service must
    exclude that report (or evaluate before inserting it), otherwise a substance's first report
    in a country would find its own country already present.
    """

    def countries_reporting(self, inchikey: str) -> set[str]:
        """ISO 3166-1 codes of every country that has reported the substance."""
        ...

    def activity_between(self, inchikey: str, *, sampled_from: date, sampled_to: date) -> SubstanceActivity:
        """Organisations, countries and reports with a sample of the substance taken within
        the closed date interval [sampled_from, sampled_to]."""
        ...

    def may_reach(self, inchikey: str, *, organisations: int, countries: int) -> bool:
        """A cheap upper bound before :meth:`activity_between`: False only when the reports
        before this one cannot hold ``organisations`` distinct organisations and ``countries``
        distinct countries in any window; True whenever unsure."""
        ...

    def alert_exists(self, dedup_key: str) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalThresholds:
    """Defaults for a national early-warning network; the service overrides them from settings.

    ``advisory_min_similarity`` is a Tanimoto similarity on the fingerprints chemistry/ uses for
    nearest-neighbour search.
    """

    escalation_min_organisations: int = 3
    escalation_min_countries: int = 2
    escalation_window: timedelta = timedelta(days=30)
    advisory_min_similarity: float = 0.7
    family_growth_step: int = 5
    # Jurisdictions an uncontrolled-substance advisory may be raised for: those with authorities
    # that subscribed. None: every jurisdiction but treaty systems (see NOT_A_PLACE).
    advisory_jurisdictions: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.escalation_min_organisations < 1 or self.escalation_min_countries < 1:
            raise ValueError("escalation thresholds must be at least 1")
        if self.escalation_window <= timedelta(0):
            raise ValueError("escalation_window must be positive")
        if not 0.0 < self.advisory_min_similarity <= 1.0:
            raise ValueError("advisory_min_similarity must be in (0, 1]")
        if self.family_growth_step < 2:
            raise ValueError("family_growth_step must be at least 2: a family of one is not growth")


def evaluate_report(report_facts: ReportFacts, *, history: SignalHistory, thresholds: SignalThresholds) -> list[Alert]:
    """Alerts this report raises, most urgent kinds first; each condition at most once, ever.

    Alerts are stamped with the report's ``received_at``: that is when the condition became
    known, and it keeps re-evaluation of the same report deterministic.
    """
    candidates = [
        *_intoxication(report_facts),
        *_first_detection_or_first_in_country(report_facts, history),
        *_escalation(report_facts, history, thresholds),
        *_uncontrolled_advisories(report_facts, thresholds),
        *_family_growth(report_facts, thresholds),
    ]
    # most candidates were raised by an earlier report: ask first, build the alert only if new
    return [candidate.build() for candidate in candidates if not history.alert_exists(candidate.dedup_key)]


def evaluate_placement(facts: ReportFacts, *, history: SignalHistory, thresholds: SignalThresholds) -> list[Alert]:
    """Alerts that need the substance's family, raised when the worker places it (after intake):
    family growth, and the advisory for a substance closely similar to a controlled one.

    ``facts`` describe the report that registered the substance, with ``family_id``,
    ``family_size`` (members once this substance joined) and ``nearest_controlled`` set. The
    dedup keys are those :func:`evaluate_report` would use, so an advisory already raised at
    intake (captured by a group elsewhere) is not raised again.
    """
    # Group capture elsewhere is intake's advisory; placement adds only what similarity shows.
    advisories = _uncontrolled_advisories(facts, thresholds) if facts.nearest_controlled is not None else ()
    candidates = [*advisories, *_family_growth(facts, thresholds)]
    return [candidate.build() for candidate in candidates if not history.alert_exists(candidate.dedup_key)]


def family_placement_dedup_key(inchikey: str) -> str:
    return f"{AlertType.family_placement.value}:{inchikey}"


def family_update(original: Alert, *, family_id: str, family_size: int, at: datetime) -> Alert:
    """An update of a substance's first alert, naming the family the worker placed it in.

    The first alert goes out at intake, before placement, with no family; this one completes it
    (``updates`` references it; its own type, so a subscription to first detections keeps
    receiving one alert per substance; the same severity, so a severity filter treats both alike).
    Raised once per substance.
    """
    label = original.substance_name or original.substance_inchikey
    alert = Alert.raise_for(
        dedup_key=family_placement_dedup_key(original.substance_inchikey or str(original.id)),
        type=AlertType.family_placement,
        **original.model_dump(
            exclude={"id", "dedup_key", "type", "family_id", "summary", "created_at", "links", "updates"}
        ),
        family_id=family_id,
        summary=f"Update: {label} has been placed in family {family_id} of related substances "
        f"({family_size} members with it).",
        created_at=at,
        updates=AlertReference(id=original.id, created_at=original.created_at),
    )
    return alert.model_copy(update={"summary": describe(alert)})


def _substance_label(facts: ReportFacts) -> str:
    if facts.substance_name:
        return f"{facts.substance_name} ({facts.substance_inchikey})"
    return facts.substance_inchikey


def _report_evidence(facts: ReportFacts) -> Evidence:
    return Evidence(
        report_ids=(facts.report_id,),
        countries=(facts.country,),
        organisation_ids=(facts.organisation_id,),
        first_sampled_on=facts.sampled_on,
        last_sampled_on=facts.sampled_on,
        reports_by_country={facts.country: 1},
        sample_types=(facts.sample_type.value,),
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An alert a report may raise: its dedup key now, the alert itself only when it is new."""

    dedup_key: str
    build: Callable[[], Alert]


def _alert(
    facts: ReportFacts,
    *,
    dedup_key: str,
    alert_type: AlertType,
    severity: Severity,
    summary: str,
    evidence: Evidence | None = None,
    jurisdictions: tuple[str, ...] | None = None,
    group_ids: tuple[str, ...] | None = None,
) -> _Candidate:
    return _Candidate(
        dedup_key,
        lambda: _build_alert(
            facts,
            dedup_key=dedup_key,
            alert_type=alert_type,
            severity=severity,
            summary=summary,
            evidence=evidence,
            jurisdictions=jurisdictions,
            group_ids=group_ids,
        ),
    )


def _build_alert(
    facts: ReportFacts,
    *,
    dedup_key: str,
    alert_type: AlertType,
    severity: Severity,
    summary: str,
    evidence: Evidence | None,
    jurisdictions: tuple[str, ...] | None,
    group_ids: tuple[str, ...] | None,
) -> Alert:
    known_jurisdictions = tuple(j for j, s in facts.legal_status.items() if s.status is not ControlStatus.unknown)
    alert = Alert.raise_for(
        dedup_key=dedup_key,
        type=alert_type,
        severity=severity,
        substance_inchikey=facts.substance_inchikey,
        substance_name=facts.substance_name,
        family_id=facts.family_id,
        jurisdictions=known_jurisdictions if jurisdictions is None else jurisdictions,
        uncontrolled_in=tuple(j for j, s in facts.legal_status.items() if s.status is ControlStatus.uncontrolled),
        group_ids=_all_matched_groups(facts) if group_ids is None else group_ids,
        evidence=_report_evidence(facts) if evidence is None else evidence,
        summary=summary,
        created_at=facts.received_at,
        substance=SubstanceInfo(
            inchikey=facts.substance_inchikey,
            name=facts.substance_name,
            smiles=facts.substance_smiles,
            formula=facts.substance_formula,
        ),
        legal_status=tuple(
            JurisdictionStatus(
                jurisdiction=code,
                name=status.jurisdiction_name,
                status=status.status.value,
                group_ids=status.matched_group_ids,
            )
            for code, status in sorted(facts.legal_status.items())
        ),
    )
    # the event's own sentence first, then what a duty officer needs to act without a look-up
    return alert.model_copy(update={"summary": describe(alert)})


def _all_matched_groups(facts: ReportFacts) -> tuple[str, ...]:
    return tuple(g for status in facts.legal_status.values() for g in status.matched_group_ids)


def _intoxication(facts: ReportFacts) -> Iterator[_Candidate]:
    if facts.sample_type is SampleType.biological_fatal:
        severity, kind = Severity.critical, "Fatal"
    elif facts.sample_type is SampleType.biological_nonfatal:
        severity, kind = Severity.high, "Non-fatal"
    else:
        return
    yield _alert(
        facts,
        dedup_key=f"{AlertType.intoxication.value}:{facts.report_id}",
        alert_type=AlertType.intoxication,
        severity=severity,
        summary=f"{kind} intoxication involving {_substance_label(facts)} reported in {facts.country} "
        f"(sample taken {facts.sampled_on.isoformat()}).",
    )


def _first_detection_or_first_in_country(facts: ReportFacts, history: SignalHistory) -> Iterator[_Candidate]:
    # A first detection anywhere is also the first in its country; one alert carrying that
    # country reaches country subscribers without doubling what they receive.
    ik = facts.substance_inchikey
    if facts.is_new_substance:
        yield _alert(
            facts,
            dedup_key=f"{AlertType.first_detection.value}:{ik}",
            alert_type=AlertType.first_detection,
            severity=Severity.high,
            summary=f"First detection of {_substance_label(facts)}: reported in {facts.country} "
            f"(sample taken {facts.sampled_on.isoformat()}).",
        )
        return
    if facts.country not in history.countries_reporting(ik):
        yield _alert(
            facts,
            dedup_key=f"{AlertType.first_in_country.value}:{ik}:{facts.country}",
            alert_type=AlertType.first_in_country,
            severity=Severity.moderate,
            summary=f"{_substance_label(facts)} reported in {facts.country} for the first time "
            f"(sample taken {facts.sampled_on.isoformat()}).",
        )


def escalation_dedup_key(inchikey: str, thresholds: SignalThresholds) -> str:
    """The escalation condition of one substance. The thresholds are part of it: an operator who
    tightens them wants the new, stricter condition reported even if the old one already fired."""
    condition = (
        f"{thresholds.escalation_min_organisations}orgs-{thresholds.escalation_min_countries}countries-"
        f"{thresholds.escalation_window.days}d"
    )
    return f"{AlertType.escalation.value}:{inchikey}:{condition}"


def _escalation(facts: ReportFacts, history: SignalHistory, thresholds: SignalThresholds) -> Iterator[_Candidate]:
    dedup_key = escalation_dedup_key(facts.substance_inchikey, thresholds)
    if history.alert_exists(dedup_key):
        return  # raised once, ever: the substance's recent activity need not be read
    # this report brings one organisation and one country of its own
    if not history.may_reach(
        facts.substance_inchikey,
        organisations=thresholds.escalation_min_organisations - 1,
        countries=thresholds.escalation_min_countries - 1,
    ):
        return
    try:
        window_start = facts.sampled_on - thresholds.escalation_window
    except OverflowError:  # a stored or imported row sampled near year 1 must not fail its batch
        window_start = date.min
    before = history.activity_between(facts.substance_inchikey, sampled_from=window_start, sampled_to=facts.sampled_on)
    organisations = before.organisation_ids | {facts.organisation_id}
    countries = before.countries | {facts.country}
    if (
        len(organisations) < thresholds.escalation_min_organisations
        or len(countries) < thresholds.escalation_min_countries
    ):
        return
    earliest = min(filter(None, (before.earliest_sampled_on, facts.sampled_on)))
    yield _alert(
        facts,
        dedup_key=dedup_key,
        alert_type=AlertType.escalation,
        severity=Severity.high,
        evidence=Evidence(
            report_ids=tuple(before.report_ids | {facts.report_id}),
            countries=tuple(countries),
            organisation_ids=tuple(organisations),
            first_sampled_on=earliest,
            last_sampled_on=facts.sampled_on,
            reports_by_country=_add_one(before.reports_by_country, facts.country),
            sample_types=tuple(before.sample_types | {facts.sample_type.value}),
        ),
        summary=f"{_substance_label(facts)} reported by {len(organisations)} organisations in "
        f"{len(countries)} countries ({', '.join(sorted(countries))}) within "
        f"{thresholds.escalation_window.days} days.",
    )


def _add_one(counts: Mapping[str, int], key: str) -> dict[str, int]:
    return {**counts, key: counts.get(key, 0) + 1}


# Treaty systems: the UN conventions bind states, which control substances in their own law; no
# authority acts on "not controlled in UN", so no advisory is raised for it.
NOT_A_PLACE = frozenset({"UN"})


def _advisable(jurisdiction: str, thresholds: SignalThresholds) -> bool:
    if thresholds.advisory_jurisdictions is not None:
        return jurisdiction in thresholds.advisory_jurisdictions and jurisdiction not in NOT_A_PLACE
    return jurisdiction not in NOT_A_PLACE


def _uncontrolled_advisories(facts: ReportFacts, thresholds: SignalThresholds) -> Iterator[_Candidate]:
    nearest = facts.nearest_controlled
    similarity_reason = None
    if nearest is not None and nearest.similarity >= thresholds.advisory_min_similarity:
        similarity_reason = f"similarity {nearest.similarity:.2f} to controlled {nearest.name or nearest.inchikey}"
    for jurisdiction, status in sorted(facts.legal_status.items()):
        if status.status is not ControlStatus.uncontrolled or not _advisable(jurisdiction, thresholds):
            continue
        captured_elsewhere = {
            other: other_status.matched_group_ids
            for other, other_status in sorted(facts.legal_status.items())
            if other != jurisdiction
            and other_status.status is ControlStatus.controlled
            and other_status.matched_group_ids
        }
        if not captured_elsewhere and similarity_reason is None:
            continue
        reasons = [f"captured in {other} by {', '.join(groups)}" for other, groups in captured_elsewhere.items()]
        if similarity_reason is not None:
            reasons.append(similarity_reason)
        yield _alert(
            facts,
            dedup_key=f"{AlertType.uncontrolled_advisory.value}:{facts.substance_inchikey}:{jurisdiction}",
            alert_type=AlertType.uncontrolled_advisory,
            severity=Severity.moderate,
            jurisdictions=(jurisdiction,),
            group_ids=tuple(g for groups in captured_elsewhere.values() for g in groups),
            summary=f"{_substance_label(facts)} is not controlled in {jurisdiction} but is {'; '.join(reasons)}.",
        )


def _family_growth(facts: ReportFacts, thresholds: SignalThresholds) -> Iterator[_Candidate]:
    if facts.family_id is None or facts.family_size is None:
        return
    # Alert at each multiple of the step the family has reached; a family that jumps past two
    # milestones at once (a batch upload) is reported once, at the higher one.
    milestone = facts.family_size // thresholds.family_growth_step * thresholds.family_growth_step
    if milestone == 0:
        return
    yield _alert(
        facts,
        dedup_key=f"{AlertType.family_growth.value}:{facts.family_id}:{milestone}",
        alert_type=AlertType.family_growth,
        severity=Severity.low,
        summary=f"Family {facts.family_id} has reached {facts.family_size} reported substances "
        f"with {_substance_label(facts)}; it may call for a group definition.",
    )
