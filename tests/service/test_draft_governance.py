"""Drafts a regulator can trust (issue 17): own jurisdiction only, invisible until active,
four-eyes activation with every own example passing, audited approval and activation, versions
edited by PATCH with a diff, and every validation error at once."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import text

from tests.service.test_drafts_api import AMINOINDANE, DRAFT, MDAI, approve, draft

STRUCTURES = (MDAI, AMINOINDANE)


@pytest.fixture
def second_regulator(make_caller):
    return make_caller("regulator", org="Danish Health Authority, legal office", kind="regulator", country="DK")


@pytest.fixture
def swedish_regulator(make_caller):
    return make_caller("regulator", org="Swedish Medical Products Agency", kind="regulator", country="SE")


def _audit(engine, draft_id: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                text(
                    "SELECT action, actor_key_id FROM audit_log WHERE entity = 'classification_draft' AND entity_id = :id "
                    "ORDER BY id"
                ),
                {"id": draft_id},
            )
        ]


def _status(client, caller, draft_id: str) -> str:
    return client.get(f"/v1/drafts/{draft_id}", headers=caller.headers).json()["status"]


def test_two_regulators_of_one_country_take_a_draft_to_activation(
    client, regulator, second_regulator, authority, engine
):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    assert any("approval" in b for b in created["activation_blockers"])

    refused = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/activation-refused"
    assert [e["code"] for e in refused.json()["errors"]] == ["approval_missing"]

    own = client.post(f"/v1/drafts/{created['id']}:approve", headers=regulator.headers)
    assert own.status_code == 403 and "four-eyes" in own.json()["detail"]
    assert _status(client, regulator, created["id"]) == "draft"

    approved = client.post(f"/v1/drafts/{created['id']}:approve", headers=second_regulator.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by_key_id"] == second_regulator.key_id
    assert not any("approval" in b for b in approved.json()["activation_blockers"])
    assert client.post(f"/v1/drafts/{created['id']}:approve", headers=second_regulator.headers).status_code == 409

    activated = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert activated.status_code == 200, activated.text
    assert activated.json()["draft"]["status"] == "active"
    assert activated.json()["impact"]["own_examples_pass"] is True
    answer = client.post(
        "/v1/classify", json={"structure": MDAI, "jurisdictions": ["DK"]}, headers=authority.headers
    ).json()["results"][0]
    assert answer["status"] == "controlled_by_group" and answer["matches"][0]["rule_id"] == DRAFT["id"]
    assert _audit(engine, created["id"]) == [
        ("draft.create", regulator.key_id),
        ("draft.approve", second_regulator.key_id),
        ("draft.activate", regulator.key_id),
    ]


def test_a_regulator_of_another_country_and_an_admin_cannot_activate(
    client, regulator, second_regulator, swedish_regulator, admin, engine
):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    draft_id = created["id"]
    # Sweden sees nothing of a Danish draft, and can neither approve nor activate it
    assert client.get(f"/v1/drafts/{draft_id}", headers=swedish_regulator.headers).status_code == 404
    assert client.get(f"/v1/drafts/{draft_id}/impact", headers=swedish_regulator.headers).status_code == 404
    assert client.get("/v1/drafts", headers=swedish_regulator.headers).json()["items"] == []
    assert client.post(f"/v1/drafts/{draft_id}:approve", headers=swedish_regulator.headers).status_code == 404
    approve(client, second_regulator, draft_id)
    assert client.post(f"/v1/drafts/{draft_id}:activate", headers=swedish_regulator.headers).status_code == 404
    # nor draft for Denmark: every error at once, the jurisdiction among them
    posted = client.post("/v1/drafts", json=draft(id="se-draft-x"), headers=swedish_regulator.headers)
    assert posted.status_code == 422
    assert "#/jurisdiction" in [e["pointer"] for e in posted.json()["errors"]]
    # ... nor take over a Danish rule id with a Swedish draft
    taken = client.post("/v1/drafts", json=draft(jurisdiction="SE"), headers=swedish_regulator.headers)
    assert taken.status_code == 422 and [e["code"] for e in taken.json()["errors"]] == ["rule_id_taken"]

    # an admin reads every draft, its impact too, and activates nothing
    assert client.get(f"/v1/drafts/{draft_id}", headers=admin.headers).status_code == 200
    assert [d["id"] for d in client.get("/v1/drafts", headers=admin.headers).json()["items"]] == [draft_id]
    assert client.get(f"/v1/drafts/{draft_id}/impact", headers=admin.headers).status_code == 200
    assert client.post(f"/v1/drafts/{draft_id}:activate", headers=admin.headers).status_code == 403
    assert client.post(f"/v1/drafts/{draft_id}:approve", headers=admin.headers).status_code == 403

    assert _status(client, regulator, draft_id) == "draft"
    assert [a for a, _ in _audit(engine, draft_id)] == ["draft.create", "draft.approve"]


def test_an_inactive_draft_is_in_no_classification_answer_only_in_its_impact(
    client, regulator, second_regulator, swedish_regulator, authority, reporter
):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second_regulator, created["id"])  # approved, still not active
    for caller in (reporter, authority, regulator, second_regulator, swedish_regulator):
        for structure in STRUCTURES:
            answer = client.post("/v1/classify", json={"structure": structure}, headers=caller.headers)
            assert answer.status_code == 200
            assert DRAFT["id"] not in answer.text
            dk = next(r for r in answer.json()["results"] if r["jurisdiction"] == "DK")
            # 2-aminoindane is on list B by name; MDAI is on no list the encoding holds
            assert dk["status"] == ("controlled_by_name" if structure == AMINOINDANE else "undetermined")
        batch = client.post(
            "/v1/classify:batch", json={"items": [{"structure": s} for s in STRUCTURES]}, headers=caller.headers
        )
        assert batch.status_code == 200 and DRAFT["id"] not in batch.text
        groups = client.get("/v1/groups", headers=caller.headers).json()["items"]
        assert DRAFT["id"] not in {g["id"] for g in groups}
        assert client.get(f"/v1/groups/{DRAFT['id']}", headers=caller.headers).status_code == 404
    impact = client.get(f"/v1/drafts/{created['id']}/impact", headers=regulator.headers).json()
    assert {(c["name"], c["captured"]) for c in impact["own_examples"] if c["expectation"] == "must_match"} == {
        ("2-aminoindane", True),
        ("MDAI", True),
    }


def test_a_draft_whose_own_example_fails_is_refused_and_never_activated(client, regulator, second_regulator, engine):
    body = draft()
    body["must_match"].append({"name": "2-aminotetralin", "smiles": "NC1CCc2ccccc2C1", "source": "test"})
    body["must_not_match"].append({"name": "N-methyl-MDAI", "smiles": "CNC1Cc2cc3OCOc3cc2C1", "source": "test"})
    posted = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert posted.status_code == 422, posted.text
    assert {(e["pointer"], e["code"]) for e in posted.json()["errors"]} == {
        ("#/must_match/2", "example_fails"),
        ("#/must_not_match/1", "example_fails"),
    }

    # a version stored before validation checked the examples still cannot go live
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE classification_draft SET body = :body WHERE id = :id"),
            {"body": json.dumps(body), "id": created["id"]},
        )
    approve(client, second_regulator, created["id"])
    impact = client.get(f"/v1/drafts/{created['id']}/impact", headers=regulator.headers).json()
    assert impact["own_examples_pass"] is False

    refused = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/activation-refused"
    assert {(e["pointer"], e["code"]) for e in problem["errors"]} == {
        ("#/must_match/2", "example_fails"),
        ("#/must_not_match/1", "example_fails"),
    }
    assert "2-aminotetralin" in problem["detail"] and "N-methyl-MDAI" in problem["detail"]
    assert _status(client, regulator, created["id"]) == "draft"
    assert [a for a, _ in _audit(engine, created["id"])] == ["draft.create", "draft.approve"]


def test_patch_makes_a_new_version_with_its_diff_and_its_own_approval(
    client, regulator, second_regulator, swedish_regulator, engine
):
    first = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second_regulator, first["id"])
    patch = {
        "title": "2-Aminoindaner (udkast 2)",
        "must_not_match": None,
        "cores": [{**DRAFT["cores"][0], "positions": [DRAFT["cores"][0]["positions"][0]]}],
    }
    response = client.patch(
        f"/v1/drafts/{first['id']}",
        content=json.dumps(patch),
        headers={**regulator.headers, "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    second = response.json()
    assert (second["version"], second["previous_version"], second["status"]) == (2, 1, "draft")
    assert response.headers["location"] == f"/v1/drafts/{second['id']}"
    changes = {(c["op"], c["path"]): c for c in second["changes"]}
    assert changes[("replace", "/title")]["old"] == DRAFT["title"]
    assert changes[("replace", "/title")]["new"] == "2-Aminoindaner (udkast 2)"
    assert changes[("remove", "/must_not_match/0")]["old"]["name"] == "indane"
    assert changes[("remove", "/cores/0/positions/1")]["old"]["name"] == "nitrogen"
    assert len(second["changes"]) == 3
    # the approval was of version 1: version 2 needs its own
    assert second["approved_by_key_id"] is None and any("approval" in b for b in second["activation_blockers"])
    assert client.get(f"/v1/drafts/{second['id']}", headers=regulator.headers).json()["changes"] == second["changes"]

    stale = client.patch(f"/v1/drafts/{first['id']}", json={"title": "x"}, headers=regulator.headers)
    assert stale.status_code == 409
    renamed = client.patch(f"/v1/drafts/{second['id']}", json={"id": "dk-other"}, headers=regulator.headers)
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["pointer"] == "#/id"
    assert (
        client.patch(f"/v1/drafts/{second['id']}", json={"title": "x"}, headers=swedish_regulator.headers).status_code
        == 404
    )
    same = client.patch(f"/v1/drafts/{second['id']}", json={"title": second["title"]}, headers=regulator.headers)
    assert same.status_code == 200 and same.json()["id"] == second["id"]

    broken = client.patch(
        f"/v1/drafts/{second['id']}",
        json={
            "in_force_from": "someday",
            "jurisdiction": "SE",
            "cores": [{**DRAFT["cores"][0], "smarts": "[NX3:2][CH1"}],
        },
        headers=regulator.headers,
    )
    assert broken.status_code == 422
    pointers = {e["pointer"] for e in broken.json()["errors"]}
    assert {"#/in_force_from", "#/jurisdiction"} <= pointers
    assert any(p.startswith("#/cores/0") for p in pointers)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT COUNT(*) FROM classification_draft")).scalar_one()
    assert versions == 2
    assert [a for a, _ in _audit(engine, second["id"])] == ["draft.patch"]


def test_every_validation_error_at_once(client, regulator, engine):
    body = draft(in_force_from="not a date", jurisdiction="SE", surprise=1)
    body["cores"][0]["smarts"] = "[NX3:2][CH1"
    body["must_match"][0]["smiles"] = "C1CC"
    response = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-rule"
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"#/in_force_from", "#/jurisdiction", "#/surprise", "#/must_match/0/smiles"} <= pointers
    assert any(p.startswith("#/cores/0") for p in pointers)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM classification_draft")).scalar_one() == 0


def test_field_errors_and_a_failing_example_come_back_together(client, regulator, engine):
    body = draft(in_force_from="someday", title="")
    body["must_match"].append({"name": "2-aminotetralin", "smiles": "NC1CCc2ccccc2C1", "source": "test"})
    body["must_match"].append({"name": "broken", "smiles": "C1CC", "source": "test"})
    response = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-rule"
    found = {(e["pointer"], e["code"]) for e in problem["errors"]}
    assert {"#/in_force_from", "#/title", "#/must_match/3/smiles"} <= {p for p, _ in found}
    # the example at index 2 is matched although other fields (and example 3) are wrong
    assert ("#/must_match/2", "example_fails") in found
    assert not any(p in ("#/must_match/0", "#/must_match/1") for p, _ in found)
    assert _count_drafts(engine) == 0


def test_a_rule_level_error_comes_back_with_the_field_errors(client, regulator, engine):
    body = draft(in_force_from="someday", title="")
    body["cores"].append(copy.deepcopy(body["cores"][0]))  # core ids repeat: a check on the rule as a whole
    response = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    pointers = {e["pointer"] for e in errors}
    assert {"#/in_force_from", "#/title"} <= pointers
    assert any(e["pointer"] in ("#", "#/") and "core ids repeat" in e["detail"] for e in errors), errors
    assert _count_drafts(engine) == 0


def test_a_patch_that_breaks_the_smarts_says_the_examples_were_not_checked(client, regulator):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    broken = client.patch(
        f"/v1/drafts/{created['id']}",
        json={"title": "", "cores": [{**DRAFT["cores"][0], "smarts": "[NX3:2][CH1"}]},
        headers=regulator.headers,
    )
    assert broken.status_code == 422
    errors = broken.json()["errors"]
    assert "#/title" in {e["pointer"] for e in errors}
    assert any(e["pointer"].startswith("#/cores/0") for e in errors)
    (skipped,) = [e for e in errors if e["code"] == "examples_not_checked"]
    assert skipped["detail"].startswith("examples not checked") and "#/cores/0" in skipped["detail"]

    failing = client.patch(
        f"/v1/drafts/{created['id']}",
        json={"title": "", "must_match": [{"name": "indane", "smiles": "C1Cc2ccccc2C1", "source": "test"}]},
        headers=regulator.headers,
    )
    assert failing.status_code == 422
    found = {(e["pointer"], e["code"]) for e in failing.json()["errors"]}
    assert {("#/title", "string_too_short"), ("#/must_match/0", "example_fails")} <= found, found


def _count_drafts(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM classification_draft")).scalar_one()


def test_an_approval_by_a_key_revoked_before_activation_does_not_count(
    client, regulator, second_regulator, make_caller, admin, engine
):
    """Keys name no person: an admin who finds that the author also held the approving key
    revokes it, and its approval no longer activates anything; another regulator may approve."""
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second_regulator, created["id"])
    revoked = client.post(f"/v1/keys/{second_regulator.key_id}:revoke", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text

    refused = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert refused.status_code == 422, refused.text
    assert [e["code"] for e in refused.json()["errors"]] == ["approval_revoked"]
    assert _status(client, regulator, created["id"]) == "draft"
    # the draft itself says what activation would refuse: the revoked key's approval no longer counts
    shown = client.get(f"/v1/drafts/{created['id']}", headers=regulator.headers).json()
    assert shown["approved_by_key_id"] == second_regulator.key_id
    (blocker,) = [b for b in shown["activation_blockers"] if "revoked" in b]
    assert second_regulator.key_id in blocker and f"/v1/drafts/{created['id']}:approve" in blocker

    third = make_caller("regulator", org="Danish Medicines Agency, scheduling unit", kind="regulator", country="DK")
    reapproved = client.post(f"/v1/drafts/{created['id']}:approve", headers=third.headers)
    assert reapproved.status_code == 200, reapproved.text
    assert not any("approv" in b for b in reapproved.json()["activation_blockers"])
    assert client.post(f"/v1/drafts/{created['id']}:approve", headers=third.headers).status_code == 409
    activated = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert activated.status_code == 200, activated.text
    assert activated.json()["draft"]["approved_by_key_id"] == third.key_id
    assert _audit(engine, created["id"]) == [
        ("draft.create", regulator.key_id),
        ("draft.approve", second_regulator.key_id),
        ("draft.approve", third.key_id),
        ("draft.activate", regulator.key_id),
    ]
