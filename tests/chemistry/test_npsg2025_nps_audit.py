"""Audit of NpSG Anlage 1 (2025 wording) against real NPS outside the audited reference list.

`tests/chemistry/data/nps_audit_2026.csv` holds 212 new psychoactive substances of the European
market 2015-2025 (cathinones, phenethylamines, tryptamines, arylcyclohexylamines, nitazenes and
other new synthetic opioids, designer benzodiazepines, synthetic cannabinoids, HHC/THC
homologues, piperazines, quinazolinones, pemoline-type oxazolones) that are NOT in `service/seed/psychoactives.csv`
(compared by the connectivity block of the InChIKey). Every structure is OPSIN's parse of the
systematic name in the row (py2opsin); the `source` column says where the name was read, or that
it was not looked up in a stored source.

The expectations are read from the text of Anlage 1 as worded by the Sechste Verordnung
(BGBl. 2025 I Nr. 292; consolidated text github.com/habibhaidari1/gesetze n/npsg/index.md at
48332e5c883a30fdb6ef0378e6e4c245def788b0), not from the rule files:

- `npsg_group`: the Nummer whose definition covers the compound (the encoded rule id); empty where
  no Nummer covers it (`why` names the limit that excludes it);
- `de_answer`: `controlled` (inside a Nummer, or outside every Nummer but a BtMG substance, in
  which case `why` says "BtMG by name"), `not_controlled` (outside every Nummer and not a BtMG
  substance), `register` (inside a Nummer; § 1 Abs. 2 Nr. 2 NpSG makes the answer depend on
  whether it is an Arzneimittel, and the medicines register lists it), `open` (the text read
  cannot decide: a figure that was not available).

The day asked is 5 December 2026 (the day of the audit; the 2025 wording applies from
2 December 2025).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from chemistry.classify import Classifier
from chemistry.classify.results import JurisdictionResult
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

DAY = date(2026, 12, 5)
DATA = Path(__file__).parent / "data" / "nps_audit_2026.csv"
SEED = Path(__file__).parents[2] / "service" / "seed" / "psychoactives.csv"
MEDICINES = "de-amg-medicines"
# The group rules of Anlage 1 (2025 wording); Anlage 2 (named substances) is not a group.
ANLAGE_1 = {
    "de-npsg-phenethylamines-2025",
    "de-npsg-cannabimimetics-modular-2025",
    "de-npsg-sulfonylamidobenzoic-acids-2025",
    "de-npsg-benzochromenols-2025",
    "de-npsg-benzodiazepines-2025",
    "de-npsg-aminocyclohexylamides-2025",
    "de-npsg-tryptamines-2025",
    "de-npsg-ergolenes-2025",
    "de-npsg-arylcyclohexylamines-2025",
    "de-npsg-benzimidazoles-2025",
    "de-npsg-diphenylpropylamines-2025",
    "de-npsg-aminobenzylpiperidines-2025",
}
CONTROLLED = {"controlled_by_group", "controlled_by_name"}


def _rows() -> list[dict[str, str]]:
    with DATA.open(newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _answer(classifier: Classifier, smiles: str) -> JurisdictionResult:
    return classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=DAY).results["DE"]


def _captured(answer: JurisdictionResult) -> set[str]:
    """Every DE rule that captures the compound, whether it controls or was set aside."""
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


def test_audit_set_is_large_distinct_and_outside_the_reference_list() -> None:
    assert len(ROWS) >= 150
    with SEED.open(newline="") as f:
        seed = {identify(r["smiles"]).inchikey.split("-")[0] for r in csv.DictReader(f)}
    blocks = [r["inchikey"].split("-")[0] for r in ROWS]
    assert len(set(blocks)) == len(blocks), "a structure is listed twice"
    assert not set(blocks) & seed, "the audit is of NPS outside service/seed/psychoactives.csv"
    for r in ROWS:
        assert r["de_answer"] in {"controlled", "not_controlled", "register", "open"}, r["name"]
        assert not r["npsg_group"] or r["npsg_group"] in ANLAGE_1, r["name"]
        assert r["why"] and r["source"], r["name"]


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_structure_is_the_recorded_one(row: dict[str, str]) -> None:
    assert identify(row["smiles"]).inchikey == row["inchikey"]


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_de_answer_follows_the_text(classifier: Classifier, row: dict[str, str]) -> None:
    if row["de_answer"] == "open":
        pytest.skip(f"{row['name']}: the text read does not decide ({row['why']})")
    answer = _answer(classifier, row["smiles"])
    captured = _captured(answer)
    group = row["npsg_group"]
    if group:
        assert group in captured, f"{row['name']}: {row['why']}"
    else:
        assert not captured & ANLAGE_1, f"{row['name']} is outside every Nummer: {row['why']}"
    status = str(answer.status)
    if row["de_answer"] == "controlled":
        assert status in CONTROLLED, f"{row['name']}: {row['why']}"
        if not group:
            assert status == "controlled_by_name", f"{row['name']}: {row['why']}"
    elif row["de_answer"] == "not_controlled":
        assert status == "not_controlled", f"{row['name']}: {row['why']}"
    else:  # register: inside the Nummer, set aside because the register lists the compound
        assert any(s.match.rule_id == group and MEDICINES in s.by for s in answer.set_aside), (
            f"{row['name']}: {row['why']}"
        )
        assert status == "not_controlled"


def test_counts_by_outcome() -> None:
    """The audit's result, as read from the text: 201 of 212 controlled in DE, 10 outside every
    Nummer and not in the BtMG, one undecided (norfludiazepam was set aside as a registered medicine
    until desalkylflurazepam was struck from the register, chemistry/data/README.md)."""
    counts: dict[str, int] = {}
    for r in ROWS:
        counts[r["de_answer"]] = counts.get(r["de_answer"], 0) + 1
    assert counts == {"controlled": 201, "not_controlled": 10, "open": 1}
    outside = sorted(r["name"] for r in ROWS if r["de_answer"] == "not_controlled")
    assert outside == sorted(
        [
            "25CN-NBOH",
            "piperidylthiambutene",
            "MDMB-INACA",
            "ADB-INACA",
            "MDMB-5Br-INACA",
            "ADB-5'Br-INACA",
            "MeOPP",
            "etaqualone",
            "cyclazodone",
            "N-methylcyclazodone",
        ]
    )
