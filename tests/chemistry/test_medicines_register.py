"""The register of approved medicines (chemistry/data/approved_medicines.csv) against the NpSG.

Every row is classified for DE as of the day the suite runs (about 2,000 rows, a few seconds, so
no prescreen is needed): no approved medicine may be answered "controlled" by an NpSG group; its
group match may only be shown as set aside. The check is shown to fail when the DrugCentral rows
are taken out of the register (the medicines they add would then be captured by the NpSG).
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from rdkit import Chem

from chemistry import rulebook
from chemistry.classify import Classifier
from chemistry.data.make_approved_medicines import LEFT_OUT
from chemistry.identity import identify
from chemistry.rulebook import CHEMISTRY_DIR, RegisterEntry, load_rulebook

DATA = CHEMISTRY_DIR / "data"
REGISTER = "de-amg-medicines"
SOURCE_ID = {
    "ChEMBL": re.compile(r"^CHEMBL\d+$"),
    "DrugCentral": re.compile(r"^DrugCentral \d+$"),
    "Other": re.compile(r"^Other [a-z0-9 -]+$"),
}


def _rows() -> list[dict]:
    with (DATA / "approved_medicines.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _drugcentral_subset() -> list[dict]:
    with (DATA / "drugcentral_structures_subset.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _rows()


def _npsg(rule_ids) -> list[str]:
    return [rule_id for rule_id in rule_ids if rule_id.startswith("de-npsg-")]


def _classify(classifier: Classifier, rows: list[dict]):
    for row in rows:
        yield row, classifier.classify(row["smiles"], jurisdictions=["DE"]).results["DE"]


def _controlled_by_npsg(classifier: Classifier, rows: list[dict]) -> list[tuple[str, str, list[str]]]:
    """The rows answered with an NpSG group among the matches (name, status, NpSG rule ids)."""
    found = []
    for row, result in _classify(classifier, rows):
        npsg = _npsg(match.rule_id for match in result.matches)
        if npsg:
            found.append((row["name"], result.status, npsg))
    return found


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def test_every_row_names_its_sources_and_ids():
    assert len(ROWS) >= 1900
    for row in ROWS:
        sources = row["source"].split("; ")
        ids = row["source_id"].split("; ")
        assert sources and set(sources) <= set(SOURCE_ID), row
        for source in sources:  # every source named has at least one record id of its form
            assert any(SOURCE_ID[source].match(i) for i in ids), row
        assert all(any(pattern.match(i) for pattern in SOURCE_ID.values()) for i in ids), row
        if row["first_approval"]:  # the year comes from ChEMBL only
            assert "ChEMBL" in sources and 1900 < int(row["first_approval"]) <= 2026, row
    counts = Counter(row["source"] for row in ROWS)
    # the ChEMBL snapshot's parents: 1,701 since the engine standardises molecules of non-metals
    # without carbon (oxygen, nitric oxide, hydrogen peroxide, ...; chemistry/data/README.md)
    assert counts["ChEMBL"] + counts["ChEMBL; DrugCentral"] == 1701


def test_the_drugcentral_transcription_gives_drugcentrals_inchikeys():
    """Each transcribed SMILES gives the first InChIKey block DrugCentral published for it."""
    rows = _drugcentral_subset()
    assert len(rows) >= 250 and len({row["ID"] for row in rows}) == len(rows)
    wrong = []
    for row in rows:
        mol = Chem.MolFromSmiles(row["SMILES"])
        block = Chem.MolToInchiKey(mol).split("-")[0] if mol is not None else ""
        if block != row["InChIKey_block1"]:
            wrong.append((row["ID"], row["INN"], row["InChIKey_block1"], block))
    assert not wrong


def _other_sources() -> list[dict]:
    with (DATA / "approved_medicines_other_sources.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_each_other_source_row_gives_its_inchikey_names_its_sources_and_is_in_the_register():
    """The rows the audit of 2026-12-06 added: each SMILES gives the full InChIKey recorded with it,
    each row says where its structure and its approval were read, and each is a register row."""
    by_id = {i: row for row in ROWS for i in row["source_id"].split("; ")}
    rows = _other_sources()
    assert len(rows) >= 6
    for row in rows:
        mol = Chem.MolFromSmiles(row["smiles"])
        assert mol is not None and Chem.MolToInchiKey(mol) == row["inchikey"], row["name"]
        assert row["structure_source"].strip() and row["approval"].strip(), row["name"]
        entry = by_id.get(f"Other {row['name']}")
        assert entry is not None and entry["parent_inchikey"] == identify(row["smiles"]).inchikey, row["name"]


def test_each_drugcentral_row_is_in_the_register_unless_the_btmg_anlage_i_lists_it(classifier):
    by_id = {i: row for row in ROWS for i in row["source_id"].split("; ")}
    missing, left_out = [], []
    for row in _drugcentral_subset():
        entry = by_id.get(f"DrugCentral {row['ID']}")
        if entry is not None:
            assert entry["parent_inchikey"] == identify(row["SMILES"]).inchikey, row
            continue
        if row["INN"] in LEFT_OUT:
            left_out.append(row["INN"])
            continue
        result = classifier.classify(row["SMILES"], jurisdictions=["DE"]).results["DE"]
        if "de-btmg-anlage-i" in {match.rule_id for match in result.matches}:
            left_out.append(row["INN"])
        else:
            missing.append(row["INN"])
    assert not missing, f"regenerate approved_medicines.csv (README): {missing}"
    assert "lysergide" in left_out and "phencyclidine" in left_out and "rilmazafone" in left_out


def test_no_register_medicine_is_controlled_by_an_npsg_group(classifier):
    """Every row, today, under DE: an NpSG group match is at most set aside (by the register, a
    BtMG listing or another NpSG group), never among the matches."""
    captured, not_found = [], []
    set_aside = not_controlled = 0
    for row, result in _classify(classifier, ROWS):
        if _npsg(match.rule_id for match in result.matches):
            captured.append((row["name"], result.status))
        if REGISTER not in {notice.rule_id for notice in result.notices}:
            not_found.append(row["name"])
        if _npsg(aside.match.rule_id for aside in result.set_aside):
            set_aside += 1
            not_controlled += result.status == "not_controlled"
    assert not captured, f"approved medicines controlled by the NpSG: {captured}"
    assert not not_found, f"not found in their own register: {not_found}"
    # README, "What falls inside an NpSG group": 184 set aside, 124 of them not controlled (2026-12-04)
    assert set_aside >= 150 and not_controlled >= 100


def test_the_check_fails_without_the_drugcentral_rows(monkeypatch):
    """Take the DrugCentral-only rows out of the register: the medicines they add (bentazepam,
    mexazolam, clobenzorex, ...) are then answered controlled by the NpSG, and the check says so."""
    read = rulebook.read_substances_file

    def without_drugcentral(relative: str) -> tuple[RegisterEntry, ...]:
        return tuple(entry for entry in read(relative) if ", DrugCentral " not in entry.source)

    monkeypatch.setattr(rulebook, "read_substances_file", without_drugcentral)
    reduced = Classifier(load_rulebook())
    assert len(reduced.rulebook.rule(REGISTER).file_substances()) < len(ROWS)
    only_drugcentral = [row for row in ROWS if row["source"] == "DrugCentral"]
    captured = _controlled_by_npsg(reduced, only_drugcentral)
    names = {name for name, _, _ in captured}
    assert {"bentazepam", "mexazolam", "clobenzorex"} <= names
    assert all(status == "controlled_by_group" for _, status, _ in captured)
