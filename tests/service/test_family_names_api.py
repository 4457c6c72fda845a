"""Family names, core drawings and the membership setting through the API (issue 17)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.families.models import FamilyJob, JobState
from service.families.placement import forget, name_unnamed, place_pending, refresh_families, run_recomputes
from tests.service.test_families_api import SERIES, _detail, _families, _stream

CARBOXAMIDES = {
    "ADB-PINACA": "CCCCCn1nc(C(=O)NC(C(N)=O)C(C)(C)C)c2ccccc21",
    "AB-PINACA": "CCCCCn1nc(C(=O)NC(C(N)=O)C(C)C)c2ccccc21",
    "5F-ADB": "COC(=O)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(C)(C)C",
    "AB-FUBINACA": "NC(=O)C(NC(=O)c1nn(Cc2ccc(F)cc2)c2ccccc12)C(C)C",
}


def test_families_are_named_and_their_core_drawn(client, engine, settings, reporter, regulator, report_body):
    cathinones = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()]
    cannabinoids = [("cannabinoids", m, s) for m, s in CARBOXAMIDES.items()]
    _stream(client, reporter, report_body, cathinones + cannabinoids)
    place_pending(engine, settings=settings)
    details = [_detail(client, regulator, f["id"]) for f in _families(client, regulator)]
    by_member = {name: d for d in details for m in d["members"] for name in m["names"]}

    sc = by_member["ADB-PINACA"]
    assert {n for m in sc["members"] for n in m["names"]} == set(CARBOXAMIDES)
    assert (sc["name"], sc["name_source"]) == ("indazole-3-carboxamides, N1 tail", "modular class")
    cathinone = by_member["Mephedrone"]
    assert cathinone["name_source"] == "legal group"
    # the legal group named is one that captures most members, as /v1/classify says
    captured = 0
    for member in cathinone["members"]:
        answer = client.post(
            "/v1/classify", json={"structure": member["smiles"], "depict": False}, headers=regulator.headers
        ).json()
        titles = {
            f"{m['title']} ({r['jurisdiction']})"
            for r in answer["results"]
            for m in r["matches"]
            if m["kind"] == "group"
        }
        captured += cathinone["name"] in titles
    assert captured * 2 >= len(cathinone["members"])
    for detail in (sc, cathinone):
        assert detail["core_smarts"] and "<svg" in detail["core_svg"]
    # the proposal says what it would newly control, per jurisdiction of the live rulebook
    newly = cathinone["proposal"]["coverage"]["registry_newly_controlled"]
    assert "DK" in newly and "Mephedrone" not in newly["DK"]


DMT = "CN(C)CCc1c[nH]c2ccccc12"
INDOMETACIN = "COc1ccc2n(C(=O)c3ccc(Cl)cc3)c(C)c(CC(=O)O)c2c1"


@pytest.mark.parametrize(("min_shared", "families"), [(0.0, 1), (0.5, 2)])
def test_the_membership_setting_keeps_out_a_substance_sharing_a_small_fragment(
    client, engine, settings, reporter, regulator, report_body, min_shared, families
):
    forget(engine)  # the worker's index is per process: start from this database
    loose = settings.model_copy(
        update={"family_threshold": 0.05, "family_scaffold_threshold": 0.05, "family_min_shared": min_shared}
    )
    _stream(client, reporter, report_body, [("x", "DMT", DMT), ("x", "indometacin", INDOMETACIN)])
    assert place_pending(engine, settings=loose) == 2
    assert len(_families(client, regulator)) == families
    forget(engine)


def test_a_family_of_two_gets_no_proposal_and_cannot_be_drafted(
    client, engine, settings, reporter, regulator, report_body
):
    two = [("cathinones", m, s) for m, s in list(SERIES["cathinones"].items())[:2]]
    _stream(client, reporter, report_body, two)
    place_pending(engine, settings=settings)
    (family,) = _families(client, regulator)
    assert family["member_count"] == 2
    detail = _detail(client, regulator, family["id"])
    assert detail["proposal"] is None and "at least 3" in detail["proposal_problem"]
    refused = client.post(f"/v1/families/{family['id']}/proposal:draft", headers=regulator.headers)
    assert refused.status_code == 409 and "at least 3" in refused.json()["detail"]
    assert client.get("/v1/drafts", headers=regulator.headers).json()["items"] == []


@pytest.mark.parametrize(("min_shared", "families"), [(0.0, 1), (0.5, 2)])
def test_a_recluster_honours_the_membership_setting_as_placement_does(
    client, engine, settings, reporter, regulator, report_body, min_shared, families
):
    forget(engine)
    loose = settings.model_copy(
        update={"family_threshold": 0.05, "family_scaffold_threshold": 0.05, "family_min_shared": min_shared}
    )
    _stream(client, reporter, report_body, [("x", "DMT", DMT), ("x", "indometacin", INDOMETACIN)])
    assert place_pending(engine, settings=loose) == 2
    with Session(engine) as session:  # a recluster at the loose threshold, as an admin would queue it
        session.add(FamilyJob(state=JobState.queued.value, threshold=0.05))
        session.commit()
    assert run_recomputes(engine, settings=loose) == 1
    listed = _families(client, regulator)
    assert sum(f["member_count"] for f in listed) == 2
    assert len(listed) == families
    forget(engine)


def test_the_families_list_carries_each_familys_name_and_the_web_browser_shows_it(
    client, engine, settings, reporter, regulator, report_body
):
    cathinones = [("cathinones", m, s) for m, s in SERIES["cathinones"].items()]
    cannabinoids = [("cannabinoids", m, s) for m, s in CARBOXAMIDES.items()]
    _stream(client, reporter, report_body, cathinones + cannabinoids)
    place_pending(engine, settings=settings)  # named at placement, before any refresh of cores
    listed = _families(client, regulator)
    assert listed and all(f["name"] and f["name_source"] for f in listed)
    by_size = {f["member_count"]: f for f in listed}
    assert by_size[len(CARBOXAMIDES)]["name"] == "indazole-3-carboxamides, N1 tail"
    assert by_size[len(CARBOXAMIDES)]["name_source"] == "modular class"

    refresh_families(engine, settings=settings, limit=100, time_budget=600)
    for family in _families(client, regulator):  # the list and the family page name it alike
        detail = _detail(client, regulator, family["id"])
        assert (family["name"], family["name_source"]) == (detail["name"], detail["name_source"])

    form = client.get("/signin").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found is not None
    token = found[1]
    client.post("/signin", data={"api_key": regulator.key, "csrf_token": token}, follow_redirects=False)
    page = client.get("/families")
    assert page.status_code == 200
    rows = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f'<a href="/families/{by_size[len(CARBOXAMIDES)]["id"]}">indazole-3-carboxamides, N1 tail</a>' in rows


def test_the_worker_names_families_stored_before_names_were(client, engine, settings, reporter, regulator, report_body):
    _stream(client, reporter, report_body, [("cannabinoids", m, s) for m, s in CARBOXAMIDES.items()])
    place_pending(engine, settings=settings)
    with engine.begin() as connection:  # as migration 0012 leaves every existing row
        connection.execute(text("UPDATE family SET name = NULL, name_source = NULL"))
    assert [f["name"] for f in _families(client, regulator)] == [None]
    assert name_unnamed(engine) == 1
    assert [f["name"] for f in _families(client, regulator)] == ["indazole-3-carboxamides, N1 tail"]
