"""Family signals: raised by the worker's placement job, through the same outbox as intake."""

from __future__ import annotations

import sys
from pathlib import Path

from alerting_helpers import count

from service.families.placement import place_pending

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chemistry"))
from nps_series import series

CATHINONES = list(series("cathinones").items())  # 15 members: milestones 5, 10 and 15 at step 5


def _report(client, reporter, report_body, member: str, smiles: str, country: str = "DK") -> None:
    response = client.post(
        "/v1/reports",
        headers=reporter.headers,
        json=report_body(structure=smiles, substance_name=member, country=country),
    )
    assert response.status_code == 201, response.text


def _growth(client, caller) -> list[dict]:
    response = client.get("/v1/alerts", params={"type": "family.growth", "limit": 100}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_growing_series_raises_one_family_growth_alert_per_milestone(
    client, engine, settings, reporter, authority, report_body
):
    subscription = client.post(
        "/v1/subscriptions",
        headers=authority.headers,
        json={"url": "http://127.0.0.1:9/hook", "filters": {"event_types": ["family.growth"]}},
    )
    assert subscription.status_code == 201, subscription.text

    # the first seven arrive before the worker runs (one placement batch crossing 5), the rest
    # are placed one at a time as they arrive
    for member, smiles in CATHINONES[:7]:
        _report(client, reporter, report_body, member, smiles)
    assert _growth(client, authority) == []  # intake does not know families
    assert place_pending(engine, settings=settings) == 7
    for member, smiles in CATHINONES[7:]:
        _report(client, reporter, report_body, member, smiles)
        place_pending(engine, settings=settings)

    families = {
        f["id"]: f["member_count"]
        for f in client.get("/v1/families", params={"limit": 500}, headers=authority.headers).json()["items"]
    }
    largest = max(families, key=families.__getitem__)
    assert families[largest] >= 10, families  # one series, (nearly) one family
    alerts = [a for a in _growth(client, authority) if a["family_id"] == largest]
    milestones = sorted(int(a["dedup_key"].rsplit(":", 1)[1]) for a in alerts)
    assert milestones == list(range(5, families[largest] + 1, 5))
    for alert in alerts:
        assert alert["severity"] == "low" and alert["evidence"]["report_ids"]
    # queued for the subscriber in the placement transaction, one delivery per alert
    assert count(
        engine, "SELECT COUNT(*) FROM delivery WHERE subscription_id = :s", s=subscription.json()["id"]
    ) == len(_growth(client, authority))

    # the same members reported again, elsewhere, and placement re-run: no milestone twice
    before = len(_growth(client, authority))
    for member, smiles in CATHINONES[:6]:
        _report(client, reporter, report_body, member, smiles, country="SE")
    assert place_pending(engine, settings=settings) == 0
    assert len(_growth(client, authority)) == before
