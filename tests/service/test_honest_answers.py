"""POST /v1/classify answers honestly: what was consulted, how current it is, what a structure
cannot decide, what was set aside and why, and "date not recorded" rather than a guessed date."""

from __future__ import annotations

import re

import pytest

from chemistry.rulebook import NOT_RECORDED, load_jurisdictions, load_rulebook
from service.classification.live import shipped_jurisdictions

CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"
# controlled nowhere: caffeine is not, because China's 2025 Catalogue of Medical Psychotropic
# Substances lists it (class II)
PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"
MIDODRINE = "COc1ccc(OC)c(C(O)CNC(=O)CN)c1"  # an approved medicine inside NpSG group 1
MDPV = "CCCC(C(=O)c1ccc2c(c1)OCO2)N1CCCC1"  # BtMG Anlage II, inside NpSG group 1
CONSOLIDATION = re.compile(r"^(consolidated to \d{4}-\d{2}-\d{2}|consolidation date not recorded)$")


def _classify(client, caller, structure: str, jurisdictions: list[str] | None = None) -> dict:
    body = {"structure": structure, "depict": False}
    if jurisdictions:
        body["jurisdictions"] = jurisdictions
    response = client.post("/v1/classify", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    return {r["jurisdiction"]: r for r in response.json()["results"]}


def test_not_controlled_reads_not_captured_and_lists_instruments_and_caveats(client, authority):
    results = _classify(client, authority, PARACETAMOL)
    rules = load_rulebook()
    assert set(results) == set(rules.jurisdictions)
    partial = {code for code, info in shipped_jurisdictions().items() if not info.named_lists_encoded}
    for code, result in results.items():
        if code in partial:  # named lists encoded only in part (CN, DK, GB): not captured is not "not controlled"
            assert result["status"] == "undetermined"
            gap = shipped_jurisdictions()[code].named_lists_gap or "its named schedules are not encoded"
            assert gap in result["answer"] and "is listed there by name is not known" in result["answer"]
        else:
            assert result["status"] == "not_controlled"
            assert result["answer"].startswith("Not controlled: not captured by the encoded instruments")
            assert "not a statement that it is lawful" in result["answer"]
        consulted = {i["rule_id"] for i in result["instruments"]}
        in_force = {
            r.id for r in rules if r.jurisdiction == code and r.in_force(r.in_force_from) and r.in_force_to is None
        }
        assert in_force <= consulted, f"{code}: instruments in force but not named as consulted"
        for instrument in result["instruments"]:
            assert CONSOLIDATION.match(instrument["consolidation"]), instrument
            assert (instrument["consolidated_to"] is None) == (
                instrument["consolidation"] == "consolidation date not recorded"
            )
            assert instrument["act"]
        assert result["caveats"], f"{code}: no caveats: say what a structure cannot decide"
        assert result["name"] and result["name"] != code


def test_caveats_name_what_structure_cannot_decide(client, authority):
    results = _classify(client, authority, CAFFEINE, ["US", "GB", "DE", "DK"])
    text = {
        code: " ".join(f"{c['title']} {c['text']} {c.get('citation') or ''}" for c in r["caveats"])
        for code, r in results.items()
    }
    assert "21 U.S.C. 813" in text["US"] and "Analogue" in text["US"]
    assert "Psychoactive Substances Act 2016" in text["GB"]
    assert "Zubereitungen" in text["DE"] and "§ 1 Abs. 2" in text["DE"]
    assert "lægemiddel" in text["DK"].lower() or "Lægemiddelloven" in text["DK"]


def test_every_jurisdiction_of_the_rulebook_has_a_name_and_caveats():
    jurisdictions = load_jurisdictions()
    for code in load_rulebook().jurisdictions:
        assert code in jurisdictions, f"chemistry/rules/jurisdictions.toml has no entry for {code}"
        assert jurisdictions[code].caveats


def test_a_medicine_inside_an_npsg_group_is_not_controlled_and_its_group_match_is_set_aside(client, authority):
    de = _classify(client, authority, MIDODRINE, ["DE"])["DE"]
    assert de["status"] == "not_controlled"
    assert not [m for m in de["matches"] if m["rule_id"].startswith("de-npsg")]
    (aside,) = de["set_aside"]
    assert aside["match"]["rule_id"] == "de-npsg-phenethylamines-2025"
    assert aside["match"]["explanation"]["parts"]  # what the group would have captured, still explained
    assert aside["set_aside_by"] == ["de-amg-medicines"]
    assert "§ 1 Abs. 2" in aside["reason"] and "NpSG" in aside["reason"]
    assert "de-amg-medicines lists it" in aside["note"] and "midodrine" in aside["note"]
    (notice,) = de["notices"]
    assert notice["rule_id"] == "de-amg-medicines" and notice["substance"] == "midodrine"
    assert de["answer"].startswith("Not controlled") and "Set aside:" in de["answer"]
    register = next(i for i in de["instruments"] if i["rule_id"] == "de-amg-medicines")
    assert register["controls"] is False


def test_mdpv_is_controlled_by_name_under_the_btmg_with_the_npsg_set_aside(client, authority):
    de = _classify(client, authority, MDPV, ["DE"])["DE"]
    assert de["status"] == "controlled_by_name"
    assert de["answer"].startswith("Controlled by name: listed in")
    (btmg,) = [m for m in de["matches"] if m["rule_id"].startswith("de-btmg")]
    (aside,) = [s for s in de["set_aside"] if s["match"]["rule_id"] == "de-npsg-phenethylamines-2025"]
    assert btmg["rule_id"] in aside["set_aside_by"]
    assert "NpSG" in aside["reason"] and btmg["rule_id"] in aside["note"]
    assert "Set aside:" in de["answer"]


def _undated_entry():
    """A named entry of a controlling rule with in_force_from = "not recorded", still in force."""
    for rule in load_rulebook():
        if rule.kind != "named" or not rule.controls or rule.yields_to or rule.in_force_to is not None:
            continue
        for substance in rule.substances:
            if substance.in_force_from == NOT_RECORDED and substance.smiles and substance.in_force_to is None:
                return rule, substance
    pytest.skip("no shipped named entry has in_force_from = 'not recorded'")


def test_an_entry_whose_date_was_not_recorded_says_so_and_shows_no_date(client, authority):
    rule, substance = _undated_entry()
    result = _classify(client, authority, substance.smiles, [rule.jurisdiction])[rule.jurisdiction]
    (match,) = [m for m in result["matches"] if m["rule_id"] == rule.id]
    assert match["in_force_from"] is None  # never the instrument's date passed off as the entry's
    assert match["date_recorded"] is False
    assert match["date_note"].startswith("date not recorded")
    assert "date not recorded" in result["answer"]


def test_a_dated_entry_shows_its_date(client, authority):
    results = _classify(client, authority, "CC(N)Cc1ccccc1", ["UN"])  # amfetamine, 1971 Schedule II
    dated = [m for m in results["UN"]["matches"] if m["date_recorded"]]
    for match in dated:
        assert match["in_force_from"] is not None and match["date_note"] is None


def test_the_openapi_schema_describes_the_honest_answer(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    fields = set(schema["JurisdictionRead"]["properties"])
    assert {"answer", "set_aside", "notices", "instruments", "caveats", "name"} <= fields
    assert {"match", "set_aside_by", "reason", "note"} <= set(schema["SetAsideRead"]["properties"])
    assert {"date_recorded", "date_note"} <= set(schema["MatchRead"]["properties"])


HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"  # hexahydrocannabinol: NpSG Nr. 2.3 since 27 June 2024


def test_npsg_answer_states_the_wording_it_follows(client, authority):
    """The NpSG groups are encoded in each wording read: 2021, the Fünfte Verordnung (in force 27 June
    2024) and the Sechste Verordnung (Anlage 1 as consolidated with the Gesetz of 7 January 2026, text
    read as of 12 April 2026). An answer names how far the NpSG encoding reaches rather than
    'consolidation date not recorded'. HHC is inside group 2.3 since 27 June 2024 and was outside every
    group the day before; today it is a BtMG substance, so the group's match is set aside."""
    result = _classify(client, authority, HHC, ["DE"])["DE"]
    npsg = [i for i in result["instruments"] if i["rule_id"].startswith("de-npsg-")]
    assert npsg, "the NpSG groups are not named as consulted"
    for instrument in npsg:
        assert instrument["consolidation"] == "consolidated to 2026-04-12", instrument
    # the BtMG as last amended on 19 May 2026 lists HHC in Anlage II: the NpSG match is set aside
    assert result["status"] == "controlled_by_name"
    assert [m["rule_id"] for m in result["matches"]] == ["de-btmg-anlage-ii"]
    assert [a["match"]["rule_id"] for a in result["set_aside"]] == ["de-npsg-benzochromenols-2025"]

    def on(day: str) -> dict:
        return client.post(
            "/v1/classify", json={"structure": HHC, "jurisdictions": ["DE"], "as_of": day}, headers=authority.headers
        ).json()["results"][0]

    assert [m["rule_id"] for m in on("2024-06-27")["matches"]] == ["de-npsg-benzochromenols-2024"]
    assert on("2024-06-26")["status"] != "controlled_by_group"


FENFLURAMINE = "CCNC(C)Cc1cccc(C(F)(F)F)c1"


def test_an_entry_whose_removal_day_was_not_read_shows_no_end_date(client, authority):
    # 87 FR 78857 (published 23 December 2022) removed fenfluramine from Schedule IV; the day it took
    # effect was not read, only that it had by 17 April 2023 (us_csa.toml): the bound is not a date
    body = {"structure": FENFLURAMINE, "depict": False, "jurisdictions": ["US"], "as_of": "2023-01-15"}
    response = client.post("/v1/classify", json=body, headers=authority.headers)
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    (match,) = [m for m in result["matches"] if m["rule_id"] == "us-csa-schedule-iv"]
    assert match["in_force_to"] is None and match["end_recorded"] is False
    assert match["end_note"].startswith("end date not recorded") and "2023-04-16" in match["end_note"]
    assert "end date not recorded" in result["answer"]
    # an entry whose end was read keeps its date
    body["structure"], body["as_of"] = "CC(N)Cc1ccccc1", "2023-01-15"
    response = client.post("/v1/classify", json=body, headers=authority.headers)
    for m in response.json()["results"][0]["matches"]:
        assert m["end_recorded"] is True and m["end_note"] is None
