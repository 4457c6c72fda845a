"""A jurisdiction encoded only in part never yields an 'uncontrolled in X' advisory."""

from __future__ import annotations

from sqlalchemy import text

from service.classification.live import shipped_jurisdictions


def test_china_denmark_and_the_uk_are_marked_as_partially_encoded():
    # CN: only the 2019 fentanyl-related class, none of its named lists; DK: bilag 1 not read (lists
    # A-E from secondary sources and, for the UN-scheduled substances, by inference); GB: Schedule 2
    # read only in part. Their answers must never read "not controlled".
    jurisdictions = shipped_jurisdictions()
    assert {code for code, info in jurisdictions.items() if not info.named_lists_encoded} == {"CN", "DK", "GB"}
    assert jurisdictions["DE"].named_lists_encoded and jurisdictions["US"].named_lists_encoded
    gap = jurisdictions["DK"].named_lists_gap
    assert gap is not None and "a national listing no source read names is missing" in gap


def test_morphine_in_denmark_is_controlled_by_inference_and_tramadol_is_undetermined(client, authority):
    # morphine: 1961 Convention, Schedule I, so Denmark (a Party) controls it; which list of bilag 1
    # carries it was not read, and the answer says so. tramadol is on no UN schedule and no Danish list
    # was read for it: "undetermined", never "not controlled".
    morphine = "CN1CCC23C4Oc5c(O)ccc(CC1C2C=CC4O)c35"
    answer = client.post(
        "/v1/classify", json={"structure": morphine, "jurisdictions": ["DK"]}, headers=authority.headers
    ).json()
    (dk,) = answer["results"]
    assert dk["status"] == "controlled_by_name"
    assert "not read" in str(dk)
    tramadol = "COc1cccc(C2(O)CCCCC2CN(C)C)c1"
    answer = client.post(
        "/v1/classify", json={"structure": tramadol, "jurisdictions": ["DK"]}, headers=authority.headers
    ).json()
    (dk,) = answer["results"]
    assert dk["status"] == "undetermined"
    assert "a national listing no source read names is missing" in dk["answer"]


def test_no_uncontrolled_advisory_for_a_partially_encoded_jurisdiction(client, reporter, report_body, engine):
    # mephedrone: controlled by the encoded UK/DK/DE texts, and listed in China too (not encoded
    # here), so "uncontrolled in CN" would be false
    assert client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
    with engine.connect() as connection:
        keys = [row[0] for row in connection.execute(text("SELECT dedup_key FROM alert"))]
    assert keys, "the report raised no alert at all"
    assert not [k for k in keys if k.startswith("substance.uncontrolled_advisory") and k.endswith(":CN")], keys


def test_not_captured_in_a_partially_encoded_jurisdiction_is_undetermined(client, authority):
    # China's 2021 synthetic-cannabinoid class is not encoded (jurisdictions.toml, named_lists_gap):
    # a compound no CN rule captures must not read "not controlled" there
    paracetamol = client.post(
        "/v1/classify",
        json={"structure": "CC(=O)Nc1ccc(O)cc1", "jurisdictions": ["CN"]},
        headers=authority.headers,
    ).json()
    (cn,) = paracetamol["results"]
    assert cn["status"] == "undetermined"
    assert cn["answer"].startswith("Undetermined: not captured by the encoded instruments of China")
    assert "synthetic cannabinoid class (2021) is not encoded" in cn["answer"]
    # fentanyl is named in the 2025 Catalogue of Medical Narcotic Drugs; an unnamed analogue is
    # captured by the 2019 fentanyl-related class
    fentanyl = client.post(
        "/v1/classify",
        json={"structure": "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "jurisdictions": ["CN"]},
        headers=authority.headers,
    ).json()
    assert fentanyl["results"][0]["status"] == "controlled_by_name"
    analogue = client.post(
        "/v1/classify",
        json={"structure": "CCC(=O)N(c1ccccc1F)C1CCN(CCc2ccccc2)CC1", "jurisdictions": ["CN"]},
        headers=authority.headers,
    ).json()
    assert analogue["results"][0]["status"] == "controlled_by_group"
