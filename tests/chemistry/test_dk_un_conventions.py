"""Denmark controls the substances of the UN schedules: inferred, said to be inferred, never dated.

The text of bilag 1 could not be read, so chemistry/rules/dk_un_conventions.toml carries the UN-scheduled
substances over by Denmark's treaty obligations (chemistry/rules/sources/dk_un_build.py says why). These
tests hold it to what that inference may and may not claim. The substances and their schedules below
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
# brorphine: 1961 Schedule I by the CND's 67th session (March 2024), after BEK 2446/2021 re-issued bilag 1
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
        [sys.executable, "-m", "chemistry.rules.sources.dk_un_build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
