"""POST/GET /v1/reports: one substance however written, errors that write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from rdkit import Chem

PROBLEM = "application/problem+json"
MEPHEDRONE_KEY = "YELGFTGWJGBAQU-UHFFFAOYSA-N"


def test_salt_free_base_and_inchi_are_one_substance(client, reporter, report_body):
    free_base_inchi = "InChI=1S/C11H15NO/c1-8-4-6-10(7-5-8)11(13)9(2)12-3/h4-7,9,12H,1-3H3"
    first = client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    second = client.post(
        "/v1/reports",
        json=report_body(structure="CNC(C)C(=O)c1ccc(C)cc1", substance_name="4-MMC"),
        headers=reporter.headers,
    )
    third = client.post(
        "/v1/reports", json=report_body(structure=free_base_inchi, substance_name=None), headers=reporter.headers
    )
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert {r.json()["substance"]["inchikey"] for r in (first, second, third)} == {MEPHEDRONE_KEY}
    assert [r.json()["substance_is_new"] for r in (first, second, third)] == [True, False, False]
    assert third.json()["structure_format"] == "inchi"
    assert third.json()["structure"] == free_base_inchi  # kept exactly as submitted
    assert set(third.json()["substance"]["names"]) == {"mephedrone hydrochloride", "4-MMC"}


def test_molfile_report(client, reporter, report_body):
    block = Chem.MolToV3KMolBlock(Chem.MolFromSmiles("CNC(C)C(=O)c1ccc(C)cc1"))
    response = client.post("/v1/reports", json=report_body(structure=block), headers=reporter.headers)
    assert response.status_code == 201
    assert response.json()["substance"]["inchikey"] == MEPHEDRONE_KEY
    assert response.json()["structure_format"] == "molfile"


def test_report_by_name_only_links_a_known_substance(client, reporter, report_body):
    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    by_name = client.post(
        "/v1/reports",
        json=report_body(structure=None, substance_name="Mephedrone  Hydrochloride"),
        headers=reporter.headers,
    )
    unknown = client.post(
        "/v1/reports", json=report_body(structure=None, substance_name="a never-seen powder"), headers=reporter.headers
    )
    assert by_name.status_code == unknown.status_code == 201
    assert by_name.json()["substance"]["inchikey"] == MEPHEDRONE_KEY
    assert unknown.json()["substance"] is None


def test_all_fields_of_a_detection_report_round_trip(client, reporter, report_body):
    body = report_body(
        region="Hovedstaden",
        quantity={"value": 12.5, "unit": "g"},
        purity_percent=87.5,
        context="white powder, bag labelled 'plant food'",
        confidence="tentative",
        techniques=["LC-HRMS", "FTIR"],
        sample_type="drug_checking",
    )
    created = client.post("/v1/reports", json=body, headers=reporter.headers).json()
    fetched = client.get(f"/v1/reports/{created['id']}", headers=reporter.headers).json()
    for field in (
        "region",
        "quantity",
        "purity_percent",
        "context",
        "confidence",
        "techniques",
        "sample_type",
        "country",
        "sampled_on",
    ):
        assert fetched[field] == body[field], field
    assert fetched["organisation_id"] == reporter.organisation_id
    assert dt.datetime.fromisoformat(fetched["received_at"]).tzinfo is not None


@pytest.mark.parametrize(
    "structure, reason",
    [("C1CC(", "syntax error"), ("c1cccc1", "kekulize"), ("[Na+].[Cl-]", "organic"), ("InChI=1S/garbage", "inchi")],
)
def test_malformed_structure_is_a_precise_422_that_writes_nothing(
    client, reporter, report_body, row_counts, structure, reason
):
    before = row_counts()
    response = client.post("/v1/reports", json=report_body(structure=structure), headers=reporter.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/problems/invalid-structure"
    assert problem["status"] == 422
    (error,) = problem["errors"]
    assert error["pointer"] == "#/structure"
    assert reason.lower() in error["detail"].lower()
    assert row_counts() == before


def test_unknown_field_is_422(client, reporter, report_body, row_counts):
    before = row_counts()
    response = client.post("/v1/reports", json=report_body(colour="white"), headers=reporter.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    (error,) = response.json()["errors"]
    assert error["pointer"] == "#/colour"
    assert error["code"] == "extra_forbidden"
    assert row_counts() == before


def test_sampling_date_in_the_future_is_422(client, reporter, report_body, row_counts):
    before = row_counts()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post("/v1/reports", json=report_body(sampled_on=future), headers=reporter.headers)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["pointer"] == "#/sampled_on"
    assert "future" in error["detail"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "overrides, pointer",
    [
        ({"country": "UK"}, "#/country"),  # not ISO 3166-1: the code is GB
        ({"sample_type": "urine"}, "#/sample_type"),
        ({"techniques": []}, "#/techniques"),
        ({"purity_percent": 120}, "#/purity_percent"),
        ({"structure": None, "substance_name": None}, "#/"),
    ],
)
def test_invalid_fields_name_the_field(client, reporter, report_body, overrides, pointer):
    response = client.post("/v1/reports", json=report_body(**overrides), headers=reporter.headers)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_country_error_suggests_the_iso_code(client, reporter, report_body):
    response = client.post("/v1/reports", json=report_body(country="UK"), headers=reporter.headers)
    assert "GB" in response.json()["errors"][0]["detail"]


def test_body_over_the_limit_is_413(client, reporter, report_body, settings, row_counts):
    before = row_counts()
    huge = report_body(context="x" * (settings.max_body_bytes + 10))
    response = client.post("/v1/reports", json=huge, headers=reporter.headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/payload-too-large"
    assert row_counts() == before


def test_same_idempotency_key_and_body_returns_the_stored_report(client, reporter, report_body, row_counts):
    headers = {**reporter.headers, "Idempotency-Key": "lab-run-2026-11-20-0042"}
    first = client.post("/v1/reports", json=report_body(), headers=headers)
    after_first = row_counts()
    again = client.post("/v1/reports", json=report_body(), headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert row_counts() == after_first


def test_same_idempotency_key_with_another_body_is_409_and_writes_nothing(client, reporter, report_body, row_counts):
    headers = {**reporter.headers, "Idempotency-Key": "lab-run-2026-11-20-0042"}
    client.post("/v1/reports", json=report_body(), headers=headers)
    before = row_counts()
    response = client.post("/v1/reports", json=report_body(country="SE"), headers=headers)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/idempotency-conflict"
    assert row_counts() == before


def test_idempotency_keys_belong_to_one_organisation(client, make_caller, report_body):
    lab_a, lab_b = make_caller("reporter", org="Lab A"), make_caller("reporter", org="Lab B")
    a = client.post("/v1/reports", json=report_body(), headers={**lab_a.headers, "Idempotency-Key": "run-1"})
    b = client.post("/v1/reports", json=report_body(), headers={**lab_b.headers, "Idempotency-Key": "run-1"})
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_a_reporter_cannot_report_for_another_organisation(client, make_caller, report_body, row_counts):
    lab_a, lab_b = make_caller("reporter", org="Lab A"), make_caller("reporter", org="Lab B")
    before = row_counts()
    for claimed in (lab_b.organisation_id, lab_b.organisation_name):
        response = client.post("/v1/reports", json=report_body(organisation=claimed), headers=lab_a.headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM
    assert row_counts() == before
    own = client.post("/v1/reports", json=report_body(organisation="Lab A"), headers=lab_a.headers)
    assert own.status_code == 201


def test_reporters_read_only_their_own_reports(client, make_caller, authority, regulator, report_body):
    lab_a, lab_b = make_caller("reporter", org="Lab A"), make_caller("reporter", org="Lab B")
    report_a = client.post("/v1/reports", json=report_body(), headers=lab_a.headers).json()
    client.post("/v1/reports", json=report_body(country="SE"), headers=lab_b.headers)
    assert client.get(f"/v1/reports/{report_a['id']}", headers=lab_b.headers).status_code == 404
    assert client.get(f"/v1/reports/{report_a['id']}", headers=lab_a.headers).status_code == 200
    assert [r["id"] for r in client.get("/v1/reports", headers=lab_a.headers).json()["items"]] == [report_a["id"]]
    listing = client.get(f"/v1/reports?organisation={lab_a.organisation_id}", headers=lab_b.headers)
    assert listing.status_code == 403
    for reader in (authority, regulator):
        assert len(client.get("/v1/reports", headers=reader.headers).json()["items"]) == 2


def test_filters_and_cursor_pagination(client, reporter, authority, report_body):
    today = dt.date.today()
    made = []
    for i in range(7):
        body = report_body(
            country=["DK", "SE"][i % 2],
            sampled_on=(today - dt.timedelta(days=i)).isoformat(),
            sample_type=["seizure", "wastewater"][i % 2],
            structure=["CNC(C)C(=O)c1ccc(C)cc1", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"][i % 2],
        )
        made.append(client.post("/v1/reports", json=body, headers=reporter.headers).json())

    seen, cursor = [], None
    while True:
        page = client.get(
            "/v1/reports", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=authority.headers
        ).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(r["id"] for r in made) and len(seen) == 7
    assert seen == sorted(seen, reverse=True)  # newest first

    def ids(**params):
        return {r["id"] for r in client.get("/v1/reports", params=params, headers=authority.headers).json()["items"]}

    assert ids(country="SE") == {r["id"] for r in made if r["country"] == "SE"}
    assert ids(sample_type="wastewater") == {r["id"] for r in made if r["sample_type"] == "wastewater"}
    assert ids(substance=MEPHEDRONE_KEY) == {r["id"] for r in made if r["substance"]["inchikey"] == MEPHEDRONE_KEY}
    assert ids(substance=MEPHEDRONE_KEY[:14]) == ids(substance=MEPHEDRONE_KEY)
    window = {
        "sampled_from": (today - dt.timedelta(days=4)).isoformat(),
        "sampled_to": (today - dt.timedelta(days=2)).isoformat(),
    }
    assert ids(**window) == {r["id"] for r in made[2:5]}
    assert ids(organisation=reporter.organisation_id) == {r["id"] for r in made}
    assert client.get("/v1/reports?cursor=nonsense", headers=authority.headers).status_code == 422


def test_unknown_report_is_404_problem(client, authority):
    response = client.get("/v1/reports/01JAAAAAAAAAAAAAAAAAAAAAAA", headers=authority.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
