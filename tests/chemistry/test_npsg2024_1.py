"""NpSG Anlage Nummer 1 (von 2-Phenethylamin abgeleitete Verbindungen) on either side of the
Fünfte Verordnung zur Änderung der Anlage des NpSG vom 21. Juni 2024 (BGBl. 2024 I Nr. 210),
in force 27 June 2024 (Art. 2: "am Tag nach der Verkündung"; verkündet 26 June 2024).

On 26 June 2024 the 2021 wording (de-npsg-phenethylamines) answers, from 27 June 2024 the 2024
wording (de-npsg-phenethylamines-2024). Every expectation below is read from the two texts
(github.com/bundestag/gesetze n/npsg/index.md for 2021; github.com/thunderquack/bundestag_gesetze
n/npsg/index.md at 1b1dd8161a6c96e726701440a9730f04d31a699c for 2024), not from the rule files.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

OLD = "de-npsg-phenethylamines"
NEW = "de-npsg-phenethylamines-2024"
DAY_BEFORE = date(2024, 6, 26)
IN_FORCE = date(2024, 6, 27)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _group_1(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """The Nr. 1 rules that capture the compound on `day`, whether they control or were set aside
    by § 1 Abs. 2 NpSG (BtMG substances, medicines: the rule's yields_to). A match set aside by the
    last sentence of Nr. 1 (excluded_by_cores_of: the core of another Nummer that does not capture
    it) is not captured by Nr. 1."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    found = {m.rule_id for m in answer.matches} | {
        s.match.rule_id
        for s in answer.set_aside
        if set(s.by) & set(classifier.rulebook.rule(s.match.rule_id).yields_to)
    }
    return found & {OLD, NEW}


# (name, SMILES, captured under the 2021 text, captured under the 2024 text, the sentences)
CHANGED = [
    (
        "N-benzoylamphetamine",
        "O=C(NC(C)Cc1ccccc1)c1ccccc1",
        False,
        True,
        "1.2 a: Arylcarbonyl- (Arylrest bis C10) is new in the 2024 list of R1/R2",
    ),
    (
        "N-(1-naphthoyl)amphetamine",
        "CC(Cc1ccccc1)NC(=O)c1cccc2ccccc12",
        False,
        True,
        "1.2 a: Arylcarbonyl with a C10 aryl residue (new in 2024)",
    ),
    (
        "N-(ethoxycarbonyl)amphetamine",
        "CCOC(=O)NC(C)Cc1ccccc1",
        False,
        True,
        "1.2 a: Alkyloxycarbonyl- (Alkylrest bis C6) is new in the 2024 list of R1/R2",
    ),
    (
        "S-methyl N-(1-phenylpropan-2-yl)thiocarbamate",
        "CSC(=O)NC(C)Cc1ccccc1",
        False,
        True,
        "1.2 a: Alkylthiocarbonyl- (Alkylrest bis C6) is new in the 2024 list of R1/R2",
    ),
    (
        "1-methyl-3-(1-phenylpropan-2-yl)urea",
        "CNC(=O)NC(C)Cc1ccccc1",
        False,
        True,
        "1.2 a: Alkylcarbamoyl- (Alkylrest bis C6) is new in the 2024 list of R1/R2",
    ),
    (
        "N-(anthracene-9-carbonyl)amphetamine",
        "CC(Cc1ccccc1)NC(=O)c1c2ccccc2cc2ccccc12",
        False,
        False,
        "1.2 a: no arylcarbonyl in 2021; in 2024 only with an aryl residue up to C10 (anthryl: C14)",
    ),
    (
        "N-[2-(1H-indol-3-yl)ethyl]-2-phenylethan-1-amine",
        "C(Cc1ccccc1)NCCc1c[nH]c2ccccc12",
        True,
        False,
        "Nr. 1, last sentence (new in 2024): it has the Nr. 5.1 basic structure and 5.1 a does not list "
        "2-phenylethyl as R1/R2; in 2021 inside by 1.2 a (alkyl further substituted, chain 2)",
    ),
    (
        "N-desethyl-N-(2-phenylethyl)etonitazene",
        "CCN(CCc1ccccc1)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        True,
        False,
        "Nr. 1, last sentence (new in 2024): Nr. 7 basic structure, R1/R2 of 7 a only H or alkyl up to C3",
    ),
    (
        "3,4-dichloro-N-methyl-N-[2-(methyl(2-phenylethyl)amino)cyclohexyl]benzamide",
        "CN(CCc1ccccc1)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1",
        True,
        False,
        "Nr. 1, last sentence (new in 2024): Nr. 4 basic structure, R1/R2 of 4 a only H or alkyl up to C7",
    ),
    (
        "4-octylamphetamine",
        "CCCCCCCCc1ccc(CC(C)N)cc1",
        True,
        True,
        "1.1: 2024 Alkyl bis C8; 2021 Alkyl bis C6 further substituted with carbon, chain of 8 atoms either way",
    ),
    (
        "4-heptylthioamphetamine",
        "CCCCCCCSc1ccc(CC(C)N)cc1",
        True,
        True,
        "1.1: 2024 Alkylsulfanyl bis C7; 2021 bis C6 further substituted, chain of 8 atoms either way",
    ),
    (
        "4-octyloxyamphetamine",
        "CCCCCCCCOc1ccc(CC(C)N)cc1",
        False,
        False,
        "1.1: Alkoxy bis C7 (2024) / C6 (2021), and the chain of at most 8 atoms (both): here 9",
    ),
    (
        "N-undecylamphetamine",
        "CCCCCCCCCCCNC(C)Cc1ccccc1",
        False,
        False,
        "1.2 a: chain of at most ten atoms on the nitrogen, unchanged",
    ),
]


