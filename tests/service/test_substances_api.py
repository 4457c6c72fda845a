"""GET /v1/substances: search by name, InChIKey, exact structure; detail with counts by country."""

from __future__ import annotations

import datetime as dt

MEPHEDRONE_KEY = "YELGFTGWJGBAQU-UHFFFAOYSA-N"
S_METHCATHINONE = "CN[C@@H](C)C(=O)c1ccccc1"
R_METHCATHINONE = "CN[C@H](C)C(=O)c1ccccc1"


def _seed(client, reporter, report_body):
    today = dt.date.today()
    for country, days, structure in [
        ("DK", 10, "CNC(C)C(=O)c1ccc(C)cc1.Cl"),
        ("SE", 4, "CNC(C)C(=O)c1ccc(C)cc1"),
        ("DK", 2, "CNC(C)C(=O)c1ccc(C)cc1"),
        ("DK", 1, S_METHCATHINONE),
        ("NO", 1, R_METHCATHINONE),
    ]:
        name = "mephedrone" if "c1ccc(C)cc1" in structure else "methcathinone"
        response = client.post(
            "/v1/reports",
            json=report_body(
                structure=structure,
                country=country,
                substance_name=name,
                sampled_on=(today - dt.timedelta(days=days)).isoformat(),
            ),
            headers=reporter.headers,
        )
        assert response.status_code == 201


def test_search_by_name_inchikey_and_structure(client, reporter, authority, report_body):
    _seed(client, reporter, report_body)

    def keys(**params):
        response = client.get("/v1/substances", params=params, headers=authority.headers)
        assert response.status_code == 200, response.text
        return [s["inchikey"] for s in response.json()["items"]]

    assert keys(q="MEPHEDRONE") == [MEPHEDRONE_KEY]
    assert keys(inchikey=MEPHEDRONE_KEY.lower()) == [MEPHEDRONE_KEY]
    assert keys(structure="C[NH2+]C(C)C(=O)c1ccc(C)cc1") == [MEPHEDRONE_KEY]  # charged form, same parent
    assert keys(structure="InChI=1S/C11H15NO/c1-8-4-6-10(7-5-8)11(13)9(2)12-3/h4-7,9,12H,1-3H3") == [MEPHEDRONE_KEY]
    stereo = keys(inchikey="LPLLVINFLBSFRP")  # methcathinone's first block: both enantiomers
    assert len(stereo) == 2 and all(k.startswith("LPLLVINFLBSFRP-") for k in stereo)
    assert keys(q="no such thing") == []


def test_bad_structure_query_is_a_problem(client, authority):
    response = client.get("/v1/substances", params={"structure": "C1CC("}, headers=authority.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/structure"


def test_substance_detail_counts_by_country_and_first_last_seen(client, reporter, authority, report_body):
    _seed(client, reporter, report_body)
    response = client.get(f"/v1/substances/{MEPHEDRONE_KEY}", headers=authority.headers)
    assert response.status_code == 200
    detail = response.json()
    today = dt.date.today()
    assert detail["report_count"] == 3
    assert {c["country"]: c["reports"] for c in detail["countries"]} == {"DK": 2, "SE": 1}
    assert detail["first_seen"] == (today - dt.timedelta(days=10)).isoformat()
    assert detail["last_seen"] == (today - dt.timedelta(days=2)).isoformat()
    assert detail["first_reported_country"] == "DK"
    assert detail["formula"] == "C11H15NO"
    assert detail["stereoisomers"] == []


def test_stereoisomers_are_listed_on_each_other(client, reporter, authority, report_body):
    _seed(client, reporter, report_body)
    found = client.get("/v1/substances", params={"inchikey": "LPLLVINFLBSFRP"}, headers=authority.headers).json()
    first, second = (s["inchikey"] for s in found["items"])
    detail = client.get(f"/v1/substances/{first}", headers=authority.headers).json()
    assert detail["stereoisomers"] == [second]


def test_unknown_substance_is_404(client, authority):
    response = client.get("/v1/substances/AAAAAAAAAAAAAA-BBBBBBBBBB-N", headers=authority.headers)
    assert response.status_code == 404


def test_substance_search_paginates(client, reporter, authority, report_body):
    _seed(client, reporter, report_body)
    page = client.get("/v1/substances", params={"limit": 2}, headers=authority.headers).json()
    rest = client.get(
        "/v1/substances", params={"limit": 2, "cursor": page["next_cursor"]}, headers=authority.headers
    ).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1
    assert not {s["inchikey"] for s in page["items"]} & {s["inchikey"] for s in rest["items"]}
    too_big = client.get("/v1/substances", params={"limit": 100000}, headers=authority.headers)
    assert too_big.status_code == 422
