"""POST /v1/classify[:batch], GET /v1/groups, and the classification every registered substance carries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from service.classification.service import reclassify_stale

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
MEPHEDRONE_KEY = "YELGFTGWJGBAQU-UHFFFAOYSA-N"


def _result(body: dict, jurisdiction: str) -> dict:
    return next(r for r in body["results"] if r["jurisdiction"] == jurisdiction)


def test_classify_explains_which_atoms_matched_which_part(client, authority):
    response = client.post(
        "/v1/classify", json={"structure": MEPHEDRONE + ".Cl", "jurisdictions": ["DK", "US"]}, headers=authority.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["inchikey"] == MEPHEDRONE_KEY  # the hydrochloride is classified as its parent
    assert [r["jurisdiction"] for r in body["results"]] == ["DK", "US"]
    dk = _result(body, "DK")
    assert dk["status"] == "controlled_by_group"
    (match,) = dk["matches"]
    assert match["rule_id"] == "dk-bek-cathinones"
    assert match["citation"]["act"] == "Bekendtgørelse om euforiserende stoffer"
    assert match["in_force_from"] == "2012-07-04"
    parts = {p["part"]: p["atoms"] for p in match["explanation"]["parts"]}
    assert {"core", "nitrogen", "phenyl ring"} <= set(parts)
    n_atoms = len([a for a in body["smiles"] if a.isalpha() and a.upper() in "CNO"])
    assert all(0 <= i < n_atoms for atoms in parts.values() for i in atoms)
    assert {s["position"] for s in match["explanation"]["substituents"]} >= {"nitrogen", "phenyl ring"}
    # Schedule I by name since the Synthetic Drug Abuse Prevention Act of 2012
    us = _result(body, "US")
    assert us["status"] == "controlled_by_name"
    assert [m["rule_id"] for m in us["matches"]] == ["us-csa-schedule-i"]
    assert body["depiction_svg"].lstrip().startswith("<?xml") and "<svg" in body["depiction_svg"]
    assert len(body["rulebook_version"]) == 64


def test_named_status_near_misses_and_no_depiction(client, regulator):
    amphetamine = client.post(
        "/v1/classify",
        json={"structure": "CC(N)Cc1ccccc1", "jurisdictions": ["DK", "UN"], "depict": False},
        headers=regulator.headers,
    ).json()
    assert _result(amphetamine, "UN")["status"] == "controlled_by_name"
    assert _result(amphetamine, "UN")["matches"][0]["substance"]
    assert amphetamine["depiction_svg"] is None
    near = _result(amphetamine, "DK")["near_misses"]
    assert near and all(n["reason"] for n in near)


def test_an_ester_of_a_listed_drug_says_so(client, regulator):
    """6-Monoacetylmorphine is listed nowhere by its own name; the Single Convention's Schedule I takes in
    "the esters and ethers ... of the drugs in this Schedule", and morphine is one."""
    body = client.post(
        "/v1/classify",
        json={
            "structure": "CC(=O)O[C@H]1C=C[C@H]2[C@H]3Cc4ccc(O)c5O[C@@H]1[C@]2(CCN3C)c45",
            "jurisdictions": ["UN"],
            "depict": False,
        },
        headers=regulator.headers,
    ).json()
    result = _result(body, "UN")
    assert result["status"] == "controlled_by_name"
    (match,) = result["matches"]
    assert match["matched_on"] == "ester_or_ether" and match["substance"] == "morphine"
    assert "as an ester or ether of 'morphine' (not listed by its own name)" in result["answer"]


def test_as_of_before_entry_into_force_and_in_the_future(client, authority):
    before = client.post(
        "/v1/classify",
        json={"structure": MEPHEDRONE, "jurisdictions": ["DK"], "as_of": "2012-07-03"},
        headers=authority.headers,
    ).json()
    assert _result(before, "DK")["status"] == "undetermined"
    future = (dt.date.today() + dt.timedelta(days=3650)).isoformat()
    later = client.post(
        "/v1/classify",
        json={"structure": MEPHEDRONE, "jurisdictions": ["DK"], "as_of": future},
        headers=authority.headers,
    )
    assert later.status_code == 200
    assert later.json()["as_of"] == future and _result(later.json(), "DK")["status"] == "controlled_by_group"


def test_bad_structure_is_a_problem_naming_the_field_and_rdkits_reason(client, authority, row_counts):
    counts = row_counts()
    response = client.post("/v1/classify", json={"structure": "C1CC(=O"}, headers=authority.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/invalid-structure"
    (error,) = problem["errors"]
    assert error["pointer"] == "#/structure" and error["field"] == "structure"
    assert "SMILES Parse Error" in error["detail"]
    assert row_counts() == counts


def test_unknown_jurisdiction_and_unknown_fields_are_rejected(client, authority):
    response = client.post(
        "/v1/classify", json={"structure": MEPHEDRONE, "jurisdictions": ["DK", "FR"]}, headers=authority.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/jurisdictions/1"
    assert "DE, DK" in response.json()["errors"][0]["detail"]
    response = client.post(
        "/v1/classify", json={"structure": MEPHEDRONE, "asof": "2020-01-01"}, headers=authority.headers
    )
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "#/asof"


def test_who_may_classify(client, reporter, admin):
    assert client.post("/v1/classify", json={"structure": MEPHEDRONE}).status_code == 401
    assert client.post("/v1/classify", json={"structure": MEPHEDRONE}, headers=admin.headers).status_code == 403
    assert client.post("/v1/classify", json={"structure": MEPHEDRONE}, headers=reporter.headers).status_code == 200
    assert client.get("/v1/groups", headers=reporter.headers).status_code == 200
    assert client.get("/v1/groups", headers=admin.headers).status_code == 403


def test_batch_gives_each_item_its_own_status(client, authority):
    items = [
        {"structure": MEPHEDRONE, "jurisdictions": ["DK"]},
        {"structure": "C1CC"},
        {"structure": "c1ccccc1", "jurisdictions": ["XX"]},
        {"structure": "CCO", "bogus": 1},
        {"structure": "c1ccc2[nH]ccc2c1", "depict": True},
    ]
    response = client.post("/v1/classify:batch", json={"items": items}, headers=authority.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["classified"], body["rejected"]) == (2, 3)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [200, 422, 422, 422, 200]
    assert body["results"][0]["result"]["depiction_svg"] is None  # batches depict only on request
    assert body["results"][4]["result"]["depiction_svg"]
    assert body["results"][1]["problem"]["errors"][0]["pointer"] == "#/items/1/structure"
    assert body["results"][2]["problem"]["errors"][0]["pointer"] == "#/items/2/jurisdictions/0"
    assert body["results"][3]["problem"]["errors"][0]["pointer"] == "#/items/3/bogus"


def test_batch_limit(client, authority, app):
    app.state.settings.max_batch_items = 2
    response = client.post("/v1/classify:batch", json={"items": [{"structure": "C"}] * 3}, headers=authority.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "#/items"


def test_groups_filtered_by_jurisdiction_and_date(client, authority):
    body = client.get("/v1/groups", params={"jurisdiction": "DK", "kind": "group"}, headers=authority.headers).json()
    ids = {g["id"] for g in body["items"]}
    assert "dk-bek-cathinones" in ids and all(g["jurisdiction"] == "DK" for g in body["items"])
    assert all(g["source"] == "dk.toml" for g in body["items"])
    before = client.get(
        "/v1/groups",
        params={"jurisdiction": "DK", "kind": "group", "in_force_on": "2012-07-03"},
        headers=authority.headers,
    ).json()
    assert "dk-bek-cathinones" not in {g["id"] for g in before["items"]}
    bad = client.get("/v1/groups", params={"jurisdiction": "dk"}, headers=authority.headers)
    assert bad.status_code == 422


def test_group_detail_has_examples_and_a_depiction_of_the_core(client, authority):
    response = client.get("/v1/groups/dk-bek-cathinones", headers=authority.headers)
    assert response.status_code == 200
    group = response.json()
    assert group["notes"] and group["citation"]["reference"]
    assert len(group["must_match"]) >= 3 and len(group["must_not_match"]) >= 2
    assert any(e["name"] == "bupropion" for e in group["exclusions"])
    core = group["cores"][0]
    assert core["positions"] and "<svg" in core["depictions"][0]["svg"]
    assert client.get("/v1/groups/no-such-rule", headers=authority.headers).status_code == 404


def test_a_registered_substance_carries_its_classification(client, reporter, authority, report_body):
    assert client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
    detail = client.get(f"/v1/substances/{MEPHEDRONE_KEY}", headers=authority.headers).json()
    by_code = {c["jurisdiction"]: c for c in detail["classification"]}
    assert set(by_code) == {"CN", "DE", "DK", "EU", "GB", "UN", "US"}
    assert by_code["DK"]["status"] == "controlled_by_group" and by_code["DK"]["rule_ids"] == ["dk-bek-cathinones"]
    assert by_code["US"]["status"] == "controlled_by_name"  # Schedule I since 2012 (Pub. L. 112-144)


def test_a_rejected_report_leaves_no_classification(client, reporter, report_body, engine):
    response = client.post("/v1/reports", json=report_body(structure="C1CC"), headers=reporter.headers)
    assert response.status_code == 422
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM substance_classification")).scalar_one() == 0


def test_reclassify_recomputes_stale_and_missing_rows(client, reporter, authority, report_body, engine):
    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    client.post(
        "/v1/reports", json=report_body(structure="c1ccc2[nH]ccc2c1", substance_name="indole"), headers=reporter.headers
    )
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE substance_classification SET rulebook_version = 'old', status = 'not_controlled'")
        )
        connection.execute(text("DELETE FROM substance_classification WHERE jurisdiction = 'DE'"))
    assert reclassify_stale(engine) == 2
    assert reclassify_stale(engine) == 0  # nothing stale any more
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert reclassify_stale(engine, today=tomorrow) == 2  # a new day: rules may have come into force
    detail = client.get(f"/v1/substances/{MEPHEDRONE_KEY}", headers=authority.headers).json()
    assert {c["jurisdiction"]: c["status"] for c in detail["classification"]}["DK"] == "controlled_by_group"
    assert len(detail["classification"]) == 7  # CN, DE, DK, EU, GB, UN, US


FIVE_F_APP_PINACA = "NC(=O)C(Cc1ccccc1)NC(=O)c1nn(CCCCCF)c2ccccc12"
UNDECYL_JWH = "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"
PHENETHYLAMINE_RULES = {
    "DE": {"de-npsg-phenethylamines-2024"},
    "DK": {"dk-bek-phenethylamines"},
    "GB": {"gb-mda-phenethylamines", "gb-mda-n-benzylphenethylamines"},
}


def test_near_misses_answer_in_one_sentence_and_leave_incidental_cores_out(client, regulator):
    """Issue 14: 5F-APP-PINACA's phenylalanine contains a phenethylamine, but no phenethylamine
    clause is about it (its nitrogen is an indazole carbonyl amide, its alpha carbon a
    carboxamide): those near misses are left out and counted, and come back when asked for."""
    body = {"structure": FIVE_F_APP_PINACA, "jurisdictions": ["DE", "DK", "GB"], "as_of": "2025-01-01", "depict": False}
    default = client.post("/v1/classify", json=body, headers=regulator.headers)
    assert default.status_code == 200, default.text
    asked = client.post("/v1/classify", json={**body, "incidental_near_misses": True}, headers=regulator.headers).json()
    for code, rules in PHENETHYLAMINE_RULES.items():
        shown = _result(default.json(), code)
        assert not rules & {n["rule_id"] for n in shown["near_misses"]}, shown["near_misses"]
        assert shown["near_misses_left_out"] == len(rules)
        every = _result(asked, code)
        incidental = [n for n in every["near_misses"] if n["rule_id"] in rules]
        assert len(incidental) == len(rules) and every["near_misses_left_out"] == 0
        for near in incidental:
            assert near["incidental"] and near["failures"] >= 2
            assert len(near["summary"]) <= 200 and len(near["reason"]) > len(near["summary"])

    # the undecyl JWH-018 analogue: one requirement fails (NpSG 2.1.4 as worded in 2024, side chain of 3-10 atoms)
    jwh = client.post(
        "/v1/classify",
        json={"structure": UNDECYL_JWH, "jurisdictions": ["DE"], "as_of": "2025-01-01", "depict": False},
        headers=regulator.headers,
    ).json()
    (near,) = _result(jwh, "DE")["near_misses"]
    assert (
        near["rule_id"] == "de-npsg-cannabimimetics-modular-2024" and near["failures"] == 1 and not near["incidental"]
    )
    assert "side chain" in near["summary"] and "11 atoms" in near["summary"] and "3–10" in near["summary"]
    assert len(near["summary"]) <= 200 and near["reason"].startswith("core ")


def test_a_stereoisomer_listed_by_its_own_name_sets_aside_the_entries_that_reach_it(client, authority):
    """China: dextromethorphan is a class II psychotropic substance by name (medical psychotropic
    catalogue 2025, No. 22); levomethorphan and racemethorphan cover their stereoisomers only
    "unless otherwise provided" (tests/chemistry/test_cn_stereoisomers.py quotes the notes)."""
    body = client.post(
        "/v1/classify",
        json={"structure": "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(OC)cc13", "jurisdictions": ["CN"], "depict": False},
        headers=authority.headers,
    ).json()
    cn = _result(body, "CN")
    assert cn["status"] == "controlled_by_name"
    assert [m["substance"] for m in cn["matches"]] == ["Dextromethorphan"]
    aside = {a["match"]["substance"]: a for a in cn["set_aside"]}
    assert set(aside) == {"Levomethorphan", "Racemethorphan"}
    for entry in aside.values():
        assert entry["set_aside_by"] == ["cn-medical-psychotropic-catalogue-2025-class-ii"]
        assert "lists it as 'Dextromethorphan'" in entry["note"]
        assert "listed by its own name" in entry["reason"]
    assert "Dextromethorphan" in cn["answer"] and "Levomethorphan" not in cn["answer"].split(".")[0]
