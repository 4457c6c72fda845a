"""BtMG Anlagen I-III before and after Art. 3 CanG (1 April 2024) and as consolidated in 2026.

Expected answers come from the legal texts read for chemistry/rules/sources/de_btmg/amendments.toml,
not from running the engine:

- the Anlagen as consolidated "zuletzt geändert durch Art. 1 V v. 19.5.2026 I Nr. 150" (public
  repository habibhaidari1/gesetze, b/btmg_1981/index.md, commit 48332e5c): 172 rows in Anlage I,
  221 in Anlage II, 87 in Anlage III; Δ9-Tetrahydrocannabinol (printed without configuration) and
  Hexahydrocannabinol in Anlage II, the six tetrahydrocannabinol isomers (Δ8 among them) in Anlage I,
  no Cannabis, Cannabisharz or Dronabinol;
- the Anlagen as printed in 2018 (bundestag/gesetze, commit d2c90e48): Cannabis and Cannabisharz in
  Anlage I, Cannabis and Dronabinol ((6aR,10aR)-Δ9-THC) in Anlage III, Δ9-Tetrahydrocannabinol in
  Anlage II, Δ8-THC in Anlage I;
- Art. 3 CanG, BGBl. 2024 I Nr. 109, in force 1 April 2024 (buzer.de), struck Cannabis and
  Dronabinol; the Verordnung vom 29. November 2024 (BGBl. 2024 I Nr. 379), promulgated
  4 December 2024 (gmp-navigator.com), put bromazolam, butonitazene, dipentylone and 2-FDCK into
  Anlage II. In-force days of the other 2026 rows were not found: the rule file gives them only a
  lower bound (not_before) and the answer says "date not recorded".

Structures are written here from the substances' names, independently of the rule file.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

ANL_I, II, III = "de-btmg-anlage-i", "de-btmg-anlage-ii", "de-btmg-anlage-iii"
BEFORE_CANG = date(2024, 3, 31)
CANG = date(2024, 4, 1)  # Art. 3 CanG in force
NOW = date(2026, 12, 1)  # after the consolidated text of 2026

DRONABINOL = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21"  # (6aR,10aR)-Δ9-THC
DELTA9_THC_NO_STEREO = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21"
DELTA8_THC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CC=C(C)C[C@@H]21"
CANNABIDIOL = "CCCCCc1cc(O)c([C@@H]2C=C(C)CC[C@H]2C(C)=C)c(O)c1"
HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
BROMAZOLAM = "Cc1nnc2CN=C(c3ccccc3)c3cc(Br)ccc3-n12"


@pytest.fixture(scope="module")
def de() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "de.toml", RULES_DIR / "de_btmg.toml"]))


@pytest.fixture(scope="module")
def rules() -> dict:
    return {rule.id: rule for rule in load_rulebook([RULES_DIR / "de.toml", RULES_DIR / "de_btmg.toml"]).rules}


def _btmg(de: Classifier, smiles: str, on: date) -> dict[str, str]:
    """BtMG Anlage -> how the structure matched, on that day."""
    result = de.classify(identify(smiles), jurisdictions=["DE"], as_of=on).results["DE"]
    return {m.rule_id: m.matched_on for m in result.matches if m.rule_id.startswith("de-btmg")}


def _in_force(entry, on: date) -> bool:
    start = entry.not_before or date.min
    return start <= on and (entry.in_force_to is None or on <= entry.in_force_to)


# --- the Anlagen as consolidated in 2026 ---------------------------------------------------------


def test_rows_in_force_after_the_2026_text_match_its_count(rules):
    counted_in_the_2026_text = {ANL_I: 172, II: 221, III: 87}
    for rule_id, rows in counted_in_the_2026_text.items():
        assert sum(_in_force(e, NOW) for e in rules[rule_id].substances) == rows, rule_id


def test_struck_cannabis_rows_apply_until_31_march_2024_only(rules):
    for rule_id, name in ((ANL_I, "Cannabis"), (ANL_I, "Cannabisharz"), (III, "Cannabis"), (III, "Dronabinol")):
        (entry,) = [e for e in rules[rule_id].substances if e.name == name]
        assert _in_force(entry, BEFORE_CANG) and not _in_force(entry, CANG), (rule_id, name)


# --- THC, dronabinol and the Cannabisgesetz -----------------------------------------------------


def test_dronabinol_was_anlage_iii_until_the_cangesetz(de):
    # 2018 text: Dronabinol (the (6aR,10aR) isomer by INN) in Anlage III; Δ9-THC printed without
    # configuration in Anlage II covers it too
    assert _btmg(de, DRONABINOL, BEFORE_CANG) == {II: "connectivity", III: "inchikey"}


def test_dronabinol_is_anlage_ii_only_from_1_april_2024(de):
    # Art. 3 CanG struck Dronabinol from Anlage III; Δ9-THC stays in Anlage II (2026 text)
    assert _btmg(de, DRONABINOL, CANG) == {II: "connectivity"}
    assert _btmg(de, DRONABINOL, NOW) == {II: "connectivity"}


def test_delta9_thc_is_anlage_ii_before_and_after(de):
    before = _btmg(de, DELTA9_THC_NO_STEREO, BEFORE_CANG)
    assert before[II] in ("inchikey", "connectivity")
    # drawn without configuration it may be the dronabinol isomer: shown, not counted as exact
    assert before.get(III) == "unspecified_stereo"
    assert _btmg(de, DELTA9_THC_NO_STEREO, NOW).keys() == {II}


def test_delta8_thc_is_anlage_i_before_and_after(de):
    # "Tetrahydrocannabinole, folgende Isomeren und ihre stereochemischen Varianten: ... Δ8-THC"
    assert _btmg(de, DELTA8_THC, BEFORE_CANG).keys() == {ANL_I}
    assert _btmg(de, DELTA8_THC, NOW).keys() == {ANL_I}


def test_cannabidiol_is_in_no_anlage(de):
    assert _btmg(de, CANNABIDIOL, BEFORE_CANG) == {}
    assert _btmg(de, CANNABIDIOL, NOW) == {}


def test_hhc_is_anlage_ii_in_the_2026_text_and_absent_from_the_post_cang_text(de):
    assert _btmg(de, HHC, CANG) == {}
    # "HHC unterfällt ... nicht dem BtMG" (J. Patzak, beck-community, 13 June 2024); under the NpSG
    # from 27 June 2024 and still on 15 April 2025 (smokestars.de), so no BtM (§ 1 Abs. 2 NpSG)
    assert _btmg(de, HHC, date(2024, 6, 13)) == {}
    assert _btmg(de, HHC, date(2025, 4, 15)) == {}
    assert _btmg(de, HHC, NOW) == {II: "connectivity"}


# --- the rows added after 1 April 2024 -----------------------------------------------------------


def test_bromazolam_applies_from_the_promulgation_of_bgbl_2024_i_379(de):
    assert _btmg(de, BROMAZOLAM, date(2024, 12, 3)) == {}
    assert _btmg(de, BROMAZOLAM, date(2025, 1, 1)) == {II: "connectivity"}


def test_an_added_row_says_its_date_is_not_recorded(de):
    result = de.classify(identify(BROMAZOLAM), jurisdictions=["DE"], as_of=NOW).results["DE"]
    (match,) = [m for m in result.matches if m.rule_id == II]
    assert match.substance == "Bromazolam" and match.date_recorded is False


ADDED_2026 = [
    # (name, SMILES written from the name, Anlage of the 2026 text)
    ("butonitazene", "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1", II),
    ("dipentylone (N,N-dimethylpentylone)", "CCCC(N(C)C)C(=O)c1ccc2OCOc2c1", II),
    ("2-fluorodeschloroketamine", "CNC1(CCCCC1=O)c1ccccc1F", II),
    ("N-desethylisotonitazene", "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21", II),
    ("N-pyrrolidino protonitazene", "CCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1", II),
    ("2-methylmethcathinone (2-MMC)", "CNC(C)C(=O)c1ccccc1C", II),
    ("4-bromomethcathinone (4-BMC)", "CNC(C)C(=O)c1ccc(Br)cc1", II),
    ("MDMB-FUBINACA", "COC(=O)[C@@H](NC(=O)c1nn(Cc2ccc(F)cc2)c2ccccc12)C(C)(C)C", II),
    ("carisoprodol", "CCCC(C)(COC(N)=O)COC(=O)NC(C)C", III),
]


@pytest.mark.parametrize(("name", "smiles", "anlage"), ADDED_2026, ids=[a[0] for a in ADDED_2026])
def test_rows_of_the_2026_text(de, name, smiles, anlage):
    assert _btmg(de, smiles, NOW).keys() == {anlage}
    assert _btmg(de, smiles, BEFORE_CANG) == {}  # absent from the 2018 and the post-CanG texts
