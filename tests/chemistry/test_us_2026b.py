"""US answers fixed on 5 December 2026: fenfluramine's removal from control and the levo-alphacetylmethadol (LAAM)
exception of 21 CFR 1308.11(b)(7).

Each expectation is written from the text named in its docstring, not from running the engine.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, NamedSubstance, load_rulebook

TODAY = date(2026, 12, 5)
SCHEDULE_I = "us-csa-schedule-i"
SCHEDULE_II = "us-csa-schedule-ii"
SCHEDULE_IV = "us-csa-schedule-iv"


@pytest.fixture(scope="module")
def us() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "us.toml", RULES_DIR / "us_csa.toml"]))


def _rules_on(classifier: Classifier, smiles: str, on: date) -> set[str]:
    result = classifier.classify(identify(smiles), jurisdictions=["US"], as_of=on).results["US"]
    return {m.rule_id for m in result.matches}


# --- fenfluramine -----------------------------------------------------------------------------------------------

FENFLURAMINE = "CCNC(C)Cc1cccc(C(F)(F)F)c1"  # N-ethyl-alpha-methyl-3-(trifluoromethyl)phenethylamine
DEXFENFLURAMINE = "CCN[C@@H](C)Cc1cccc(C(F)(F)F)c1"


@pytest.mark.parametrize("smiles", [FENFLURAMINE, DEXFENFLURAMINE], ids=["fenfluramine", "dexfenfluramine"])
def test_fenfluramine_is_not_controlled_from_17_april_2023(us, smiles):
    """87 FR 78857 (FR Doc. 2022-27400, 23 December 2022) removes fenfluramine "including its salts, isomers, and salts
    of isomers" from the schedules ("Prior to the effective date of this rule, fenfluramine was a schedule IV
    controlled substance"). Its DATES were not read; UCB's press release of 17 April 2023 states the DEA "has
    published a final rule stating that FINTEPLA oral solution is no longer subject to the Controlled Substances Act
    (CSA). This change is immediate." So on 17 April 2023 and today fenfluramine is in no US schedule, and it was
    Schedule IV on the day before the removal was published."""
    assert SCHEDULE_IV in _rules_on(us, smiles, date(2022, 12, 22))
    assert not _rules_on(us, smiles, date(2023, 4, 17))
    assert not _rules_on(us, smiles, TODAY)


def test_fenfluramine_entry_says_its_end_is_a_bound_and_cites_the_removal():
    rulebook = load_rulebook([RULES_DIR / "us_csa.toml"])
    entry = next(s for s in rulebook.rule(SCHEDULE_IV).substances if s.name == "Fenfluramine")
    assert entry.in_force_to == date(2023, 4, 16)
    assert "87 FR 78857" in entry.source and "2022-27400" in entry.source
    assert "upper bound" in entry.source


# --- acetylmethadol / LAAM --------------------------------------------------------------------------------------

# 1308.12(c)(11) Levo-alphacetylmethadol (LAAM, levomethadyl acetate), the (3S,6S) isomer of
# 6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate; 1308.11(b)(7) "Alphacetylmethadol, except
# levo-alphacetylmethadol also known as levo-alpha-acetylmethadol, levomethadyl acetate, or LAAM"; (b)(2)
# acetylmethadol and (b)(13) betacetylmethadol "including their isomers", "unless listed in another schedule".
LAAM = "CC(=O)O[C@@H](CC)C(C[C@H](C)N(C)C)(c1ccccc1)c1ccccc1"  # (3S,6S)
OTHER_ALPHA = "CC(=O)O[C@H](CC)C(C[C@@H](C)N(C)C)(c1ccccc1)c1ccccc1"  # (3R,6R)
BETA_3S6R = "CC(=O)O[C@@H](CC)C(C[C@@H](C)N(C)C)(c1ccccc1)c1ccccc1"
BETA_3R6S = "CC(=O)O[C@H](CC)C(C[C@H](C)N(C)C)(c1ccccc1)c1ccccc1"
UNDEFINED = "CCC(OC(C)=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1"
HALF_3R = "CC(=O)O[C@H](CC)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1"


def test_laam_is_schedule_ii_only(us):
    assert _rules_on(us, LAAM, TODAY) == {SCHEDULE_II}


@pytest.mark.parametrize(
    "smiles", [OTHER_ALPHA, BETA_3S6R, BETA_3R6S, HALF_3R], ids=["alpha-3R6R", "beta-3S6R", "beta-3R6S", "3R-only"]
)
def test_other_acetylmethadol_isomers_are_schedule_i_only(us, smiles):
    assert _rules_on(us, smiles, TODAY) == {SCHEDULE_I}


def test_acetylmethadol_drawn_without_stereo_may_be_either(us):
    """A structure without stereochemistry may be LAAM (schedule II) or any other isomer (schedule I)."""
    assert _rules_on(us, UNDEFINED, TODAY) == {SCHEDULE_I, SCHEDULE_II}


def test_laam_hydrochloride_is_schedule_ii_only(us):
    assert _rules_on(us, LAAM + ".Cl", TODAY) == {SCHEDULE_II}


def test_fenfluramine_removal_day_is_an_upper_bound_said_as_such():
    result = (
        Classifier()
        .classify(identify("CCNC(C)Cc1cccc(C(F)(F)F)c1"), jurisdictions=["US"], as_of=date(2023, 1, 15))
        .results["US"]
    )
    (match,) = [m for m in result.matches if m.rule_id == "us-csa-schedule-iv"]
    assert match.end_recorded is False and match.in_force_to == date(2023, 4, 16)
    # amfetamine's Schedule II entry has no end, or one that was read
    amfetamine = Classifier().classify(identify("CC(N)Cc1ccccc1"), jurisdictions=["US"], as_of=date(2023, 1, 15))
    assert all(m.end_recorded for m in amfetamine.results["US"].matches)


def test_an_end_bound_needs_an_end():
    with pytest.raises(ValidationError, match="in_force_to_recorded"):
        NamedSubstance.model_validate({"name": "x", "smiles": "CCO", "source": "test", "in_force_to_recorded": False})
