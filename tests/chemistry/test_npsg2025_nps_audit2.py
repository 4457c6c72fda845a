"""Second audit of NpSG Anlage 1 (2025 wording) against real NPS from open data sets Varsel had not used.

`tests/chemistry/data/nps_audit2_2026.csv` holds 267 structures that are NOT in
`service/seed/psychoactives.csv` nor in the first audit (`nps_audit_2026.csv`), compared by the
connectivity block of the InChIKey. They come from three public data sets (the `source` column
names the file and commit of each row):

- april19ai/psymol `library+shulgin.csv` (PsychonautWiki substances and the PiHKAL/TiHKAL entries
  of isomerdesign.com, with SMILES; no licence file in the repository): PiHKAL phenethylamines and
  TiHKAL tryptamines that never reached the reference list (ALEPH, BOB, G-3, HOT-2, MDO-DMT ...);
- josikinzz/dosewiki `data/chemistry/iupacSmilesMap.json` (MIT): systematic names of substances
  of a harm-reduction wiki, parsed with OPSIN; each name is parsed again here with py2opsin (three
  names OPSIN cannot parse keep the file's own SMILES, said so in the row);
- HauserGroup/PsyModTraining `PsychLight_TrainingSet.csv` (no licence file found): tryptamines and
  related psychedelics used to train a classifier.
- one name from a WEDINOS drug-checking list (Benzo-Research-Project/NitazeneMap), ethylflualprazolam,
  whose structure is the encoder's reading of the trivial name (said so in the row).

The expectations are read from the text of Anlage 1 as worded by the Sechste Verordnung
(BGBl. 2025 I Nr. 292; consolidated text github.com/habibhaidari1/gesetze n/npsg/index.md at
48332e5c883a30fdb6ef0378e6e4c245def788b0), not from the rule files; `why` gives the Nummer and the
words that decide, or the limit that excludes:

- `npsg_group`: the Nummer whose definition covers the compound (the encoded rule id); empty where
  no Nummer covers it;
- `de_answer`: `controlled` (inside a Nummer; where `why` says so, also a BtMG substance by name,
  controlled either way), `not_controlled` (outside every Nummer and not found in the BtMG lists
  encoded), `open` (the text read does not decide: a figure not seen, a fact outside the text).

Result of the audit: one under-capture, ethylbromazolam (a triazolobenzodiazepine with ethyl on the
triazole carbon, found in UK drug checking in 2026): the R5 list of 3.1.2 f names
(N,N-Dimethylamino)methyl, a group that fits only the carbon closing the triazole onto N1
(adinazolam), so that carbon is read as R5 and ethyl is inside; the encoding had assumed R6 (H, OH,
methyl). Fixed in chemistry/rules/de_npsg2025_3.toml. Every other `controlled` and
`not_controlled` row agreed with Varsel's answer; the open rows are where the text read leaves the
answer to a figure or a fact. The day asked is 6 December 2026.
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

DAY = date(2026, 12, 6)
DATA = Path(__file__).parent / "data" / "nps_audit2_2026.csv"
FIRST_AUDIT = Path(__file__).parent / "data" / "nps_audit_2026.csv"
SEED = Path(__file__).parents[2] / "service" / "seed" / "psychoactives.csv"
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


def test_audit_set_is_large_distinct_and_new() -> None:
    assert len(ROWS) >= 250
    with SEED.open(newline="") as f:
        seed = {identify(r["smiles"]).inchikey.split("-")[0] for r in csv.DictReader(f)}
    with FIRST_AUDIT.open(newline="") as f:
        first = {r["inchikey"].split("-")[0] for r in csv.DictReader(f)}
    blocks = [r["inchikey"].split("-")[0] for r in ROWS]
    assert len(set(blocks)) == len(blocks), "a structure is listed twice"
    assert not set(blocks) & seed, "the audit is of NPS outside service/seed/psychoactives.csv"
    assert not set(blocks) & first, "the audit is of NPS outside the first audit"
    for r in ROWS:
        assert r["de_answer"] in {"controlled", "not_controlled", "open"}, r["name"]
        assert not r["npsg_group"] or r["npsg_group"] in ANLAGE_1, r["name"]
        assert r["why"] and r["source"], r["name"]
        if r["de_answer"] == "controlled":
            assert r["npsg_group"], f"{r['name']}: every controlled row names its Nummer"


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
    else:
        assert status == "not_controlled", f"{row['name']}: {row['why']}"


def test_counts_by_outcome() -> None:
    """228 controlled, 30 outside every Nummer and not BtMG, 9 undecided by the text read."""
    counts: dict[str, int] = {}
    for r in ROWS:
        counts[r["de_answer"]] = counts.get(r["de_answer"], 0) + 1
    assert counts == {"controlled": 228, "not_controlled": 30, "open": 9}


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("ALEPH-6", "phenylsulfanyl is not an Rn of 1.1"),
        ("2C-SE", "methylselanyl is not an Rn of 1.1"),
        ("DMCPA", "1.2 b: rings through R3-R6 have four to six atoms, not three"),
        ("3-{2-[Ethyl(methyl)amino]ethyl}-1H-indol-4-yl propanoate", "5.1 e lists Acetoxy only"),
        ("8-OH-DPAT", "hydroxy is not an Rn of 1.1"),
        ("Tetrahydroharmine", "N in a ring annelated to A (1.2 a); 5.1 a rings"),
        ("tabernanthalog", "N in a ring annelated to A (1.2 a); 5.1 a rings"),
        ("7-Chloro-1-(dimethylphosphorylmethyl)-5-phenyl-3H-1,4-benzodiazepin-2-one", "3.1.2 f R5 list"),
        ("2,2,2-trichloro-N-(1-phenylpropan-2-yl)ethanimine", "1.2 a: imine only inside a ring"),
    ],
)
def test_boundary_cases_read_from_the_text(name: str, limit: str) -> None:
    """Real NPS just outside a limit of the text (the nearest covered compounds are rows too:
    ALEPH/2C-T next to ALEPH-6 and 2C-SE, 4-AcO-DPT next to 4-PrO-MET, BOHD next to 8-OH-DPAT)."""
    row = next(r for r in ROWS if r["name"] == name)
    assert row["de_answer"] == "not_controlled", limit
    assert not row["npsg_group"], limit


def test_ethylbromazolam_is_inside_nr_3_through_r5_on_the_triazole_carbon(classifier: Classifier) -> None:
    """The fix of this audit: ethyl on the triazole carbon (R5, 3.1.2 f), next to its nearest
    neighbours: bromazolam (methyl, BtMG) and a propyl homologue (no R5 or R6 group is propyl)."""
    ethyl = _answer(classifier, "CCc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2")
    assert "de-npsg-benzodiazepines-2025" in _captured(ethyl)
    assert str(ethyl.status) == "controlled_by_group"
    methyl = _answer(classifier, "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2")
    assert "de-npsg-benzodiazepines-2025" in _captured(methyl)
    propyl = _answer(classifier, "CCCc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2")
    assert "de-npsg-benzodiazepines-2025" not in _captured(propyl)
