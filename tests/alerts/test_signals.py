"""Each signal fires when its condition holds, stays silent otherwise, and never fires twice.

``RecordingHistory`` implements the :class:`SignalHistory` Protocol over a list of earlier reports;
it is a test double of the storage boundary, in the role the service's database queries play.
"""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from alerts.model import Alert, AlertType, Severity
from alerts.signals import (
    ControlStatus,
    LegalStatus,
    NearestControlled,
    ReportFacts,
    SampleType,
    SignalThresholds,
    SubstanceActivity,
    evaluate_report,
)

MEPHEDRONE = "YELGFTGWJGBAQU-UHFFFAOYSA-N"
RECEIVED = datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc)
THRESHOLDS = SignalThresholds(
    escalation_min_organisations=3,
    escalation_min_countries=2,
    escalation_window=timedelta(days=30),
    advisory_min_similarity=0.7,
    family_growth_step=5,
)


class RecordingHistory:
    def __init__(self, reports=(), alerts=()):
        self.reports: list[ReportFacts] = list(reports)
        self.alert_keys: set[str] = {a.dedup_key for a in alerts}
        self.windows_asked: list[tuple[date, date]] = []

    def countries_reporting(self, inchikey: str) -> set[str]:
        return {r.country for r in self.reports if r.substance_inchikey == inchikey}

    def activity_between(self, inchikey: str, *, sampled_from: date, sampled_to: date) -> SubstanceActivity:
        self.windows_asked.append((sampled_from, sampled_to))
        within = [
            r for r in self.reports if r.substance_inchikey == inchikey and sampled_from <= r.sampled_on <= sampled_to
        ]
        return SubstanceActivity(
            organisation_ids=frozenset(r.organisation_id for r in within),
            countries=frozenset(r.country for r in within),
            report_ids=frozenset(r.report_id for r in within),
            earliest_sampled_on=min((r.sampled_on for r in within), default=None),
        )

    def may_reach(self, inchikey: str, *, organisations: int, countries: int) -> bool:
        return True  # never a shortcut: every window is read, as the rules alone decide

    def alert_exists(self, dedup_key: str) -> bool:
        return dedup_key in self.alert_keys

    def store(self, facts: ReportFacts, alerts: list[Alert]) -> None:
        self.reports.append(facts)
        self.alert_keys |= {a.dedup_key for a in alerts}


def report(report_id="r1", **changes) -> ReportFacts:
    facts = ReportFacts(
        report_id=report_id,
        substance_inchikey=MEPHEDRONE,
        substance_name="mephedrone",
        country="DK",
        organisation_id="org-dk-rigspolitiet",
        sample_type=SampleType.seizure,
        sampled_on=date(2025, 3, 1),
        received_at=RECEIVED,
        is_new_substance=False,
    )
    return replace(facts, **changes)


def evaluate(facts, history):
    return evaluate_report(facts, history=history, thresholds=THRESHOLDS)


def types_of(alerts):
    return [a.type for a in alerts]


# --- first detection and first in country -------------------------------------------------------


def test_a_new_substance_raises_first_detection_only():
    alerts = evaluate(report(is_new_substance=True), RecordingHistory())
    assert types_of(alerts) == [AlertType.first_detection]
    (alert,) = alerts
    assert alert.severity is Severity.high
    assert alert.evidence.countries == ("DK",)
    assert alert.evidence.report_ids == ("r1",)
    assert alert.created_at == RECEIVED


def test_a_known_substance_in_a_new_country_raises_first_in_country():
    history = RecordingHistory([report("r0", country="SE", organisation_id="org-se")])
    alerts = evaluate(report(), history)
    assert types_of(alerts) == [AlertType.first_in_country]
    assert alerts[0].evidence.countries == ("DK",)
    assert alerts[0].severity is Severity.moderate


def test_a_known_substance_in_a_known_country_raises_nothing():
    history = RecordingHistory([report("r0", organisation_id="org-dk-other")])
    assert evaluate(report(), history) == []


# --- intoxications --------------------------------------------------------------------------------


def test_a_fatal_intoxication_is_critical():
    history = RecordingHistory([report("r0")])
    alerts = evaluate(report(sample_type=SampleType.biological_fatal), history)
    assert types_of(alerts) == [AlertType.intoxication]
    assert alerts[0].severity is Severity.critical
    assert "Fatal" in alerts[0].summary


def test_a_non_fatal_intoxication_is_high():
    history = RecordingHistory([report("r0")])
    alerts = evaluate(report(sample_type=SampleType.biological_nonfatal), history)
    assert [(a.type, a.severity) for a in alerts] == [(AlertType.intoxication, Severity.high)]


