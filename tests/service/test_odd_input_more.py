"""Odd input the schemathesis run found outside the report routes: drafts and classification."""

from __future__ import annotations

import datetime as dt

from tests.service.test_drafts_api import draft


def test_a_nul_in_a_draft_is_a_422_not_a_500(client, regulator):
    answer = client.post("/v1/drafts", json=draft(title="Aminoindaner\x00"), headers=regulator.headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "NUL" in answer.json()["detail"]


def test_a_nul_in_a_structure_to_classify_is_refused(client, authority):
    answer = client.post("/v1/classify", json={"structure": "CCO\x00c1ccccc1"}, headers=authority.headers)
    assert answer.status_code == 422, answer.text
    assert "NUL" in answer.text


def test_escalation_near_year_one_does_not_overflow():
    # a stored or imported row sampled near year 1 (intake refuses those) must not fail its batch
    from tests.alerts.test_signals import RecordingHistory, evaluate, report

    history = RecordingHistory(
        [
            report("r-se", country="SE", organisation_id="org-se", sampled_on=dt.date(1, 1, 2)),
            report("r-dk1", organisation_id="org-dk-1", sampled_on=dt.date(1, 1, 3)),
        ]
    )
    alerts = evaluate(report("r-dk2", organisation_id="org-dk-2", sampled_on=dt.date(1, 1, 5)), history)
    assert any(a.type.value == "substance.escalation" for a in alerts)
