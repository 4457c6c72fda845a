"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: fifth pass, 6 December 2026 - the amending Orders, dated.

Each case answers on the day before and on the day a date read in these sources takes effect (keys of
chemistry/rules/sources/gb_mda_schedule2.txt in brackets); the expectations are the sources' words, not the rule
file's:

- [si1989-1340] SI 1989/1340 (BAILII, https://beta.bailii.org/uk/legis/num_reg/1989/uksi_19891340_en.html): "shall
  come into force on 18th September 1989"; inserts in paragraph 1 of Part III "Buprenorphine" and "Pemoline"; Part
  III "specifies the Class C drugs".
- [hansard1979] Lords Hansard, 30 January 1979: the draft Modification Order 1978 "will add a single drug,
  phencyclidine"; phencyclidine is printed in Part I (Class A, [pit1991]). An Order under s. 2(2) is made only after
  each House approves the draft (s. 2(5)): not controlled before 30 January 1979; the day it was is not read.
- [orders-count] (an inference from readings): the Lords debates number the Orders - 1975 "the second time",
  "two drugs"; 1977 "the third such order", "two groups of drugs"; 1978/79 "the fourth such order", "a single drug,
  phencyclidine"; 1983 "the fifth such order", sufentanil, tilidate, dextropropoxyphene - so alfentanil,
  eticyclidine and rolicyclidine, which the 1991 revised text marks with one shared annotation (F1), came by a later
  Order: not before 28 April 1983.
- [hansard1990] Lords Hansard, 13 December 1990: the draft order adds "N-Hydroxy Tenamphetamine, 4-Methyl-Aminorex
  and Midazolam": midazolam is not controlled before 13 December 1990 (its Class C is read in secondary sources only).
- [hansard1998] Lords Hansard, 27 February 1998: aminorex "be added to the list of substances specified as Class C".
- [si2003-3201] SI 2003/3201 (BAILII copy): "shall come into force on 29th January 2004"; cannabinol deleted from
  Part I para 1(a) and inserted in Part III para 1(a).
- [si2006-3331] SI 2006/3331: methylamphetamine moved from Part 2 to Part 1, in force 18 January 2007.
- [si2009-3209] SI 2009/3209 (legislation.gov.uk, made): "shall come into force on 23rd December 2009"; Part 2 (Class
  B) para 1(c) "Nabilone."
- [hoc010-2010] Home Office Circular 010/2010: SI 2010/1207 "come[s] into force on 16 April 2010" and classifies
  mephedrone and other cathinone derivatives as Class B under Part 2; "the 2 cathinone derivatives already controlled
  as Class C drugs - diethylpropion and pyrovalerone".
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

BUPRENORPHINE = "COC12CCC3(CC1C(C)(O)C(C)(C)C)C1Cc4ccc(O)c5c4C3(CCN1CC1CC1)C2O5"
PEMOLINE = "NC1=NC(=O)C(c2ccccc2)O1"
PHENCYCLIDINE = "C1CCN(CC1)C1(c2ccccc2)CCCCC1"
MIDAZOLAM = "Cc1ncc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2"
AMINOREX = "NC1=NCC(c2ccccc2)O1"
CANNABINOL = "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2"
METHYLAMPHETAMINE = "CNC(C)Cc1ccccc1"
NABILONE = "CCCCCCC(C)(C)c1cc(O)c2c(c1)OC(C)(C)C1CCC(=O)CC21"
MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
DIETHYLPROPION = "CCN(CC)C(C)C(=O)c1ccccc1"
PYROVALERONE = "CCCC(C(=O)c1ccc(C)cc1)N1CCCC1"
ALFENTANIL = "CCn1nnn(CCN2CCC(COC)(N(C(=O)CC)c3ccccc3)CC2)c1=O"
ETICYCLIDINE = "CCNC1(c2ccccc2)CCCCC1"
ROLICYCLIDINE = "C1CCC(CC1)(c1ccccc1)N1CCCC1"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _lists(classifier, smiles, day):
    result = classifier.classify(identify(smiles), jurisdictions=["GB"], as_of=day).results["GB"]
    return {m.list for m in result.matches}, {m.date_recorded for m in result.matches}


# (smiles, day the source dates, Class the day before, Class from that day, whether the day itself was read)
CASES = [
    (BUPRENORPHINE, date(1989, 9, 18), set(), {"Class C"}, True),
    (PEMOLINE, date(1989, 9, 18), set(), {"Class C"}, True),
    (PHENCYCLIDINE, date(1979, 1, 30), set(), {"Class A"}, False),
    (MIDAZOLAM, date(1990, 12, 13), set(), {"Class C"}, False),
    (ALFENTANIL, date(1983, 4, 28), set(), {"Class A"}, False),
    (ETICYCLIDINE, date(1983, 4, 28), set(), {"Class A"}, False),
    (ROLICYCLIDINE, date(1983, 4, 28), set(), {"Class A"}, False),
    (AMINOREX, date(1998, 2, 27), set(), {"Class C"}, False),
    (CANNABINOL, date(2004, 1, 29), {"Class A"}, {"Class C"}, True),
    (METHYLAMPHETAMINE, date(2007, 1, 18), {"Class B"}, {"Class A"}, True),
    (NABILONE, date(2009, 12, 23), set(), {"Class B"}, True),
    (MEPHEDRONE, date(2010, 4, 16), set(), {"Class B"}, True),
]
IDS = [
    "buprenorphine-si1989-1340",
    "pemoline-si1989-1340",
    "phencyclidine-hl-1979",
    "midazolam-hl-1990",
    "alfentanil-after-the-fifth-order",
    "eticyclidine-after-the-fifth-order",
    "rolicyclidine-after-the-fifth-order",
    "aminorex-hl-1998",
    "cannabinol-si2003-3201",
    "methylamphetamine-si2006-3331",
    "nabilone-si2009-3209",
    "mephedrone-si2010-1207",
]


@pytest.mark.parametrize(("smiles", "day", "before", "after", "day_read"), CASES, ids=IDS)
def test_the_day_before_and_the_day_the_order_applies(classifier, smiles, day, before, after, day_read):
    lists_before, _ = _lists(classifier, smiles, day.fromordinal(day.toordinal() - 1))
    assert lists_before == before
    lists_after, recorded = _lists(classifier, smiles, day)
    assert lists_after == after
    # a lower bound read from a Lords approval is not the day control began: the answer says so
    assert recorded == {day_read}


def test_phencyclidine_was_not_a_controlled_drug_in_1978(classifier):
    # the Lords approved the draft Order adding it only on 30 January 1979
    assert _lists(classifier, PHENCYCLIDINE, date(1978, 6, 1))[0] == set()


def test_midazolam_was_not_controlled_in_1989(classifier):
    # benzodiazepines were already controlled then, but midazolam was added by the draft order of December 1990
    assert _lists(classifier, MIDAZOLAM, date(1989, 6, 1))[0] == set()
    assert _lists(classifier, MIDAZOLAM, date(2026, 12, 1))[0] == {"Class C"}


@pytest.mark.parametrize("smiles", [DIETHYLPROPION, PYROVALERONE], ids=["diethylpropion", "pyrovalerone"])
def test_cathinone_derivatives_already_class_c_stay_class_c_after_si_2010_1207(classifier, smiles):
    # Circular 010/2010: "already controlled as Class C drugs"; the Order's Class B clause excepts them
    for day in (date(2010, 4, 15), date(2010, 4, 16), date(2026, 12, 1)):
        assert _lists(classifier, smiles, day)[0] == {"Class C"}


CATHINONE = "CC(N)C(=O)c1ccccc1"


def test_cathinone_is_class_c_by_name_not_by_the_cathinone_clause(classifier):
    # Circular 010/2010 para 5: "Cathinone and the 2 cathinone derivatives already controlled as Class C drugs";
    # the Order's Class B clause excepts "those already controlled under the Act, including cathinone itself"
    result = classifier.classify(identify(CATHINONE), jurisdictions=["GB"], as_of=date(2026, 12, 1)).results["GB"]
    assert {(m.rule_id, m.list) for m in result.matches} == {("gb-mda-class-c", "Class C")}
    assert _lists(classifier, CATHINONE, date(2010, 4, 16))[0] == {"Class C"}


def test_sources_name_the_urls_read():
    import tomllib

    from chemistry.rulebook import RULES_DIR

    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    entries = {e["name"]: e for r in rules for e in r.get("substances", [])}
    phencyclidine, midazolam = entries["Phencyclidine"], entries["Midazolam"]
    assert "historic-hansard/lords/1979/jan/30" in phencyclidine["source"]
    assert str(phencyclidine["not_before"]) == "1979-01-30"
    assert "historic-hansard/lords/1990/dec/13" in midazolam["source"]
    assert str(midazolam["not_before"]) == "1990-12-13"
    assert midazolam["in_force_from"] == phencyclidine["in_force_from"] == "not recorded"