@pytest.mark.parametrize(
    "sample_type",
    [
        SampleType.seizure,
        SampleType.test_purchase,
        SampleType.collected_sample,
        SampleType.wastewater,
        SampleType.drug_checking,
    ],
)
def test_non_biological_samples_raise_no_intoxication(sample_type):
    history = RecordingHistory([report("r0")])
    assert evaluate(report(sample_type=sample_type), history) == []


def test_two_fatal_cases_are_two_alerts():
    history = RecordingHistory([report("r0")])
    first = evaluate(report("r1", sample_type=SampleType.biological_fatal), history)
    history.store(report("r1", sample_type=SampleType.biological_fatal), first)
    second = evaluate(report("r2", sample_type=SampleType.biological_fatal), history)
    assert types_of(second) == [AlertType.intoxication]
    assert first[0].id != second[0].id


# --- escalation -----------------------------------------------------------------------------------


def test_three_organisations_in_two_countries_within_the_window_escalate():
    history = RecordingHistory(
        [
            report("r-se", country="SE", organisation_id="org-se", sampled_on=date(2025, 2, 10)),
            report("r-dk1", organisation_id="org-dk-1", sampled_on=date(2025, 2, 20)),
        ]
    )
    alerts = evaluate(report("r-dk2", organisation_id="org-dk-2"), history)
    (escalation,) = [a for a in alerts if a.type is AlertType.escalation]
    assert escalation.severity is Severity.high
    assert escalation.evidence.countries == ("DK", "SE")
    assert escalation.evidence.organisation_ids == ("org-dk-1", "org-dk-2", "org-se")
    assert escalation.evidence.report_ids == ("r-dk1", "r-dk2", "r-se")
    assert escalation.evidence.first_sampled_on == date(2025, 2, 10)
    assert history.windows_asked == [(date(2025, 1, 30), date(2025, 3, 1))]


def test_a_report_outside_the_window_does_not_count_towards_escalation():
    history = RecordingHistory(
        [
            report("r-se", country="SE", organisation_id="org-se", sampled_on=date(2025, 1, 29)),
            report("r-dk1", organisation_id="org-dk-1", sampled_on=date(2025, 2, 20)),
        ]
    )
    assert AlertType.escalation not in types_of(evaluate(report("r-dk2", organisation_id="org-dk-2"), history))


def test_many_organisations_in_one_country_do_not_escalate():
    history = RecordingHistory([report(f"r{i}", organisation_id=f"org-dk-{i}") for i in range(5)])
    assert AlertType.escalation not in types_of(evaluate(report("r9", organisation_id="org-dk-9"), history))


def test_escalation_is_raised_once_however_many_reports_follow():
    history = RecordingHistory(
        [report("r-se", country="SE", organisation_id="org-se"), report("r-dk1", organisation_id="org-dk-1")]
    )
    first = evaluate(report("r-dk2", organisation_id="org-dk-2"), history)
    history.store(report("r-dk2", organisation_id="org-dk-2"), first)
    later = evaluate(report("r-no", country="NO", organisation_id="org-no"), history)
    assert AlertType.escalation in types_of(first)
    assert AlertType.escalation not in types_of(later)


# --- uncontrolled-substance advisory -----------------------------------------------------------


def test_uncontrolled_here_but_captured_by_a_group_elsewhere_raises_an_advisory_for_here():
    legal = {
        "DK": LegalStatus(ControlStatus.uncontrolled),
        "GB": LegalStatus(ControlStatus.controlled, ("gb-mda-1971-cathinones",)),
        "DE": LegalStatus(ControlStatus.controlled, ("de-npsg-phenethylamines",)),
    }
    alerts = evaluate(report(legal_status=legal), RecordingHistory([report("r0")]))
    (advisory,) = alerts
    assert advisory.type is AlertType.uncontrolled_advisory
    assert advisory.jurisdictions == ("DK",)
    assert advisory.uncontrolled_in == ("DK",)
    assert advisory.group_ids == ("de-npsg-phenethylamines", "gb-mda-1971-cathinones")
    assert "gb-mda-1971-cathinones" in advisory.summary


def test_similarity_to_a_controlled_substance_alone_raises_an_advisory():
    legal = {"DK": LegalStatus(ControlStatus.uncontrolled)}
    nearest = NearestControlled(inchikey="LWXGLQXDTHRWPJ-UHFFFAOYSA-N", name="4-MEC", similarity=0.82)
    alerts = evaluate(report(legal_status=legal, nearest_controlled=nearest), RecordingHistory([report("r0")]))
    assert types_of(alerts) == [AlertType.uncontrolled_advisory]
    assert "0.82" in alerts[0].summary and "4-MEC" in alerts[0].summary


