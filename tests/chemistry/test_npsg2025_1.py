"""NpSG Anlage 1 Nummer 1 (von 2-Phenethylamin abgeleitete Verbindungen) as worded by the Sechste
Verordnung zur Änderung der Anlage des NpSG (BGBl. 2025 I Nr. 292), encoded as
de-npsg-phenethylamines-2025 from 12 April 2026 (the Sechste Verordnung's own date in force was not
read; the consolidated text including the Gesetz vom 7. Januar 2026, in force 12 April 2026, was).

Every expectation below is read from the 2025 text (github.com/habibhaidari1/gesetze n/npsg/index.md
at 48332e5c883a30fdb6ef0378e6e4c245def788b0) and, for the day before, from the 2024 text
(github.com/thunderquack/bundestag_gesetze n/npsg/index.md at
1b1dd8161a6c96e726701440a9730f04d31a699c), not from the rule files. Until the 2024 rule is ended,
both are in force from 12 April 2026, so these tests ask only about the -2025 rule on that day, and
on 11 April 2026 that no -2025 rule answers (and, where the 2024 text decides, what the 2024 rule says).
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

OLD = "de-npsg-phenethylamines-2024"
NEW = "de-npsg-phenethylamines-2025"
DAY_BEFORE = date(2025, 12, 1)
IN_FORCE = date(2025, 12, 2)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _captured(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """Every DE rule that captures the compound on `day`, whether it controls or was set aside by
    § 1 Abs. 2 NpSG (BtMG substances, medicines)."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


# (name, SMILES, captured under the 2024 text, captured under the 2025 text, the sentences)
CHANGED = [
    (
        "5-APBT (1-(1-benzothiophen-5-yl)propan-2-amine)",
        "CC(N)Cc1ccc2sccc2c1",
        False,
        True,
        "1.1: benzothiophenyl is not among the 2024 ring systems; 2025: thiophene ring Rm annelated to "
        "ring Z, its sulfur bonded to Z",
    ),
    (
        "1-(1-methyl-1H-indol-5-yl)propan-2-amine",
        "CC(N)Cc1ccc2n(C)ccc2c1",
        False,
        True,
        "1.1 (2025): a nitrogen in Rm/Rp may carry a methyl or ethyl group; indolyl was not listed in 2024",
    ),
    (
        "2-(1H-indol-1-yl)ethan-1-amine",
        "NCCn1ccc2ccccc21",
        False,
        True,
        "1.1 (2025): B at any position of the bicyclic system, here the nitrogen of Rm",
    ),
    (
        "1-(quinolin-3-yl)propan-2-amine",
        "CC(N)Cc1cnc2ccccc2c1",
        False,
        True,
        "1.1 (2025): pyridine ring Rm with its nitrogen bonded to ring Z, B on Rm",
    ),
    (
        "1-(chroman-6-yl)propan-2-amine",
        "CC(N)Cc1ccc2OCCCc2c1",
        False,
        True,
        "1.1 (2025): saturated six-membered Rm with the oxygen bonded to ring Z",
    ),
    (
        "1-(3,4-dihydro-2H-1,5-benzodioxepin-7-yl)propan-2-amine",
        "CC(N)Cc1ccc2OCCCOc2c1",
        False,
        True,
        "1.1 (2025): seven-membered Rm, two oxygens, both bonded to ring Z",
    ),
    (
        "1-(bicyclo[4.2.0]octa-1,3,5-trien-3-yl)propan-2-amine",
        "CC(N)Cc1ccc2CCc2c1",
        False,
        True,
        "1.1 (2025): Rm of four ring atoms (the lower bound, the two carbons of Z included)",
    ),
    (
        "1-(5,6,7,8,9,10-hexahydrobenzo[8]annulen-2-yl)propan-2-amine",
        "CC(N)Cc1ccc2CCCCCCc2c1",
        False,
        True,
        "1.1 (2025): Rm of eight ring atoms (the upper bound)",
    ),
    (
        "1-(6,7,8,9,10,11-hexahydro-5H-benzo[9]annulen-2-yl)propan-2-amine",
        "CC(N)Cc1ccc2CCCCCCCc2c1",
        False,
        False,
        "1.1 (2025): Rm of nine ring atoms (four to eight); not listed in 2024",
    ),
    (
        "1-(isochroman-7-yl)propan-2-amine",
        "CC(N)Cc1ccc2CCOCc2c1",
        False,
        False,
        "1.1 (2025): the heteroatoms of Rm may only be bonded directly to ring Z; not listed in 2024",
    ),
    (
        "1-(1H-benzotriazol-5-yl)propan-2-amine",
        "CC(N)Cc1ccc2[nH]nnc2c1",
        False,
        False,
        "1.1 (2025): at most two heteroatoms in Rm, each bonded to ring Z",
    ),
    (
        "1-(1-propyl-1H-indol-5-yl)propan-2-amine",
        "CCCn1ccc2cc(CC(C)N)ccc21",
        False,
        False,
        "1.1 (2025): a nitrogen in Rm carries hydrogen, methyl or ethyl only",
    ),
    (
        "1-(1-methyl-1H-pyrrol-2-yl)propan-2-amine",
        "CC(N)Cc1cccn1C",
        True,
        False,
        "1.1: 2024 'Diese Ringsysteme können an jeder Position ... substituiert sein' (pyrrolyl listed); "
        "2025 'Die Kohlenstoffatome der genannten Ringsysteme ...': the pyrrole nitrogen of a monocyclic A "
        "carries no substituent",
    ),
    (
        "3,4-ethylenedioxy-N-methylcathinone",
        "CNC(C)C(=O)c1ccc2c(c1)OCCO2",
        True,
        True,
        "2024: Ethylendioxyphenyl- listed by name; 2025: 1,4-dioxane ring Rm annelated to ring Z, both "
        "oxygens bonded to Z; bk derivative with N-methyl (1.2 a, c)",
    ),
    (
        "3,4-ethylene-N-methylcathinone (benzocyclobutenyl)",
        "CNC(C)C(=O)c1ccc2CCc2c1",
        False,
        True,
        "1.1 (2025): Rm of four ring atoms; benzocyclobutenyl is not among the 2024 ring systems",
    ),
    (
        "MDMA",
        "CNC(C)Cc1ccc2OCOc2c1",
        True,
        True,
        "2024: Methylendioxyphenyl- listed by name; 2025: 1,3-dioxole ring Rm annelated to ring Z",
    ),
]


