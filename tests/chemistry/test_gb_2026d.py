"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: fourth pass, 6 December 2026.

UN-scheduled substances that gb_un_conventions.toml answered "Schedule 2 (Class not read: inferred from the UN
schedules)" now carry the Class read in these sources (chemistry/rules/sources/gb_mda_schedule2.txt, keys in
brackets); the expectations below are the sources' words, not the rule file's:

- [hoc003-2015] Home Office Circular 003/2015: SI 2015/215 "classifies as Class A drugs under Part 1 of Schedule 2
  ...: 1-cyclohexyl-4-(1,2-diphenylethyl)piperazine (MT-45); 4-methyl-5-(4-methylphenyl)-4,5-dihydrooxazol-2-amine
  (4,4'-DMAR)", in force "at 00:01 on 11 March 2015".
- [hoc006-2021] Home Office Circular 006/2021: SI 2021/868, in force "at 00:01am on 18 August 2021", "classifies
  flualprazolam, flunitrazolam and norfludiazepam as Class C drugs under paragraph 1(a) of Part 3".
- [bnf] British National Formulary (secondary): "Class B includes: oral amfetamines, barbiturates, ..."; "Class C
  includes: certain drugs related to the amfetamines such as benzfetamine and chlorphentermine, buprenorphine,
  mazindol, ..., most benzodiazepines".
- [benzo-c] (secondary): temazepam "is a Class C contr[olled drug]" (3dchem.com); the Wikipedia drugbox prints
  "legal_UK = Class C"; benzodiazepines "are also controlled as a class C drug under the Misuse of Drugs Act"
  (postscript360.org.uk), which is all that was read for midazolam.
- [thebaine-sec] (secondary): thebaine is "controlled under the Misuse of Drugs Act 1971 in Class A".
- Nicodicodine "(6-nicotinoyldihydrocodeine)", Part II (SI 1973/771): the 6-O-nicotinoyl ester of dihydrocodeine.
- [wiki-dxp] the Wikipedia drugbox of dextropropoxyphene (secondary): "legal_UK = Class C"; [hansard1983] Lords
  Hansard, 28 April 1983: the draft Modification Order 1983 "seeks to add three drugs, sufentanil, tilidate and
  dextropropoxyphene to the list of drugs controlled"; an Order is made only after both Houses approve the draft
  (s. 2(5)), so neither applies before 28 April 1983.
- Part I para 1(a) as in force on 1 July 1991 (legislation.gov.uk, [pit1991], primary): "Acetorphine." and
  "Morphine methobromide, morphine N-oxide and other pentavalent nitrogen morphine derivatives.", unannotated,
  so as enacted: Class A from 1 July 1973.
- Methoxetamine: Class B from 26 February 2013 (gb.toml, gb-mda-para-1d-methoxetamine); the treaty inference
  must not answer it a second time.

Where only secondary sources were read, no date was: those entries say "date not recorded".
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)

# structures of the UN Green/Yellow List entries (named_un1971.toml / named_un1961.toml)
TEMAZEPAM = "CN1C(=O)C(O)N=C(c2ccccc2)c2cc(Cl)ccc21"
MIDAZOLAM = "Cc1ncc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2"
BENZFETAMINE = "CC(Cc1ccccc1)N(C)Cc1ccccc1"
MAZINDOL = "OC1(c2ccc(Cl)cc2)c2ccccc2C2=NCCN21"
THEBAINE = "COC1=CC=C2[C@H]3Cc4ccc(OC)c5c4[C@@]2(CCN3C)[C@H]1O5"
DMAR = "CC1N=C(N)OC1c1ccc(C)cc1"  # 4,4'-DMAR
MT45 = "C1CCC(CC1)N1CCN(CC1)C(Cc1ccccc1)c1ccccc1"
PHENOBARBITAL = "CCC1(c2ccccc2)C(=O)NC(=O)NC1=O"
SECOBARBITAL = "C=CCC1(C(C)CCC)C(=O)NC(=O)NC1=O"
AMOBARBITAL = "CCC1(CCC(C)C)C(=O)NC(=O)NC1=O"
FLUALPRAZOLAM = "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2"
NICODICODINE = "COc1ccc2c3c1O[C@H]1[C@@H](OC(=O)c4cccnc4)CC[C@H]4[C@@H](C2)N(C)CC[C@@]341"
# what OPSIN made of the printed "6-nicotinoyldihydrocodeine": a C6 ketone that keeps a 6-OH - not nicodicodine
NOT_NICODICODINE = "C(C1=CN=CC=C1)(=O)[C@]1([C@H]2[C@]34C=5C(=C(C=CC5C[C@H]([C@@H]3CC1)N(C)CC4)OC)O2)O"
DEXTROPROPOXYPHENE = "CCC(=O)O[C@](Cc1ccccc1)(c1ccccc1)[C@H](C)CN(C)C"
SUFENTANIL = "CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1"
METHOXETAMINE = "CCNC1(c2cccc(OC)c2)CCCCC1=O"
ACETORPHINE = "CCCC(C)(O)[C@H]1C[C@@]23C=C[C@@]1(OC)[C@@H]1Oc4c(OC(C)=O)ccc5c4[C@]12CCN(C)[C@@H]3C5"
MORPHINE_N_OXIDE = "C[N+]1([O-])CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5"
# still inferred: no source read gives their Class
PHENTERMINE = "CC(C)(N)Cc1ccccc1"
TILIDINE = "CCOC(=O)C1(c2ccccc2)CCC=CC1N(C)C"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _gb(classifier, smiles, day=TODAY):
    return classifier.classify(identify(smiles), jurisdictions=["GB"], as_of=day).results["GB"]


