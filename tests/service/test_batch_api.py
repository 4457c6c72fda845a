"""POST /v1/reports:batch: each item answered on its own; a bad item never rejects the rest."""

from __future__ import annotations

import datetime as dt


def test_good_items_are_stored_and_bad_ones_reported(client, reporter, report_body, row_counts):
    before = row_counts()
    items = [
        report_body(),  # mephedrone HCl: new substance
        report_body(structure="C1CC("),  # unreadable
        report_body(structure="CNC(C)C(=O)c1ccc(C)cc1"),  # same substance as item 0
        report_body(colour="white"),  # unknown field
        report_body(sampled_on=(dt.date.today() + dt.timedelta(days=5)).isoformat()),  # future
        report_body(structure="CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", substance_name="JWH-018"),
    ]
    response = client.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == [201, 422, 201, 422, 422, 201]
    assert (body["stored"], body["replayed"], body["rejected"]) == (3, 0, 3)
    results = body["results"]
    assert results[1]["problem"]["errors"][0]["pointer"] == "#/items/1/structure"
    assert "syntax error" in results[1]["problem"]["errors"][0]["detail"]
    assert results[3]["problem"]["errors"][0]["pointer"] == "#/items/3/colour"
    assert results[4]["problem"]["errors"][0]["pointer"] == "#/items/4/sampled_on"
    assert [results[i]["report"]["substance_is_new"] for i in (0, 2, 5)] == [True, False, True]
    after = row_counts()
    assert after["report"] - before["report"] == 3
    assert after["substance"] - before["substance"] == 2  # the unreadable item registered nothing
    assert after["audit_log"] - before["audit_log"] == 3 + 2  # three reports, two new substances


def test_batch_idempotency_keys_replay_and_conflict_per_item(client, reporter, report_body, row_counts):
    first = client.post(
        "/v1/reports:batch", json={"items": [report_body(idempotency_key="k1")]}, headers=reporter.headers
    ).json()
    stored_id = first["results"][0]["report"]["id"]
    before = row_counts()
    again = client.post(
        "/v1/reports:batch",
        json={
            "items": [
                report_body(idempotency_key="k1"),  # same key, same body: the stored report
                report_body(idempotency_key="k1", country="SE"),  # same key, other body: conflict
                report_body(idempotency_key="k2"),  # new
                report_body(idempotency_key="k2"),  # repeated inside the batch: one report
            ]
        },
        headers=reporter.headers,
    ).json()
    assert [r["status"] for r in again["results"]] == [200, 409, 201, 200]
    assert again["results"][0]["report"]["id"] == stored_id
    assert again["results"][3]["report"]["id"] == again["results"][2]["report"]["id"]
    assert row_counts()["report"] - before["report"] == 1


def test_batch_over_the_item_limit_is_refused_whole(client, reporter, report_body, row_counts, settings):
    before = row_counts()
    items = [report_body()] * (settings.max_batch_items + 1)
    response = client.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.status_code in (413, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert row_counts() == before


def test_batch_of_a_thousand(client, reporter, report_body, row_counts):
    items = [report_body(substance_name=f"sample {i}", context=f"bag {i}") for i in range(1000)]
    response = client.post("/v1/reports:batch", json={"items": items}, headers=reporter.headers)
    assert response.status_code == 200
    assert response.json()["stored"] == 1000
    assert row_counts()["report"] == 1000


def test_batch_envelope_errors(client, reporter):
    assert client.post("/v1/reports:batch", json={"items": []}, headers=reporter.headers).status_code == 422
    assert client.post("/v1/reports:batch", json=[{}], headers=reporter.headers).status_code == 422
    response = client.post("/v1/reports:batch", json={"items": [{}], "extra": 1}, headers=reporter.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/extra"


def test_batch_item_for_another_organisation_is_403_alone(client, make_caller, report_body):
    lab_a, lab_b = make_caller("reporter", org="Lab A"), make_caller("reporter", org="Lab B")
    items = [report_body(), report_body(organisation=lab_b.organisation_id)]
    body = client.post("/v1/reports:batch", json={"items": items}, headers=lab_a.headers).json()
    assert [r["status"] for r in body["results"]] == [201, 403]
