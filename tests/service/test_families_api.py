"""Families through the API: real NPS series streamed in as reports, placed by the worker's job,
read back as families with their legal gap and proposal; roles, problems and the recompute job."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import text

from chemistry.identity import identify
from service.families.placement import (
    forget,
    place_pending,
    refresh_families,
    run_recomputes,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chemistry"))
from nps_series import CLASS_OF_SERIES, all_series  # noqa: E402

SERIES = all_series()
COUNTRIES = ("DK", "SE", "DE", "NL", "FR")
# Reference medicines that are also members of a series: their family's proposal must be flagged.
MEDICINE_MEMBERS = {"fentanyls": "fentanyl"}


def _interleaved() -> list[tuple[str, str, str]]:
    """(series, member, smiles) round-robin over the series, so no series arrives as one block."""
    queues = {name: list(members.items()) for name, members in SERIES.items()}
    out = []
    while any(queues.values()):
        for name, queue in queues.items():
            if queue:
                member, smiles = queue.pop(0)
                out.append((name, member, smiles))
    return out


def _stream(client, reporter, report_body, items, *, countries=COUNTRIES) -> None:  # noqa: ANN001
    for i, (_, member, smiles) in enumerate(items):
        response = client.post(
            "/v1/reports",
            headers=reporter.headers,
            json=report_body(structure=smiles, substance_name=member, country=countries[i % len(countries)]),
        )
        assert response.status_code == 201, response.text


def _families(client, caller, **params) -> list[dict]:  # noqa: ANN001
    response = client.get("/v1/families", headers=caller.headers, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _detail(client, caller, family_id, **params) -> dict:  # noqa: ANN001
    response = client.get(f"/v1/families/{family_id}", headers=caller.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_real_series_become_pure_unfragmented_families_with_safe_proposals(
    client, engine, settings, reporter, authority, regulator, report_body
):
    items = _interleaved()
    _stream(client, reporter, report_body, items)
    # reported but not yet placed: the worker has not run
    assert _families(client, authority) == []

    assert place_pending(engine, settings=settings) == len(items)
    assert place_pending(engine, settings=settings) == 0
    assert refresh_families(engine, settings=settings, limit=100, time_budget=600) >= 5

    class_of = {identify(smiles).inchikey: CLASS_OF_SERIES[series] for series, _, smiles in items}
    series_of = {identify(smiles).inchikey: series for series, _, smiles in items}
    listed = _families(client, authority, sort="size")
    assert sum(f["member_count"] for f in listed) == len(items)
    family_of: dict[str, str] = {}
    details = {}
    for family in listed:
        detail = _detail(client, regulator, family["id"])
        details[family["id"]] = detail
        keys = [m["inchikey"] for m in detail["members"]]
        for key in keys:
            family_of[key] = family["id"]
        # pure: at least 90% of a family's members share a class
        top_share = Counter(class_of[k] for k in keys).most_common(1)[0][1] / len(keys)
        assert top_share >= 0.9, (family["id"], Counter(class_of[k] for k in keys))
    # not fragmented: each series sits (>= 90%) in one family, and a class spans no more families
    # than it has series (pyrrolidinophenones may found their own family next to the cathinones)
    for series in SERIES:
        families = [family_of[k] for k, s in series_of.items() if s == series]
        largest = Counter(families).most_common(1)[0][1]
        assert largest / len(families) >= 0.9, (series, Counter(families))
    by_class: dict[str, set[str]] = defaultdict(set)
    for key, cls in class_of.items():
        by_class[cls].add(family_of[key])
    series_per_class = Counter(CLASS_OF_SERIES[name] for name in SERIES)
    for cls, class_families in by_class.items():
        assert len(class_families) <= series_per_class[cls], (cls, class_families)

    # each series' proposal captures its members and no reference medicine
    for series in SERIES:
        members = [k for k, s in series_of.items() if s == series]
        family_id = Counter(family_of[k] for k in members).most_common(1)[0][0]
        proposal = details[family_id]["proposal"]
        assert proposal is not None and proposal["cached"] is True
        assert proposal["coverage"]["members_missed"] == []
        assert proposal["coverage"]["virtual_analogues"] > 0
        if series in MEDICINE_MEMBERS:
            # a family holding a medicine gives a flagged proposal: never offered as-is
            assert not proposal["offered"] and proposal["rule"] is None
            assert MEDICINE_MEMBERS[series] in proposal["offenders"]
            assert proposal["flagged_rule"]["id"].startswith("xx-proposal-")
        else:
            assert proposal["offered"] and proposal["safe"], (series, proposal["offenders"])
            assert proposal["coverage"]["reference_captured"] == []
            assert proposal["rule"]["kind"] == "group" and proposal["rule"]["cores"]


def test_family_detail_shows_detections_gap_near_misses_and_svg(
    client, engine, settings, reporter, regulator, report_body
):
    cathinones = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()]
    _stream(client, reporter, report_body, cathinones, countries=("DK", "SE"))
    # one more detection of mephedrone, from another country
    client.post(
        "/v1/reports",
        headers=reporter.headers,
        json=report_body(structure=SERIES["cathinones"]["Mephedrone"], country="NO"),
    )
    place_pending(engine, settings=settings)
    (family,) = _families(client, regulator)
    assert family["member_count"] == len(cathinones)
    assert family["countries"] == 3 and family["reports"] == len(cathinones) + 1
    assert family["growth"] == len(cathinones)

    detail = _detail(client, regulator, family["id"])
    assert detail["proposal"]["cached"] is False  # the worker has not refreshed it: computed for this answer
    mephedrone = next(m for m in detail["members"] if "Mephedrone" in m["names"])
    assert mephedrone["report_count"] == 2
    assert {c["country"] for c in mephedrone["countries"]} == {"DK", "NO"}
    assert mephedrone["first_seen"] and mephedrone["last_seen"]
    gaps = {g["jurisdiction"]: g for g in detail["gap"]}
    assert set(gaps) >= {"DK", "GB", "DE", "US"}
    # the UK cathinone clause controls mephedrone
    assert any(c["inchikey"] == mephedrone["inchikey"] for c in gaps["GB"]["controlled"])
    for gap in gaps.values():
        for member in gap["uncontrolled"]:
            for nearest in member["nearest_controlled"]:
                assert 0 <= nearest["similarity"] <= 1 and nearest["source"]
    assert any(m["nearest_controlled"] for g in gaps.values() for m in g["uncontrolled"])

    svg = client.get(detail["svg_url"], headers=regulator.headers)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text

    neighbours = client.get(
        f"/v1/substances/{mephedrone['inchikey']}/neighbours", headers=regulator.headers, params={"limit": 3}
    )
    assert neighbours.status_code == 200
    body = neighbours.json()
    assert body["family_id"] == family["id"] and len(body["items"]) == 3
    sims = [n["similarity"] for n in body["items"]]
    assert sims == sorted(sims, reverse=True) and all(n["inchikey"] != mephedrone["inchikey"] for n in body["items"])


def test_list_sorts_by_countries_and_uncontrolled(client, engine, settings, reporter, authority, report_body):
    nitazenes = [("nitazenes", m, s) for m, s in SERIES["nitazenes"].items()][:4]
    cannabinoids = [("naphthoylindoles", m, s) for m, s in SERIES["naphthoylindoles"].items()][:3]
    _stream(client, reporter, report_body, nitazenes, countries=("DK",))
    _stream(client, reporter, report_body, cannabinoids, countries=("DK", "SE", "DE"))
    place_pending(engine, settings=settings)
    by_countries = _families(client, authority, sort="countries")
    assert [f["countries"] for f in by_countries] == sorted((f["countries"] for f in by_countries), reverse=True)
    assert by_countries[0]["countries"] == 3
    for jurisdiction in (None, "US"):
        params = {"sort": "uncontrolled"} | ({"jurisdiction": jurisdiction} if jurisdiction else {})
        ranked = _families(client, authority, **params)
        assert [f["uncontrolled"] for f in ranked] == sorted((f["uncontrolled"] for f in ranked), reverse=True)
        assert all(f["unclassified"] == 0 for f in ranked)
    page = client.get("/v1/families", headers=authority.headers, params={"limit": 1})
    assert page.status_code == 200 and page.json()["next_cursor"] == "1"
    second = client.get("/v1/families", headers=authority.headers, params={"limit": 1, "cursor": "1"}).json()
    assert second["items"][0]["id"] != page.json()["items"][0]["id"]
    bad = client.get("/v1/families", headers=authority.headers, params={"jurisdiction": "ZZ"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_roles_and_problems(client, engine, settings, reporter, authority, regulator, admin, report_body, row_counts):
    client.post("/v1/reports", headers=reporter.headers, json=report_body())
    place_pending(engine, settings=settings)
    (family,) = _families(client, authority)
    inchikey = identify(report_body()["structure"]).inchikey
    reads = [
        "/v1/families",
        f"/v1/families/{family['id']}",
        f"/v1/families/{family['id']}/members.svg",
        f"/v1/substances/{inchikey}/neighbours",
    ]
    for path in reads:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=reporter.headers).status_code == 403
        for caller in (authority, regulator):
            assert client.get(path, headers=caller.headers).status_code == 200, path
    before = row_counts()
    for caller in (reporter, authority, regulator):
        response = client.post("/v1/families:recompute", headers=caller.headers)
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    for caller in (reporter, authority, admin):
        assert client.post(f"/v1/families/{family['id']}/proposal:draft", headers=caller.headers).status_code == 403
    missing = client.get("/v1/families/fam-0000000000000000", headers=regulator.headers)
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    assert (
        client.get("/v1/substances/AAAAAAAAAAAAAA-BBBBBBBBBB-N/neighbours", headers=regulator.headers).status_code
        == 404
    )
    assert client.post("/v1/families/fam-0000000000000000/proposal:draft", headers=regulator.headers).status_code == 404
    assert row_counts() == before  # failed requests write nothing


def test_admin_recompute_runs_in_the_worker_and_replaces_memberships(
    client, engine, settings, reporter, authority, admin, report_body, row_counts
):
    items = [("nbomes", m, s) for m, s in SERIES["nbomes"].items()][:6]
    items += [("fentanyls", m, s) for m, s in SERIES["fentanyls"].items()][:5]
    _stream(client, reporter, report_body, items)
    place_pending(engine, settings=settings)
    before = {f["id"]: f["member_count"] for f in _families(client, authority)}

    audit_rows = row_counts()["audit_log"]
    queued = client.post("/v1/families:recompute", headers=admin.headers)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert job["state"] == "queued" and queued.headers["location"] == job["href"]
    assert row_counts()["audit_log"] == audit_rows + 1
    # a second request while one is queued returns the same job
    assert client.post("/v1/families:recompute", headers=admin.headers).json()["id"] == job["id"]

    # a substance reported while the recompute waits is in its snapshot
    client.post(
        "/v1/reports",
        headers=reporter.headers,
        json=report_body(structure=SERIES["nbomes"]["25B-NBOMe"], substance_name="25B-NBOMe"),
    )
    assert run_recomputes(engine, settings=settings) == 1
    status = client.get(job["href"], headers=admin.headers).json()
    assert status["state"] == "succeeded", status
    assert status["result"]["substances"] == len(items) + 1
    assert client.get(job["href"], headers=authority.headers).status_code == 403
    assert client.get("/v1/families/recomputes/999999", headers=admin.headers).status_code == 404

    place_pending(engine, settings=settings)
    after = _families(client, authority)
    assert sum(f["member_count"] for f in after) == len(
        {identify(s).inchikey for _, _, s in items} | {identify(SERIES["nbomes"]["25B-NBOMe"]).inchikey}
    )
    assert all(f["unclassified"] == 0 for f in after)
    assert sum(before.values()) <= sum(f["member_count"] for f in after)
    with engine.connect() as connection:
        placed_by = {r[0] for r in connection.execute(text("SELECT DISTINCT placed_by FROM family_member"))}
    assert "recluster" in placed_by


def test_placement_survives_a_lost_in_memory_index(client, engine, settings, reporter, authority, report_body):
    """A second worker (or a restart) rebuilds the index from the stored fingerprints."""
    first = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()][:5]
    rest = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()][5:9]
    _stream(client, reporter, report_body, first)
    place_pending(engine, settings=settings)
    forget(engine)
    _stream(client, reporter, report_body, rest)
    assert place_pending(engine, settings=settings) == len(rest)
    (family,) = _families(client, authority)
    assert family["member_count"] == len(first) + len(rest)


def test_a_regulator_turns_a_proposal_into_a_draft_and_a_flagged_one_is_refused(
    client, engine, settings, reporter, regulator, report_body, row_counts
):
    cathinones = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()][:6]
    fentanyls = [("fentanyls", m, s) for m, s in SERIES["fentanyls"].items()][:5]  # Fentanyl itself among them
    _stream(client, reporter, report_body, cathinones + fentanyls)
    place_pending(engine, settings=settings)
    families = {}
    for family in _families(client, regulator):
        detail = _detail(client, regulator, family["id"])
        families["fentanyls" if any("Fentanyl" in m["names"] for m in detail["members"]) else "cathinones"] = detail

    created = client.post(f"/v1/families/{families['cathinones']['id']}/proposal:draft", headers=regulator.headers)
    assert created.status_code == 201, created.text
    draft = created.json()
    proposed = families["cathinones"]["proposal"]["rule"]["id"]
    # a draft of the regulator's own jurisdiction, never the proposal's placeholder code
    assert draft["jurisdiction"] == draft["rule"]["jurisdiction"] == "DK"
    assert draft["rule_id"] == "dk-" + proposed.split("-", 1)[1] and draft["rule_id"] != proposed
    assert created.headers["location"].endswith(draft["id"])

    before = row_counts()
    refused = client.post(f"/v1/families/{families['fentanyls']['id']}/proposal:draft", headers=regulator.headers)
    assert refused.status_code == 409 and "fentanyl" in refused.json()["detail"]
    assert row_counts() == before
