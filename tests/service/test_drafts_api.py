"""Regulators' drafts: validation with pointers, versions, impact (time-bounded), activation."""

from __future__ import annotations

import copy
import datetime as dt
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.app import create_app

AMINOINDANE = "NC1Cc2ccccc2C1"
MDAI = "NC1Cc2cc3OCOc3cc2C1"

DRAFT: dict[str, Any] = {
    "id": "dk-draft-aminoindanes",
    "kind": "group",
    "title": "2-Aminoindaner (udkast)",
    "jurisdiction": "DK",
    "list": "liste B",
    "citation": {
        "act": "Bekendtgørelse om euforiserende stoffer",
        "part": "Bilag 1, liste B (udkast)",
        "reference": "udkast 2026",
    },
    "in_force_from": "2020-01-01",
    "notes": "2-aminoindane and its ring- and N-substituted derivatives; a draft for the tests.",
    "cores": [
        {
            "id": "2-aminoindane",
            "smarts": "[NX3:2][CH1]1[CH2]c2[c:1][c:1][c:1][c:1]c2[CH2]1",
            "positions": [
                {"name": "benzene ring", "atoms": [1], "allowed": ["alkyl", "alkoxy", "alkylenedioxy", "halogen"]},
                {"name": "nitrogen", "atoms": [2], "allowed": ["alkyl"], "max": 2},
            ],
        }
    ],
    "must_match": [
        {"name": "2-aminoindane", "smiles": AMINOINDANE, "source": "test"},
        {"name": "MDAI", "smiles": MDAI, "source": "test"},
    ],
    "must_not_match": [{"name": "indane", "smiles": "C1Cc2ccccc2C1", "source": "test"}],
}

# A SMARTS within every syntactic bound (36 atoms, no recursion) that searches every
# self-avoiding walk from the nitrogen of this saturated 96-atom ring network: minutes of RDKit.
PATHOLOGICAL_SMARTS = "[#7]" + "~*" * 40 + "~[#8]"
RING_NETWORK = (
    "C1CC2CC3CC4CC5CC6CCC7CC8CC9CC%10CC%11COCC%12CC%13CC%14CC%15CC%16CCC%17CC%18CC%19CC%20CC(C1)N2C1C3C2C4C3C5C4"
    "C6C7C5C8C6C9C7C%10C(C%11%12)C%13C8C%14C9C%15C%10C%16C%17C%11C%18C%12C%19C(C2C2C3C3C4C5C4C6C(C78)C9C5C%10C%11"
    "C(C%122)C3C45)C%201"
)


def draft(**changes) -> dict:
    body = copy.deepcopy(DRAFT)
    body.update(changes)
    return body


def _count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


@pytest.fixture
def second_regulator(make_caller):
    """Another regulator of the same jurisdiction: the second pair of eyes."""
    return make_caller("regulator", org="Danish Health Authority, legal office", kind="regulator", country="DK")


def approve(client, approver, draft_id: str) -> None:
    response = client.post(f"/v1/drafts/{draft_id}:approve", headers=approver.headers)
    assert response.status_code == 200, response.text


def _dk(client, caller, structure: str, **extra) -> dict:
    body = client.post(
        "/v1/classify", json={"structure": structure, "jurisdictions": ["DK"], **extra}, headers=caller.headers
    ).json()
    return body["results"][0]


def test_post_versions_and_history(client, regulator, engine):
    first = client.post("/v1/drafts", json=draft(), headers=regulator.headers)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["status"]) == (1, "draft")
    assert first.json()["rule"]["cores"][0]["smarts"] == DRAFT["cores"][0]["smarts"]
    second = client.post("/v1/drafts", json=draft(title="2-Aminoindaner (udkast 2)"), headers=regulator.headers)
    assert second.json()["version"] == 2
    listing = client.get("/v1/drafts", params={"rule_id": DRAFT["id"]}, headers=regulator.headers).json()
    assert [d["version"] for d in listing["items"]] == [2, 1]
    page = client.get("/v1/drafts", params={"limit": 1}, headers=regulator.headers).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(
        "/v1/drafts", params={"limit": 1, "cursor": page["next_cursor"]}, headers=regulator.headers
    ).json()
    assert rest["items"][0]["version"] == 1 and rest["next_cursor"] is None
    got = client.get(f"/v1/drafts/{first.json()['id']}", headers=regulator.headers)
    assert got.json()["title"] == DRAFT["title"]
    assert client.get("/v1/drafts/nope", headers=regulator.headers).status_code == 404
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = 'draft.create'")).scalar_one() == 2
        )


def test_invalid_smarts_points_at_the_field_with_rdkits_reason(client, regulator, engine):
    before = _count(engine, "audit_log")
    body = draft()
    body["cores"][0]["smarts"] = "[NX3:2][CH1]1[CH2]c2[c:1][c:1"
    response = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-rule"
    pointers = [e["pointer"] for e in problem["errors"]]
    assert "#/cores/0/smarts" in pointers or "#/cores/0" in pointers
    assert any("invalid SMARTS" in e["detail"] and "[c:1" in e["detail"] for e in problem["errors"])
    assert _count(engine, "classification_draft") == 0 and _count(engine, "audit_log") == before


