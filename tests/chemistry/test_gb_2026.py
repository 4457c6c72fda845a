"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: the December 2026 audit fixes (gb_named.toml).

Each expectation comes from the instrument as read (chemistry/rules/sources/gb_mda_schedule2.txt names the
source of every row): the stereoisomer exception of Part I, SI 2011/744 (tapentadol, amineptine, "after
'Sufentanil'", "after 'Alprazolam'"), and the 2018 Order placing gabapentin and pregabalin in Class C from
1 April 2019.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)
DEXTROMETHORPHAN = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(OC)cc13"  # (+)-3-methoxy-17-methylmorphinan
LEVOMETHORPHAN = "COc1ccc2c(c1)[C@@]13CCCC[C@H]1[C@@H](C2)N(C)CC3"  # its enantiomer
RACEMETHORPHAN = "COc1ccc2c(c1)C13CCCCC1C(C2)N(C)CC3"  # stereochemistry not given
DEXTRORPHAN = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(O)cc13"
LEVORPHANOL = "CN1CC[C@]23CCCC[C@H]2[C@H]1Cc1ccc(O)cc13"
TAPENTADOL = "CC[C@@H](c1cccc(O)c1)[C@@H](C)CN(C)C"
SUFENTANIL = "CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1"
AMINEPTINE = "O=C(O)CCCCCCNC1c2ccccc2CCc2ccccc21"
ALPRAZOLAM = "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1)=NC2"
GABAPENTIN = "NCC1(CC(=O)O)CCCCC1"
PREGABALIN = "CC(C)C[C@H](CN)CC(=O)O"
RAC_PREGABALIN = "CC(C)CC(CN)CC(=O)O"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _gb(classifier, smiles, day=TODAY):
    return classifier.classify(smiles, jurisdictions=["GB"], as_of=day).results["GB"]


def _rules(result) -> set[str]:
    return {m.rule_id for m in result.matches}


def _class_c() -> list[dict]:
    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        return next(r for r in tomllib.load(handle)["rule"] if r["id"] == "gb-mda-class-c")["substances"]


# --- Part I's stereoisomer paragraph: "not being dextromethorphan or dextrorphan" ---------------------


@pytest.mark.parametrize("smiles", [DEXTROMETHORPHAN, DEXTRORPHAN], ids=["dextromethorphan", "dextrorphan"])
def test_the_excepted_dextro_forms_are_not_class_a(classifier, smiles):
    assert "gb-mda-class-a" not in _rules(_gb(classifier, smiles))


@pytest.mark.parametrize(
    ("smiles", "entry"),
    [(LEVOMETHORPHAN, "Levomethorphan"), (LEVORPHANOL, "Levorphanol")],
    ids=["levomethorphan", "levorphanol"],
)
def test_the_levo_forms_stay_class_a(classifier, smiles, entry):
    result = _gb(classifier, smiles)
    assert [(m.rule_id, m.substance, m.matched_on) for m in result.matches] == [("gb-mda-class-a", entry, "inchikey")]


def test_the_racemate_is_racemethorphan(classifier):
    result = _gb(classifier, RACEMETHORPHAN)
    assert ("Racemethorphan", "inchikey") in {(m.substance, m.matched_on) for m in result.matches}
    assert _rules(result) == {"gb-mda-class-a"}


# --- SI 2011/744 (made 16 March 2011, in force on the twelfth day after: 28 March 2011) ----------------


def test_tapentadol_is_class_a_from_28_march_2011(classifier):
    (match,) = _gb(classifier, TAPENTADOL, date(2011, 3, 28)).matches
    assert (match.rule_id, match.substance, match.in_force_from) == ("gb-mda-class-a", "Tapentadol", date(2011, 3, 28))
    assert _gb(classifier, TAPENTADOL, date(2011, 3, 27)).status == "not_controlled"


def test_amineptine_is_class_c_from_28_march_2011(classifier):
    assert _rules(_gb(classifier, AMINEPTINE, date(2011, 3, 28))) == {"gb-mda-class-c"}
    assert _rules(_gb(classifier, AMINEPTINE)) == {"gb-mda-class-c"}  # no longer only "inferred" by treaty
    assert _gb(classifier, AMINEPTINE, date(2011, 3, 27)).status == "not_controlled"


def test_the_places_of_the_2011_insertions_are_listed(classifier):
    # "after 'Sufentanil.'" (Part 1) and "after 'Alprazolam'" (Part 3): both are in the Schedule, date not read
    (sufentanil,) = _gb(classifier, SUFENTANIL).matches
    assert (sufentanil.rule_id, sufentanil.substance, sufentanil.date_recorded) == (
        "gb-mda-class-a",
        "Sufentanil",
        False,
    )
    (alprazolam,) = _gb(classifier, ALPRAZOLAM).matches
    assert (alprazolam.rule_id, alprazolam.substance) == ("gb-mda-class-c", "Alprazolam")
    entry = next(e for e in _class_c() if e["name"] == "Alprazolam")
    assert "SI 2011/744 art. 4" in entry["source"] and not entry["source"].startswith("Misuse of Drugs Regulations")


# --- gabapentin and pregabalin: Class C from 1 April 2019 ------------------------------------------------


@pytest.mark.parametrize(
    "smiles", [GABAPENTIN, PREGABALIN, RAC_PREGABALIN], ids=["gabapentin", "pregabalin", "rac-pregabalin"]
)
def test_gabapentinoids_are_class_c_from_1_april_2019(classifier, smiles):
    assert _rules(_gb(classifier, smiles, date(2019, 4, 1))) == {"gb-mda-class-c"}
    assert _gb(classifier, smiles, date(2019, 3, 31)).status == "not_controlled"


def test_gabapentinoid_entries_say_what_was_not_read():
    entries = [e for e in _class_c() if e["name"].startswith(("Gabapentin", "Pregabalin"))]
    assert len(entries) == 2
    for entry in entries:
        assert entry["in_force_from"] == date(2019, 4, 1)
        assert "Order's text not read" in entry["source"] and "SI 2018/1383" in entry["source"]


# --- the Misuse of Drugs Act 1971 (Amendment) Order 2012 (SI 2012/1390, in force 13 June 2012) --------------

PHENAZEPAM = "O=C1CN=C(c2ccccc2Cl)c2cc(Br)ccc2N1"
PIPRADROL = "OC(c1ccccc1)(c1ccccc1)C1CCCCN1"


def test_phenazepam_is_class_c_from_13_june_2012(classifier):
    (match,) = _gb(classifier, PHENAZEPAM, date(2012, 6, 13)).matches
    assert (match.rule_id, match.substance, match.in_force_from) == ("gb-mda-class-c", "Phenazepam", date(2012, 6, 13))
    assert _gb(classifier, PHENAZEPAM, date(2012, 6, 12)).status == "not_controlled"


def test_pipradrol_is_class_c_by_name_date_not_recorded(classifier):
    (match,) = _gb(classifier, PIPRADROL).matches
    assert (match.rule_id, match.substance, match.date_recorded) == ("gb-mda-class-c", "Pipradrol", False)
