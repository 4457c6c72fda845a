"""The CND's scheduling decisions of its 58th (2015) to 68th (2025) sessions, as read on 4-5 December 2026.

Expectations come from the texts named in the header of chemistry/rules/sources/un1961.txt and
un1971.txt, not from the engine: the WHO release of March 2025 on the 68th session (four nitazenes
placed in Schedule I of the 1961 Convention, hexahydrocannabinol in Schedule II and carisoprodol in
Schedule IV of the 1971 Convention), WHO's departmental update of 30 March 2023 on the 66th session
(2-methyl-AP-237 among the four opioids placed in 1961 Schedule I), cndblog.org's record of the 67th
session's vote on butonitazene, 89 FR 8683 and strtrade.com on the WHO recommendations for the 67th
session (flubromazepam kept under surveillance, not recommended), UNIS/NAR/1267 and DEA's final rule
87 FR 34166 on methoxetamine (59th session, 1971 Convention). The 67th session's outcome (read on
5 December 2026): gmp-navigator.com on the German order of 4 December 2024 amending the BtMG Anlagen -
"am 19. März 2024 hatte die 67. Sitzung der Suchtstoffkommission ... beschlossen": butonitazene in
Schedule I of the 1961 Convention, 3-CMC, dipentylone and 2-fluorodeschloroketamine in Schedule II and
bromazolam in Schedule IV of the 1971 Convention. Structures are written here by hand from the
substances' chemical names, independently of the OPSIN parses the rules store.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

TODAY = date(2026, 12, 4)
UN_1971 = ("un-1971-schedule-i", "un-1971-schedule-ii", "un-1971-schedule-iii", "un-1971-schedule-iv")

PROTONITAZEPYNE = "CCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"
CARISOPRODOL = "CCCC(C)(COC(N)=O)COC(=O)NC(C)C"
TWO_METHYL_AP_237 = "CCCC(=O)N1CCN(C/C=C/c2ccccc2)CC1C"
METHOXETAMINE = "CCNC1(c2cccc(OC)c2)CCCCC1=O"
# 2-(2-fluorophenyl)-2-(methylamino)cyclohexan-1-one (WHO ECDD repository), written by hand
TWO_FDCK = "CNC1(CCCCC1=O)c1ccccc1F"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _matches(classifier: Classifier, smiles: str, on: date = TODAY):
    return classifier.classify(identify(smiles), jurisdictions=["UN"], as_of=on).results["UN"].matches


def _listed(classifier: Classifier, smiles: str, on: date = TODAY) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for match in _matches(classifier, smiles, on):
        found.setdefault(match.rule_id, set()).add(match.substance)
    return found


@pytest.mark.parametrize(
    ("session", "listed_as", "smiles", "rule_id"),
    [
        # 68th session (March 2025): WHO release "UN Commission approves WHO recommendations ..."
        ("68th", "N-pyrrolidino protonitazene", PROTONITAZEPYNE, "un-1961-schedule-i"),
        (
            "68th",
            "N-pyrrolidino metonitazene",
            "COc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1",
            "un-1961-schedule-i",
        ),
        ("68th", "etonitazepipne", "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCCC2)cc1", "un-1961-schedule-i"),
        (
            "68th",
            "N-desethyl isotonitazene",
            "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
            "un-1961-schedule-i",
        ),
        ("68th", "hexahydrocannabinol", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21", "un-1971-schedule-ii"),
        (
            "68th, one stereoisomer (no stereochemistry in the entry)",
            "hexahydrocannabinol",
            "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CC[C@@H](C)C[C@H]21",
            "un-1971-schedule-ii",
        ),
        ("68th", "carisoprodol", CARISOPRODOL, "un-1971-schedule-iv"),
        # 67th session (March 2024): the vote on butonitazene (cndblog.org, 48 in favour); the session's
        # decisions of 19 March 2024 as gmp-navigator.com reports them
        ("67th", "butonitazene", "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1", "un-1961-schedule-i"),
        ("67th", "2-fluorodeschloroketamine", TWO_FDCK, "un-1971-schedule-ii"),
        ("67th, as a hydrochloride", "2-fluorodeschloroketamine", TWO_FDCK + ".Cl", "un-1971-schedule-ii"),
        ("67th", "3-CMC", "CNC(C)C(=O)c1cccc(Cl)c1", "un-1971-schedule-ii"),
        ("67th", "dipentylone", "CCCC(N(C)C)C(=O)c1ccc2c(c1)OCO2", "un-1971-schedule-ii"),
        ("67th", "bromazolam", "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2", "un-1971-schedule-iv"),
        # 66th session (March 2023): WHO update of 30 March 2023, the CND accepted all recommendations
        ("66th", "2-methyl-AP-237", TWO_METHYL_AP_237, "un-1961-schedule-i"),
        ("66th, as a hydrochloride", "2-methyl-AP-237", TWO_METHYL_AP_237 + ".Cl", "un-1961-schedule-i"),
        ("66th", "3-MMC", "CNC(C)C(=O)c1cccc(C)c1", "un-1971-schedule-ii"),
        # 65th session (March 2022): cndblog.org records the vote on brorphine
        ("65th", "brorphine", "CC(c1ccc(Br)cc1)N1CCC(n2c(=O)[nH]c3ccccc32)CC1", "un-1961-schedule-i"),
    ],
    ids=lambda value: value if isinstance(value, str) and not value.startswith(("C", "un-")) else None,
)
def test_scheduled_by_the_cnd(classifier, session, listed_as, smiles, rule_id):
    found = _listed(classifier, smiles)
    assert listed_as in found.get(rule_id, set()), (
        f"{listed_as} ({session} session) should be in {rule_id} on {TODAY}; found {found}"
    )


def test_the_date_of_a_2025_decision_is_not_claimed(classifier):
    # The Secretary-General's notification date (1961 art. 3(7)) was read for no decision.
    (match,) = [m for m in _matches(classifier, PROTONITAZEPYNE) if m.rule_id == "un-1961-schedule-i"]
    assert match.date_recorded is False


def test_flubromazepam_is_in_no_un_schedule(classifier):
    # WHO recommended for the 67th session that flubromazepam be kept under surveillance (strtrade.com,
    # February 2024; not among the recommendations of 89 FR 8683); no decision read schedules it.
    flubromazepam = "O=C1CN=C(c2ccccc2F)c2cc(Br)ccc2N1"
    found = _listed(classifier, flubromazepam)
    assert not found, f"flubromazepam is in no UN schedule; found {found}"


# UNIS/NAR/1267 and 87 FR 34166 (primary) put methoxetamine under the 1971 Convention; Schedule II
# is read only in a secondary source (un1971.txt says so)
def test_methoxetamine_is_under_the_1971_convention(classifier):
    found = _listed(classifier, METHOXETAMINE)
    assert any(rule in found for rule in UN_1971), f"methoxetamine: found {found}"


# The earliest day an addition can apply (not_before), from the Conventions and the session dates read:
# 1961 art. 3(7) - effective on receipt of the Secretary-General's communication of the decision, so not
# before the session's first day; 1971 art. 2(7) ("Der Beschluß tritt für jede Vertragspartei 180 Tage
# nach dem Datum dieser Mitteilung uneingeschränkt in Kraft", the text in force in Austria, RIS) - not
# before the session's first day + 180 days. Session days: 66th 13-17 March 2023 (COM(2023) 2), 67th
# decided 19 March 2024 (gmp-navigator.com), 68th 10-14 March 2025 (COM(2025) 6, Council Decision (EU)
# 2025/493). The day of the communication was read for none, so the answer says "date not recorded".
HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"


@pytest.mark.parametrize(
    ("name", "smiles", "rule_id", "first_day"),
    [
        # 1961 Convention: from the first day of the session
        ("N-pyrrolidino protonitazene", PROTONITAZEPYNE, "un-1961-schedule-i", date(2025, 3, 10)),
        (
            "butonitazene",
            "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
            "un-1961-schedule-i",
            date(2024, 3, 19),
        ),
        ("2-methyl-AP-237", TWO_METHYL_AP_237, "un-1961-schedule-i", date(2023, 3, 13)),
        # 1971 Convention: 180 days after the first day of the session at the earliest
        ("carisoprodol", CARISOPRODOL, "un-1971-schedule-iv", date(2025, 3, 10) + timedelta(days=180)),
        ("hexahydrocannabinol", HHC, "un-1971-schedule-ii", date(2025, 3, 10) + timedelta(days=180)),
        ("2-fluorodeschloroketamine", TWO_FDCK, "un-1971-schedule-ii", date(2024, 3, 19) + timedelta(days=180)),
        ("3-MMC", "CNC(C)C(=O)c1cccc(C)c1", "un-1971-schedule-ii", date(2023, 3, 13) + timedelta(days=180)),
    ],
)
def test_not_answered_before_the_decision_can_take_effect(classifier, name, smiles, rule_id, first_day):
    """Not answered the day before the earliest day the decision can take effect; answered from that
    day with "date not recorded"."""
    before = first_day - timedelta(days=1)
    found = _listed(classifier, smiles, on=before)
    assert rule_id not in found, f"{name} was not yet in {rule_id} on {before}; found {found}"
    (match,) = [m for m in _matches(classifier, smiles, on=first_day) if m.rule_id == rule_id]
    assert match.date_recorded is False


def test_a_1971_decision_does_not_answer_in_the_half_year_after_the_vote(classifier):
    # The 68th session voted in March 2025; under art. 2(7) carisoprodol cannot have been in Schedule IV
    # on 1 April 2025 (the encoding answered "controlled, date not recorded" from 1 March 2025 before)
    assert "un-1971-schedule-iv" not in _listed(classifier, CARISOPRODOL, on=date(2025, 4, 1))
    assert "un-1971-schedule-iv" in _listed(classifier, CARISOPRODOL, on=date(2025, 12, 1))


def test_2fdck_is_listed_once_and_ketamine_stays_unscheduled(classifier):
    """2-FDCK is its own Schedule II entry (no other UN entry shares its connectivity); ketamine, its
    chlorine analogue, is in no UN schedule (test_un_eu.py, test_not_under_un), and the new entry must
    not reach it."""
    assert _listed(classifier, TWO_FDCK) == {"un-1971-schedule-ii": {"2-fluorodeschloroketamine"}}
    assert not _listed(classifier, "CNC1(CCCCC1=O)c1ccccc1Cl"), "ketamine is in no UN schedule"