def test_other_validation_errors(client, regulator):
    bad_example = draft(must_match=[{"name": "x", "smiles": "C1CC", "source": "t"}])
    response = client.post("/v1/drafts", json=bad_example, headers=regulator.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/must_match/0/smiles"
    assert "unclosed ring" in response.json()["errors"][0]["detail"]
    missing = client.post(
        "/v1/drafts", json={k: v for k, v in DRAFT.items() if k != "citation"}, headers=regulator.headers
    )
    assert missing.json()["errors"][0]["pointer"] == "#/citation"
    shipped = client.post("/v1/drafts", json=draft(id="dk-bek-cathinones"), headers=regulator.headers)
    assert shipped.status_code == 422 and shipped.json()["errors"][0]["pointer"] == "#/id"


def test_only_regulators_draft(client, authority, reporter):
    assert client.post("/v1/drafts", json=draft(), headers=authority.headers).status_code == 403
    assert client.get("/v1/drafts", headers=reporter.headers).status_code == 403
    assert client.get("/v1/drafts").status_code == 401


def test_impact_names_captured_newly_controlled_and_examples(client, regulator, reporter, report_body):
    for structure, name in ((AMINOINDANE, "2-AI"), (MDAI, "MDAI"), ("CNC(C)C(=O)c1ccc(C)cc1", "mephedrone")):
        assert (
            client.post(
                "/v1/reports", json=report_body(structure=structure, substance_name=name), headers=reporter.headers
            ).status_code
            == 201
        )
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    response = client.get(f"/v1/drafts/{created['id']}/impact", headers=regulator.headers)
    assert response.status_code == 200, response.text
    impact = response.json()
    assert impact["registry_size"] == 3
    assert {c["names"][0] for c in impact["captured"]} == {"2-AI", "MDAI"}
    # 2-aminoindane is on Danish list B by name (UNODC's Denmark page; the 2011 order quoting list B),
    # so the draft newly controls MDAI only
    assert {c["names"][0] for c in impact["newly_controlled"]} == {"MDAI"}
    status = {c["names"][0]: c["current_status"] for c in impact["captured"]}
    assert status == {"2-AI": "controlled_by_name", "MDAI": "not_controlled"}
    assert all(check["as_expected"] for check in impact["own_examples"])
    assert len(impact["own_examples"]) == 3
    # the shipped 2-aminoindane examples are NpSG 1.2 b's ring closures onto ring A: 2-AI and MDAI, in
    # each wording encoded (2021, 2024, 2025: every version's rule ships them)
    shipped = impact["shipped_examples_captured"]
    assert {(e["rule_id"], e["smiles"]) for e in shipped} == {
        (rule, smiles)
        for rule in ("de-npsg-phenethylamines", "de-npsg-phenethylamines-2024", "de-npsg-phenethylamines-2025")
        for smiles in (AMINOINDANE, MDAI)
    }


def test_impact_lists_the_shipped_examples_a_draft_captures(client, regulator):
    any_ = ["any"]
    wide = draft(
        id="dk-draft-aryl-ketoamines",
        must_match=[],
        must_not_match=[],
        cores=[
            {
                "id": "aryl-ketoamine",
                "smarts": "[c:1]1[c:1][c:1][c:1][c:1]c1C(=O)[CX4:2][NX3:3]",
                "positions": [
                    {"name": "ring", "atoms": [1], "allowed": any_},
                    {"name": "alpha", "atoms": [2], "allowed": any_},
                    {"name": "nitrogen", "atoms": [3], "allowed": any_},
                ],
            }
        ],
    )
    created = client.post("/v1/drafts", json=wide, headers=regulator.headers).json()
    impact = client.get(f"/v1/drafts/{created['id']}/impact", headers=regulator.headers).json()
    captured = {(e["rule_id"], e["expectation"], e["name"]) for e in impact["shipped_examples_captured"]}
    assert ("dk-bek-cathinones", "must_match", "mephedrone") in captured
    assert ("gb-mda-cathinones", "must_match", "mephedrone") in captured


def test_activation_adds_the_rule_and_reclassifies_the_registry(
    client, regulator, second_regulator, reporter, authority, report_body, engine
):
    client.post("/v1/reports", json=report_body(structure=MDAI, substance_name="MDAI"), headers=reporter.headers)
    assert _dk(client, authority, MDAI)["status"] == "undetermined"
    old_version = client.get("/v1/groups", headers=authority.headers).json()["rulebook_version"]
    first = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second_regulator, first["id"])

    response = client.post(f"/v1/drafts/{first['id']}:activate", headers=regulator.headers)
    assert response.status_code == 200, response.text
    activation = response.json()
    assert activation["draft"]["status"] == "active" and activation["reclassified"] == 1
    assert activation["rulebook_version"] != old_version
    assert [c["names"] for c in activation["impact"]["newly_controlled"]] == [["MDAI"]]

    dk = _dk(client, authority, MDAI)
    assert dk["status"] == "controlled_by_group" and dk["matches"][0]["rule_id"] == DRAFT["id"]
    group = client.get(f"/v1/groups/{DRAFT['id']}", headers=authority.headers).json()
    assert group["source"] == f"draft {first['id']} (version 1)"
    key = client.get("/v1/substances", params={"q": "MDAI"}, headers=authority.headers).json()["items"][0]["inchikey"]
    stored = client.get(f"/v1/substances/{key}", headers=authority.headers).json()["classification"]
    dk_row = next(c for c in stored if c["jurisdiction"] == "DK")
    assert dk_row["rule_ids"] == [DRAFT["id"]] and dk_row["rulebook_version"] == activation["rulebook_version"]
    assert client.post(f"/v1/drafts/{first['id']}:activate", headers=regulator.headers).status_code == 409

    # version 2 narrows the rule to ring-substituted compounds and replaces version 1; history stays
    narrow = draft(in_force_from="2021-01-01")
    narrow["cores"][0]["positions"][0]["min"] = 1
    narrow["must_match"] = [DRAFT["must_match"][1]]  # 2-aminoindane itself is no longer captured
    second = client.post("/v1/drafts", json=narrow, headers=regulator.headers).json()
    approve(client, second_regulator, second["id"])
    assert client.post(f"/v1/drafts/{second['id']}:activate", headers=regulator.headers).json()["superseded"] == [
        first["id"]
    ]
    history = client.get("/v1/drafts", params={"rule_id": DRAFT["id"]}, headers=regulator.headers).json()["items"]
    assert [(d["version"], d["status"]) for d in history] == [(2, "active"), (1, "superseded")]
    # 2-aminoindane is no longer captured by the draft; it stays controlled by its list B entry
    aminoindane = _dk(client, authority, AMINOINDANE)
    assert aminoindane["status"] == "controlled_by_name"
    assert DRAFT["id"] not in {m["rule_id"] for m in aminoindane["matches"]}
    assert _dk(client, authority, MDAI)["status"] == "controlled_by_group"
    assert _dk(client, authority, MDAI, as_of="2020-06-01")["status"] == "undetermined"
    with engine.connect() as connection:
        actions = [
            r[0]
            for r in connection.execute(
                text("SELECT action FROM audit_log WHERE entity = 'classification_draft' ORDER BY id")
            )
        ]
    assert actions == ["draft.create", "draft.approve", "draft.activate"] * 2


