"""Alert values and the subscription filter."""

import uuid
from datetime import datetime, timedelta, timezone

import pydantic
import pytest

from alerts.model import AlertType, Evidence, Severity, SubscriptionFilter, matches


def test_alert_id_is_a_uuid5_of_the_dedup_key(make_alert):
    alert = make_alert()
    assert alert.id.version == 5
    assert make_alert(summary="reworded").id == alert.id
    assert make_alert(dedup_key="substance.first_detection:other").id != alert.id


def test_times_without_a_timezone_are_refused(make_alert):
    with pytest.raises(pydantic.ValidationError, match="timezone"):
        make_alert(created_at=datetime(2025, 3, 3, 9, 30))


def test_times_are_normalised_to_utc(make_alert):
    copenhagen_winter = timezone(timedelta(hours=1))
    alert = make_alert(created_at=datetime(2025, 3, 3, 10, 30, tzinfo=copenhagen_winter))
    assert alert.created_at == datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc)
    assert alert.created_at.utcoffset() == timedelta(0)


def test_alert_survives_a_json_round_trip(make_alert):
    alert = make_alert()
    assert type(alert).model_validate_json(alert.model_dump_json()) == alert
    assert isinstance(alert.id, uuid.UUID)


def test_severities_are_ordered():
    assert [s.rank for s in (Severity.info, Severity.low, Severity.moderate, Severity.high, Severity.critical)] == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_an_empty_filter_matches_everything(make_alert):
    assert matches(SubscriptionFilter(), make_alert())


@pytest.mark.parametrize(
    "subscription_filter, expected",
    [
        (SubscriptionFilter(event_types=frozenset({AlertType.first_detection})), True),
        (SubscriptionFilter(event_types=frozenset({AlertType.intoxication})), False),
        (SubscriptionFilter(min_severity=Severity.high), True),
        (SubscriptionFilter(min_severity=Severity.critical), False),
        (SubscriptionFilter(countries=frozenset({"DK", "SE"})), True),
        (SubscriptionFilter(countries=frozenset({"SE"})), False),
        (SubscriptionFilter(jurisdictions=frozenset({"GB"})), True),
        (SubscriptionFilter(jurisdictions=frozenset({"DE"})), False),
        (SubscriptionFilter(uncontrolled_in="DK"), True),
        (SubscriptionFilter(uncontrolled_in="GB"), False),
        (SubscriptionFilter(group_ids=frozenset({"gb-mda-1971-cathinones"})), True),
        (SubscriptionFilter(group_ids=frozenset({"us-fentanyl-related"})), False),
        (SubscriptionFilter(family_ids=frozenset({"fam-1"})), False),
        # family and group ids are one criterion: either one matching is enough
        (
            SubscriptionFilter(family_ids=frozenset({"fam-1"}), group_ids=frozenset({"gb-mda-1971-cathinones"})),
            True,
        ),
        # criteria combine with AND
        (SubscriptionFilter(countries=frozenset({"DK"}), min_severity=Severity.critical), False),
    ],
)
def test_each_criterion_of_the_filter(make_alert, subscription_filter, expected):
    assert matches(subscription_filter, make_alert()) is expected


def test_family_filter_matches_an_alert_in_that_family(make_alert):
    alert = make_alert(type=AlertType.family_growth, family_id="fam-1", group_ids=())
    assert matches(SubscriptionFilter(family_ids=frozenset({"fam-1"})), alert)


def test_country_filter_reads_the_evidence(make_alert):
    alert = make_alert(evidence=Evidence(report_ids=("r1", "r2"), countries=("SE", "NO")))
    assert alert.evidence.countries == ("NO", "SE")
    assert matches(SubscriptionFilter(countries=frozenset({"NO"})), alert)
