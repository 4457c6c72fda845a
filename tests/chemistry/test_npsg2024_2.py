"""NpSG Anlage Nr. 2.1 (Cannabimimetika: von Indol, Pyrazol und 4-Chinolon abgeleitete Verbindungen)
on either side of the Fünfte Verordnung zur Änderung der Anlage des NpSG vom 21. Juni 2024
(BGBl. 2024 I Nr. 210; Art. 2: in force the day after promulgation of 26 June 2024, i.e. 27 June 2024).

Each case is one boundary the 2024 wording moved, with the answer on 26 June 2024 (the wording of
the Zweite Verordnung of 2021) and on 27 June 2024 (the wording of 2024), both read from the legal
texts (bundestag/gesetze n/npsg/index.md for 2021; thunderquack/bundestag_gesetze n/npsg/index.md at
commit 1b1dd81 for 2024), not from the rule files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

OLD = "de-npsg-cannabimimetics-modular"
NEW = "de-npsg-cannabimimetics-modular-2024"
DAY_BEFORE = date(2024, 6, 26)
IN_FORCE = date(2024, 6, 27)


@dataclass(frozen=True)
class Boundary:
    name: str
    smiles: str
    before: bool  # inside Nr. 2.1 as worded in 2021
    after: bool  # inside Nr. 2.1 as worded in 2024
    why: str


BOUNDARIES = [
    Boundary(
        "BZO-HEXOXIZID (MDA-19)",
        "CCCCCCN1C(=O)C(=NNC(=O)c2ccccc2)c2ccccc21",
        False,
        True,
        "2.1.1 c (new core 1H-Indol-2-on-1,3-diyl) with the hydrazone bridge of 2.1.2 e (new)",
    ),
    Boundary(
        "BZO-CHMOXIZID",
        "O=C(NN=C1C(=O)N(CC2CCCCC2)c2ccccc12)c1ccccc1",
        False,
        True,
        "2.1.1 c + 2.1.2 e, cyclohexylmethyl side chain (2.1.4 b)",
    ),
    Boundary(
        "N'-(5-bromo-2-oxo-1-pentylindol-3-ylidene)-N-methylbenzohydrazide",
        "CCCCCN1C(=O)C(=NN(C)C(=O)c2ccccc2)c2cc(Br)ccc21",
        False,
        True,
        "2.1.1: R1-R3 now on cores a to g (bromo on core c); 2.1.3 b: a hydrazone bridge carries several rests",
    ),
    Boundary(
        "N-(1-amino-3,3-dimethyl-1-oxobutan-2-yl)-2-[1-(4-fluorobenzyl)indol-3-yl]acetamide",
        "CC(C)(C)C(NC(=O)Cc1cn(Cc2ccc(F)cc2)c2ccccc12)C(N)=O",
        False,
        True,
        "2.1.2 b: Methylencarboxamidogruppe (CH2 on the core) is new in 2024",
    ),
    Boundary(
        "1-(naphthalen-1-yl)-2-(1-pentylindol-3-yl)ethan-1-one",
        "CCCCCn1cc(CC(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.2 a: Methylencarbonyl (CH2 on the core) is new in 2024",
    ),
    Boundary(
        "naphthalen-1-yl 2-(1-pentylindol-3-yl)acetate",
        "CCCCCn1cc(CC(=O)Oc2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.2 c: Methylencarboxyl (CH2 on the core) is new in 2024",
    ),
    Boundary(
        "naphthalen-1-yl 2-(1-pentylindol-3-yl)propanoate",
        "CCCCCn1cc(C(C)C(=O)Oc2cccc3ccccc23)c2ccccc21",
        False,
        False,
        "2.1.2 c: the new methylene bridges are a CH2 group; a CH(CH3) is not",
    ),
    Boundary(
        "1-octyl-3-(1-naphthoyl)indole",
        "CCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.4 a: continuous chain of eight atoms (2021: three to seven; 2024: three to ten)",
    ),
    Boundary(
        "1-decyl-3-(1-naphthoyl)indole",
        "CCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.4 a: continuous chain of ten atoms, the 2024 maximum",
    ),
    Boundary(
        "1-undecyl-3-(1-naphthoyl)indole",
        "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        False,
        "2.1.4 a: continuous chain of eleven atoms, beyond both maxima",
    ),
    Boundary(
        "1-heptyl-3-(1-naphthoyl)indole",
        "CCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        True,
        True,
        "2.1.4 a: continuous chain of seven atoms, inside both wordings",
    ),
    Boundary(
        "1-[2-(2-ethoxyethoxy)ethyl]-3-(1-naphthoyl)indole",
        "CCOCCOCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.4 a: chain of eight atoms with oxygen in the chain (2021: at most seven)",
    ),
    Boundary(
        "1-[2-(trimethylsilyl)ethyl]-3-(1-naphthoyl)indole",
        "C[Si](C)(C)CCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        False,
        True,
        "2.1.4: silicon added to the side chain's elements and to the atoms of an a) chain",
    ),
    Boundary(
        "(1-pentylindol-3-yl)[4-(trimethylsilyl)phenyl]methanone",
        "CCCCCn1cc(C(=O)c2ccc([Si](C)(C)C)cc2)c2ccccc21",
        False,
        False,
        "2.1.3 a: the bridge rest's elements do not include silicon in either wording",
    ),
    Boundary(
        "N-hydroxy-1-pentylindole-3-carboxamide",
        "CCCCCn1cc(C(=O)NO)c2ccccc21",
        True,
        False,
        "2.1.3 a bb: a chain bridge rest needs at least one carbon atom from 2024 (2021: any chain up to 12 atoms)",
    ),
    Boundary(
        "1-fluoro-JWH-018",
        "CCCCC(F)n1cc(C(=O)c2cccc3ccccc23)c2ccccc12",
        True,
        True,
        "the structural example of Nr. 2.1, in both wordings",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _inside_2_1(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """The Nr. 2.1 rules whose definition holds the compound on that day, whether the match controls
    or was set aside by § 1 Abs. 2 NpSG (BtMG substance, medicine)."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    found = {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}
    return found & {OLD, NEW}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda c: c.name)
