"""A draft whose pattern would stall classification is never activated, examples or not.

The probe: the pathological pattern with no examples had nothing to time out on, was activated,
and afterwards /v1/classify of a ring network took 79 s while another lab's report waited 88 s.
"""

from __future__ import annotations

from sqlalchemy import text

from tests.service.test_drafts_api import PATHOLOGICAL_SMARTS, RING_NETWORK, draft


def test_a_costly_draft_without_examples_is_refused_and_classification_stays_bounded(
    client, regulator, authority, engine
):
    body = draft(
        id="dk-draft-walk-no-examples",
        cores=[{"id": "walk", "smarts": PATHOLOGICAL_SMARTS, "positions": []}],
        must_match=[],
        must_not_match=[],
    )
    created = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]

    impact = client.get(f"/v1/drafts/{draft_id}/impact", headers=regulator.headers)
    assert impact.status_code == 422 and impact.json()["type"] == "/problems/draft-too-costly"
    activated = client.post(f"/v1/drafts/{draft_id}:activate", headers=regulator.headers)
    assert activated.status_code == 422, activated.text
    problem = activated.json()
    assert problem["type"] == "/problems/draft-too-costly"
    assert "aza-oxa ring network" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "#/cores"
    assert client.get(f"/v1/drafts/{draft_id}", headers=regulator.headers).json()["status"] == "draft"

    # Had it gone live anyway (another replica, an older version): the per-molecule budget
    # answers "undetermined by" the rule instead of searching for minutes.
    with engine.begin() as connection:
        connection.execute(text("UPDATE classification_draft SET status = 'active' WHERE id = :id"), {"id": draft_id})
    answer = client.post(
        "/v1/classify", json={"structure": RING_NETWORK, "jurisdictions": ["DK"]}, headers=authority.headers
    )
    assert answer.status_code == 200, answer.text
    dk = answer.json()["results"][0]
    assert dk["status"] == "undetermined"
    assert [u["rule_id"] for u in dk["undetermined"]] == ["dk-draft-walk-no-examples"]
    assert dk["answer"].startswith("Undetermined")