def test_low_similarity_and_no_group_elsewhere_raise_no_advisory():
    legal = {"DK": LegalStatus(ControlStatus.uncontrolled), "GB": LegalStatus(ControlStatus.uncontrolled)}
    nearest = NearestControlled(inchikey="LWXGLQXDTHRWPJ-UHFFFAOYSA-N", name="4-MEC", similarity=0.69)
    assert evaluate(report(legal_status=legal, nearest_controlled=nearest), RecordingHistory([report("r0")])) == []


def test_control_by_name_elsewhere_is_not_a_group_capture():
    legal = {"DK": LegalStatus(ControlStatus.uncontrolled), "GB": LegalStatus(ControlStatus.controlled)}
    assert evaluate(report(legal_status=legal), RecordingHistory([report("r0")])) == []


def test_no_advisory_where_the_substance_is_already_controlled():
    legal = {
        "DK": LegalStatus(ControlStatus.controlled, ("dk-liste-b-cathinones",)),
        "GB": LegalStatus(ControlStatus.controlled, ("gb-mda-1971-cathinones",)),
    }
    assert evaluate(report(legal_status=legal), RecordingHistory([report("r0")])) == []


def test_one_advisory_per_uncontrolled_jurisdiction():
    legal = {
        "DK": LegalStatus(ControlStatus.uncontrolled),
        "NL": LegalStatus(ControlStatus.uncontrolled),
        "GB": LegalStatus(ControlStatus.controlled, ("gb-mda-1971-cathinones",)),
    }
    alerts = evaluate(report(legal_status=legal), RecordingHistory([report("r0")]))
    assert [a.jurisdictions for a in alerts] == [("DK",), ("NL",)]
    assert len({a.id for a in alerts}) == 2


# --- family growth --------------------------------------------------------------------------------


@pytest.mark.parametrize("size, raised", [(4, False), (5, True), (7, True), (10, True)])
def test_family_growth_fires_when_a_multiple_of_the_step_is_reached(size, raised):
    alerts = evaluate(report(family_id="fam-cathinone-7", family_size=size), RecordingHistory([report("r0")]))
    assert (types_of(alerts) == [AlertType.family_growth]) is raised


def test_family_growth_fires_once_per_milestone():
    history = RecordingHistory([report("r0")])
    at_five = evaluate(report("r1", family_id="fam-1", family_size=5), history)
    history.store(report("r1"), at_five)
    at_six = evaluate(report("r2", family_id="fam-1", family_size=6), history)
    at_ten = evaluate(report("r3", family_id="fam-1", family_size=10), history)
    assert types_of(at_five) == [AlertType.family_growth]
    assert at_six == []
    assert types_of(at_ten) == [AlertType.family_growth]
    assert at_ten[0].severity is Severity.low


# --- never twice ----------------------------------------------------------------------------------


def test_re_evaluating_a_report_raises_nothing_new():
    facts = report(
        is_new_substance=True,
        sample_type=SampleType.biological_fatal,
        legal_status={
            "DK": LegalStatus(ControlStatus.uncontrolled),
            "GB": LegalStatus(ControlStatus.controlled, ("gb-mda-1971-cathinones",)),
        },
        family_id="fam-1",
        family_size=5,
    )
    history = RecordingHistory()
    first = evaluate(facts, history)
    history.alert_keys |= {a.dedup_key for a in first}
    assert set(types_of(first)) == {
        AlertType.intoxication,
        AlertType.first_detection,
        AlertType.uncontrolled_advisory,
        AlertType.family_growth,
    }
    assert evaluate(facts, history) == []


def test_the_same_condition_from_different_reports_has_the_same_alert_id():
    # Two workers evaluating concurrently can both miss alert_exists; the shared id lets the
    # store's unique key keep one of them.
    history = RecordingHistory([report("r0", country="SE", organisation_id="org-se")])
    from_one_lab = evaluate(report("r1", organisation_id="org-dk-1"), history)
    from_another = evaluate(report("r2", organisation_id="org-dk-2"), history)
    assert from_one_lab[0].type is AlertType.first_in_country
    assert from_one_lab[0].id == from_another[0].id


def test_thresholds_refuse_nonsense():
    with pytest.raises(ValueError):
        SignalThresholds(family_growth_step=1)
    with pytest.raises(ValueError):
        SignalThresholds(advisory_min_similarity=1.5)
