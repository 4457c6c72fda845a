"""GET /v1/gaps: what a jurisdiction's encoded instruments miss among recent reports, by family."""

from __future__ import annotations

import csv
import datetime as dt
import io

from service.families.placement import place_pending
from tests.service.test_drafts_api import AMINOINDANE, MDAI, approve, draft

REPORTED = {
    "MDAI": MDAI,
    "2-aminoindane": AMINOINDANE,
    "5-IAI": "NC1Cc2ccc(I)cc2C1",
    "mephedrone": "CNC(C)C(=O)c1ccc(C)cc1",  # controlled in DK (list B cathinones)
    "4-MEC": "CCNC(C)C(=O)c1ccc(C)cc1",
}
TODAY = dt.datetime.now(dt.UTC).date()


def _report(client, reporter, report_body) -> None:
    for i, (name, smiles) in enumerate(REPORTED.items()):
        label = "=1+1" if name == "5-IAI" else name  # a name a spreadsheet would run
        response = client.post(
            "/v1/reports",
            headers=reporter.headers,
            json=report_body(structure=smiles, substance_name=label, country=("DK", "SE")[i % 2]),
        )
        assert response.status_code == 201, response.text


def _expected_gap(client, caller) -> dict[str, dict]:
    """What POST /v1/classify says about DK, substance by substance: the gap the report must list."""
    out = {}
    for smiles in REPORTED.values():
        answer = client.post(
            "/v1/classify", json={"structure": smiles, "jurisdictions": ["DK"], "depict": False}, headers=caller.headers
        ).json()
        dk = answer["results"][0]
        if not dk["matches"]:
            out[answer["inchikey"]] = {"status": dk["status"], "near_misses": dk["near_misses"]}
    return out


def _gaps(client, caller, **params):
    return client.get("/v1/gaps", headers=caller.headers, params=params)


def test_the_gap_report_lists_what_no_danish_instrument_captures_by_family(
    client, engine, settings, reporter, regulator, make_caller, authority, report_body
):
    _report(client, reporter, report_body)
    assert place_pending(engine, settings=settings) == len(REPORTED)
    expected = _expected_gap(client, authority)
    assert 2 <= len(expected) < len(REPORTED)  # some captured (mephedrone), some not

    response = _gaps(client, regulator, jurisdiction="DK", since=(TODAY - dt.timedelta(days=7)).isoformat())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["substances_reported"] == len(REPORTED) and report["uncaptured"] == len(expected)
    listed = {s["inchikey"]: (f["family_id"], s) for f in report["families"] for s in f["substances"]}
    assert set(listed) == set(expected)
    for key, (family_id, gap) in listed.items():
        assert gap["status"] == expected[key]["status"]
        assert gap["near_misses"] == expected[key]["near_misses"]
        assert gap["reports"] == 1 and len(gap["countries"]) == 1
        # grouped by the family the worker placed it in
        members = client.get(f"/v1/families/{family_id}", headers=regulator.headers).json()["members"]
        assert key in {m["inchikey"] for m in members}
    sizes = [len(f["substances"]) for f in report["families"]]
    assert sizes == sorted(sizes, reverse=True)

    # CSV, by Accept or by ?format: the same substances, one row each
    as_csv = _gaps(client, regulator, since=(TODAY - dt.timedelta(days=7)).isoformat(), format="csv")
    by_accept = client.get(
        "/v1/gaps",
        headers={**regulator.headers, "Accept": "text/csv"},
        params={"since": (TODAY - dt.timedelta(days=7)).isoformat()},
    )
    assert as_csv.headers["content-type"].startswith("text/csv") and by_accept.text == as_csv.text
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {r["inchikey"] for r in rows} == set(expected)
    assert {r["inchikey"]: r["family_id"] for r in rows} == {k: f for k, (f, _) in listed.items()}
    assert "'=1+1" in {r["names"] for r in rows}

    # a period without reports has no gap (two days on: TODAY is read when the module is imported,
    # and a run that crosses midnight UTC files its reports on TODAY + 1)
    later = _gaps(
        client,
        regulator,
        since=(TODAY + dt.timedelta(days=2)).isoformat(),
        until=(TODAY + dt.timedelta(days=3)).isoformat(),
    ).json()
    assert (later["substances_reported"], later["uncaptured"], later["families"]) == (0, 0, [])

    # a draft made active closes the aminoindane part of the gap
    second = make_caller("regulator", org="Danish Health Authority, legal office", kind="regulator", country="DK")
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second, created["id"])
    assert client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers).status_code == 200
    after = _gaps(client, regulator, since=(TODAY - dt.timedelta(days=7)).isoformat()).json()
    remaining = {s["inchikey"] for f in after["families"] for s in f["substances"]}
    closed = set(expected) - set(_expected_gap(client, authority))
    assert closed and not closed & remaining and remaining == set(_expected_gap(client, authority))


def test_only_regulators_of_the_jurisdiction_read_its_gap_report(
    client, regulator, make_caller, authority, reporter, admin
):
    swedish = make_caller("regulator", org="Swedish Medical Products Agency", kind="regulator", country="SE")
    assert _gaps(client, regulator, jurisdiction="DK").status_code == 200
    assert _gaps(client, swedish).json()["jurisdiction"] == "SE"
    refused = _gaps(client, swedish, jurisdiction="DK")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    for caller in (authority, reporter, admin):
        assert _gaps(client, caller, jurisdiction="DK").status_code == 403
    assert client.get("/v1/gaps").status_code == 401
    backwards = _gaps(client, regulator, since=TODAY.isoformat(), until=(TODAY - dt.timedelta(days=1)).isoformat())
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["pointer"] == "#/since"
    assert _gaps(client, regulator, jurisdiction="dk").status_code == 422
    # the widest period the dates allow: an answer, not an overflow
    widest = _gaps(client, regulator, since="0001-01-01", until="9999-12-31")
    assert widest.status_code == 200 and widest.json()["substances_reported"] == 0
    earliest = _gaps(client, regulator, until="0001-01-02")  # the default 30 days before it do not exist
    assert earliest.status_code == 200 and earliest.json()["since"] == "0001-01-01"
