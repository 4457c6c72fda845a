"""A jurisdiction encoded only in part never yields an 'uncontrolled in X' advisory."""

from __future__ import annotations

from sqlalchemy import text

from service.classification.live import shipped_jurisdictions


def test_china_is_marked_as_partially_encoded():
    # only the 2019 fentanyl-related class is encoded for CN, none of its named lists
    assert shipped_jurisdictions()["CN"].named_lists_encoded is False
    assert shipped_jurisdictions()["DK"].named_lists_encoded is True


def test_no_uncontrolled_advisory_for_a_partially_encoded_jurisdiction(client, reporter, report_body, engine):
    # mephedrone: controlled by the encoded UK/DK/DE texts, and listed in China too (not encoded
    # here), so "uncontrolled in CN" would be false
    assert client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
    with engine.connect() as connection:
        keys = [row[0] for row in connection.execute(text("SELECT dedup_key FROM alert"))]
    assert keys, "the report raised no alert at all"
    assert not [k for k in keys if k.startswith("substance.uncontrolled_advisory") and k.endswith(":CN")], keys


def test_not_captured_in_a_partially_encoded_jurisdiction_is_undetermined(client, authority):
    # fentanyl is a named exclusion of China's 2019 class because it is listed by name, which is
    # not encoded: the answer must not be "not controlled"
    fentanyl = client.post("/v1/classify", json={"structure": "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
                                                 "jurisdictions": ["CN"]}, headers=authority.headers).json()
    (cn,) = fentanyl["results"]
    assert cn["status"] == "undetermined"
    assert "named schedules are not encoded" in cn["answer"]
    acetyl = client.post("/v1/classify", json={"structure": "CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
                                               "jurisdictions": ["CN"]}, headers=authority.headers).json()
    assert acetyl["results"][0]["status"] == "controlled_by_group"
