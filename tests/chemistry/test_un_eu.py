"""Known answers from the UN schedules and the EU control decisions, written from the legal texts.

UN: Single Convention 1961 (Yellow List) and Convention on Psychotropic Substances 1971 (Green List)
as amended by the CND; EU: Council decisions under 2005/387/JHA and Commission delegated directives
amending the Annex to Framework Decision 2004/757/JHA. Expectations are the law's, not the engine's.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _answer(classifier: Classifier, smiles: str, jurisdiction: str, on: date = TODAY):
    return classifier.classify(identify(smiles), jurisdictions=[jurisdiction], as_of=on).results[jurisdiction]


def _listed(classifier, smiles, jurisdiction="UN", on=TODAY) -> dict[str, set[str]]:
    """rule id -> names under which the compound is listed."""
    found: dict[str, set[str]] = {}
    for match in _answer(classifier, smiles, jurisdiction, on).matches:
        found.setdefault(match.rule_id, set()).add(match.substance)
    return found


@pytest.mark.parametrize(
    ("name", "smiles", "rule_id", "listed_as"),
    [
        # The example: diazepam is a Schedule IV psychotropic (CND, 1984).
        ("diazepam", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "un-1971-schedule-iv", "diazepam"),
        ("fentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "un-1961-schedule-i", "fentanyl"),
        (
            "cocaine hydrochloride",
            "COC(=O)[C@H]1[C@@H](OC(=O)c2ccccc2)C[C@@H]2CC[C@H]1N2C.Cl",
            "un-1961-schedule-i",
            "cocaine",
        ),
        ("MDMA", "CNC(C)Cc1ccc2OCOc2c1", "un-1971-schedule-i", "MDMA"),
        # E/CN.7/2015/7: the UK's proposal, amended at the session to Schedule II; CND 58th session.
        ("mephedrone", "CNC(C)C(=O)c1ccc(C)cc1", "un-1971-schedule-ii", "mephedrone"),
        (
            "isotonitazene",
            "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
            "un-1961-schedule-i",
            "isotonitazene",
        ),
        # E/CN.7/2018/10: carfentanil in Schedules I and IV of the 1961 Convention.
        ("carfentanil (I)", "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1", "un-1961-schedule-i", "carfentanil"),
        ("carfentanil (IV)", "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1", "un-1961-schedule-iv", "carfentanil"),
        ("codeine", "COc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](O)C=C[C@@H]35", "un-1961-schedule-ii", "codeine"),
        (
            "buprenorphine",
            "CO[C@]12CC[C@@]3(C[C@@H]1[C@](C)(O)C(C)(C)C)[C@H]1Cc4ccc(O)c5O[C@@H]2[C@]3(CCN1CC1CC1)c45",
            "un-1971-schedule-iii",
            "buprenorphine",
        ),
        ("GHB (moved to Schedule II in 2013)", "OCCCC(=O)O", "un-1971-schedule-ii", "GHB"),
        ("delta-9-THC", "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21", "un-1971-schedule-ii", "dronabinol"),
        (
            "ADB-BUTINACA (CND 2023)",
            "CCCCn1nc(C(=O)NC(C(N)=O)C(C)(C)C)c2ccccc21",
            "un-1971-schedule-ii",
            "ADB-BUTINACA",
        ),
        ("bromazolam (CND 2024)", "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2", "un-1971-schedule-iv", "bromazolam"),
        (
            "etonitazepyne (CND 2023)",
            "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1",
            "un-1961-schedule-i",
            "etonitazepyne",
        ),
        ("amfetamine, stereo undefined", "CC(N)Cc1ccccc1", "un-1971-schedule-ii", "amfetamine"),
        ("dexamfetamine", "C[C@H](N)Cc1ccccc1", "un-1971-schedule-ii", "dexamfetamine"),
        ("levorphanol", "CN1CC[C@]23CCCC[C@H]2[C@H]1Cc1ccc(O)cc13", "un-1961-schedule-i", "levorphanol"),
    ],
    ids=lambda value: value if isinstance(value, str) and not value.startswith(("C", "O", "un-")) else None,
)
def test_listed_under_un(classifier, name, smiles, rule_id, listed_as):
    found = _listed(classifier, smiles)
    assert listed_as in found.get(rule_id, set()), f"{name}: expected in {rule_id} as {listed_as}; found {found}"


@pytest.mark.parametrize(
    ("name", "smiles"),
    [
        # Ketamine was proposed for Schedule I (China, then Schedule IV) in 2015 (E/CN.7/2015/7); the
        # CND did not schedule it, and it is in no UN schedule.
        ("ketamine", "CNC1(c2ccccc2Cl)CCCCC1=O"),
        # Dextromethorphan and dextrorphan are excepted from the isomers of 1961 Schedule I.
        ("dextromethorphan", "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(OC)cc13"),  # InChIKey MKXZASYAUGDDCJ-NJAFHUGGSA-N
        ("dextrorphan", "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(O)cc13"),
        ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
    ],
)
def test_not_under_un(classifier, name, smiles):
    answer = _answer(classifier, smiles, "UN")
    assert not answer.matches, (
        f"{name} is in no UN schedule; found {[(m.rule_id, m.substance) for m in answer.matches]}"
    )


def test_un_dates_follow_entry_into_force(classifier):
    dmt = "CN(C)CCc1c[nH]c2ccccc12"  # 1971 Schedule I as adopted; in force 16 August 1976
    assert not _answer(classifier, dmt, "UN", date(1976, 8, 15)).matches
    assert "un-1971-schedule-i" in _listed(classifier, dmt, on=date(1976, 8, 16))
    morphine = "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5"  # 1961 Schedule I; 13 December 1964
    assert not _answer(classifier, morphine, "UN", date(1964, 12, 12)).matches
    assert "un-1961-schedule-i" in _listed(classifier, morphine, on=date(1964, 12, 13))


def test_later_additions_say_their_date_is_not_recorded(classifier):
    (match,) = [
        m for m in _answer(classifier, "CNC(C)C(=O)c1ccc(C)cc1", "UN").matches if m.rule_id == "un-1971-schedule-ii"
    ]
    assert match.date_recorded is False  # the SG's communication date of the 2015 decision was not established


@pytest.mark.parametrize(
    ("name", "smiles"),
    [
        ("mephedrone (Council Decision 2010/759/EU)", "CNC(C)C(=O)c1ccc(C)cc1"),
        ("MDPV (Council Implementing Decision (EU) 2015/1875)", "CCCC(C(=O)c1ccc2OCOc2c1)N1CCCC1"),
        ("methoxetamine (2015/1875)", "CCNC1(c2cccc(OC)c2)CCCCC1=O"),
        ("alpha-PVP (2016/1070)", "CCCC(C(=O)c1ccccc1)N1CCCC1"),
        ("cyclopropylfentanyl (2018/1463)", "O=C(C1CC1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"),
        (
            "isotonitazene (Delegated Directive (EU) 2020/1687)",
            "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
        ),
        ("MDMB-4en-PINACA (2021/802)", "COC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C"),
        ("4F-MDMB-BICA (2021/802)", "COC(=O)C(NC(=O)c1cn(CCCCF)c2ccccc12)C(C)(C)C"),
        ("3-MMC (2022/1326)", "CNC(C)C(=O)c1cccc(C)c1"),
        ("3-CMC (2022/1326)", "CNC(C)C(=O)c1cccc(Cl)c1"),
    ],
)
def test_controlled_across_the_eu(classifier, name, smiles):
    assert "eu-nps-control-measures" in _listed(classifier, smiles, "EU"), f"{name} is under EU control measures"


def test_eu_dates_where_the_decision_was_read(classifier):
    acryloylfentanyl = "C=CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"  # 2017/1774, in force 30 September 2017
    assert not _answer(classifier, acryloylfentanyl, "EU", date(2017, 9, 29)).matches
    assert "eu-nps-control-measures" in _listed(classifier, acryloylfentanyl, "EU", date(2017, 9, 30))


def test_ketamine_is_not_an_eu_nps_either(classifier):
    assert not _answer(classifier, "CNC1(c2ccccc2Cl)CCCCC1=O", "EU").matches


# Commission Delegated Directive (EU) 2025/2062 of 14 October 2025 (OJ L 2025/2062, 23.12.2025; EUR-Lex,
# recital 1): 2-methylmethcathinone, N-ethylnorpentedrone and 4-bromomethcathinone. Structures written by
# hand from those names. Article 2 (the day Member States apply the measures) was not read, so the answer
# says "date not recorded" and starts no earlier than the publication in the Official Journal.
EU_2025_2062 = [
    ("2-MMC", "CNC(C)C(=O)c1ccccc1C"),
    ("NEP", "CCNC(CCC)C(=O)c1ccccc1"),
    ("4-BMC", "CNC(C)C(=O)c1ccc(Br)cc1"),
]


@pytest.mark.parametrize(("name", "smiles"), EU_2025_2062, ids=[n for n, _ in EU_2025_2062])
def test_delegated_directive_2025_2062(classifier, name, smiles):
    before = _listed(classifier, smiles, "EU", date(2025, 12, 22))
    assert "eu-nps-control-measures" not in before, f"{name} was not yet under EU control; found {before}"
    after = _answer(classifier, smiles, "EU", date(2026, 6, 1))
    (match,) = [m for m in after.matches if m.rule_id == "eu-nps-control-measures"]
    assert match.substance == name
    assert match.date_recorded is False


def test_the_2025_directive_names_the_ortho_isomer_only(classifier):
    # 3-MMC (2022/1326) and mephedrone (4-MMC, 2010/759/EU) are other entries; 2-MMC must not answer as them
    assert _listed(classifier, "CNC(C)C(=O)c1ccccc1C", "EU", date(2026, 6, 1)) == {"eu-nps-control-measures": {"2-MMC"}}


@pytest.mark.parametrize(
    ("name", "smiles", "published"),
    [
        # Delegated Directive (EU) 2022/1326, OJ L 200, 29.7.2022 (EUR-Lex CELEX 32022L1326)
        ("3-CMC", "CNC(C)C(=O)c1cccc(Cl)c1", date(2022, 7, 29)),
        # Delegated Directive (EU) 2020/1687, OJ L 379, 13.11.2020
        ("isotonitazene", "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21", date(2020, 11, 13)),
    ],
)
def test_a_delegated_directive_does_not_answer_before_its_publication(classifier, name, smiles, published):
    assert "eu-nps-control-measures" not in _listed(classifier, smiles, "EU", published - timedelta(days=1))
    (match,) = [m for m in _answer(classifier, smiles, "EU", published).matches]
    assert match.rule_id == "eu-nps-control-measures" and match.date_recorded is False


def test_furanylfentanyl_from_the_entry_into_force_of_2017_2170(classifier):
    # EU Monitor, Implementing decision 2017/2170: OJ L 306 of 22-11-2017, entry into force 23-11-2017
    furanylfentanyl = "O=C(c1ccco1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
    assert not _answer(classifier, furanylfentanyl, "EU", date(2017, 11, 22)).matches
    (match,) = _answer(classifier, furanylfentanyl, "EU", date(2017, 11, 23)).matches
    assert match.substance == "furanylfentanyl" and match.date_recorded is True


def test_mephedrone_not_under_eu_control_before_its_council_decision(classifier):
    # Council Decision 2010/759/EU of 2 December 2010
    mephedrone = "CNC(C)C(=O)c1ccc(C)cc1"
    assert not _answer(classifier, mephedrone, "EU", date(2010, 12, 1)).matches
    assert "eu-nps-control-measures" in _listed(classifier, mephedrone, "EU", date(2011, 1, 1))


def test_mdmb_chmica_from_the_entry_into_force_of_2017_369(classifier):
    # EU Monitor, Implementing decision 2017/369: OJ L 56 of 03-03-2017, entry into force 04-03-2017
    mdmb_chmica = "COC(=O)C(NC(=O)c1cn(CC2CCCCC2)c2ccccc12)C(C)(C)C"
    assert not _answer(classifier, mdmb_chmica, "EU", date(2017, 3, 3)).matches
    (match,) = _answer(classifier, mdmb_chmica, "EU", date(2017, 3, 4)).matches
    assert match.substance == "MDMB-CHMICA" and match.date_recorded is True


def test_adb_chminaca_not_before_the_publication_of_2018_747(classifier):
    # Council Implementing Decision (EU) 2018/747 of 14 May 2018, OJ L 125, 22.5.2018
    adb_chminaca = "CC(C)(C)C(NC(=O)c1nn(CC2CCCCC2)c2ccccc12)C(N)=O"
    assert not _answer(classifier, adb_chminaca, "EU", date(2018, 5, 21)).matches
    (match,) = _answer(classifier, adb_chminaca, "EU", date(2018, 5, 22)).matches
    assert match.substance == "ADB-CHMINACA" and match.date_recorded is False
