"""NpSG Anlage 1 Nr. 2.1 (Cannabimimetika: von Indol, Indolizin, Pyrrol, Pyrazol und Chinolon
abgeleitete Verbindungen) on either side of the Sechste Verordnung zur Änderung der Anlage des NpSG
(BGBl. 2025 I Nr. 292), whose wording is certain to apply from 12 April 2026 (its own date in force
was not read, see chemistry/rules/de_npsg2025_2.toml).

Each case is one boundary the 2025 wording moved (or a control that it left alone), with the answer
under the 2024 wording and under the 2025 wording, both read from the legal texts
(thunderquack/bundestag_gesetze n/npsg/index.md at commit 1b1dd81 for 2024;
habibhaidari1/gesetze n/npsg/index.md at commit 48332e5 for the current Anlage 1), not from the
rule files. Until the 2024 rules are given an end date both wordings are in force from 12 April
2026, so the tests ask only which wording's rule holds the compound:
- on 1 June 2025 (2024 wording, before the Bundesrat's consent of 21 November 2025) the 2024 rule;
- on 11 April 2026 no -2025 rule;
- on 12 April 2026 the -2025 rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

OLD = "de-npsg-cannabimimetics-modular-2024"
NEW = "de-npsg-cannabimimetics-modular-2025"
WORDING_2024 = date(2025, 6, 1)
DAY_BEFORE = date(2025, 12, 1)
IN_FORCE = date(2025, 12, 2)


@dataclass(frozen=True)
class Boundary:
    name: str
    smiles: str
    before: bool  # inside Nr. 2.1 as worded in 2024
    after: bool  # inside Nr. 2.1 as worded by the Sechste Verordnung
    why: str


BOUNDARIES = [
    Boundary(
        "(1-pentylindol-3-yl)[4-(trimethylsilyl)phenyl]methanone",
        "CCCCCn1cc(C(=O)c2ccc([Si](C)(C)C)cc2)c2ccccc21",
        False,
        True,
        "2.1.3 a: Silizium is new among the bridge rest's elements",
    ),
    Boundary(
        "N-(1-amino-3,3-dimethyl-1-oxobutan-2-yl)-1-pentyl-5-(trifluoromethyl)indazole-3-carboxamide",
        "CC(C)(C)C(NC(=O)c1nn(CCCCC)c2ccc(C(F)(F)F)cc12)C(N)=O",
        False,
        True,
        "2.1.1: trifluoromethyl is new among R1-R3",
    ),
    Boundary(
        "naphthalen-1-yl[1-pentyl-5-(trimethylsilyl)indol-3-yl]methanone",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2cc([Si](C)(C)C)ccc21",
        False,
        True,
        "2.1.1: trimethylsilyl is new among R1-R3",
    ),
    Boundary(
        "naphthalen-1-yl[1-pentyl-5-(trifluoromethoxy)indol-3-yl]methanone",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2cc(OC(F)(F)F)ccc21",
        False,
        True,
        "2.1.1: trifluoromethoxy is new among R1-R3",
    ),
    Boundary(
        "naphthalen-1-yl[5-ethyl-1-pentylindol-3-yl]methanone",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2cc(CC)ccc21",
        False,
        False,
        "2.1.1: ethyl is not among R1-R3 in either wording",
    ),
    Boundary(
        "naphthalen-1-yl(3-pentylindolizin-1-yl)methanone",
        "CCCCCc1cc(C(=O)c2cccc3ccccc23)c2ccccn12",
        False,
        True,
        "2.1.1 f: Indolizin-1,3-diyl is a new core (bridge at 1, side chain at 3)",
    ),
    Boundary(
        "naphthalen-1-yl(6-pentylpyrrolo[1,2-a]pyrimidin-8-yl)methanone (8-azaindolizine)",
        "CCCCCc1cc(C(=O)c2cccc3ccccc23)c2ncccn12",
        False,
        True,
        "2.1.1 g: 6-, 7-, 8-Azaindolizin-1,3-diyl are new cores",
    ),
    Boundary(
        "naphthalen-1-yl(7-pentylpyrrolo[1,2-b]pyridazin-5-yl)methanone (5-azaindolizine)",
        "CCCCCc1cc(C(=O)c2cccc3ccccc23)c2cccnn12",
        False,
        False,
        "2.1.1 g lists only the 6-, 7- and 8-aza derivatives",
    ),
    Boundary(
        "N-(adamantan-1-yl)-2-oxo-1-pentyl-1,2-dihydroquinoline-3-carboxamide",
        "CCCCCN1C(=O)C(C(=O)NC23CC4CC(CC(C4)C2)C3)=Cc2ccccc21",
        False,
        True,
        "2.1.1 h: 2-Chinolon-1,3-diyl is a new core (2024: only the 4-quinolone)",
    ),
    Boundary(
        "N-(adamantan-1-yl)-2-oxo-1-pentyl-1,2-dihydro-1,8-naphthyridine-3-carboxamide",
        "CCCCCN1C(=O)C(C(=O)NC23CC4CC(CC(C4)C2)C3)=Cc2cccnc21",
        False,
        True,
        "2.1.1 i: 5-, 6-, 7-, 8-Aza-2-chinolon-1,3-diyl are new cores",
    ),
    Boundary(
        "N-(adamantan-1-yl)-2-oxo-1-pentyl-1,2-dihydroquinoline-4-carboxamide",
        "CCCCCN1C(=O)C=C(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21",
        False,
        False,
        "2.1.1 h: the 2-quinolone's bridge is at position 3",
    ),
    Boundary(
        "N-(1-amino-3,3-dimethyl-1-oxobutan-2-yl)-1-pentyl-4,5,6,7-tetrahydroindazole-3-carboxamide",
        "CC(C)(C)C(NC(=O)c1nn(CCCCC)c2c1CCCC2)C(N)=O",
        False,
        True,
        "2.1.1 k: pyrazol-1,3-diyl with a non-aromatic ring fused at 4,5 is a new core",
    ),
    Boundary(
        "naphthalen-1-yl(1-pentyl-4,5,6,7-tetrahydroindol-3-yl)methanone",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2c1CCCC2",
        False,
        True,
        "2.1.1 k: pyrrol-1,3-diyl with a non-aromatic ring fused at 4,5 is a new core",
    ),
    Boundary(
        "N-(1-amino-3,3-dimethyl-1-oxobutan-2-yl)-1-pentyl-octahydrocyclonona[c]pyrazole-3-carboxamide",
        "CC(C)(C)C(NC(=O)c1nn(CCCCC)c2c1CCCCCCC2)C(N)=O",
        False,
        False,
        "2.1.1 k: a fused monocycle has three to eight ring atoms (here nine)",
    ),
    Boundary(
        "N-(1-amino-3-methyl-1-oxobutan-2-yl)-1-(5-fluoropentyl)-3-methylpyrazole-5-carboxamide",
        "CC(C)C(NC(=O)c1cc(C)nn1CCCCCF)C(N)=O",
        True,
        False,
        "2.1.1 j now names 3-Phenylpyrazol-1,5-diyl: a pyrazole without the phenyl is no longer a core",
    ),
    Boundary(
        "N-(1-amino-3-methyl-1-oxobutan-2-yl)-1-(5-fluoropentyl)-3-phenylpyrazole-5-carboxamide",
        "CC(C)C(NC(=O)c1cc(-c2ccccc2)nn1CCCCCF)C(N)=O",
        True,
        True,
        "2.1.1 g (2024) / j (2025): the phenylpyrazole stays a core",
    ),
    Boundary(
        "BZO-HEXOXIZID (MDA-19)",
        "CCCCCCN1C(=O)C(=NNC(=O)c2ccccc2)c2ccccc21",
        True,
        True,
        "2.1.1 c with the hydrazone bridge 2.1.2 e: unchanged",
    ),
    Boundary(
        "1-undecyl-3-(1-naphthoyl)indole",
        "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        False,
        "2.1.4 a unchanged: a chain of three to ten atoms (here eleven)",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _inside_2_1(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """The Nr. 2.1 rules (2024 and 2025 wording) whose definition holds the compound on that day,
    whether the match controls or was set aside by § 1 Abs. 2 NpSG (BtMG substance, medicine)."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    found = {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}
    return found & {OLD, NEW}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda c: c.name)
