"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: third pass of the audit of 5 December 2026.

Expectations come from what was read (chemistry/rules/sources/gb_mda_schedule2.txt, key [hansard1998]): Lords
Hansard, 27 February 1998, the Minister moving the draft Order that brings "six previously uncontrolled
substances--namely, aminorex, brotizolam, etryptamine, mesocarb, methcathinone and zipeprol" under the Act:
"etryptamine be added to the list of controlled drugs specified as Class A in Schedule 2 to the 1971 Act; that
methcathinone and zipeprol be added to the list of controlled drugs specified as Class B; and that aminorex,
brotizolam and mesocarb be added to the list of substances specified as Class C."

The Order's text and the day it came into force were not read: every entry is "date not recorded". A lower bound
was read: an Order under s. 2(2) is made only after each House has approved the draft (s. 2(5)), and the Lords
debated it on 27 February 1998, so none of the six applies before that day.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)
LORDS_DEBATE = date(1998, 2, 27)

AMINOREX = "NC1=NCC(c2ccccc2)O1"
BROTIZOLAM = "Cc1nnc2n1-c1sc(Br)cc1C(c1ccccc1Cl)=NC2"
MESOCARB = "CC(Cc1ccccc1)[n+]1cc([N-]C(=O)Nc2ccccc2)on1"
ETRYPTAMINE = "CCC(N)Cc1c[nH]c2ccccc12"
METHCATHINONE = "CNC(C)C(=O)c1ccccc1"
ZIPEPROL = "COC(CN1CCN(CC(O)C(OC)c2ccccc2)CC1)c1ccccc1"

SIX = [
    (ETRYPTAMINE, "gb-mda-class-a", "Etryptamine", "Class A"),
    (METHCATHINONE, "gb-mda-class-b", "Methcathinone", "Class B"),
    (ZIPEPROL, "gb-mda-class-b", "Zipeprol", "Class B"),
    (AMINOREX, "gb-mda-class-c", "Aminorex", "Class C"),
    (BROTIZOLAM, "gb-mda-class-c", "Brotizolam", "Class C"),
    (MESOCARB, "gb-mda-class-c", "Mesocarb", "Class C"),
]
IDS = ["etryptamine", "methcathinone", "zipeprol", "aminorex", "brotizolam", "mesocarb"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _named(classifier, smiles, rule_id, day):
    result = classifier.classify(smiles, jurisdictions=["GB"], as_of=day).results["GB"]
    return [m for m in result.matches if m.rule_id == rule_id]


@pytest.mark.parametrize(("smiles", "rule_id", "entry", "listed"), SIX, ids=IDS)
def test_the_1998_order_classes_date_not_recorded(classifier, smiles, rule_id, entry, listed):
    (match,) = _named(classifier, smiles, rule_id, TODAY)
    assert (match.substance, match.list, match.date_recorded) == (entry, listed, False)


@pytest.mark.parametrize(("smiles", "rule_id", "entry", "listed"), SIX, ids=IDS)
def test_not_listed_before_the_lords_approved_the_draft(classifier, smiles, rule_id, entry, listed):
    # "six previously uncontrolled substances"; the Order cannot be made before both Houses approve the draft
    assert _named(classifier, smiles, rule_id, date(1998, 2, 26)) == []
    (match,) = _named(classifier, smiles, rule_id, LORDS_DEBATE)
    assert (match.substance, match.list, match.date_recorded) == (entry, listed, False)


def test_the_class_c_rows_cite_hansard_as_well_as_the_regulations():
    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        rules = {r["id"]: r for r in tomllib.load(handle)["rule"]}
    entries = {s["name"]: s for s in rules["gb-mda-class-c"]["substances"]}
    for name in ("Aminorex", "Brotizolam", "Mesocarb"):
        entry = entries[name]
        assert "Hansard HL 27 February 1998" in entry["source"], name
        assert "text and commencement not read" in entry["source"], name
        # the Order's title and number were not read: no added_by is guessed
        assert "added_by" not in entry, name
        assert entry["in_force_from"] == "not recorded" and entry["not_before"] == LORDS_DEBATE, name
    # the other names taken from the 2001 Regulations stay an inference without a bound, and say so
    zolpidem = entries["Zolpidem"]
    assert "Class C inferred" in zolpidem["source"] and "not_before" not in zolpidem
    for name in ("Etryptamine", "Methcathinone", "Zipeprol"):
        rule = "gb-mda-class-a" if name == "Etryptamine" else "gb-mda-class-b"
        entry = next(s for s in rules[rule]["substances"] if s["name"] == name)
        assert "hansard1998" in entry["source"] and entry["not_before"] == LORDS_DEBATE, name
