"""The signal history that intake reads from the database (service.alerting.outbox).

It prefetches what a batch needs and skips what cannot matter: recent reports are read only for
substances that may still escalate, and intoxication alerts (keyed by their new report) are not
prefetched. These tests check that the shortcuts never change an answer.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from alerts.signals import SignalThresholds
from service.alerting.outbox import DatabaseSignalHistory
from service.reports.models import Report
from service.substances.models import Substance


def post(client, caller, body):  # noqa: ANN001, ANN201
    response = client.post("/v1/reports", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def alerts_of_type(client, caller, kind: str) -> list[dict]:  # noqa: ANN001
    return client.get(f"/v1/alerts?type={kind}", headers=caller.headers).json()["items"]


def test_escalation_inside_a_batch_counts_the_stored_reports_of_other_organisations(
    client, make_caller, authority, report_body
):
    danish, swedish, german = (
        make_caller("reporter", org=name, country=cc)
        for name, cc in (("Lab DK", "DK"), ("Lab SE", "SE"), ("Lab DE", "DE"))
    )
    first = post(client, danish, report_body(country="DK"))
    second = post(client, swedish, report_body(country="SE"))
    assert alerts_of_type(client, authority, "substance.escalation") == []
    batch = client.post(
        "/v1/reports:batch",
        json={"items": [report_body(country="DE"), report_body(country="DE")]},
        headers=german.headers,
    ).json()
    assert batch["stored"] == 2
    (escalation,) = alerts_of_type(client, authority, "substance.escalation")
    # the evidence holds the two stored reports and the batch's first, not its second
    assert set(escalation["evidence"]["report_ids"]) == {first["id"], second["id"], batch["results"][0]["report"]["id"]}
    assert sorted(escalation["evidence"]["countries"]) == ["DE", "DK", "SE"]


def test_one_laboratory_cannot_escalate_but_its_activity_is_still_exact(client, engine, reporter, report_body):
    today = dt.date.today()
    stored = [
        post(client, reporter, report_body(sampled_on=(today - dt.timedelta(days=d)).isoformat(), country=cc))
        for d, cc in ((2, "DK"), (10, "SE"), (60, "DK"))
    ]
    thresholds = SignalThresholds()
    with Session(engine) as session:
        substance = session.exec(select(Substance)).one()
        newest = session.exec(select(Report).where(Report.id == stored[0]["id"])).one()
        row = {**newest.model_dump(), "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "sampled_on": today}
        history = DatabaseSignalHistory(session, batch=[(row, substance)], thresholds=thresholds)
        # one organisation, ever: no second organisation can come from its past
        assert not history.may_reach(substance.inchikey, organisations=2, countries=1)
        assert history.may_reach(substance.inchikey, organisations=1, countries=2)
        assert history.countries_reporting(substance.inchikey) == {"DK", "SE"}
        activity = history.activity_between(
            substance.inchikey, sampled_from=today - dt.timedelta(days=30), sampled_to=today
        )
    assert activity.report_ids == {stored[0]["id"], stored[1]["id"]}  # the 60-day-old one is outside
    assert activity.countries == {"DK", "SE"}
    assert activity.earliest_sampled_on == today - dt.timedelta(days=10)


def test_every_intoxication_raises_its_own_alert_in_batches_too(client, reporter, authority, report_body):
    post(client, reporter, report_body(sample_type="biological_fatal"))
    items = [
        report_body(sample_type="biological_fatal"),
        report_body(sample_type="biological_nonfatal"),
        report_body(sample_type="seizure"),
    ]
    assert client.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers).json()["stored"] == 3
    assert len(alerts_of_type(client, authority, "report.intoxication")) == 3
