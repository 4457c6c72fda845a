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

BEFORE = date(2026, 4, 11)
FROM = date(2026, 4, 12)


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