@pytest.mark.parametrize(("name", "smiles", "in_2021", "in_2024", "why"), CHANGED, ids=[case[0] for case in CHANGED])
def test_answer_the_day_before_and_the_day_the_2024_wording_came_into_force(
    classifier, name, smiles, in_2021, in_2024, why
):
    before = _group_1(classifier, smiles, DAY_BEFORE)
    after = _group_1(classifier, smiles, IN_FORCE)
    assert NEW not in before and OLD not in after, (name, before, after)
    assert (OLD in before) is in_2021, f"{name} on {DAY_BEFORE}: {why}"
    assert (NEW in after) is in_2024, f"{name} on {IN_FORCE}: {why}"


# Only the 2024 side: the 2021 text reads the same here (or is silent), so no change of answer
# is claimed; these pin what the 2024 rule must say.
FROM_2024 = [
    (
        "2-benzyl-4-undecylpiperidine",
        "CCCCCCCCCCCC1CCNC(Cc2ccccc2)C1",
        False,
        "1.2 a: R1/R2 further substituted '(bei Ringschlüssen nur nach dem Ringschluss)' to a chain of at most 10",
    ),
    (
        "2-benzyl-4-decylpiperidine",
        "CCCCCCCCCCC1CCNC(Cc2ccccc2)C1",
        True,
        "1.2 a: ring closure with C1 (six atoms), further substituted to a chain of exactly 10",
    ),
    (
        "2-aminoindane-1,1-d2",
        "[2H]C1([2H])c2ccccc2CC1N",
        True,
        "Vorbemerkung 2024: isotope-substituted compounds are included; 2-aminoindane by 1.2 b",
    ),
    (
        "4'-fluoro-4-methylaminorex",
        "CC1N=C(N)OC1c1ccc(F)cc1",
        True,
        "1.2 a: R1/R2 as a doubly bound residue (imine) inside the five-membered ring closed with C1/C2",
    ),
    (
        "N-benzylideneamphetamine",
        "CC(Cc1ccccc1)N=Cc1ccccc1",
        False,
        "1.2 a: an imine only inside the ring closed with parts of B, not exocyclic",
    ),
    (
        "1-(2-phenylethyl)-1H-pyrrole",
        "C(Cc1ccccc1)n1cccc1",
        False,
        "1.2 a (2024): the nitrogen only in a 'nichtaromatischen' cyclic system",
    ),
    ("2-phenethylamine", "NCCc1ccccc1", False, "Nr. 1: 'ausgenommen 2-Phenethylamin selbst'"),
]


@pytest.mark.parametrize(("name", "smiles", "in_2024", "why"), FROM_2024, ids=[case[0] for case in FROM_2024])
def test_answer_under_the_2024_wording(classifier, name, smiles, in_2024, why):
    after = _group_1(classifier, smiles, IN_FORCE)
    assert OLD not in after
    assert (NEW in after) is in_2024, f"{name} on {IN_FORCE}: {why}"


def test_the_2024_match_says_since_when_and_cites_the_fuenfte_verordnung(classifier):
    # 2C-B: phenyl with 2,5-dimethoxy and 4-bromo (1.1), unchanged; a BtMG Anlage I substance, so
    # the NpSG match is set aside by § 1 Abs. 2 and still reported with its dates
    answer = classifier.classify(identify("COc1cc(CCN)c(OC)cc1Br"), jurisdictions=["DE"], as_of=IN_FORCE)
    found = [m for m in answer.results["DE"].matches if m.rule_id == NEW]
    found += [s.match for s in answer.results["DE"].set_aside if s.match.rule_id == NEW]
    assert len(found) == 1
    assert found[0].in_force_from == IN_FORCE
    assert "Fünfte Verordnung" in found[0].citation["reference"]
    assert "2024 I Nr. 210" in found[0].citation["reference"]
