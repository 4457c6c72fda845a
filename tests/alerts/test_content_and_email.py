"""The pure parts of issue 15: the paragraph, the e-mail composer, Retry-After, the channel router,
advisories for watched jurisdictions only, and the family update."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from alerts.cloudevents import alert_event, digest_event
from alerts.content import describe
from alerts.delivery import DeliveryResult, retry_after_seconds
from alerts.dispatch import ChannelSenders, _decide
from alerts.email import compose
from alerts.model import AlertType, Evidence, JurisdictionStatus, SubstanceInfo
from alerts.retry import RetryPolicy
from alerts.signals import (
    ControlStatus,
    LegalStatus,
    ReportFacts,
    SampleType,
    SignalThresholds,
    evaluate_report,
    family_update,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/hook"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_the_paragraph_names_identity_evidence_status_and_family(make_alert):
    alert = make_alert(
        substance=SubstanceInfo(
            inchikey="YELGFTGWJGBAQU-UHFFFAOYSA-N",
            name="mephedrone",
            smiles="CNC(C)C(=O)c1ccc(C)cc1",
            formula="C11H15NO",
        ),
        evidence=Evidence(
            report_ids=("r1", "r2", "r3"),
            countries=("DK", "SE"),
            reports_by_country={"DK": 2, "SE": 1},
            sample_types=("seizure", "biological_fatal"),
            first_sampled_on=date(2026, 2, 1),
            last_sampled_on=date(2026, 2, 9),
        ),
        legal_status=(
            JurisdictionStatus(jurisdiction="DK", name="Denmark", status="controlled", group_ids=("dk-cathinones",)),
            JurisdictionStatus(jurisdiction="US", name="United States", status="uncontrolled"),
            JurisdictionStatus(jurisdiction="CN", name="China", status="unknown"),
        ),
    )
    paragraph = describe(alert)
    assert paragraph.startswith(alert.summary)
    assert "mephedrone (C11H15NO, SMILES CNC(C)C(=O)c1ccc(C)cc1, InChIKey YELGFTGWJGBAQU-UHFFFAOYSA-N)" in paragraph
    assert "3 reports (DK 2, SE 1; biological sample from a fatal intoxication, seizure)" in paragraph
    assert "sampled 2026-02-01 to 2026-02-09" in paragraph
    assert "controlled in Denmark (DK) (group dk-cathinones)" in paragraph
    assert "not controlled by the encoded legal texts of United States (US)" in paragraph
    assert "undetermined in China (CN)" in paragraph
    assert "family of related substances is not known yet" in paragraph


def _facts(**changes) -> ReportFacts:
    facts = ReportFacts(
        report_id="r1",
        substance_inchikey="AAAAAAAAAAAAAA-BBBBBBBBBB-N",
        substance_name="x",
        country="DK",
        organisation_id="o1",
        sample_type=SampleType.seizure,
        sampled_on=date(2026, 2, 1),
        received_at=NOW,
        is_new_substance=True,
        legal_status={
            "GB": LegalStatus(ControlStatus.controlled, ("gb-cathinones",)),
            "UN": LegalStatus(ControlStatus.uncontrolled),
            "US": LegalStatus(ControlStatus.uncontrolled),
            "DK": LegalStatus(ControlStatus.uncontrolled),
        },
    )
    return replace(facts, **changes)


class _NoHistory:
    def countries_reporting(self, inchikey):
        return set()

    def activity_between(self, inchikey, **_):
        raise AssertionError

    def may_reach(self, inchikey, **_):
        return False

    def alert_exists(self, dedup_key):
        return False


@pytest.mark.parametrize(
    "watched, expected",
    [
        (None, {"DK", "US"}),  # every place with authorities, never the UN conventions
        (frozenset({"US", "UN"}), {"US"}),
        (frozenset(), set()),
    ],
)
def test_advisories_are_raised_for_watched_places_only(watched, expected):
    alerts = evaluate_report(
        _facts(), history=_NoHistory(), thresholds=SignalThresholds(advisory_jurisdictions=watched)
    )
    advisories = [a for a in alerts if a.type is AlertType.uncontrolled_advisory]
    assert {a.jurisdictions[0] for a in advisories} == expected
    assert len(advisories) == len(expected)  # one per substance and jurisdiction


def test_a_family_update_references_the_first_alert_once(make_alert):
    original = make_alert()
    update = family_update(original, family_id="F-00012", family_size=4, at=NOW)
    again = family_update(original, family_id="F-00012", family_size=5, at=NOW + timedelta(hours=1))
    assert update.id == again.id != original.id  # one condition, one id
    assert update.updates is not None
    assert update.updates.id == original.id and update.updates.created_at == original.created_at
    assert (update.type, update.severity, update.family_id) == (
        AlertType.family_placement,
        original.severity,
        "F-00012",
    )
    assert "placed in family F-00012" in update.summary


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Sun, 01 Mar 2026 12:02:00 GMT", 120.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_a_retry_after_is_bounded_and_never_outlives_the_horizon(make_delivery):
    policy = RetryPolicy(max_retry_after=timedelta(minutes=10), horizon=timedelta(hours=1))
    delivery = make_delivery(URL, attempts_made=1, first_attempt_at=NOW - timedelta(minutes=30))
    asked = DeliveryResult(status_code=429, latency_ms=1, error="HTTP 429", retry_after_seconds=120)
    import random

    assert _decide(delivery, asked, now=NOW, retry=policy, rng=random.Random(1)).next_attempt_at == NOW + timedelta(
        seconds=120
    )
    greedy = replace(asked, retry_after_seconds=7 * 86400)
    assert _decide(delivery, greedy, now=NOW, retry=policy, rng=random.Random(1)).next_attempt_at == NOW + timedelta(
        minutes=10
    )
    late = make_delivery(URL, attempts_made=1, first_attempt_at=NOW - timedelta(minutes=59))
    assert _decide(late, asked, now=NOW, retry=policy, rng=random.Random(1)).outcome.value == "dead_lettered"


class _Echo:
    def __init__(self, label: str) -> None:
        self.label = label

    async def send_many(self, deliveries):
        return [
            DeliveryResult(status_code=200, latency_ms=0, error=None, response_excerpt=f"{self.label}:{d.id}")
            for d in deliveries
        ]


def test_the_channel_router_keeps_the_batch_order_and_names_a_missing_sender(make_delivery):
    batch = [
        make_delivery(URL, delivery_id="1"),
        make_delivery(URL, delivery_id="2", channel="email"),
        make_delivery(URL, delivery_id="3"),
        make_delivery(URL, delivery_id="4", channel="pager"),
    ]
    results = asyncio.run(ChannelSenders({"webhook": _Echo("w"), "email": _Echo("e")}).send_many(batch))
    assert [r.response_excerpt for r in results[:3]] == ["w:1", "e:2", "w:3"]
    error = results[3].error
    assert results[3].succeeded is False and error is not None and "pager" in error


def test_an_email_has_text_html_an_inline_depiction_and_a_one_line_unsubscribe_header(make_alert):
    alert = make_alert(
        substance=SubstanceInfo(
            inchikey="YELGFTGWJGBAQU-UHFFFAOYSA-N",
            name="mephedrone",
            smiles="CNC(C)C(=O)c1ccc(C)cc1",
            formula="C11H15NO",
        ),
        summary="Ünïcode summary < & >",
    )
    unsubscribe = "https://varsel.example/unsubscribe?token=" + "A" * 180
    raw = compose(
        alert_event(alert, instance="x"),
        sender="alerts@varsel.example",
        recipient="duty@health.example",
        message_id="email:" + str(alert.id),
        unsubscribe_url=unsubscribe,
        depict=lambda smiles: PNG,
        now=NOW,
    ).as_bytes()
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and max(map(len, lines)) <= 998  # CRLF, as SMTP needs
    assert raw.decode("ascii")  # 7-bit safe: no server needs 8BITMIME
    message = message_from_bytes(raw, policy=policy.default)
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["Message-ID"] == f"<email.{alert.id}@varsel.example>"
    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert plain_part is not None and html_part is not None
    plain = plain_part.get_content()
    html = html_part.get_content()
    assert "Ünïcode summary < & >" in plain and "Ünïcode summary &lt; &amp; &gt;" in html
    (image,) = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image.get_content() == PNG and f"cid:{image['Content-ID'].strip('<>')}" in html


def test_a_digest_email_states_period_counts_and_what_is_left_out(make_alert):
    alerts = [make_alert(), make_alert(dedup_key="report.intoxication:r9", type=AlertType.intoxication)]
    event = digest_event(
        alerts,
        instance="x",
        time=NOW,
        period_start=NOW - timedelta(days=1),
        left_out=7,
        left_out_query="https://varsel.example/v1/alerts?since=x",
    )
    assert event["data"]["period"] == {"from": "2026-02-28T12:00:00Z", "to": "2026-03-01T12:00:00Z"}
    assert event["data"]["counts_by_type"] == {"report.intoxication": 1, "substance.first_detection": 1}
    message = compose(
        event,
        sender="a@varsel.example",
        recipient="b@health.example",
        message_id="email:d",
        unsubscribe_url="https://varsel.example/unsubscribe?token=t",
    )
    plain_part = message.get_body(preferencelist=("plain",))
    assert plain_part is not None
    plain = plain_part.get_content()
    assert "Digest for 2026-02-28T12:00:00Z to 2026-03-01T12:00:00Z: 2 alert(s)" in plain
    assert "1 report.intoxication, 1 substance.first_detection" in plain
    assert "Left out: 7" in plain and "https://varsel.example/v1/alerts?since=x" in plain
    assert message["Subject"] == "[Varsel] Digest 2026-02-28 to 2026-03-01: 2 alerts"
