"""NpSG Anlage 1 groups 4, 5.1 and 5.2 across the Sechste Verordnung zur Änderung der Anlage des
NpSG (BGBl. 2025 I Nr. 292), renumbered Anlage 1 by the Gesetz vom 7. Januar 2026 (BGBl. 2026 I
Nr. 2, in force 12 April 2026).

The Sechste Verordnung's own date in force was not read; its wording is certain to apply from
12 April 2026 (the -2025 rules start then), and on 11 April 2026 the 2024 wording answers. Until the
2024 rules are ended, both are in force from 12 April 2026, so these tests ask only whether the
-2025 rule holds the compound on 12 April 2026, and that no -2025 rule does on 11 April 2026 while
the -2024 rule answers as the 2024 wording says.

Every expectation is read from the two texts (2025: github.com/habibhaidari1/gesetze
n/npsg/index.md at commit 48332e5c; 2024: github.com/thunderquack/bundestag_gesetze
n/npsg/index.md at commit 1b1dd816), never from running the engine. A compound inside a group
counts whether the group controls it or yields to the BtMG or to an authorised medicine (§ 1 Abs. 2
NpSG): the group's definition is what changed.
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


@dataclass(frozen=True)
class Boundary:
    group: str  # base rule id; the rules are base id + "-2024" and base id + "-2025"
    substance: str
    smiles: str
    in_2024: bool  # inside the group as worded in 2024
    in_2025: bool  # inside the group as worded by the Sechste Verordnung
    why: str  # the sentences of the two texts that decide it


BOUNDARIES = [
    # --- Nr. 4, N-(2-Aminocyclohexyl)amide: wording changed in form only ---
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "U-49900",
        "CCN(CC)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1",
        True,
        True,
        "4 a (alkyl up to C7) and 4 d (Cl): unchanged",
    ),
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "U-51754 (x = 1)",
        "CN(C)C1CCCCC1N(C)C(=O)Cc1ccc(Cl)c(Cl)c1",
        True,
        True,
        "the (CH2)x sentence moved from 4 d to the introduction, still 'null oder eins'",
    ),
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "4-(trifluoromethyl) analogue of U-47700",
        "CN(C)C1CCCCC1N(C)C(=O)c1ccc(C(F)(F)F)cc1",
        True,
        True,
        "4 d: 'Trifluormethylgruppe' (2024), 'Trifluormethylgruppen' (2025)",
    ),
    Boundary(
        "de-npsg-aminocyclohexylamides",
        "4-methyl analogue of U-47700",
        "CN(C)C1CCCCC1N(C)C(=O)c1ccc(C)cc1",
        False,
        False,
        "4 d: methyl is in neither list of phenyl substituents",
    ),
    # --- Nr. 5.1, Indol-3-alkylamine ---
    Boundary(
        "de-npsg-tryptamines",
        "3-[2-(piperidin-1-yl)ethyl]-1H-indole",
        "c1ccc2c(c1)c(CCN1CCCCC1)c[nH]2",
        False,
        True,
        "5.1 a: N in a ring: Pyrrolidinyl (2024); Pyrrolidinyl, Piperidinyl or Morpholinyl (2025)",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "4-[2-(1H-indol-3-yl)ethyl]morpholine",
        "c1ccc2c(c1)c(CCN1CCOCC1)c[nH]2",
        False,
        True,
        "5.1 a: the morpholinyl ring system is newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "N-Boc-NMT",
        "CN(CCc1c[nH]c2ccccc12)C(=O)OC(C)(C)C",
        False,
        True,
        "5.1 a: R1/R2 Alkyloxycarbonyl (Alkylrest bis C6) newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "3-ethyl-1-[2-(1H-indol-3-yl)ethyl]-1-methylurea",
        "CCNC(=O)N(C)CCc1c[nH]c2ccccc12",
        False,
        True,
        "5.1 a: R1/R2 Alkylcarbamoyl (Alkylrest bis C6) newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "N-benzyl-N-methyltryptamine",
        "CN(Cc1ccccc1)CCc1c[nH]c2ccccc12",
        False,
        False,
        "5.1 a: benzyl is in neither list of R1/R2",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "N-acetyl-N-methyltryptamine",
        "CC(=O)N(C)CCc1c[nH]c2ccccc12",
        False,
        False,
        "5.1 a: alkylcarbonyl is in neither list of R1/R2 (alkyloxycarbonyl is, from 2025)",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-(ethoxycarbonyl)-DMT",
        "CCOC(=O)n1cc(CCN(C)C)c2ccccc21",
        False,
        True,
        "5.1 d: R5 Alkyloxycarbonyl (Alkylrest bis C6) newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-[(methylsulfanyl)carbonyl]-DMT",
        "CSC(=O)n1cc(CCN(C)C)c2ccccc21",
        False,
        True,
        "5.1 d: R5 Alkylthiocarbonyl (Alkylrest bis C6) newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-(ethylcarbamoyl)-DMT",
        "CCNC(=O)n1cc(CCN(C)C)c2ccccc21",
        False,
        True,
        "5.1 d: R5 Alkylcarbamoyl (Alkylrest bis C6) newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-(heptyloxycarbonyl)-DMT",
        "CCCCCCCOC(=O)n1cc(CCN(C)C)c2ccccc21",
        False,
        False,
        "5.1 d: alkyloxycarbonyl only with an alkyl up to C6 (2025), not at all in 2024",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-[3-(trimethylsilyl)propanoyl]-DMT",
        "CN(C)CCc1cn(C(=O)CC[Si](C)(C)C)c2ccccc12",
        False,
        True,
        "5.1 d: (Trialkylsilyl)alkylcarbonyl newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-[3-(tributylsilyl)propanoyl]-DMT",
        "CN(C)CCc1cn(C(=O)CC[Si](CCCC)(CCCC)CCCC)c2ccccc12",
        False,
        True,
        "5.1 d: 12 carbons in the trialkyl residues, 'maximal zwölf C-Atome'",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "1-{3-[dibutyl(pentyl)silyl]propanoyl}-DMT",
        "CN(C)CCc1cn(C(=O)CC[Si](CCCC)(CCCC)CCCCC)c2ccccc12",
        False,
        False,
        "5.1 d: 13 carbons in the trialkyl residues exceed twelve",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "5-(trimethylsilyl)-DMT",
        "CN(C)CCc1c[nH]c2ccc([Si](C)(C)C)cc12",
        False,
        True,
        "5.1 e: Rn Trialkylsilyl newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "5-(tripentylsilyl)-DMT",
        "CN(C)CCc1c[nH]c2ccc([Si](CCCCC)(CCCCC)CCCCC)cc12",
        False,
        False,
        "5.1 e: 15 carbons in the trialkyl residues exceed twelve",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "5-(trifluoromethyl)-DMT",
        "CN(C)CCc1c[nH]c2ccc(C(F)(F)F)cc12",
        False,
        True,
        "5.1 e: Rn Trifluormethyl newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "5-(trifluoromethoxy)-DMT",
        "CN(C)CCc1c[nH]c2ccc(OC(F)(F)F)cc12",
        False,
        True,
        "5.1 e: Rn Trifluormethoxy newly listed",
    ),
    Boundary(
        "de-npsg-tryptamines",
        "5-MeO-DALT",
        "C=CCN(CC=C)CCc1c[nH]c2ccc(OC)cc12",
        True,
        True,
        "5.1 a (allyl) and e (methoxy): unchanged",
    ),
    # --- Nr. 5.2, Δ9,10-Ergolene ---
    Boundary(
        "de-npsg-ergolenes",
        "1S-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4C(=O)CC[Si](C)(C)C)C[C@H]2N(C)C1",
        False,
        True,
        "5.2 a: R1 atoms and aa chain atoms without Si (2024), with Silizium (2025)",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-[4-(trimethylsilyl)benzoyl]-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4C(=O)c3ccc([Si](C)(C)C)cc3)C[C@H]2N(C)C1",
        False,
        True,
        "5.2 a bb: a substituted ring through a carbonyl; R1 may contain Si only from 2025",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1P-LSD",
        "CCC(=O)n1cc2c3c(cccc31)C1=C[C@@H](C(=O)N(CC)CC)CN(C)[C@@H]1C2",
        True,
        True,
        "5.2 a aa: a carbon chain, unchanged",
    ),
    Boundary(
        "de-npsg-ergolenes",
        "1-[3-(trimethylgermyl)propanoyl]-LSD",
        "CCN(CC)C(=O)[C@@H]1C=C2c3cccc4c3c(cn4C(=O)CC[Ge](C)(C)C)C[C@H]2N(C)C1",
        False,
        False,
        "5.2 a: germanium is in neither list of R1 atoms",
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
def test_answer_the_day_before_the_2025_wording_is_certain(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, BEFORE)
    assert not {rule for rule in found if rule.endswith("-2025")}, "no 2025 wording is encoded before 12 April 2026"
    assert (f"{case.group}-2024" in found) is case.in_2024, case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group}/{b.substance}")
def test_answer_from_12_april_2026(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, FROM)
    assert (f"{case.group}-2025" in found) is case.in_2025, case.why


def test_each_2025_rule_starts_on_12_april_2026(classifier):
    before = {rule.id for rule in classifier.rules_in_force(as_of=BEFORE, jurisdictions=["DE"])}
    from_ = {rule.id for rule in classifier.rules_in_force(as_of=FROM, jurisdictions=["DE"])}
    for group in sorted({case.group for case in BOUNDARIES}):
        assert f"{group}-2025" not in before
        assert f"{group}-2025" in from_