@pytest.mark.parametrize(("name", "smiles", "in_2024", "in_2025", "why"), CHANGED, ids=[c[0] for c in CHANGED])
def test_answer_either_side_of_12_april_2026(
    classifier: Classifier, name: str, smiles: str, in_2024: bool, in_2025: bool, why: str
) -> None:
    before = _captured(classifier, smiles, DAY_BEFORE)
    after = _captured(classifier, smiles, IN_FORCE)
    assert NEW not in before, f"{name}: the 2025 wording must not answer on {DAY_BEFORE} ({why})"
    assert (OLD in before) is in_2024, f"{name}: 2024 wording on {DAY_BEFORE}: expected {in_2024} ({why})"
    assert (NEW in after) is in_2025, f"{name}: 2025 wording on {IN_FORCE}: expected {in_2025} ({why})"


def test_btmg_substance_newly_inside_is_set_aside_not_controlled(classifier: Classifier) -> None:
    """5-IT (BtMG Anlage I) is inside Nr. 1 from the 2025 wording on (indolyl A), and § 1 Abs. 2
    Nr. 1 NpSG sets the NpSG aside for it."""
    answer = classifier.classify(identify("CC(N)Cc1ccc2[nH]ccc2c1"), jurisdictions=["DE"], as_of=IN_FORCE).results["DE"]
    assert NEW not in {m.rule_id for m in answer.matches}
    assert NEW in {s.match.rule_id for s in answer.set_aside}
    assert "de-btmg-anlage-i" in {m.rule_id for m in answer.matches}


def test_new_rule_cites_the_current_anlage() -> None:
    rule = next(r for r in load_rulebook().rules if r.id == NEW)
    assert rule.in_force_from == IN_FORCE
    assert rule.list_ == "Anlage 1, Nummer 1"
    assert "BGBl. 2025 I Nr. 292" in rule.citation.reference