def test_a_rule_with_a_future_in_force_date(client, regulator, second_regulator, authority):
    future = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    created = client.post("/v1/drafts", json=draft(in_force_from=future), headers=regulator.headers).json()
    approve(client, second_regulator, created["id"])
    assert client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers).status_code == 200
    assert _dk(client, authority, MDAI)["status"] == "undetermined"
    assert _dk(client, authority, MDAI, as_of=future)["status"] == "controlled_by_group"


def test_another_replica_activating_is_noticed_on_the_next_request(client, regulator, authority, engine):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    assert _dk(client, authority, MDAI)["status"] == "undetermined"
    with engine.begin() as connection:  # what another replica's activation leaves in the database
        connection.execute(
            text("UPDATE classification_draft SET status = 'active' WHERE id = :id"), {"id": created["id"]}
        )
    assert _dk(client, authority, MDAI)["status"] == "controlled_by_group"


@pytest.fixture
def impatient_client(settings, engine):
    app = create_app(settings.model_copy(update={"draft_impact_timeout_seconds": 1.0}), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


def test_a_pathological_smarts_is_bounded_in_time_and_never_activated(impatient_client, regulator, authority, engine):
    client = impatient_client
    body = draft(
        id="dk-draft-ring-walk",
        cores=[{"id": "walk", "smarts": PATHOLOGICAL_SMARTS, "positions": []}],
        must_match=[{"name": "aza-oxa ring network", "smiles": RING_NETWORK, "source": "test"}],
        must_not_match=[],
    )
    created = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert created.status_code == 201, created.text  # it passes every syntactic bound
    draft_id = created.json()["id"]
    audit_before = _count(engine, "audit_log")

    started = time.monotonic()
    response = client.get(f"/v1/drafts/{draft_id}/impact", headers=regulator.headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/draft-too-costly"
    assert time.monotonic() - started < 30  # the search itself would take minutes

    response = client.post(f"/v1/drafts/{draft_id}:activate", headers=regulator.headers)
    assert response.status_code == 422 and response.json()["type"] == "/problems/draft-too-costly"
    assert client.get(f"/v1/drafts/{draft_id}", headers=regulator.headers).json()["status"] == "draft"
    assert _count(engine, "audit_log") == audit_before
    assert client.post("/v1/classify", json={"structure": "CCO"}, headers=authority.headers).status_code == 200
