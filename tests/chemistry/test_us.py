"""US Controlled Substances Act schedules (chemistry/rules/us_csa.toml) against the 21 CFR 1308 text.

Known answers are written from the CFR text (chemistry/rules/sources/us_21cfr1308_1*.txt), not from
running the engine. The counts compare the entries of each named rule with the paragraphs of the
transcribed text, counted here independently of the generator, so that a dropped row fails.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

SOURCES = RULES_DIR / "sources"
US_CSA = RULES_DIR / "us_csa.toml"
TODAY = date(2025, 1, 1)

SCHEDULE_RULES = {
    "I": "us-csa-schedule-i",
    "I-temporary": "us-csa-schedule-i-temporary",
    "II": "us-csa-schedule-ii",
    "III": "us-csa-schedule-iii",
    "IV": "us-csa-schedule-iv",
    "V": "us-csa-schedule-v",
}


@pytest.fixture(scope="module")
def us() -> Classifier:
    rules = [RULES_DIR / "us.toml", US_CSA]
    return Classifier(load_rulebook(rules))


def _us_answer(classifier: Classifier, smiles: str, on: date = TODAY):
    return classifier.classify(identify(smiles), jurisdictions=["US"], as_of=on).results["US"]


KNOWN = [
    ("ketamine", "CNC1(c2ccccc2Cl)CCCCC1=O", "us-csa-schedule-iii"),  # 1308.13(c)(7)
    ("fentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "us-csa-schedule-ii"),  # 1308.12(c)(9)
    ("heroin", "CC(=O)Oc1ccc2CC3N(C)CCC45C(Oc1c24)C(OC(C)=O)C=CC35", "us-csa-schedule-i"),  # 1308.11(c)(11)
    ("diazepam", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "us-csa-schedule-iv"),  # 1308.14(c)(18)
    ("cocaine", "COC(=O)C1C(OC(=O)c2ccccc2)CC2CCC1N2C", "us-csa-schedule-ii"),  # 1308.12(b)(4)
    ("carfentanil", "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1", "us-csa-schedule-ii"),  # 1308.12(c)(6)
    ("pregabalin", "CC(C)C[C@H](CN)CC(=O)O", "us-csa-schedule-v"),  # 1308.15(e)(4)
    (
        "testosterone",
        "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2O",
        "us-csa-schedule-iii",
    ),  # 1308.13(f)(84)
    ("mephedrone", "CNC(C)C(=O)c1ccc(C)cc1", "us-csa-schedule-i"),  # 1308.11(d)(36)
    ("MDMA", "CNC(C)Cc1ccc2OCOc2c1", "us-csa-schedule-i"),  # 1308.11(d)(11)
    ("amphetamine", "CC(N)Cc1ccccc1", "us-csa-schedule-ii"),  # 1308.12(d)(1)
    ("alprazolam", "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1)=NC2", "us-csa-schedule-iv"),  # 1308.14(c)(2)
    # 1308.11(h)(49) until the permanent order 88 FR 13692, effective 5 April 2023 (see the FR tests below)
    ("brorphine", "CC(c1ccc(Br)cc1)N1CCC(n2c(=O)[nH]c3ccccc32)CC1", "us-csa-schedule-i"),
    ("GHB", "OCCCC(=O)O", "us-csa-schedule-i"),  # 1308.11(e)(1)
    ("nandrolone", "CC12CCC3C(CCC4=CC(=O)CCC34)C1CCC2O", "us-csa-schedule-iii"),  # 1308.13(f)(64)
]


@pytest.mark.parametrize(("name", "smiles", "rule_id"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_answers_from_the_cfr_text(us, name, smiles, rule_id):
    result = _us_answer(us, smiles)
    assert rule_id in {m.rule_id for m in result.matches}, f"{name} should be controlled by {rule_id}"


def test_ketamine_hydrochloride_is_schedule_iii(us):
    result = _us_answer(us, "CNC1(c2ccccc2Cl)CCCCC1=O.Cl")
    assert [m.rule_id for m in result.matches] == ["us-csa-schedule-iii"]


def test_dextromethorphan_and_dextrorphan_are_not_schedule_ii(us):
    """1308.12(c): "dextrorphan ... excepted"; 21 U.S.C. 802(18) excludes dextromethorphan."""
    # (+)- and (-)-3-methoxy-17-methylmorphinan: (1S,9S,10S) and (1R,9R,10R) in the von Baeyer name
    # (dextromethorphan's standard InChIKey is MKXZASYAUGDDCJ-NJAFHUGGSA-N)
    dextromethorphan = "COC=1C=C2[C@@]34[C@@H]([C@H](CC2=CC1)N(CC4)C)CCCC3"
    levomethorphan = "COC=1C=C2[C@]34[C@H]([C@@H](CC2=CC1)N(CC4)C)CCCC3"
    assert "us-csa-schedule-ii" not in {m.rule_id for m in _us_answer(us, dextromethorphan).matches}
    assert "us-csa-schedule-ii" in {m.rule_id for m in _us_answer(us, levomethorphan).matches}


def test_cathine_is_the_plus_norpseudoephedrine_only(us):
    cathine = "C[C@H](N)[C@@H](O)c1ccccc1"  # (1S,2S)
    norephedrine = "C[C@H](N)[C@H](O)c1ccccc1"  # (1R,2S), phenylpropanolamine
    assert "us-csa-schedule-iv" in {m.rule_id for m in _us_answer(us, cathine).matches}
    assert "us-csa-schedule-iv" not in {m.rule_id for m in _us_answer(us, norephedrine).matches}


def test_an_individually_listed_fentanyl_sets_the_class_aside(us):
    result = _us_answer(us, "CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")  # acetyl fentanyl, 1308.11(b)(3)
    assert {m.rule_id for m in result.matches} == {"us-csa-schedule-i"}
    assert "us-csa-fentanyl-related-substances" in {s.match.rule_id for s in result.set_aside}


def test_a_fentanyl_listed_nowhere_is_caught_by_the_class(us):
    result = _us_answer(us, "CCCCC(=O)N(c1cccc(F)c1)C1CCN(CCc2ccccc2)CC1")
    assert {m.rule_id for m in result.matches} == {"us-csa-fentanyl-related-substances"}


def test_fentanyl_class_yields_to_every_named_schedule():
    rulebook = load_rulebook([RULES_DIR / "us.toml", US_CSA])
    group = rulebook.rule("us-csa-fentanyl-related-substances")
    assert set(group.yields_to) == set(SCHEDULE_RULES.values())


# --- counts: every paragraph of the transcribed text is an entry ------------------------------------

_ENTRY_LINE = re.compile(r"^\((?:\d+|[ivx]+|d)\)")


def _text_rows(file: str) -> dict[str, int]:
    """Entry lines per tier, counted from the raw text (independently of us_csa_parse.py)."""
    rows: Counter[str] = Counter()
    temporary = False
    for line in (SOURCES / file).read_text(encoding="utf-8").splitlines():
        if line.startswith("@ (h)"):
            temporary = True
        if _ENTRY_LINE.match(line):
            rows["temporary" if temporary else "main"] += 1
    return rows


def _amendment_rows() -> Counter[str]:
    rows: Counter[str] = Counter()
    for line in (SOURCES / "us_21cfr1308_amendments.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows[line.split("|")[0].strip()] += 1
    return rows


def _citations_per_rule() -> dict[str, int]:
    with US_CSA.open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    return {r["id"]: sum(s["source"].count("21 CFR 1308.") for s in r["substances"]) for r in rules}


def test_entries_per_schedule_equal_the_paragraphs_of_the_text():
    amendments = _amendment_rows()
    expected = {
        # (d)(31) Tetrahydrocannabinols names three isomers (delta-1, delta-6, delta-3,4 in monoterpene
        # numbering): three entries of one paragraph. (b)(2) acetylmethadol, (b)(7) alphacetylmethadol and (b)(13)
        # betacetylmethadol (one structure) are seven stereo-specific entries without LAAM, which (b)(7) excepts: they
        # cite (b)(2) seven times, (b)(7) once and (b)(13) twice, 10 citations for 3 paragraphs
        "I": _text_rows("us_21cfr1308_11.txt")["main"] + 2 + 7 + amendments["I"],
        # (h)(30), the fentanyl-related substances class, is the group rule in us.toml
        "I-temporary": _text_rows("us_21cfr1308_11.txt")["temporary"] - 1 + amendments["I-temporary"],
        # (b)(4) names coca leaves, cocaine and ecgonine: three entries of one paragraph
        "II": _text_rows("us_21cfr1308_12.txt")["main"] + 2 + amendments["II"],
        # (c)(15) tiletamine and zolazepam: two entries of one paragraph
        "III": _text_rows("us_21cfr1308_13.txt")["main"] + 1 + amendments["III"],
        "IV": _text_rows("us_21cfr1308_14.txt")["main"] + amendments["IV"],
        "V": _text_rows("us_21cfr1308_15.txt")["main"] + amendments["V"],
    }
    cited = _citations_per_rule()
    assert {tier: cited[rule_id] for tier, rule_id in SCHEDULE_RULES.items()} == expected
    assert (
        expected["I"] - amendments["I"] == 236 + 7 and expected["IV"] - amendments["IV"] == 81
    )  # (b) 91 + (c) 23 + (d) 93 + (e) 3 + (f) 9 + (g) 15, + 2 THC isomers, + 7 acetylmethadol citations


def test_one_structure_per_entry_within_a_rule():
    """FORMAT.md: two entries of one rule with the same lookup key are an error."""
    rulebook = load_rulebook([US_CSA])
    for rule in rulebook:
        keys = []
        for s in rule.substances:
            if s.smiles is None:
                continue
            key = identify(s.smiles).inchikey
            stereo = rule.stereoisomers_included if s.stereoisomers_included is None else s.stereoisomers_included
            keys.append(key.split("-")[0] if stereo else key)
        repeated = [k for k, n in Counter(keys).items() if n > 1]
        assert not repeated, f"{rule.id}: entries share a lookup key {repeated}"


def test_dates_are_researched_or_not_recorded():
    with US_CSA.open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    for rule in rules:
        for s in rule["substances"]:
            start = s["in_force_from"]
            assert start == "not recorded" or (isinstance(start, date) and s.get("added_by")), s["name"]


def test_opsin_structures_are_opsins_parse_of_the_printed_name():
    from py2opsin import py2opsin

    with US_CSA.open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    entries = [s for r in rules for s in r["substances"] if s["structure_from"] == "opsin"]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as private:  # py2opsin writes its input file into the cwd
        os.chdir(private)
        try:
            parsed = py2opsin([s["systematic_name"] for s in entries])
        finally:
            os.chdir(here)
    for s, smiles in zip(entries, parsed):
        assert smiles, f"OPSIN cannot read {s['systematic_name']!r}"
        assert identify(smiles).inchikey == identify(s["smiles"]).inchikey, s["name"]


def test_generator_sources_are_committed_beside_it():
    for name in (
        "make_us_csa.py",
        "us_csa_parse.py",
        "us_csa_structures.tsv",
        "us_21cfr1308_amendments.txt",
        *(f"us_21cfr1308_1{n}.txt" for n in range(1, 6)),
    ):
        assert (SOURCES / name).is_file(), name
    assert Path(US_CSA).read_text(encoding="utf-8").startswith("# United States: Controlled Substances Act")


# --- Federal Register actions after the eCFR version (us_21cfr1308_amendments.txt) ------------------
# Expected schedules and dates are written from the Federal Register texts named in each comment.

FR_KNOWN = [
    # 88 FR 48112: temporary order, effective 26 July 2023 (etizolam, flualprazolam, clonazolam, ...)
    ("etizolam", "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl", "us-csa-schedule-i-temporary"),
    ("clonazolam", "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2", "us-csa-schedule-i-temporary"),
    ("diclazepam", "CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21", "us-csa-schedule-i-temporary"),
    # 88 FR 86040: temporary order, effective 12 December 2023
    ("MDMB-4en-PINACA", "COC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C", "us-csa-schedule-i-temporary"),
    ("CUMYL-PEGACLONE", "CCCCCn1c2ccccc2c2c(=O)n(C(C)(C)c3ccccc3)ccc21", "us-csa-schedule-i-temporary"),
    # 88 FR 86266: specific listing of ADB-BUTINACA, alpha-PiHP, 3-MMC in schedule I
    ("ADB-BUTINACA", "CCCCn1nc(C(=O)NC(C(N)=O)C(C)(C)C)c2ccccc21", "us-csa-schedule-i"),
    ("alpha-PiHP", "CC(C)CC(N1CCCC1)C(=O)c1ccccc1", "us-csa-schedule-i"),
    ("3-MMC", "CNC(C)C(=O)c1cccc(C)c1", "us-csa-schedule-i"),
    # 88 FR 21101: eutylone; 89 FR 84281: ethylphenidate (effective 21 November 2024)
    ("eutylone", "CCNC(CC)C(=O)c1ccc2OCOc2c1", "us-csa-schedule-i"),
    ("ethylphenidate", "CCOC(=O)C(c1ccccc1)C1CCCCN1", "us-csa-schedule-i"),
    # 89 FR 25514: etodesnitazene, N-pyrrolidino etonitazene, protonitazene permanent from 11 April 2024
    ("protonitazene", "CCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1", "us-csa-schedule-i"),
]


@pytest.mark.parametrize(("name", "smiles", "rule_id"), FR_KNOWN, ids=[k[0] for k in FR_KNOWN])
def test_known_answers_from_the_federal_register(us, name, smiles, rule_id):
    result = _us_answer(us, smiles)
    assert rule_id in {m.rule_id for m in result.matches}, f"{name} should be controlled by {rule_id} on {TODAY}"


ETIZOLAM = "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl"
PROTONITAZENE = "CCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1"
BUTONITAZENE = "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1"


def _rules_on(classifier: Classifier, smiles: str, on: date) -> set[str]:
    return {m.rule_id for m in _us_answer(classifier, smiles, on).matches}


def test_etizolam_is_schedule_i_from_the_day_the_temporary_order_took_effect(us):
    """88 FR 48112: "This temporary scheduling order is effective July 26, 2023"."""
    assert "us-csa-schedule-i-temporary" not in _rules_on(us, ETIZOLAM, date(2023, 7, 25))
    assert "us-csa-schedule-i-temporary" in _rules_on(us, ETIZOLAM, date(2023, 7, 26))


def test_protonitazene_moves_from_the_temporary_listing_to_schedule_i(us):
    """87 FR 21556: temporary order effective 12 April 2022; 89 FR 25514: permanent, effective 11 April 2024,
    removing the (h) paragraph."""
    assert not {"us-csa-schedule-i", "us-csa-schedule-i-temporary"} & _rules_on(us, PROTONITAZENE, date(2022, 4, 11))
    on_the_day = _rules_on(us, PROTONITAZENE, date(2022, 4, 12))
    assert "us-csa-schedule-i-temporary" in on_the_day and "us-csa-schedule-i" not in on_the_day
    before = _rules_on(us, PROTONITAZENE, date(2024, 4, 10))
    assert "us-csa-schedule-i-temporary" in before and "us-csa-schedule-i" not in before
    after = _rules_on(us, PROTONITAZENE, date(2024, 4, 11))
    assert "us-csa-schedule-i" in after and "us-csa-schedule-i-temporary" not in after


def test_butonitazene_is_permanent_from_25_october_2024(us):
    """89 FR 25517 extends the temporary order until a final rule takes effect; 89 FR 85047 is effective
    25 October 2024."""
    before = _rules_on(us, BUTONITAZENE, date(2024, 10, 24))
    assert "us-csa-schedule-i-temporary" in before and "us-csa-schedule-i" not in before
    after = _rules_on(us, BUTONITAZENE, date(2024, 10, 25))
    assert "us-csa-schedule-i" in after and "us-csa-schedule-i-temporary" not in after


def test_brorphine_temporary_in_2022_and_schedule_i_from_5_april_2023(us):
    """86 FR 11866 (eCFR note): (h)(49) effective 1 March 2021; 88 FR 13692: permanent, "Effective April 5, 2023"."""
    brorphine = "CC(c1ccc(Br)cc1)N1CCC(n2c(=O)[nH]c3ccccc32)CC1"
    in_2022 = _rules_on(us, brorphine, date(2022, 6, 1))
    assert "us-csa-schedule-i-temporary" in in_2022 and "us-csa-schedule-i" not in in_2022
    permanent = _rules_on(us, brorphine, date(2023, 4, 5))
    assert "us-csa-schedule-i" in permanent and "us-csa-schedule-i-temporary" not in permanent


def test_eutylone_counts_from_the_date_of_control_the_specific_listing_states(us):
    """88 FR 21101: eutylone "has been controlled in the United States since March 7, 2014, as a positional
    isomer of pentylone"."""
    eutylone = "CCNC(CC)C(=O)c1ccc2OCOc2c1"
    assert "us-csa-schedule-i" not in _rules_on(us, eutylone, date(2014, 3, 6))
    assert "us-csa-schedule-i" in _rules_on(us, eutylone, date(2014, 3, 7))


