"""Denmark and the UK control the substances of the UN schedules: inferred, said to be inferred, never dated.

Neither bilag 1 (DK) nor all of Schedule 2 (GB) could be read, so dk_un_conventions.toml and
gb_un_conventions.toml carry the UN-scheduled substances over by the Parties' treaty obligations
(chemistry/rules/sources/un_obligations_build.py says why). These tests hold them to what that inference
may and may not claim. The substances and their schedules below
are written from the Conventions' schedules (1961 Schedule I: fentanyl, morphine, methadone; 1971
Schedule II: methaqualone; Schedule IV: phenobarbital), not from the generated file. MDMA is
on 1971 Schedule I too, but a Danish group ban (list B phenethylamines, read) captures it, so the group
answers.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify

ROOT = Path(__file__).resolve().parents[2]
ON = date(2026, 1, 1)

FENTANYL = "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
MORPHINE = "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5"
METHADONE = "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1"
MDMA = "CC(Cc1ccc2c(c1)OCO2)NC"
METHAQUALONE = "Cc1ccccc1-n1c(C)nc2ccccc2c1=O"
PHENOBARBITAL = "CCC1(c2ccccc2)C(=O)NC(=O)NC1=O"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"
# brorphine: 1961 Schedule I by the CND's 65th session (March 2022; cndblog.org records the vote), after
# BEK 2446/2021 re-issued bilag 1 in force 1 January 2022
BRORPHINE = "CC(c1ccc(Br)cc1)N1CCC(CC1)n1c(=O)[nH]c2ccccc21"
DIAZEPAM = "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


@pytest.mark.parametrize("smiles", [FENTANYL, MORPHINE, METHADONE, METHAQUALONE, PHENOBARBITAL], ids=lambda s: s[:12])
def test_a_substance_of_the_un_schedules_is_controlled_in_denmark_by_name(classifier, smiles):
    result = classifier.classify(identify(smiles), jurisdictions=["DK"], as_of=ON).results["DK"]
    assert result.status == "controlled_by_name"
    (match,) = [m for m in result.matches if m.rule_id == "dk-bek-un-conventions"]
    # the inference is said, in the words every answer carries: title, list, and no date
    assert "inferred" in match.title and "not read" in match.list
    assert match.date_recorded is False


def test_substances_the_un_scheduled_after_the_order_was_reissued_are_not_inferred(classifier):
    result = classifier.classify(identify(BRORPHINE), jurisdictions=["DK"], as_of=ON).results["DK"]
    assert "dk-bek-un-conventions" not in {m.rule_id for m in result.matches}


def test_a_substance_denmark_lists_by_name_is_answered_once_by_its_own_list(classifier):
    result = classifier.classify(identify(DIAZEPAM), jurisdictions=["DK"], as_of=ON).results["DK"]
    assert [m.rule_id for m in result.matches] == ["dk-bek-list-e"]


def test_a_substance_a_danish_group_ban_captures_is_answered_by_the_group(classifier):
    result = classifier.classify(identify(MDMA), jurisdictions=["DK"], as_of=ON).results["DK"]
    assert result.status == "controlled_by_group"
    assert "dk-bek-un-conventions" not in {m.rule_id for m in result.matches}


def test_an_unscheduled_substance_is_not_swept_in(classifier):
    result = classifier.classify(identify(CAFFEINE), jurisdictions=["DK"], as_of=ON).results["DK"]
    assert result.status == "not_controlled"


def test_before_the_current_order_the_inference_does_not_answer(classifier):
    result = classifier.classify(identify(FENTANYL), jurisdictions=["DK"], as_of=date(2021, 6, 1)).results["DK"]
    assert "dk-bek-un-conventions" not in {m.rule_id for m in result.matches}


def test_the_generated_file_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "chemistry.rules.sources.un_obligations_build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


# United Kingdom: written from the schedules (1961 Schedule I: thebacon, sufentanil; 1971 Schedule I:
# cathinone; Schedule IV: phentermine, and clonazolam by the CND's 64th session, April 2021). Hydromorphone,
# etizolam and temazepam were here until the UK's own Part I (b41355d), SI 2017/634 (589626a) and secondary
# statements of temazepam's Class C (gb_mda_schedule2.txt [benzo-c], 6 December 2026) were read: the
# inference must then stand aside (test below).
THEBACON = "COc1ccc2c3c1O[C@H]1C(OC(C)=O)=CC[C@H]4[C@@H](C2)N(C)CC[C@]314"
TEMAZEPAM = "CN1C(=O)C(O)N=C(c2ccccc2)c2cc(Cl)ccc21"
PHENTERMINE = "CC(C)(N)Cc1ccccc1"
CLONAZOLAM = "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2"
HYDROMORPHONE = "CN1CCC23C4Oc5c(O)ccc(CC1C2CCC4=O)c35"
ETIZOLAM = "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl"
# bromazolam: 1971 Schedule IV by the 67th session (March 2024), after the cut-off
BROMAZOLAM = "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2"


@pytest.mark.parametrize("smiles", [THEBACON, PHENTERMINE, CLONAZOLAM], ids=["thebacon", "phentermine", "clonazolam"])
def test_a_substance_of_the_un_schedules_is_a_controlled_drug_in_the_uk_class_not_read(classifier, smiles):
    result = classifier.classify(identify(smiles), jurisdictions=["GB"], as_of=ON).results["GB"]
    assert result.status == "controlled_by_name"
    (match,) = [m for m in result.matches if m.rule_id == "gb-mda-un-conventions"]
    assert "Class not read" in match.list and "inferred" in match.title
    assert match.date_recorded is False


@pytest.mark.parametrize(
    ("smiles", "rule_id"),
    [(HYDROMORPHONE, "gb-mda-class-a"), (ETIZOLAM, "gb-mda-class-c"), (TEMAZEPAM, "gb-mda-class-c")],
    ids=["hydromorphone", "etizolam", "temazepam"],
)
def test_a_un_substance_the_uk_rules_read_is_not_also_inferred(classifier, smiles, rule_id):
    result = classifier.classify(identify(smiles), jurisdictions=["GB"], as_of=ON).results["GB"]
    rule_ids = {m.rule_id for m in result.matches}
    assert rule_id in rule_ids
    assert "gb-mda-un-conventions" not in rule_ids


def test_the_uk_inference_leaves_out_later_schedulings_and_what_the_uk_rules_already_answer(classifier):
    later = classifier.classify(identify(BROMAZOLAM), jurisdictions=["GB"], as_of=ON).results["GB"]
    assert "gb-mda-un-conventions" not in {m.rule_id for m in later.matches}
    # 2-FDCK: 1971 Schedule II by the 67th session (19 March 2024, gmp-navigator.com), after the cut-off too
    fdck = classifier.classify(identify("CNC1(CCCCC1=O)c1ccccc1F"), jurisdictions=["GB", "DK"], as_of=ON)
    assert "gb-mda-un-conventions" not in {m.rule_id for m in fdck.results["GB"].matches}
    assert "dk-bek-un-conventions" not in {m.rule_id for m in fdck.results["DK"].matches}
    # morphine is read in Part I para 1(a) (gb_named.toml): answered there, not by the inference
    morphine = classifier.classify(identify(MORPHINE), jurisdictions=["GB"], as_of=ON).results["GB"]
    assert [m.rule_id for m in morphine.matches] == ["gb-mda-class-a"]
