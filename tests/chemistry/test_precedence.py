"""Precedence between German instruments, as § 1 Abs. 2 NpSG states it:

    (2) Dieses Gesetz ist nicht anzuwenden auf
    1. Betäubungsmittel im Sinne des § 1 Absatz 1 des Betäubungsmittelgesetzes und
    2. Arzneimittel im Sinne des § 2 Absatz 1, 2, 3a und 4 Satz 1 des Arzneimittelgesetzes.

A BtMG substance is controlled by name under the BtMG and its NpSG group match is *set aside*
with the reason; a medicine's NpSG match is set aside too, and it is then not controlled. Nothing
is silently dropped, and the medicine register never takes a BtMG control away.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import CHEMISTRY_DIR, load_rulebook

MEDICINES_CSV = CHEMISTRY_DIR / "data" / "approved_medicines.csv"
HELD_OUT_CSV = CHEMISTRY_DIR / "data" / "reference_medicines.csv"
# "§ 1 Abs. 2 NpSG", or with the number: "§ 1 Abs. 2 Nr. 1 NpSG"
NPSG_REASON = re.compile(r"§ 1 Abs\. 2 (Nr\. \d )?NpSG")
REGISTER = "de-amg-medicines"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _de(classifier: Classifier, smiles: str):
    return classifier.classify(identify(smiles), jurisdictions=["DE"]).results["DE"]


def _is_btmg(rule_id: str) -> bool:
    return rule_id.startswith("de-btmg")


def _npsg(rule_ids) -> list[str]:
    return [r for r in rule_ids if r.startswith("de-npsg")]


def _btmg_lists(classifier: Classifier, smiles: str) -> bool:
    return any(_is_btmg(m.rule_id) for m in _de(classifier, smiles).matches)


def test_only_the_npsg_yields_to_a_register_that_controls_nothing(classifier):
    registers = {r.id for r in classifier.rulebook.rules if not r.controls}
    assert REGISTER in registers
    yielding = {r.id for r in classifier.rulebook.rules if registers & set(r.yields_to)}
    assert yielding and all(rule_id.startswith("de-npsg-") for rule_id in yielding), yielding
    for rule in classifier.rulebook.rules:
        if rule.id.startswith("de-npsg-"):
            assert REGISTER in rule.yields_to and any(_is_btmg(t) for t in rule.yields_to)
            assert NPSG_REASON.search(rule.yields_reason or "")


MDPV = "CCCC(C(=O)c1ccc2c(c1)OCO2)N1CCCC1"


def test_mdpv_is_controlled_by_name_under_the_btmg_and_its_npsg_match_is_set_aside(classifier):
    result = _de(classifier, MDPV)
    assert result.status == "controlled_by_name"
    (btmg,) = [m for m in result.matches if _is_btmg(m.rule_id)]
    assert btmg.kind == "named" and btmg.substance
    assert not _npsg(m.rule_id for m in result.matches), "the NpSG does not apply to a BtMG substance"
    (aside,) = [s for s in result.set_aside if s.match.rule_id == "de-npsg-phenethylamines-2025"]
    assert btmg.rule_id in aside.by
    assert NPSG_REASON.search(aside.reason)
    assert aside.match.explanation is not None  # what the group would have captured stays explained


HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
CARISOPRODOL = "CCCC(C)(COC(N)=O)COC(=O)NC(C)C"


def test_hhc_in_btmg_anlage_ii_sets_its_npsg_group_match_aside(classifier):
    # the BtMG text last amended 19 May 2026 lists Hexahydrocannabinol in Anlage II
    # (sources/de_btmg/amendments.toml); § 1 Abs. 2 Nr. 1 NpSG then keeps the NpSG out
    result = classifier.classify(identify(HHC), jurisdictions=["DE"], as_of=date(2026, 12, 1)).results["DE"]
    assert result.status == "controlled_by_name"
    assert {m.rule_id for m in result.matches} == {"de-btmg-anlage-ii"}
    aside = [s for s in result.set_aside if _npsg([s.match.rule_id])]
    assert aside, "HHC is inside the NpSG cannabinoid group; the match must be shown, set aside"
    assert all("de-btmg-anlage-ii" in s.by and NPSG_REASON.search(s.reason) for s in aside)


def test_an_authorised_medicine_added_to_anlage_iii_is_controlled_by_name(classifier):
    # carisoprodol: in the medicines register, and in BtMG Anlage III of the 2026 text; the
    # register never takes a BtMG control away
    result = classifier.classify(identify(CARISOPRODOL), jurisdictions=["DE"], as_of=date(2026, 12, 1)).results["DE"]
    assert result.status == "controlled_by_name"
    assert {m.rule_id for m in result.matches} == {"de-btmg-anlage-iii"}


@pytest.mark.parametrize(
    ("name", "smiles", "group"),
    [
        ("midodrine", "COc1ccc(OC)c(C(O)CNC(=O)CN)c1", "de-npsg-phenethylamines-2025"),  # from substances_file
        ("selegiline", "C#CCN(C)[C@H](C)Cc1ccccc1", "de-npsg-phenethylamines-2025"),  # from substances_file
        ("verapamil", "COc1ccc(CCN(C)CCCC(C#N)(C(C)C)c2ccc(OC)c(OC)c2)cc1OC", "de-npsg-phenethylamines-2025"),
        ("agomelatine", "COc1ccc2cccc(CCNC(C)=O)c2c1", "de-npsg-phenethylamines-2025"),  # written in de.toml
        ("ketamine", "CNC1(c2ccccc2Cl)CCCCC1=O", "de-npsg-arylcyclohexylamines-2025"),
    ],
)
def test_a_medicine_inside_an_npsg_group_is_set_aside_with_the_reason_and_not_controlled(
    classifier, name, smiles, group
):
    result = _de(classifier, smiles)
    assert result.status == "not_controlled", f"{name}: {[m.rule_id for m in result.matches]}"
    assert not _npsg(m.rule_id for m in result.matches)
    aside = {s.match.rule_id: s for s in result.set_aside}
    assert group in aside, f"{name} is inside {group}: the match must be shown as set aside, not dropped"
    assert aside[group].by == (REGISTER,)
    assert NPSG_REASON.search(aside[group].reason)
    (notice,) = result.notices
    assert notice.rule_id == REGISTER and notice.substance


@pytest.mark.parametrize(
    ("name", "smiles"),
    [("fentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"), ("diazepam", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21")],
)
def test_a_medicine_that_is_a_btmg_substance_stays_controlled_by_name(classifier, name, smiles):
    result = _de(classifier, smiles)
    assert result.status == "controlled_by_name"
    assert any(_is_btmg(m.rule_id) and m.kind == "named" for m in result.matches)
    assert REGISTER in {n.rule_id for n in result.notices}  # a medicine, and still controlled
    for aside in result.set_aside:
        assert aside.match.rule_id.startswith("de-npsg-")
        assert REGISTER in aside.by and any(_is_btmg(b) for b in aside.by)


def _medicine_rows() -> list[dict]:
    with MEDICINES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_register_reads_its_substances_file(classifier):
    rule = classifier.rulebook.rule(REGISTER)
    assert rule.substances_file == "data/approved_medicines.csv"
    assert not rule.controls and rule.consolidated_to is not None
    assert len(rule.file_substances()) == len(_medicine_rows()) >= 1500
    assert rule.entry_count == len(rule.substances) + len(rule.file_substances())


def test_no_approved_medicine_is_controlled_by_the_npsg_and_every_key_is_its_parents(classifier):
    """The shipped list itself, in one pass: each row's precomputed key is what identify() gives
    (the loader trusts it), and under DE no NpSG group is among the matches: at most set aside."""
    wrong_key, captured, set_aside = [], [], 0
    for row in _medicine_rows():
        identity = identify(row["smiles"])
        if identity.inchikey != row["parent_inchikey"]:
            wrong_key.append((row["name"], row["parent_inchikey"], identity.inchikey))
        result = classifier.classify(identity, jurisdictions=["DE"]).results["DE"]
        if _npsg(m.rule_id for m in result.matches):
            captured.append(row["name"])
        set_aside += bool(_npsg(s.match.rule_id for s in result.set_aside))
        assert REGISTER in {n.rule_id for n in result.notices}, f"{row['name']} is not found in its own register"
    assert not wrong_key, f"regenerate approved_medicines.csv (README): {wrong_key[:5]}"
    assert not captured, f"approved medicines controlled by the NpSG: {captured}"
    assert set_aside >= 30  # the group matches are still shown (fentanyl, amfetamine, benzodiazepines, ...)


_ATC = re.compile(r"^[A-Z]\d\d[A-Z]{0,2}")


def _held_out() -> list[tuple[str, str]]:
    """Medicines of reference_medicines.csv (written by hand from the ATC index, not from ChEMBL):
    rows with a human ATC code, neither withdrawn nor veterinary."""
    params: list[tuple[str, str]] = []
    with HELD_OUT_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            source = row["source"]
            if not _ATC.match(source) or "withdrawn" in source or "veterinary" in source:
                continue
            params.append((row["name"], row["smiles"]))
    return params


HELD_OUT = _held_out()


def test_the_held_out_sample_is_large_enough():
    assert len(HELD_OUT) >= 150


def test_no_held_out_medicine_is_controlled_by_the_npsg(classifier):
    """A sample the register was not built from: a medicine missing from the register that falls
    inside an NpSG group shows up here (add it to de-amg-medicines with its authorisation)."""
    captured = []
    for name, smiles in HELD_OUT:
        result = _de(classifier, smiles)
        groups = _npsg(m.rule_id for m in result.matches)
        if groups:
            captured.append((name, groups))
    assert not captured, f"medicines controlled by the NpSG: {captured}"


def test_a_register_file_row_with_a_bad_key_fails_the_load(tmp_path: Path):
    data = tmp_path / "chem"
    (data / "data").mkdir(parents=True)
    bad = data / "data" / "bad.csv"
    bad.write_text("name,smiles,parent_inchikey,source_id\nx,CCO,not-a-key,1\n", encoding="utf-8")
    from chemistry import rulebook

    original = rulebook.CHEMISTRY_DIR
    rulebook.CHEMISTRY_DIR = data
    try:
        rule_file = tmp_path / "r.toml"
        rule_file.write_text(
            '[[rule]]\nid = "xx-register"\nkind = "named"\ncontrols = false\ntitle = "t"\njurisdiction = "XX"\n'
            'list = "l"\nin_force_from = 2020-01-01\nsubstances_file = "data/bad.csv"\n'
            '[rule.citation]\nact = "a"\npart = "p"\nreference = "r"\n',
            encoding="utf-8",
        )
        with pytest.raises(rulebook.RulebookError) as error:
            rulebook.load_rulebook([rule_file])
        assert "not-a-key" in str(error.value) and "line 2" in str(error.value)
    finally:
        rulebook.CHEMISTRY_DIR = original


def test_a_substances_file_must_stay_inside_chemistry():
    from chemistry.rulebook import Rule

    base = {
        "id": "xx-r",
        "kind": "named",
        "title": "t",
        "jurisdiction": "XX",
        "list": "l",
        "in_force_from": "2020-01-01",
        "citation": {"act": "a", "part": "p", "reference": "r"},
    }
    for path in ("../secrets.csv", "/etc/passwd.csv", "data/missing.csv", "data/README.md"):
        with pytest.raises(ValueError):
            Rule.model_validate({**base, "substances_file": path})