def test_4_cmc_is_schedule_i_from_17_december_2025(us):
    """90 FR 51102: "Effective date: December 17, 2025"."""
    cmc = "CNC(C)C(=O)c1ccc(Cl)cc1"
    assert "us-csa-schedule-i" not in _rules_on(us, cmc, date(2025, 12, 16))
    assert "us-csa-schedule-i" in _rules_on(us, cmc, date(2025, 12, 17))


def test_the_october_2025_nitazene_order_applies_from_15_october_2025(us):
    """FR Doc. 2025-19542: "This temporary order is effective October 15, 2025" (N-pyrrolidino isotonitazene is one
    of the seven benzimidazole-opioids named in its title)."""
    pyrrolidino_isotonitazene = "CC(C)Oc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"
    assert "us-csa-schedule-i-temporary" not in _rules_on(us, pyrrolidino_isotonitazene, date(2025, 10, 14))
    assert "us-csa-schedule-i-temporary" in _rules_on(us, pyrrolidino_isotonitazene, date(2025, 10, 15))


def test_ganaxolone_is_schedule_v_from_1_june_2022(us):
    """87 FR 32996: "This rule is effective June 1, 2022" (ganaxolone and its salts in schedule V)."""
    ganaxolone = "CC(=O)[C@H]1CC[C@H]2[C@@H]3CC[C@H]4C[C@](C)(O)CC[C@]4(C)[C@H]3CC[C@]12C"
    assert "us-csa-schedule-v" not in _rules_on(us, ganaxolone, date(2022, 5, 31))
    assert "us-csa-schedule-v" in _rules_on(us, ganaxolone, date(2022, 6, 1))


def _amendment_fields() -> list[list[str]]:
    rows = []
    for line in (SOURCES / "us_21cfr1308_amendments.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([p.strip() for p in line.split("|")])
    return rows


def test_an_ended_temporary_listing_hands_over_to_its_permanent_entry_without_gap_or_overlap():
    """A temporary entry given an end date was ended by a permanent placement listed in the same file: that
    entry starts the next day (the FR effective date)."""
    rows = _amendment_fields()
    permanent = {r[2]: r[5] for r in rows if r[0] == "I"}
    ended = [r for r in rows if r[0] == "I-temporary" and len(r) == 9 and r[8] != "-"]
    assert len(ended) >= 10
    for r in ended:
        assert r[2] in permanent, f"{r[2]}: ended, but no permanent entry"
        assert date.fromisoformat(permanent[r[2]]) == date.fromisoformat(r[8]) + timedelta(days=1), r[2]


def test_amendment_dates_are_dates_or_not_recorded():
    for r in _amendment_fields():
        assert len(r) in (8, 9), r
        bound = r[5].removeprefix("not recorded; not before ")
        assert r[5] == "not recorded" or date.fromisoformat(bound), r
        assert r[6] and r[7].startswith("read:") or "former us_named_nps.toml" in r[7], r
