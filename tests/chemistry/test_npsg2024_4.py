"""NpSG Anlage groups 4, 5.1, 5.2, 6 and 7 across the Fünfte Verordnung zur Änderung der Anlage des
NpSG vom 21. Juni 2024 (BGBl. 2024 I Nr. 210; Art. 2: in force the day after promulgation, 27 June
2024). On 26 June 2024 the 2021 wording answers, from 27 June 2024 the 2024 wording.

Every expectation is read from the two texts (2021: github.com/bundestag/gesetze n/npsg/index.md;
2024: github.com/thunderquack/bundestag_gesetze n/npsg/index.md at commit 1b1dd816), never from
running the engine. A compound inside a group counts whether the group controls it or yields to the
BtMG or to an authorised medicine (§ 1 Abs. 2 NpSG): the group's definition is what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

BEFORE = date(2024, 6, 26)
FROM = date(2024, 6, 27)


@dataclass(frozen=True)
class Boundary:
    group: str  # old rule id; the 2024 rule is old id + "-2024"
    substance: str
    smiles: str
    in_2021: bool  # inside the group as worded in 2021
    in_2024: bool  # inside the group as worded in 2024
    why: str  # the sentences of the two texts that decide it


BOUNDARIES = [
    # --- Nr. 4, N-(2-Aminocyclohexyl)amide ---
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "4-(trifluoromethyl) analogue of U-47700",
        "CN(C)C1CCCCC1N(C)C(=O)c1ccc(C(F)(F)F)cc1",
        False,
        True,
        "4 d: 2021 phenyl substituents H, Br, Cl, F, I; 2024 adds the trifluoromethyl group",
    ),
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "U-49900",
        "CCN(CC)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1",
        True,
        True,
        "4 a (alkyl up to C7) and 4 d (Cl): unchanged wording",
    ),
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "4-methyl analogue of U-47700",
        "CN(C)C1CCCCC1N(C)C(=O)c1ccc(C)cc1",
        False,
        False,
        "4 d: methyl is in neither list of phenyl substituents",
    ),
    # --- Nr. 7, Benzimidazole ---
    Boundary(
        "de-npsg-benzimidazoles",
        "5-nitro-2-(4-pentyloxybenzyl) nitazene",
        "CCCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        False,
        True,
        "7 c: alkoxy on the phenyl up to C4 (2021), up to C5 (2024)",
    ),
    Boundary(
        "de-npsg-benzimidazoles",
        "5-nitro-2-(4-hexylbenzyl) nitazene",
        "CCCCCCc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        False,
        True,
        "7 c: alkyl on the phenyl up to C4 (2021), up to C6 (2024)",
    ),
    Boundary(
        "de-npsg-benzimidazoles",
        "5-nitro-2-(4-pentylsulfanylbenzyl) nitazene",
        "CCCCCSc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        False,
        True,
        "7 c: alkylsulfanyl on the phenyl up to C4 (2021), up to C5 (2024)",
    ),
    Boundary(
        "de-npsg-benzimidazoles",
        "5-nitro-2-(4-hexyloxybenzyl) nitazene",
        "CCCCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        False,
        False,
        "7 c: hexyloxy (C6) exceeds both limits (C4, C5)",
    ),
    Boundary(
        "de-npsg-benzimidazoles",
        "5-nitro-2-(4-butoxybenzyl) nitazene (butonitazene)",
        "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        True,
        True,
        "7 c: butoxy (C4) is within both limits",
    ),
    # --- Nr. 5.1, Indol-3-alkylamine (R5 assumed on the indole nitrogen, as in the 2021 encoding) ---
    Boundary(
        "de-npsg-tryptamines",
        "1-propanoyl-DMT",
        "CCC(=O)n1cc(CCN(C)C)c2ccccc21",
        False,
        True,
        "5.1 d: R5 H or alkyl up to C3 (2021); 2024 adds alkylcarbonyl up to C10",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-(phenylacetyl)-DMT",
        "CN(C)CCc1cn(C(=O)Cc2ccccc2)c2ccccc12",
        False,
        True,
        "5.1 d: 2024 adds the benzylcarbonyl group",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-(cyclopropanecarbonyl)-4-acetoxy-DMT",
        "CC(=O)Oc1cccc2c1c(CCN(C)C)cn2C(=O)C1CC1",
        False,
        True,
        "5.1 d: 2024 adds cycloalkylcarbonyl (ring C3 to C6)",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-benzoyl-DMT",
        "CN(C)CCc1cn(C(=O)c2ccccc2)c2ccccc12",
        False,
        False,
        "5.1 d: benzoyl is listed in neither version (2024 lists benzylcarbonyl)",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-methyl-DMT",
        "CN(C)CCc1cn(C)c2ccccc12",
        True,
        True,
        "5.1 d: R5 alkyl up to C3 in both versions",
    ),
    # --- Nr. 5.2, Delta-9,10-Ergolene ---
    Boundary(
        "de-npsg-ergolenes",
        "1V-LSD (1-pentanoyl-LSD)",
        "CCCCC(=O)n1cc2c3c(cccc31)C1=C[C@@H](C(=O)N(CC)CC)CN(C)[C@@H]1C2",
        False,
        True,
        "5.2 a: 2021 alkylcarbonyl up to C4 (read on the whole group); 2024 any carbon chain (aa)",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-(thiophene-2-carbonyl)-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4C(=O)c3cccs3)C[C@H]2N(C)C1",
        False,
        True,
        "5.2 a: 2021 lists cycloalkylcarbonyl only; 2024 bb admits an aromatic heterocycle through a carbonyl",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-tosyl-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4S(=O)(=O)c3ccc(C)cc3)C[C@H]2N(C)C1",
        False,
        True,
        "5.2 a: no sulfonyl in 2021; 2024 bb admits a ring coupled through a sulfonyl group",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-butyl-LSD",
        "CCCCn1cc2c3c(cccc31)C1=C[C@@H](C(=O)N(CC)CC)CN(C)[C@@H]1C2",
        False,
        True,
        "5.2 a: 2021 alkyl up to C3; 2024 any carbon chain (aa)",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-(cyclohexanecarbonyl)-6-butyl-6-nor-N,N-dipentyllysergamide",
        "CCCCCN(CCCCC)C(=O)C1C=C2c3cccc4c3c(cn4C(=O)C3CCCCC3)CC2N(CCCC)C1",
        False,
        True,
        "5.2: every residue listed in both versions; 559.8 u exceeds 500 u (2021) but not 600 u (2024)",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1P-LSD",
        "CCC(=O)n1cc2c3c(cccc31)C1=C[C@@H](C(=O)N(CC)CC)CN(C)[C@@H]1C2",
        True,
        True,
        "5.2 a: propanoyl is alkylcarbonyl up to C4 (2021) and a carbon chain (2024)",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "2-bromo-LSD (BOL-148)",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4[nH]c(Br)c(c34)C[C@H]2N(C)C1",
        False,
        False,
        "5.2: position 2 is not a substituted position in either version",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-[4-iodo-3-(trifluoromethyl)benzoyl]-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4C(=O)c3ccc(I)c(C(F)(F)F)c3)C[C@H]2N(C)C1",
        False,
        False,
        "5.2: benzoyl is not a 2021 R1; in 2024 the compound (621.4 u) exceeds 600 u",
    ),
    # --- Nr. 6, Arylcyclohexylamine ---
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "3-sulfanyl-PCP",
        "Sc1cccc(C2(N3CCCCC3)CCCCC2)c1",
        False,
        True,
        "6 b: the thiol group joins the R3 ring substituents in 2024",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "1-[1-(naphthalen-2-yl)cyclohexyl]piperidine",
        "C1CCN(CC1)C1(CCCCC1)c1ccc2ccccc2c1",
        True,
        False,
        "6 b: 2021 admitted substitutions forming ring systems (4-6 atoms) on R3; 2024 only ring closures with the cyclohexyl ring",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "1-[1-(2,3-dihydro-1H-inden-5-yl)cyclohexyl]piperidine",
        "C1CCN(CC1)C1(CCCCC1)c1ccc2CCCc2c1",
        True,
        False,
        "6 b: a cyclopenta-fused phenyl is a substituent-formed ring system: in 2021, not in 2024",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "1-[1-(2,3-dihydro-1-benzofuran-5-yl)cyclohexyl]piperidine",
        "C1CCN(CC1)C1(CCCCC1)c1ccc2OCCc2c1",
        True,
        True,
        "6 b: dihydrobenzofuranyl is a listed ring system in both versions",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "3-MeO-PCMo",
        "COc1cccc(C2(N3CCOCC3)CCCCC2)c1",
        True,
        True,
        "6 a (morpholine ring at N) and 6 b (methoxy): unchanged wording",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines",
        "N-(2-fluoroethyl)-1-phenylcyclohexylamine",
        "FCCNC1(c2ccccc2)CCCCC1",
        False,
        False,
        "6 a: R1/R2 further substituted with C, H, N and O only, in both versions",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _group_rules_capturing(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """Rule ids whose group definition holds the compound on that day, controlling or set aside."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group}/{b.substance}")
def test_answer_the_day_before_the_fuenfte_verordnung(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, BEFORE)
    assert f"{case.group}-2024" not in found, "the 2024 wording is not in force before 27 June 2024"
    assert (case.group in found) is case.in_2021, case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group}/{b.substance}")
def test_answer_from_the_day_the_fuenfte_verordnung_came_into_force(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, FROM)
    assert case.group not in found, "the 2021 wording ends on 26 June 2024"
    assert (f"{case.group}-2024" in found) is case.in_2024, case.why


def test_each_group_has_exactly_one_version_in_force_on_each_side(classifier):
    for day in (BEFORE, FROM):
        in_force = {rule.id for rule in classifier.rules_in_force(as_of=day, jurisdictions=["DE"])}
        for group in sorted({case.group for case in BOUNDARIES}):
            versions = {group, f"{group}-2024"} & in_force
            assert len(versions) == 1, (day, versions)
