"""Near misses read the same everywhere (issue 14): the `varsel classify` JSON, a family's legal gap
and a draft's impact preview carry each near miss's one-sentence summary and failing requirements
counted beside the full reason, and treat cores that are only a fragment of a different compound
(incidental) as POST /v1/classify does, or flag them where leaving them out would hide why."""

from __future__ import annotations

import html
import json
import re

from chemistry.identity import identify
from service.cli import main
from service.families.placement import place_pending
from tests.service.test_drafts_api import draft

# JWH-018 with an undecyl instead of a pentyl side chain: the NpSG's modular cannabimimetic
# definition (Anlage Nr. 2.1.4) allows a side chain of 3 to 7 atoms, so this misses it by one requirement.
UNDECYL_JWH018 = "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"
MODULAR = "de-npsg-cannabimimetics-modular-2025"
# 5F-APP-PINACA: its phenylalaninamide holds a phenethylamine, but acylated and carrying a
# carboxamide: a fragment of a synthetic cannabinoid, not a phenethylamine with one group too many.
APP_PINACA = "NC(=O)C(Cc1ccccc1)NC(=O)c1nn(CCCCCF)c2ccccc12"
DK_PHENETHYLAMINES = "dk-bek-phenethylamines"
# 2-aminoindane nitrated in the benzene ring: the draft allows alkyl, alkoxy, alkylenedioxy, halogen there.
NITRO_AMINOINDANE = "NC1Cc2ccc([N+](=O)[O-])cc2C1"
# the aminoindane core inside a bis-naphthoyl compound: N- and ring-acylated, the naphthoyls outweigh it
BIS_NAPHTHOYL_AMINOINDANE = "O=C(NC1Cc2ccc(C(=O)c3cccc4ccccc34)cc2C1)c1cccc2ccccc12"


def _cli_json(tmp_path, *extra: str) -> dict[str, dict]:
    source = tmp_path / "seized.smi"
    source.write_text(f"{UNDECYL_JWH018} undecyl-JWH-018\n{APP_PINACA} 5F-APP-PINACA\n")
    out = tmp_path / "out.json"
    argv = ["classify", "--shipped-only", str(source), "-o", str(out), "--jobs", "1", "-q"]
    assert main([*argv, "--jurisdictions", "DE,DK", "--as-of", "2026-12-01", *extra]) == 0
    return {row["name"]: row["results"] for row in json.loads(out.read_text())}


def _assert_undecyl_side_chain(near_misses: list[dict]) -> None:
    (miss,) = [n for n in near_misses if n["rule_id"] == MODULAR]
    assert miss["failures"] == 1 and miss["incidental"] is False
    summary = miss["summary"]
    assert "side chain" in summary and "11 atoms" in summary and "3–10" in summary
    assert len(summary) <= 240 and "\n" not in summary
    assert miss["reason"] and miss["reason"] != summary  # the technical detail stays available


def test_cli_json_near_misses_carry_the_summary_and_leave_incidental_cores_out(tmp_path):
    rows = _cli_json(tmp_path)
    undecyl = rows["undecyl-JWH-018"]["DE"]
    assert undecyl["status"] == "not_controlled"
    _assert_undecyl_side_chain(undecyl["near_misses"])
    assert undecyl["near_misses_left_out"] == 0

    app = rows["5F-APP-PINACA"]["DK"]
    assert DK_PHENETHYLAMINES not in {n["rule_id"] for n in app["near_misses"]}
    assert app["near_misses_left_out"] >= 1

    asked = _cli_json(tmp_path, "--incidental-near-misses")["5F-APP-PINACA"]["DK"]
    (phenethylamine,) = [n for n in asked["near_misses"] if n["rule_id"] == DK_PHENETHYLAMINES]
    assert phenethylamine["incidental"] is True and phenethylamine["failures"] >= 2
    assert "nitrogen" in phenethylamine["summary"] and "acyl" in phenethylamine["summary"]
    assert asked["near_misses_left_out"] == 0
    assert len(asked["near_misses"]) == len(app["near_misses"]) + app["near_misses_left_out"]


def _gap_member(detail: dict, jurisdiction: str, smiles: str) -> dict:
    inchikey = identify(smiles).inchikey
    (gap,) = [g for g in detail["gap"] if g["jurisdiction"] == jurisdiction]
    (member,) = [m for m in gap["uncontrolled"] if m["inchikey"] == inchikey]
    return member


