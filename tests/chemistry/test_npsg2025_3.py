"""NpSG Anlage 1 groups 2.2, 2.3 and 3 across the Sechste Verordnung zur Änderung der Anlage des NpSG
(BGBl. 2025 I Nr. 292; the Anlage renamed Anlage 1 by the Gesetz of 7 January 2026, BGBl. 2026 I Nr. 2,
in force 12 April 2026). The Sechste Verordnung's own date in force was not read: its wording is
encoded from 12 April 2026 (the -2025 rules); on 11 April 2026 the 2024 wording (-2024 rules) answers.

Every expectation is read from the two texts (2024: github.com/thunderquack/bundestag_gesetze
n/npsg/index.md at commit 1b1dd816; current: github.com/habibhaidari1/gesetze n/npsg/index.md at
commit 48332e5c), never from running the engine. "Inside" a group means inside its definition,
whether the group then controls the compound or yields to the BtMG or an authorised medicine
(§ 1 Abs. 2 NpSG). Until the 2024 rules are ended, both versions are in force from 12 April 2026:
these tests ask only what the -2025 rules answer, and that no -2025 rule answers on 11 April 2026.
Where a position depends on a figure the encoder could not see (the new R4 of 2.3, the cores of
3.1.1 g and 3.2.1), the expectation rests on the assumption the rule's notes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

BEFORE = date(2025, 12, 1)
FROM = date(2025, 12, 2)

SULFONYLAMIDO = ("de-npsg-sulfonylamidobenzoic-acids-2024", "de-npsg-sulfonylamidobenzoic-acids-2025")
BENZOCHROMENOLS = ("de-npsg-benzochromenols-2024", "de-npsg-benzochromenols-2025")
BENZODIAZEPINES = ("de-npsg-benzodiazepines-2024", "de-npsg-benzodiazepines-2025")
NEW_IDS = {SULFONYLAMIDO[1], BENZOCHROMENOLS[1], BENZODIAZEPINES[1]}

HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
TEN_OH_HHC = "CC1(OC=2C=C(C=C(C2C2C1CCC(C2O)C)O)CCCCC)C"
RILMAZAFONE = "NCC(=O)NCC1=NC(=NN1C1=C(C=C(C=C1)Cl)C(C1=C(C=CC=C1)Cl)=O)C(=O)N(C)C"
BRETAZENIL = "BrC1=CC=CC2=C1C(N1C(C=3N2C=NC3C(=O)OC(C)(C)C)CCC1)=O"


@dataclass(frozen=True)
class Boundary:
    group: tuple[str, str]  # (2024 rule id, 2025 rule id)
    substance: str
    smiles: str
    in_2024: bool  # inside the group as worded in 2024
    in_2025: bool  # inside the group as worded by the Sechste Verordnung
    why: str  # the sentences of the two texts that decide it


BOUNDARIES = [
    # --- Nr. 2.2: word for word unchanged ---
    Boundary(
        SULFONYLAMIDO,
        "QMPSB",
        "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCCCC1",
        True,
        True,
        "2.2.2 a-c unchanged: R1 methyl, R2 8-quinolinyl, R3/R4 a piperidine ring",
    ),
    Boundary(
        SULFONYLAMIDO,
        "probenecid",
        "CCCN(CCC)S(=O)(=O)c1ccc(cc1)C(=O)O",
        False,
        False,
        "2.2.1 unchanged: a 4- (not 3-) sulfonylamidobenzoic acid without an R2 ring system",
    ),
    # --- Nr. 2.3: ring A substituents Rn, new R4, wider R5 ---
    Boundary(BENZOCHROMENOLS, "HHC", HHC, True, True, "the 9-methyl is R1 (2024) and an Rn (2025)"),
    Boundary(
        BENZOCHROMENOLS,
        "10-OH-HHC",
        TEN_OH_HHC,
        False,
        True,
        "2024 2.3.2 a: one R1 (at C9) from H, hydroxymethyl, methyl, chain; 2025 2.3.2 a: ring A 'an jeder "
        "Position mit beliebigen Kombinationen' including hydroxy",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "9-OH-HHC",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)(O)CC21",
        False,
        True,
        "2025 2.3.2 a: methyl and hydroxy in any combination on ring A; 2024: one R1, no hydroxy",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC methyl ether",
        "COc1cc(CCCCC)cc2OC(C)(C)C3CCC(C)CC3c12",
        False,
        True,
        "R5: 2024 H or acyl only; 2025 2.3.2 e adds alkyl up to C7",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC octyl ether",
        "CCCCCCCCOc1cc(CCCCC)cc2OC(C)(C)C3CCC(C)CC3c12",
        False,
        False,
        "2025 2.3.2 e: R5 alkyl up to C7; octyl is C8",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC trimethylsilyl ether",
        "C[Si](C)(C)Oc1cc(CCCCC)cc2OC(C)(C)C3CCC(C)CC3c12",
        False,
        True,
        "2025 2.3.2 e adds trialkylsilyl to R5",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC-O-ethyl carbonate",
        "CCOC(=O)Oc1cc(CCCCC)cc2OC(C)(C)C3CCC(C)CC3c12",
        False,
        True,
        "2025 2.3.2 e adds alkyloxycarbonyl to R5",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC-O-cyclohexanecarboxylate",
        "O=C(Oc1cc(CCCCC)cc2OC(C)(C)C3CCC(C)CC3c12)C1CCCCC1",
        False,
        True,
        "2024 R5: cycloalkylmethylcarbonyl only; 2025 adds cycloalkylcarbonyl",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC-O-acetate",
        "CCCCCc1cc(OC(C)=O)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        True,
        True,
        "alkylcarbonyl on the 1-O in both wordings",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "THCA-A",
        "CCCCCc1cc2OC(C)(C)C3CCC(C)=CC3c2c(O)c1C(O)=O",
        False,
        True,
        "2025 2.3.2 d: new R4 'Carboxyl-' on the phenol ring (C2 or C4 assumed); 2024: no R there",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "2-hexyl-HHC",
        "CCCCCCc1c(O)c2c(cc1CCCCC)OC(C)(C)C1CCC(C)CC21",
        False,
        False,
        "2025 2.3.2 d: R4 alkyl up to C5; hexyl is C6",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "10-oxo-HHC",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)C(=O)C21",
        False,
        False,
        "2025 2.3.2 a lists hydroxy, not oxo, for ring A",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "THC-COOH",
        "OC(=O)C1=CC2c3c(O)cc(CCCCC)cc3OC(C)(C)C2CC1",
        False,
        False,
        "carboxy is no ring A substituent in either wording",
    ),
    # --- Nr. 3: new R3 group, new sub-group g (bretazenil), new 3.2 open-chain prodrugs ---
    Boundary(
        BENZODIAZEPINES,
        "gidazepam",
        "NNC(=O)CN1C(=O)CN=C(c2ccccc2)c2cc(Br)ccc21",
        True,
        True,
        "R5 hydrazidomethyl in both wordings (3.2 f 2024, 3.1.2 f 2025)",
    ),
    Boundary(
        BENZODIAZEPINES,
        "ethyl (7-chloro-1-methyl-2-oxo-5-phenyl-2,3-dihydro-1H-1,4-benzodiazepin-3-yl)acetate",
        "CCOC(=O)CC1N=C(c2ccccc2)c2cc(Cl)ccc2N(C)C1=O",
        False,
        True,
        "3.1.2 c (2025) adds alkoxycarbonylalkyl (alkoxy up to C4, alkyl up to C4) to R3",
    ),
    Boundary(
        BENZODIAZEPINES,
        "pentyl (7-chloro-1-methyl-2-oxo-5-phenyl-2,3-dihydro-1H-1,4-benzodiazepin-3-yl)acetate",
        "CCCCCOC(=O)CC1N=C(c2ccccc2)c2cc(Cl)ccc2N(C)C1=O",
        False,
        False,
        "3.1.2 c (2025): alkoxy up to C4; pentyloxy is C5",
    ),
    Boundary(
        BENZODIAZEPINES,
        "bretazenil",
        BRETAZENIL,
        False,
        True,
        "3.1.1 g (2025) 'Bretazenil-Abkömmlinge' with R8 alkyloxycarbonyl; 2024: cores a-f only",
    ),
    Boundary(
        BENZODIAZEPINES,
        "rilmazafone",
        RILMAZAFONE,
        False,
        True,
        "3.2 (2025) open-chain prodrugs: R6 glycyl, R7 N,N-dimethylcarbamoyl; 2024: no diazepine ring, outside",
    ),
    Boundary(
        BENZODIAZEPINES,
        "avizafone",
        "N[C@H](C(=O)NCC(=O)N(C)C1=C(C=C(C=C1)Cl)C(C1=CC=CC=C1)=O)CCCCN",
        False,
        True,
        "3.2 (2025): R5 methyl, X oxygen, R6 lysyl bound through the C-terminus",
    ),
    Boundary(
        BENZODIAZEPINES,
        "rilmazafone with a valyl residue",
        "CC(C)C(N)C(=O)NCC1=NC(=NN1C1=C(C=C(C=C1)Cl)C(C1=C(C=CC=C1)Cl)=O)C(=O)N(C)C",
        False,
        False,
        "3.2.2 g (2025): the amino acid residues are glycine, alanine and lysine only",
    ),
    Boundary(
        BENZODIAZEPINES,
        "tofisopam",
        "CCC1C(C)=NN=C(c2ccc(OC)c(OC)c2)c2cc(OC)c(OC)cc21",
        False,
        False,
        "a 2,3-benzodiazepine: only 1,4- and 1,5-benzodiazepines in either wording",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _answer(classifier: Classifier, smiles: str, day: date):
    return classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]


def _inside(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """The group rules whose definition takes the compound in, controlling or set aside."""
    answer = _answer(classifier, smiles, day)
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group[1]}/{b.substance}")
def test_answer_on_11_april_2026_is_the_2024_wording(classifier, case):
    old, new = case.group
    found = _inside(classifier, case.smiles, BEFORE)
    assert not (found & NEW_IDS), "no -2025 rule is in force before 12 April 2026"
    assert (old in found) is case.in_2024, case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group[1]}/{b.substance}")
def test_answer_from_12_april_2026_is_the_2025_wording(classifier, case):
    _old, new = case.group
    assert (new in _inside(classifier, case.smiles, FROM)) is case.in_2025, case.why


@pytest.mark.parametrize(
    ("substance", "smiles", "rule_id"),
    [
        ("10-OH-HHC", TEN_OH_HHC, BENZOCHROMENOLS[1]),
        ("rilmazafone", RILMAZAFONE, BENZODIAZEPINES[1]),
        ("bretazenil", BRETAZENIL, BENZODIAZEPINES[1]),
    ],
)
def test_new_substances_are_controlled_not_set_aside(classifier, substance, smiles, rule_id):
    """In no BtMG Anlage as encoded and no authorised medicine: the NpSG applies to them."""
    answer = _answer(classifier, smiles, FROM)
    assert rule_id in {m.rule_id for m in answer.matches}, substance
    assert rule_id not in {s.match.rule_id for s in answer.set_aside}, substance


def test_delta_9_thc_is_inside_2_3_but_set_aside(classifier):
    """§ 1 Abs. 2 Nr. 1 NpSG: a Betäubungsmittel is outside the Act, though inside the 2.3 definition."""
    answer = _answer(classifier, "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21", FROM)
    assert BENZOCHROMENOLS[1] not in {m.rule_id for m in answer.matches}
    set_aside = {s.match.rule_id: s.by for s in answer.set_aside}
    assert "de-btmg-anlage-ii" in set_aside.get(BENZOCHROMENOLS[1], ())


def test_the_2025_rules_are_in_force_from_12_april_2026_only(classifier):
    before = {rule.id for rule in classifier.rules_in_force(as_of=BEFORE, jurisdictions=["DE"])}
    after = {rule.id for rule in classifier.rules_in_force(as_of=FROM, jurisdictions=["DE"])}
    assert not (NEW_IDS & before)
    assert after >= NEW_IDS
