"""US: positional isomers of the hallucinogenic substances of 21 CFR 1308.11(d).

1308.11(d) covers each listed substance with "its salts, isomers, and salts of isomers", and 21 CFR
1300.01 says that, as used in 1308.11(d), "isomer" means "any optical, positional, or geometric
isomer" and defines: "the term 'positional isomer' means any substance possessing the same molecular
formula and core structure and having the same functional group(s) and/or substituent(s) as those
found in the respective Schedule I hallucinogen, attached at any position(s) on the core structure,
but in such manner that no new chemical functionalities are created and no existing chemical
functionalities are destroyed relative to the respective Schedule I hallucinogen. Rearrangements of
alkyl moieties within or between functional group(s) or substituent(s), or divisions or combinations
of alkyl moieties, that do not create new chemical functionalities or destroy existing chemical
functionalities, are allowed ... the 'core structure' is the parent molecule that is the common basis
for the class; for example, tryptamine, phenethylamine, or ergoline. Examples of rearrangements
resulting in creation and/or destruction of chemical functionalities (and therefore resulting in
compounds which are not positional isomers) include, but are not limited to: Ethoxy to
alpha-hydroxyethyl, hydroxy and methyl to methoxy, or the repositioning of a phenolic or alcoholic
hydroxy group to create a hydroxyamine. Examples of rearrangements resulting in compounds which would
be positional isomers include: Tert-butyl to sec-butyl, methoxy and ethyl to isopropoxy, N,N-diethyl
to N-methyl-N-propyl, or alpha-methylamino to N-methylamino." (Definition of "Positional Isomer",
72 FR 67850, 3 December 2007; the text as printed in 21 CFR 1300.01, read in a copy at
syntharise.com.) Schedule I opens "Unless specifically excepted or unless listed in another
schedule".

Each case below applies one of the definition's own examples to a substance that 1308.11(d) lists.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify

ON = date(2026, 12, 1)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _us(classifier, smiles):
    return classifier.classify(identify(smiles), jurisdictions=["US"], as_of=ON).results["US"]


def _positional(result):
    return {m.substance for m in result.matches if m.matched_on == "positional_isomer"}


# (case, SMILES, the listed substance it is a positional isomer of, the definition's example it applies)
ISOMERS = [
    # DET is listed in (d); "N,N-diethyl to N-methyl-N-propyl"
    ("MPT", "CCCN(C)CCc1c[nH]c2ccccc12", "Diethyltryptamine", "N,N-diethyl to N-methyl-N-propyl"),
    # MDA is listed in (d); "alpha-methylamino to N-methylamino" (the alpha-methyl moves onto the nitrogen)
    ("MDMPEA", "CNCCc1ccc2OCOc2c1", "3,4-methylenedioxy amphetamine", "alpha-methylamino to N-methylamino"),
    # 2C-E (2,5-dimethoxy-4-ethylphenethylamine) is listed in (d); "methoxy and ethyl to isopropoxy"
    (
        "2-methoxy-5-isopropoxyphenethylamine",
        "COc1ccc(OC(C)C)cc1CCN",
        "2-(2,5-Dimethoxy-4-ethylphenyl)ethanamine",
        "methoxy and ethyl to isopropoxy",
    ),
    # MDMB-4en-PINACA's tert-butyl to sec-butyl
    (
        "MDMB-4en-PINACA, sec-butyl",
        "CCC(C)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(=O)OC",
        "MDMB-4en-PINACA",
        "tert-butyl to sec-butyl",
    ),
    # 4-CMC is listed in (d); the chlorine moved around the ring (attached at any position on the core)
    ("3-CMC", "CNC(C)C(=O)c1cccc(Cl)c1", "4-Chloromethcathinone", "attached at any position(s) on the core"),
    # 5-MeO-DMT is listed in (d); the methoxy moved around the ring
    ("4-MeO-DMT", "CN(C)CCc1c[nH]c2cccc(OC)c12", "5-methoxy-N,N-dimethyltryptamine", "any position on the core"),
]

NOT_ISOMERS = [
    # psilocyn (4-hydroxy-DMT, listed): "hydroxy and methyl to methoxy" creates an ether, destroys a phenol
    ("4-MeO-NMT", "CNCCc1c[nH]c2cccc(OC)c12", "hydroxy and methyl to methoxy"),
    # psilocyn: the phenolic hydroxy moved onto the amine nitrogen "to create a hydroxyamine"
    (
        "N-hydroxy-N-methyl-4-methyltryptamine",
        "CN(O)CCc1c[nH]c2cccc(C)c12",
        "repositioning ... to create a hydroxyamine",
    ),
    # 2C-B's amine moved one carbon nearer the ring: a benzylamine, not the phenethylamine core structure
    ("2C-B benzylamine isomer", "CNCc1cc(OC)c(Br)cc1OC", "same core structure"),
    # THC and cannabidiol share C21H30O2; cannabidiol's rings are not THC's core
    ("cannabidiol", "CCCCCc1cc(O)c(C2C=C(C)CCC2C(C)=C)c(O)c1", "same core structure"),
]


@pytest.mark.parametrize(("smiles", "listed"), [row[1:3] for row in ISOMERS], ids=[row[0] for row in ISOMERS])
def test_a_positional_isomer_of_a_listed_hallucinogen_is_schedule_i(classifier, smiles, listed):
    result = _us(classifier, smiles)
    assert result.status == "controlled_by_name"
    assert listed in _positional(result)
    assert {m.rule_id for m in result.matches if m.matched_on == "positional_isomer"} == {"us-csa-schedule-i"}


@pytest.mark.parametrize("smiles", [row[1] for row in NOT_ISOMERS], ids=[row[0] for row in NOT_ISOMERS])
def test_a_rearrangement_that_changes_a_functionality_or_the_core_is_not_a_positional_isomer(classifier, smiles):
    assert _positional(_us(classifier, smiles)) == set()


def test_a_substance_listed_in_another_schedule_is_answered_by_that_listing(classifier):
    # pyrovalerone (Schedule V, 1308.15) has the formula of alpha-PHP (1308.11(d)): "unless listed in another
    # schedule"
    result = _us(classifier, "CCCC(C(=O)c1ccc(C)cc1)N1CCCC1")
    assert {m.rule_id for m in result.matches} == {"us-csa-schedule-v"}
    assert _positional(result) == set()


def test_a_listed_substance_is_answered_by_its_own_entry_not_as_an_isomer(classifier):
    result = _us(classifier, "CNC(C)C(=O)c1ccc(Cl)cc1")  # 4-CMC itself
    assert _positional(result) == set()
    assert {m.matched_on for m in result.matches} <= {"connectivity", "inchikey"}


def test_the_isomer_answers_from_the_listing_it_follows(classifier):
    # 4-CMC was listed by 90 FR 51102, effective 17 December 2025: 3-CMC is not its isomer under a listing
    # before that day
    before = classifier.classify(identify("CNC(C)C(=O)c1cccc(Cl)c1"), jurisdictions=["US"], as_of=date(2025, 12, 16))
    assert _positional(before.results["US"]) == set()


def test_only_paragraph_d_covers_positional_isomers():
    # 1300.01: "isomer" means the optical isomer "except as used in 1308.11(d)"; no other paragraph's entry
    # carries the flag
    import tomllib

    from chemistry.rulebook import RULES_DIR

    with (RULES_DIR / "us_csa.toml").open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    flagged = [(r["id"], e) for r in rules for e in r.get("substances", []) if e.get("positional_isomers")]
    assert flagged
    for rule_id, entry in flagged:
        assert rule_id == "us-csa-schedule-i", entry["name"]
        assert "1308.11(d)" in entry["source"], entry["name"]
