"""BtMG Anlagen I-III (chemistry/rules/de_btmg.toml): known answers from the legal text, and no lost rows.

Expected answers are read from the Anlagen as printed (chemistry/rules/sources/de_btmg/
btmg_anlagen.md), not from running the engine. The row counts come from the source text by a
second method (paragraph arithmetic in btmg_source.count_rows), so a row missing from the rule
file fails here.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tomllib
from datetime import date
from types import ModuleType

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

SOURCES = RULES_DIR / "sources" / "de_btmg"
RULE_FILE = RULES_DIR / "de_btmg.toml"
ANLAGE_IDS = {"I": "de-btmg-anlage-i", "II": "de-btmg-anlage-ii", "III": "de-btmg-anlage-iii"}
ON = date(2024, 6, 1)  # after Art. 3 CanG (1 April 2024), the last amendment the text includes


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"de_btmg_{name}", SOURCES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    sys.path.insert(0, str(SOURCES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SOURCES))
    return module


btmg_source = _module("btmg_source")
# rows read from other consolidated texts (added after the base text, or struck by Art. 3 CanG)
AMENDMENTS = tomllib.loads((SOURCES / "amendments.toml").read_text(encoding="utf-8"))


def _base_rows(rule: dict, anlage: str) -> list[dict]:
    """The entries of the printed rows of the base text (btmg_anlagen.md), in order."""
    return [e for e in rule["substances"] if e["source"].startswith(f"BtMG Anlage {anlage}, row as printed:")]


@pytest.fixture(scope="module")
def raw_rules() -> dict[str, dict]:
    with RULE_FILE.open("rb") as handle:
        return {rule["id"]: rule for rule in tomllib.load(handle)["rule"]}


@pytest.fixture(scope="module")
def de() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "de.toml", RULE_FILE]))


def _controlled(de: Classifier, smiles: str) -> set[str]:
    """The Anlagen listing this exact structure (a structure drawn without stereochemistry is also
    shown as possibly each stereo-specific entry, matched_on "unspecified_stereo": not counted here)."""
    result = de.classify(identify(smiles), jurisdictions=["DE"], as_of=ON).results["DE"]
    return {m.rule_id for m in result.matches if m.matched_on != "unspecified_stereo"}


# --- completeness --------------------------------------------------------------------------------


def test_every_printed_row_is_an_entry(raw_rules):
    counted = btmg_source.count_rows()
    assert counted == {"I": 172, "II": 203, "III": 85}  # as read on encoding; a new source text changes it
    for anlage, rule_id in ANLAGE_IDS.items():
        assert len(_base_rows(raw_rules[rule_id], anlage)) == counted[anlage], f"Anlage {anlage}"
        amended = sum(row["anlage"] == anlage for kind in ("added", "removed") for row in AMENDMENTS[kind])
        assert len(raw_rules[rule_id]["substances"]) == counted[anlage] + amended, f"Anlage {anlage}"


def test_entries_follow_the_printed_rows(raw_rules):
    parsed = btmg_source.parse_anlagen()
    for anlage, rule_id in ANLAGE_IDS.items():
        printed = [row.chemical for row in parsed[anlage].rows if not row.heading]
        encoded = [entry.get("systematic_name") for entry in _base_rows(raw_rules[rule_id], anlage)]
        assert encoded == printed, f"Anlage {anlage}"


def test_no_two_entries_of_one_anlage_share_a_lookup_key(raw_rules):
    for rule_id, rule in raw_rules.items():
        keys: dict[str, str] = {}
        for entry in rule["substances"]:
            if "smiles" not in entry:
                continue
            key = identify(entry["smiles"]).inchikey
            if entry.get("stereoisomers_included", rule.get("stereoisomers_included", True)):
                key = key[:14]
            assert key not in keys, f"{rule_id}: {entry['name']} and {keys[key]} share {key}"
            keys[key] = entry["name"]


def test_source_text_is_the_extract_recorded_in_the_readme():
    import hashlib

    digest = hashlib.sha256((SOURCES / "btmg_anlagen.md").read_bytes()).hexdigest()
    assert digest in (SOURCES / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("java") is None, reason="OPSIN (py2opsin) needs a Java runtime")
def test_rule_file_is_what_the_generator_builds(tmp_path, monkeypatch):
    """The committed TOML is reproducible from the source text, the curation file and OPSIN."""
    pytest.importorskip("py2opsin")
    generate = _module("generate")
    monkeypatch.chdir(tmp_path)  # py2opsin writes its temporary input file into the cwd
    anlagen, entries = generate.build_entries()
    generate.resolve_structures(entries)
    groups = generate.mark_stereo_groups(entries)
    generate.classify_structures(entries)
    assert generate.render(anlagen, entries, groups) == RULE_FILE.read_text(encoding="utf-8")


# --- known answers, read from the printed Anlagen --------------------------------------------------

KNOWN = [
    # (name, SMILES, Anlage as printed)
    ("MDPV (3,4-Methylendioxypyrovaleron)", "CCCC(N1CCCC1)C(=O)c1ccc2OCOc2c1", "II"),
    ("diazepam", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "III"),
    ("fentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "III"),
    ("cocaine (Cocain, 2β)", "COC(=O)[C@H]1[C@@H](OC(=O)c2ccccc2)C[C@@H]2CC[C@H]1N2C", "III"),
    ("morphine", "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5", "III"),
    ("codeine", "COc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](O)C=C[C@@H]35", "III"),
    ("methylphenidate (threo, racemic, drawn without stereo)", "COC(=O)C(c1ccccc1)C1CCCCN1", "III"),
    ("amphetamine (racemic)", "CC(N)Cc1ccccc1", "III"),
    ("dexamfetamine", "C[C@H](N)Cc1ccccc1", "III"),
    ("levamfetamine", "C[C@@H](N)Cc1ccccc1", "II"),
    ("methamphetamine (S)", "CN[C@@H](C)Cc1ccccc1", "II"),
    ("MDMA", "CNC(C)Cc1ccc2OCOc2c1", "I"),
    ("LSD", "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4[nH]cc(c34)C[C@H]2N(C)C1", "I"),
    ("psilocybin", "CN(C)CCc1c[nH]c2cccc(OP(=O)(O)O)c12", "I"),
    ("mephedrone (4-Methylmethcathinon)", "CNC(C)C(=O)c1ccc(C)cc1", "I"),
    ("JWH-018", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", "II"),
    (
        "delta-9-THC (printed without stereo; dronabinol is the (6aR,10aR) form)",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21",
        "II",
    ),
    ("GHB", "OCCCC(=O)O", "III"),
    ("isotonitazene", "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21", "II"),
    ("clonazolam", "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2", "II"),
]


@pytest.mark.parametrize(("name", "smiles", "anlage"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_answers(de, name, smiles, anlage):
    assert _controlled(de, smiles) == {ANLAGE_IDS[anlage]}


def test_heroin_is_listed_in_all_three_anlagen_by_purpose(de):
    # Anlage I "Heroin ... ausgenommen Diamorphin zu den in den Anlagen II und III bezeichneten
    # Zwecken"; Anlage II Diamorphin for making medicinal preparations; Anlage III in substitution
    heroin = "CC(=O)O[C@H]1C=C[C@H]2[C@H]3Cc4ccc(OC(C)=O)c5O[C@@H]1[C@]2(CCN3C)c45"
    assert _controlled(de, heroin) == set(ANLAGE_IDS.values())


def test_ketamine_is_not_a_betaeubungsmittel(de):
    # not in any Anlage: an authorised medicine (AMG), inside NpSG Nr. 6, set aside by the register
    result = de.classify(identify("CNC1(c2ccccc2Cl)CCCCC1=O"), jurisdictions=["DE"], as_of=ON).results["DE"]
    assert not {m.rule_id for m in result.matches} & set(ANLAGE_IDS.values())


def test_dextromethorphan_is_not_taken_for_its_listed_enantiomer(de):
    # Anlage I lists Levomethorphan and Racemethorphan; dextromethorphan is not listed
    dextromethorphan = "COc1ccc2c(c1)[C@]13CCCC[C@H]1[C@H](C2)N(C)CC3"
    assert not _controlled(de, dextromethorphan) & set(ANLAGE_IDS.values())


def test_cocaine_is_not_taken_for_d_cocaine(de):
    d_cocaine_2alpha = "COC(=O)[C@@H]1[C@@H](OC(=O)c2ccccc2)C[C@@H]2CC[C@H]1N2C"
    assert _controlled(de, d_cocaine_2alpha) == {"de-btmg-anlage-ii"}


def test_cannabis_left_the_btmg_with_the_cangesetz(raw_rules):
    # Art. 3 CanG (in force 1 April 2024) struck Cannabis and Cannabisharz (Anlage I) and
    # Cannabis and Dronabinol (Anlage III): listed until 31 March 2024 only; the
    # tetrahydrocannabinols stay with a MedCanG proviso
    struck = {
        (rule_id, entry["name"]): entry.get("in_force_to")
        for rule_id, rule in raw_rules.items()
        for entry in rule["substances"]
        if entry["name"] in {"Cannabis", "Cannabisharz", "Dronabinol"}
    }
    assert struck == {
        ("de-btmg-anlage-i", "Cannabis"): date(2024, 3, 31),
        ("de-btmg-anlage-i", "Cannabisharz"): date(2024, 3, 31),
        ("de-btmg-anlage-iii", "Cannabis"): date(2024, 3, 31),
        ("de-btmg-anlage-iii", "Dronabinol"): date(2024, 3, 31),
    }
    thc = [e for e in raw_rules["de-btmg-anlage-ii"]["substances"] if e["name"] == "Δ9-Tetrahydrocannabinol"]
    assert "Medizinal-Cannabisgesetzes" in thc[0]["source"]


def test_mdpv_sets_the_npsg_match_aside(de):
    # § 1 Abs. 2 Nr. 1 NpSG: MDPV is inside NpSG Nr. 1 (cathinone) but a BtMG Anlage II substance
    result = de.classify(identify("CCCC(N1CCCC1)C(=O)c1ccc2OCOc2c1"), jurisdictions=["DE"], as_of=ON).results["DE"]
    assert result.status == "controlled_by_name"
    assert {m.rule_id for m in result.matches} == {"de-btmg-anlage-ii"}
    (aside,) = [s for s in result.set_aside if s.match.rule_id == "de-npsg-phenethylamines"]
    assert aside.by == ("de-btmg-anlage-ii",)


def test_plants_and_preparations_are_listed_without_structure(raw_rules):
    listed = {
        (rule_id, entry["name"]): entry["structure_from"]
        for rule_id, rule in raw_rules.items()
        for entry in rule["substances"]
        if entry["structure_from"] in ("plant", "preparation")
    }
    assert listed == {
        ("de-btmg-anlage-i", "Salvia divinorum"): "plant",
        # struck by Art. 3 CanG, listed until 31 March 2024 (test_cannabis_left_the_btmg_with_the_cangesetz)
        ("de-btmg-anlage-i", "Cannabis"): "plant",
        ("de-btmg-anlage-i", "Cannabisharz"): "preparation",
        ("de-btmg-anlage-iii", "Cannabis"): "plant",
        ("de-btmg-anlage-ii", "Erythroxylum coca"): "plant",
        ("de-btmg-anlage-ii", "Mohnstrohkonzentrat"): "preparation",
        ("de-btmg-anlage-ii", "Papaver bracteatum"): "plant",
        ("de-btmg-anlage-iii", "Opium"): "preparation",
        ("de-btmg-anlage-iii", "Papaver somniferum"): "plant",
    }


def test_no_entry_claims_a_date_it_cannot_show(raw_rules):
    # the only dates are those amendments.toml cites: the promulgation of BGBl. 2024 I Nr. 379
    # (4 December 2024), the day after Art. 3 CanG came into force (a lower bound for rows the
    # post-CanG text lacks), the day after a page of 15 April 2025 places HHC under the NpSG, "1998"
    # for Dronabinol, and the day before Art. 3 CanG applied
    cited_lower_bounds = {date(2024, 12, 4), date(2024, 4, 2), date(2025, 4, 16), date(1998, 1, 1)}
    for rule in raw_rules.values():
        assert rule["in_force_from"] == date(1982, 1, 1)  # BtMG 1981 in force
        for entry in rule["substances"]:
            assert entry["in_force_from"] == "not recorded", entry["name"]
            assert entry.get("not_before", date(1998, 1, 1)) in cited_lower_bounds, entry["name"]
            assert entry.get("in_force_to", date(2024, 3, 31)) == date(2024, 3, 31), entry["name"]


def test_a_structure_without_stereochemistry_may_be_a_listed_stereoisomer(de):
    # methylphenidate drawn without stereo: the threo racemate (Anlage III, as printed without
    # centres) exactly, and possibly the erythro (RS;SR) form of Anlage II
    result = de.classify(identify("COC(=O)C(c1ccccc1)C1CCCCN1"), jurisdictions=["DE"], as_of=ON).results["DE"]
    how = {(m.rule_id, m.matched_on) for m in result.matches}
    assert (ANLAGE_IDS["III"], "inchikey") in how or (ANLAGE_IDS["III"], "connectivity") in how
    assert (ANLAGE_IDS["II"], "unspecified_stereo") in how
    # cocaine drawn without stereo: Cocain (III) and d-Cocain (II) are both stereo-specific entries
    plain = de.classify(identify("COC(=O)C1C(OC(=O)c2ccccc2)CC2CCC1N2C"), jurisdictions=["DE"], as_of=ON).results["DE"]
    assert plain.status == "controlled_by_name"
    assert {m.rule_id for m in plain.matches} == {ANLAGE_IDS["II"], ANLAGE_IDS["III"]}
