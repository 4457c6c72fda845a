"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: second pass of the audit of 5 December 2026.

Expectations come from what was read (chemistry/rules/sources/gb_mda_schedule2.txt, keys [cannabinol-b-2009]
and [em2017-634]):

- Cannabinol and cannabinol derivatives: Class A as enacted (Part I), Class C from 29 January 2004 (SI 2003/3201
  art. 2(2) and (4), read), Class B today (Part II para 1(a): L. A. King's annotated schedule, secondary). The
  day of the move to Class B, 26 January 2009, is SI 2008/3130's (cannabis to Class B, Home Office, January 2009);
  that this Order also moved cannabinol is an inference the rules state.
- Etizolam: SI 2017/634 brings sixteen designer benzodiazepines into Class C, Part 3 (Explanatory Memorandum
  para 2.3), in force on the 28th day after 3 May 2017 = 31 May 2017 (art. 1); etizolam is named by the ACMD
  letter behind the Order and, with Class C and the date, by a secondary source.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import load_rulebook

TODAY = date(2026, 12, 1)
THC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21"  # delta-9-THC: a tetrahydro derivative (Part IV)
THCV = "CCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21"  # a 3-alkyl homologue of a tetrahydro derivative
CANNABINOL = "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2"
ETIZOLAM = "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl"
HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"  # six hydrogens added: not a tetrahydro derivative as worded


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _gb(classifier, smiles, day=TODAY):
    return classifier.classify(smiles, jurisdictions=["GB"], as_of=day).results["GB"]


def _lists(result) -> set[str]:
    return {m.list for m in result.matches}


@pytest.mark.parametrize("smiles", [THC, THCV], ids=["THC", "THCV"])
def test_cannabinol_derivatives_are_class_b_today(classifier, smiles):
    result = _gb(classifier, smiles)
    assert {m.rule_id for m in result.matches} == {"gb-mda-cannabinol-derivatives-class-b"}
    assert _lists(result) == {"Class B"}


@pytest.mark.parametrize("smiles", [THC, THCV], ids=["THC", "THCV"])
def test_cannabinol_derivatives_move_from_class_c_to_class_b_on_26_january_2009(classifier, smiles):
    assert _lists(_gb(classifier, smiles, date(2009, 1, 25))) == {"Class C"}
    assert _lists(_gb(classifier, smiles, date(2009, 1, 26))) == {"Class B"}


def test_thc_class_history_a_c_b(classifier):
    assert _lists(_gb(classifier, THC, date(2004, 1, 28))) == {"Class A"}
    assert _lists(_gb(classifier, THC, date(2004, 1, 29))) == {"Class C"}
    assert _lists(_gb(classifier, THC, date(2009, 1, 26))) == {"Class B"}


def test_cannabinol_by_name_is_class_b_from_26_january_2009(classifier):
    before = {(m.rule_id, m.substance) for m in _gb(classifier, CANNABINOL, date(2009, 1, 25)).matches}
    after = {(m.rule_id, m.substance) for m in _gb(classifier, CANNABINOL, date(2009, 1, 26)).matches}
    assert ("gb-mda-class-c", "Cannabinol") in before
    assert ("gb-mda-class-b", "Cannabinol") in after
    assert not any(rule == "gb-mda-class-c" for rule, _ in after)
    assert "Class C" not in _lists(_gb(classifier, CANNABINOL))


def test_hhc_is_still_not_decided_by_the_cannabinol_derivatives_definition(classifier):
    rules = {m.rule_id for m in _gb(classifier, HHC).matches}
    assert not any(r.startswith("gb-mda-cannabinol-derivatives") for r in rules)


def test_the_class_b_rule_says_what_was_inferred(classifier):
    rule = classifier.rulebook.rule("gb-mda-cannabinol-derivatives-class-b")
    assert rule.list_ == "Class B" and rule.in_force_from == date(2009, 1, 26) and rule.in_force_to is None
    notes = rule.notes.replace("\n", " ")
    assert "INFERRED, NOT READ, for the day" in notes and "SECONDARY" in notes
    assert "SI 2008/3130" in rule.citation.reference and "text not read" in rule.citation.reference


def test_etizolam_is_class_c_from_31_may_2017(classifier):
    (match,) = [m for m in _gb(classifier, ETIZOLAM, date(2017, 5, 31)).matches]
    assert (match.rule_id, match.substance, match.list, match.in_force_from) == (
        "gb-mda-class-c",
        "Etizolam",
        "Class C",
        date(2017, 5, 31),
    )
    assert _gb(classifier, ETIZOLAM, date(2017, 5, 30)).status == "not_controlled"


def test_etizolam_today_is_answered_by_the_read_class_not_by_the_treaty_inference(classifier):
    rules = {m.rule_id for m in _gb(classifier, ETIZOLAM).matches}
    assert rules == {"gb-mda-class-c"}


# --- Part I as in force on 1 December 2020 (pit2020): entries the treaty inference answered "Class not read" ----

HYDROMORPHONE = "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2C(=O)CC[C@H]3[C@H]1C5"
HYDROCODONE = "COc1ccc2c3c1O[C@H]1C(=O)CC[C@H]4[C@@H](C2)N(C)CC[C@]314"
KETOBEMIDONE = "CCC(=O)C1(c2cccc(O)c2)CCN(C)CC1"
ETORPHINE = "CCCC(C)(O)[C@H]1C[C@@]23C=C[C@@]1(OC)[C@@H]1Oc4c(O)ccc5c4[C@]12CCN(C)[C@@H]3C5"
DIHYDROETORPHINE = "CCCC(C)(O)[C@H]1C[C@]23CC[C@]1(OC)[C@@H]1Oc4c(O)ccc5c4[C@]12CCN(C)[C@@H]3C5"
ETRYPTAMINE = "CCC(N)Cc1c[nH]c2ccccc12"


@pytest.mark.parametrize(
    ("smiles", "entry"),
    [
        (HYDROMORPHONE, "Hydromorphone"),
        (HYDROCODONE, "Hydrocodone"),
        (KETOBEMIDONE, "Ketobemidone"),
        (ETORPHINE, "Etorphine"),
    ],
    ids=["hydromorphone", "hydrocodone", "ketobemidone", "etorphine"],
)
def test_unannotated_part_i_entries_are_class_a_as_enacted(classifier, smiles, entry):
    # printed without an F-annotation in Part I as at 1 December 2020: the text as enacted, in force 1 July 1973
    for day in (date(1973, 7, 1), TODAY):
        (match,) = _gb(classifier, smiles, day).matches
        assert (match.rule_id, match.substance, match.list) == ("gb-mda-class-a", entry, "Class A")


@pytest.mark.parametrize(
    ("smiles", "entry"),
    [(DIHYDROETORPHINE, "Dihydroetorphine"), (ETRYPTAMINE, "Etryptamine")],
    ids=["dihydroetorphine", "etryptamine"],
)
def test_annotated_part_i_entries_are_class_a_date_not_recorded(classifier, smiles, entry):
    # "[F7Dihydroetorphine]", "[F9Etryptamine]": inserted later, the annotation (instrument, date) not readable
    (match,) = _gb(classifier, smiles).matches
    assert (match.rule_id, match.substance, match.list, match.date_recorded) == (
        "gb-mda-class-a",
        entry,
        "Class A",
        False,
    )


# --- classes stated by a medical dictionary (secondary, [dict-cd]): printed entry and date not read -------------

REMIFENTANIL = "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCC(=O)OC)CC1"
DIETHYLPROPION = "CCN(CC)C(C)C(=O)c1ccccc1"
MEPROBAMATE = "CCCC(C)(COC(N)=O)COC(N)=O"


@pytest.mark.parametrize(
    ("smiles", "rule_id", "entry", "listed"),
    [
        (REMIFENTANIL, "gb-mda-class-a", "Remifentanil", "Class A"),  # "Class A includes ... remifentanil"
        (DIETHYLPROPION, "gb-mda-class-c", "Diethylpropion", "Class C"),  # "Class C includes ... diethylpropion"
        (MEPROBAMATE, "gb-mda-class-c", "Meprobamate", "Class C"),  # "... meprobamate and most BENZODIAZEPINES"
    ],
    ids=["remifentanil", "diethylpropion", "meprobamate"],
)
def test_medicines_classed_by_a_secondary_source_date_not_recorded(classifier, smiles, rule_id, entry, listed):
    (match,) = _gb(classifier, smiles).matches
    assert (match.rule_id, match.substance, match.list, match.date_recorded) == (rule_id, entry, listed, False)


def test_the_secondary_rows_say_so():
    import tomllib

    from chemistry.rulebook import RULES_DIR

    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        rules = {r["id"]: r for r in tomllib.load(handle)["rule"]}
    for rule_id, name in (
        ("gb-mda-class-a", "Remifentanil"),
        ("gb-mda-class-c", "Diethylpropion"),
        ("gb-mda-class-c", "Meprobamate"),
    ):
        (entry,) = [s for s in rules[rule_id]["substances"] if s["name"] == name]
        assert "secondary" in entry["source"] and entry["in_force_from"] == "not recorded"