def test_under_the_2024_wording_the_2024_rule_answers(classifier, case):
    assert _inside_2_1(classifier, case.smiles, WORDING_2024) == ({OLD} if case.before else set()), case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda c: c.name)
def test_on_11_april_2026_no_2025_rule_answers(classifier, case):
    assert NEW not in _inside_2_1(classifier, case.smiles, DAY_BEFORE), case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda c: c.name)
def test_from_12_april_2026_the_2025_wording_answers(classifier, case):
    assert (NEW in _inside_2_1(classifier, case.smiles, IN_FORCE)) == case.after, case.why


def test_the_answer_dates_and_cites_the_2025_wording(classifier):
    answer = classifier.classify(
        identify("CCCCCc1cc(C(=O)c2cccc3ccccc23)c2ccccn12"), jurisdictions=["DE"], as_of=IN_FORCE
    ).results["DE"]
    found = [m for m in answer.matches if m.rule_id == NEW]
    assert found, "an indolizine JWH-018 analogue is no BtMG substance: the NpSG applies"
    assert {(m.in_force_from, m.in_force_to) for m in found} == {(IN_FORCE, None)}
    assert found[0].citation["reference"].startswith("Sechste Verordnung zur Änderung der Anlage des NpSG")
    assert found[0].citation["part"].startswith("Anlage 1, Nummer 2.1")


def test_cumyl_pegaclone_stays_inside_2_1_and_set_aside_by_the_btmg(classifier):
    """2.1.2 b is unchanged: CUMYL-PEGACLONE is inside Nr. 2.1, but BtMG Anlage II lists it, so
    § 1 Abs. 2 Nr. 1 NpSG sets the group aside."""
    smiles = "O=C1N(C(C)(C)c2ccccc2)C=Cc2n(CCCCC)c3ccccc3c12"
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=IN_FORCE).results["DE"]
    set_aside = {s.match.rule_id: s.by for s in answer.set_aside}
    assert NEW in set_aside and "de-btmg-anlage-ii" in set_aside[NEW], set_aside
    assert NEW not in {m.rule_id for m in answer.matches}
