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