def test_family_gap_near_misses_carry_the_summary_and_leave_incidental_cores_out(
    client, engine, settings, reporter, authority, report_body
):
    for name, smiles in (("undecyl-JWH-018", UNDECYL_JWH018), ("5F-APP-PINACA", APP_PINACA)):
        response = client.post(
            "/v1/reports", headers=reporter.headers, json=report_body(structure=smiles, substance_name=name)
        )
        assert response.status_code == 201, response.text
    assert place_pending(engine, settings=settings) == 2
    families = client.get("/v1/families", headers=authority.headers, params={"limit": 50}).json()["items"]

    def detail(**params) -> dict[str, dict]:
        found = {}
        for family in families:
            response = client.get(f"/v1/families/{family['id']}", headers=authority.headers, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            for smiles in (UNDECYL_JWH018, APP_PINACA):
                key = identify(smiles).inchikey
                if any(m["inchikey"] == key for m in body["members"]):
                    found[smiles] = body
        return found

    default = detail(as_of="2026-12-01")
    undecyl = _gap_member(default[UNDECYL_JWH018], "DE", UNDECYL_JWH018)
    _assert_undecyl_side_chain(undecyl["near_misses"])
    app = _gap_member(default[APP_PINACA], "DK", APP_PINACA)
    assert DK_PHENETHYLAMINES not in {n["rule_id"] for n in app["near_misses"]}
    assert app["near_misses_left_out"] >= 1

    asked = _gap_member(detail(as_of="2026-12-01", incidental_near_misses="true")[APP_PINACA], "DK", APP_PINACA)
    (phenethylamine,) = [n for n in asked["near_misses"] if n["rule_id"] == DK_PHENETHYLAMINES]
    assert phenethylamine["incidental"] is True and phenethylamine["failures"] >= 2
    assert asked["near_misses_left_out"] == 0


def test_draft_impact_names_its_near_miss_in_one_sentence_and_flags_an_incidental_core(client, regulator):
    body = draft()
    body["must_not_match"] = [
        *body["must_not_match"],
        {"name": "5-nitro-2-aminoindane", "smiles": NITRO_AMINOINDANE, "source": "test"},
        {"name": "bis-naphthoyl aminoindane", "smiles": BIS_NAPHTHOYL_AMINOINDANE, "source": "test"},
    ]
    created = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert created.status_code == 201, created.text
    impact = client.get(f"/v1/drafts/{created.json()['id']}/impact", headers=regulator.headers)
    assert impact.status_code == 200, impact.text
    checks = {c["name"]: c for c in impact.json()["own_examples"]}

    assert checks["indane"]["near_miss"] is None and checks["indane"]["near_miss_detail"] is None  # no amine
    nitro = checks["5-nitro-2-aminoindane"]
    assert nitro["as_expected"] and not nitro["captured"]
    detail = nitro["near_miss_detail"]
    assert detail["rule_id"] == body["id"] and detail["failures"] == 1 and detail["incidental"] is False
    assert nitro["near_miss"] == detail["summary"]
    assert "benzene ring" in nitro["near_miss"] and "nitro" in nitro["near_miss"]
    assert detail["reason"] != detail["summary"] and "nitro" in detail["reason"]

    # kept, flagged: the draft's own near miss is the one explanation its author gets
    bis = checks["bis-naphthoyl aminoindane"]
    assert bis["as_expected"] and bis["near_miss"]
    assert bis["near_miss_detail"]["incidental"] is True and bis["near_miss_detail"]["failures"] == 2

    # the impact page: the sentence, the full reason behind it, an incidental core said to be a fragment
    signin = client.get("/signin").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', signin)
    assert csrf is not None
    client.post("/signin", data={"api_key": regulator.key, "csrf_token": csrf[1]})
    page = client.get(f"/drafts/{created.json()['id']}/impact")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert nitro["near_miss"] in text and detail["reason"] in text
    assert text.count("<summary>Full reason</summary>") == 2
    assert text.count("only a fragment of this structure") == 1


def test_a_failing_example_is_refused_with_the_one_sentence_summary(client, regulator):
    body = draft()
    body["must_match"] = [
        *body["must_match"],
        {"name": "5-nitro-2-aminoindane", "smiles": NITRO_AMINOINDANE, "source": "test"},
    ]
    refused = client.post("/v1/drafts", json=body, headers=regulator.headers)
    assert refused.status_code == 422, refused.text
    (error,) = [e for e in refused.json()["errors"] if e["pointer"] == "#/must_match/2"]
    assert error["code"] == "example_fails"
    assert "nitro" in error["detail"] and "benzene ring" in error["detail"]
    # the summary, not the technical reason ("substituent at benzene ring: nitro ... is not an allowed ...")
    assert "substituent at" not in error["detail"]
