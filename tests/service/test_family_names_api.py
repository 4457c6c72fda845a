"""Family names, core drawings and the membership setting through the API (issue 17)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.families.models import FamilyJob, JobState
from service.families.placement import forget, place_pending, run_recomputes
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
