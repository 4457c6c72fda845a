"""US answers added on 6 December 2026: a specific fentanyl-related substance read in a copy of 21 CFR 1308.11(b),
and the 2026 rescheduling of FDA-approved and state-licensed medical marijuana to Schedule III (91 FR 22714).

Each expectation is written from the text named in its docstring, not from running the engine. The sources, and
what was searched for and not found, are in chemistry/rules/sources/us_21cfr1308_amendments.txt ("Fifth sweep").
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import NOT_RECORDED, RULES_DIR, load_rulebook

TODAY = date(2026, 12, 6)
SCHEDULE_I = "us-csa-schedule-i"
SCHEDULE_III = "us-csa-schedule-iii"
FRS_CLASS = "us-csa-fentanyl-related-substances"


@pytest.fixture(scope="module")
def us() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "us.toml", RULES_DIR / "us_csa.toml"]))


def _result(classifier: Classifier, smiles: str, on: date):
    return classifier.classify(identify(smiles), jurisdictions=["US"], as_of=on).results["US"]


def _rules_on(classifier: Classifier, smiles: str, on: date) -> set[str]:
    return {m.rule_id for m in _result(classifier, smiles, on).matches}


# --- alpha'-methyl butyryl fentanyl -------------------------------------------------------------------------------

# 21 CFR 1308.11(b)(10) as printed in an (unofficial, undated) copy of the section: "alpha'-Methyl butyryl fentanyl
# (2-methyl-N-(1-phenethylpiperidin-4-yl)-N-phenylbutanamide) 9864". Drawn here from that name by hand: the
# 2-methylbutanoyl anilide of 1-phenethylpiperidin-4-amine.
ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL = "CCC(C)C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"


def test_alpha_prime_methyl_butyryl_fentanyl_is_schedule_i_by_name_today(us):
    """Listed by name in 1308.11(b) with code 9864, so it is reported under its own listing; the class of
    fentanyl-related substances applies only "unless listed in another schedule" (21 U.S.C. 812(c) Schedule I (e)(1))
    and is set aside."""
    result = _result(us, ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL, TODAY)
    assert {m.rule_id for m in result.matches} == {SCHEDULE_I}
    assert FRS_CLASS in {s.match.rule_id for s in result.set_aside}
    match = next(m for m in result.matches if m.rule_id == SCHEDULE_I)
    assert not match.date_recorded


def test_alpha_prime_methyl_butyryl_fentanyl_was_a_fentanyl_related_substance_before_its_listing(us):
    """The class order 83 FR 5188 is effective 6 February 2018. The eCFR version of 1308.11 with amendments to
    15 March 2022 has alpha-methylfentanyl at (b)(10) and does not list this substance: before that day it is answered
    by the class only, and before 6 February 2018 by no US rule (the Analogue Act is a caveat, not a listing)."""
    assert _rules_on(us, ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL, date(2018, 2, 5)) == set()
    assert _rules_on(us, ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL, date(2018, 2, 6)) == {FRS_CLASS}
    assert _rules_on(us, ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL, date(2022, 3, 14)) == {FRS_CLASS}
    assert _rules_on(us, ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL, date(2022, 3, 15)) == {SCHEDULE_I}


def test_alpha_prime_methyl_butyryl_fentanyl_entry_keeps_what_was_not_read():
    rulebook = load_rulebook([RULES_DIR / "us_csa.toml"])
    entry = next(s for s in rulebook.rule(SCHEDULE_I).substances if s.name == "alpha'-Methyl butyryl fentanyl")
    assert entry.systematic_name == "2-methyl-N-(1-phenethylpiperidin-4-yl)-N-phenylbutanamide"
    assert entry.structure_from == "opsin"
    assert entry.in_force_from == NOT_RECORDED
    assert entry.not_before == date(2022, 3, 15)
    assert "9864" in entry.source and "lawserver.com" in entry.source
    assert entry.smiles is not None
    assert identify(entry.smiles).inchikey == identify(ALPHA_PRIME_METHYL_BUTYRYL_FENTANYL).inchikey


# --- marijuana in FDA-approved products or under a state medical licence: Schedule III (2026) -----------------------

DELTA9_THC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21"


def test_the_2026_marijuana_rescheduling_is_a_schedule_iii_preparation_with_its_bound():
    """91 FR 22714 (AG Order No. 6754-2026, FR Doc. 2026-08176, published 28 April 2026) "places drug products
    containing marijuana that have been approved by the [FDA] in schedule III" and applies to marijuana, marijuana
    extracts and plant-derived delta-9-THC "to the extent that" they are in an FDA-approved product or subject to a
    state medical marijuana license. Its DATES were not read: date not recorded, not before the signing (22 April 2026
    at the earliest, as reported)."""
    rulebook = load_rulebook([RULES_DIR / "us_csa.toml"])
    entry = next(s for s in rulebook.rule(SCHEDULE_III).substances if s.name.startswith("Marijuana, marijuana extract"))
    assert entry.structure_from == "preparation"
    assert entry.smiles is None
    assert entry.in_force_from == NOT_RECORDED
    assert entry.not_before == date(2026, 4, 22)
    assert entry.added_by is not None
    assert "91 FR 22714" in entry.added_by and "2026-08176" in entry.added_by


@pytest.mark.parametrize("on", [date(2026, 4, 21), TODAY], ids=["before-order", "today"])
def test_a_thc_structure_is_still_answered_schedule_i(us, on):
    """A structure cannot show an FDA approval or a state licence: outside them marijuana and THC stay in Schedule I
    (1308.11(d)(31)), and the Schedule III entry is a preparation that no structure matches."""
    assert _rules_on(us, DELTA9_THC, on) == {SCHEDULE_I}