def test_the_day_before_the_fifth_verordnung_the_2021_wording_answers(classifier, case):
    assert _inside_2_1(classifier, case.smiles, DAY_BEFORE) == ({OLD} if case.before else set()), case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda c: c.name)
def test_from_27_june_2024_the_2024_wording_answers(classifier, case):
    assert _inside_2_1(classifier, case.smiles, IN_FORCE) == ({NEW} if case.after else set()), case.why


def test_the_answer_dates_the_2024_wording_from_27_june_2024(classifier):
    answer = classifier.classify(
        identify("CCCCCCN1C(=O)C(=NNC(=O)c2ccccc2)c2ccccc21"), jurisdictions=["DE"], as_of=IN_FORCE
    ).results["DE"]
    found = [m for m in answer.matches if m.rule_id == NEW]
    assert found, "BZO-HEXOXIZID is not a BtMG substance (BtMG as consolidated to 1 April 2024): the NpSG applies"
    # until the Sechste Verordnung's wording takes over (earliest 2 December 2025)
    assert {(m.in_force_from, m.in_force_to) for m in found} == {(IN_FORCE, date(2025, 12, 1))}
    assert found[0].citation["reference"].startswith("Fünfte Verordnung zur Änderung der Anlage des NpSG")


def test_cumyl_pegaclone_is_inside_2_1_in_both_wordings_and_set_aside_by_the_btmg(classifier):
    """2.1.2 b (unchanged in 2024): a carbon- and hydrogen-containing substituent on the amide
    nitrogen forming a six-membered ring with indole position 2 is part of the carboxamide bridge.
    CUMYL-PEGACLONE is in BtMG Anlage II, so § 1 Abs. 2 Nr. 1 NpSG sets the group aside."""
    smiles = "O=C1N(C(C)(C)c2ccccc2)C=Cc2n(CCCCC)c3ccccc3c12"
    for day, rule_id in ((DAY_BEFORE, OLD), (IN_FORCE, NEW)):
        answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
        set_aside = {s.match.rule_id: s.by for s in answer.set_aside}
        assert rule_id in set_aside and "de-btmg-anlage-ii" in set_aside[rule_id], (day, set_aside)
        assert rule_id not in {m.rule_id for m in answer.matches}