def _only(result):
    (match,) = result.matches
    return match


READ_CLASSES = [
    (TEMAZEPAM, "Class C", "Temazepam"),
    (MIDAZOLAM, "Class C", "Midazolam"),
    (BENZFETAMINE, "Class C", "Benzfetamine"),
    (MAZINDOL, "Class C", "Mazindol"),
    (THEBAINE, "Class A", "Thebaine"),
    (PHENOBARBITAL, "Class B", "Phenobarbital"),
    (SECOBARBITAL, "Class B", "Secobarbital"),
    (AMOBARBITAL, "Class B", "Amobarbital"),
    (DEXTROPROPOXYPHENE, "Class C", "Dextropropoxyphene"),
]
READ_IDS = [entry for _, _, entry in READ_CLASSES]


@pytest.mark.parametrize(("smiles", "listed", "entry"), READ_CLASSES, ids=READ_IDS)
def test_the_class_read_in_secondary_sources_replaces_the_inference(classifier, smiles, listed, entry):
    result = _gb(classifier, smiles)
    match = _only(result)  # answered once, by the Class; the treaty inference stands aside
    assert (match.substance, match.list) == (entry, listed)
    assert match.rule_id != "gb-mda-un-conventions"
    # no source read gives the day the substance entered its Class
    assert match.date_recorded is False


def test_temazepam_is_class_c(classifier):
    # the regulator's question: "is temazepam controlled in the UK, which class?"
    result = _gb(classifier, TEMAZEPAM)
    assert result.status == "controlled_by_name"
    assert [m.list for m in result.matches] == ["Class C"]


def test_4_4_dmar_is_class_a_from_11_march_2015(classifier):
    match = _only(_gb(classifier, DMAR))
    assert (match.list, match.date_recorded) == ("Class A", True)
    assert _gb(classifier, DMAR, date(2015, 3, 11)).matches[0].list == "Class A"
    # before SI 2015/215 the Act did not list it (the UN scheduled it in March 2016)
    assert _gb(classifier, DMAR, date(2015, 3, 10)).matches == ()


def test_mt_45_is_dated_by_the_same_order(classifier):
    assert _gb(classifier, MT45, date(2015, 3, 10)).matches == ()
    match = _only(_gb(classifier, MT45, date(2015, 3, 11)))
    assert (match.list, match.date_recorded) == ("Class A", True)


def test_the_2021_order_is_dated_18_august_2021(classifier):
    assert _gb(classifier, FLUALPRAZOLAM, date(2021, 8, 17)).matches == ()
    match = _only(_gb(classifier, FLUALPRAZOLAM, date(2021, 8, 18)))
    assert (match.list, match.date_recorded) == ("Class C", True)


def test_nicodicodine_is_the_ester_and_class_b(classifier):
    match = _only(_gb(classifier, NICODICODINE))
    assert (match.rule_id, match.list) == ("gb-mda-class-b", "Class B")
    # the structure OPSIN made of the printed name is a different compound and is not listed
    assert all(m.rule_id != "gb-mda-class-b" for m in _gb(classifier, NOT_NICODICODINE).matches)


@pytest.mark.parametrize("smiles", [PHENTERMINE, TILIDINE], ids=["phentermine", "tilidine"])
def test_substances_whose_class_was_not_read_stay_inferred(classifier, smiles):
    match = _only(_gb(classifier, smiles))
    assert match.rule_id == "gb-mda-un-conventions"
    assert "Class not read" in match.list


def test_secondary_sources_are_said_so_and_no_date_is_guessed():
    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        entries = {s["name"]: s for r in tomllib.load(handle)["rule"] for s in r.get("substances", []) if "name" in s}
    for name in ("Temazepam", "Midazolam", "Benzfetamine", "Mazindol", "Thebaine", "Phenobarbital"):
        assert entries[name]["source"].startswith("SECONDARY"), name
        assert entries[name]["in_force_from"] == "not recorded", name
        assert "added_by" not in entries[name], name


@pytest.mark.parametrize(
    ("smiles", "listed"),
    [(DEXTROPROPOXYPHENE, "Class C"), (SUFENTANIL, "Class A")],
    ids=["dextropropoxyphene", "sufentanil"],
)
def test_the_1983_order_bounds_the_date(classifier, smiles, listed):
    lords = date(1983, 4, 28)
    assert _gb(classifier, smiles, date(1983, 4, 27)).matches == ()
    match = _only(_gb(classifier, smiles, lords))
    assert (match.list, match.date_recorded) == (listed, False)


def test_methoxetamine_is_answered_once_by_its_class(classifier):
    result = _gb(classifier, METHOXETAMINE)
    assert [(m.rule_id, m.list) for m in result.matches] == [("gb-mda-para-1d-methoxetamine", "Class B")]


@pytest.mark.parametrize(
    ("smiles", "entry"),
    [(ACETORPHINE, "Acetorphine"), (MORPHINE_N_OXIDE, "Morphine N-oxide")],
    ids=["acetorphine", "n-oxide"],
)
def test_part_i_as_enacted_class_a_from_1_july_1973(classifier, smiles, entry):
    match = _only(_gb(classifier, smiles))
    assert (match.rule_id, match.substance, match.list, match.date_recorded) == (
        "gb-mda-class-a",
        entry,
        "Class A",
        True,
    )
    assert _only(_gb(classifier, smiles, date(1973, 7, 1))).list == "Class A"
    assert _gb(classifier, smiles, date(1973, 6, 30)).matches == ()
