"""`as_of` on either side of an amendment: the day before it came into force, and the day it did.

Each case is written from the amending instrument itself (its title and its commencement
provision), not from the rule files: a rule file whose date drifted from the instrument fails here.
The answer must also say *since when* the compound is controlled: the date in force it reports is
the instrument's, so a regulator can quote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify


@dataclass(frozen=True)
class Amendment:
    instrument: str  # as cited, with the provision that sets its commencement
    jurisdiction: str
    rule_id: str  # the encoded instrument (list or group) the amendment added the compound to
    substance: str
    smiles: str
    in_force: date


AMENDMENTS = [
    Amendment(
        "SI 2024/190, The Misuse of Drugs Act 1971 (Amendment) Order 2024, art. 1: in force 20 March 2024 "
        "(adds brorphine and the nitazenes to Sch. 2 Part I)",
        "GB",
        "gb-mda-class-a",
        "brorphine",
        "CC(c1ccc(Br)cc1)N1CCC(CC1)n1c(=O)[nH]c2ccccc21",
        date(2024, 3, 20),
    ),
    Amendment(
        "SI 2017/634, The Misuse of Drugs Act 1971 (Amendment) Order 2017, art. 1: in force 31 May 2017 "
        "(adds U-47,700 to Sch. 2 Part I)",
        "GB",
        "gb-mda-class-a",
        "U-47700",
        "CN(C)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1",
        date(2017, 5, 31),
    ),
    Amendment(
        "SI 2010/1207, The Misuse of Drugs Act 1971 (Amendment) Order 2010: in force 16 April 2010 "
        "(the cathinone generic clause, Sch. 2 Part II)",
        "GB",
        "gb-mda-cathinones",
        "mephedrone",
        "CNC(C)C(=O)c1ccc(C)cc1",
        date(2010, 4, 16),
    ),
    Amendment(
        "SI 2003/3201, The Misuse of Drugs Act 1971 (Modification) (No. 2) Order 2003, art. 1: in force "
        "29 January 2004 (cannabinol derivatives moved from Part I to Part III, art. 2(2) and (4))",
        "GB",
        "gb-mda-cannabinol-derivatives-class-c",
        "delta-9-THC",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21",
        date(2004, 1, 29),
    ),
    Amendment(
        "85 FR 51342, temporary scheduling order for isotonitazene, effective 20 August 2020 (21 CFR 1308.11(h))",
        "US",
        "us-csa-schedule-i",
        "isotonitazene",
        "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
        date(2020, 8, 20),
    ),
    Amendment(
        "Synthetic Drug Abuse Prevention Act of 2012 (Pub. L. 112-144, title XI, subtitle D), enacted "
        "9 July 2012: cannabimimetic agents, 21 U.S.C. 812(c) Schedule I (d)",
        "US",
        "us-csa-cannabimimetic-agents",
        "JWH-018",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        date(2012, 7, 9),
    ),
    Amendment(
        "Council Implementing Decision (EU) 2016/1070 of 27 June 2016 (OJ L 178, 2.7.2016), art. 3: in "
        "force on the day following its publication, 3 July 2016 (alpha-PVP)",
        "EU",
        "eu-nps-control-measures",
        "alpha-PVP",
        "CCCC(N1CCCC1)C(=O)c1ccccc1",
        date(2016, 7, 3),
    ),
    Amendment(
        "Verordnung zur Änderung der Anlage des NpSG vom 12. Juli 2019 (BGBl. I S. 1083): in force "
        "18 July 2019 (group 3, benzodiazepines, added to the Anlage)",
        "DE",
        "de-npsg-benzodiazepines",
        "diclazepam",
        "CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21",
        date(2019, 7, 18),
    ),
    Amendment(
        "Announcement of the Ministry of Public Security, National Health Commission and NMPA on adding "
        "fentanyl-related substances to the Supplementary List (1 April 2019): in force 1 May 2019",
        "CN",
        "cn-fentanyl-related-substances",
        "4-fluorobutyrfentanyl",
        "CCCC(=O)N(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1",
        date(2019, 5, 1),
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _captured_by(classifier: Classifier, amendment: Amendment, day: date):
    """The answer's matches of the amendment's rule, whether they control or were set aside by a
    rule of precedence (an NpSG group yields to the BtMG and to medicines, and says so)."""
    result = classifier.classify(identify(amendment.smiles), jurisdictions=[amendment.jurisdiction], as_of=day)
    answer = result.results[amendment.jurisdiction]
    found = [m for m in answer.matches if m.rule_id == amendment.rule_id]
    found += [s.match for s in answer.set_aside if s.match.rule_id == amendment.rule_id]
    return answer, found


def test_at_least_five_amendments_in_at_least_four_jurisdictions():
    assert len(AMENDMENTS) >= 5
    assert len({a.jurisdiction for a in AMENDMENTS}) >= 4


@pytest.mark.parametrize("amendment", AMENDMENTS, ids=lambda a: f"{a.jurisdiction}-{a.substance}")
def test_not_captured_the_day_before_the_amendment(classifier, amendment):
    _, found = _captured_by(classifier, amendment, amendment.in_force - timedelta(days=1))
    assert found == [], f"{amendment.substance} captured by {amendment.rule_id} before {amendment.instrument}"


@pytest.mark.parametrize("amendment", AMENDMENTS, ids=lambda a: f"{a.jurisdiction}-{a.substance}")
def test_captured_from_the_day_it_came_into_force_and_the_answer_says_since_when(classifier, amendment):
    for day in (amendment.in_force, amendment.in_force + timedelta(days=365)):
        answer, found = _captured_by(classifier, amendment, day)
        assert found, f"{amendment.substance} not captured by {amendment.rule_id} on {day} ({amendment.instrument})"
        assert {m.in_force_from for m in found} == {amendment.in_force}, (amendment.instrument, found)
