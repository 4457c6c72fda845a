"""China: what the encoded CN instruments answer, with expectations from the texts read.

Sources (cited in the rule files): the UN schedules (1961 Schedule I: heroin, cocaine, morphine; 1971
Schedule I: MDMA, (+)-lysergide; Schedule II: metamfetamine), China's accession to the 1971 Convention
(23 August 1985, UN Treaty Collection VI.16) and the 2013 catalogues in force 1 January 2014
(cn_un_conventions.toml, inferred); UNODC LSS, "January 2014 - China" (BZP, JWH-018, JWH-073, MDPV,
methylone, 2C-I ... controlled since 1 January 2014; mephedrone controlled since 2010); UNODC LSS,
"October 2015 - China" (116 NPS from 1 October 2015: butylone, alpha-PVP, pentedrone, ethcathinone,
4-FA, 5-APDB, 5F-AB-PINACA, 5F-ADBICA, AB-CHIMINACA named) and the UNODC LSS country page (six
fentanyl analogues in the 2015 list; four more from 1 March 2017; 4-FIBF and THF-F from 1 September
2018). The expected answers below are written from these texts, not read back from the rule files.
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
NOW = date(2026, 12, 5)
BEFORE_CATALOGUES = date(2013, 12, 31)

# SMILES from /work/shared/data/psychoactives.csv (the audit's rows) or written from the names
HEROIN = "CC(OC1=C(O[C@@H]2[C@]34CCN(C)[C@@H]([C@@H]4C=C[C@@H]2OC(C)=O)C5)C3=C5C=C1)=O"
COCAINE = "CN1[C@H]2CC[C@@H]1[C@@H](C(OC)=O)[C@@H](OC(C3=CC=CC=C3)=O)C2"
MORPHINE = "CN1CC[C@]23C4=C5C=CC(O)=C4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5"
METHAMPHETAMINE = "CNC(C)Cc1ccccc1"
MDMA = "CC(Cc1ccc2c(c1)OCO2)NC"
LSD = "CCN(CC)C(=O)[C@H]1CN([C@@H]2Cc3c[nH]c4cccc(C2=C1)c34)C"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"
# bromazolam: 1971 Schedule IV by the CND's 67th session (March 2024), long after the 2013 catalogues
BROMAZOLAM = "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _cn(classifier: Classifier, smiles: str, on: date):
    return classifier.classify(identify(smiles), jurisdictions=["CN"], as_of=on).results["CN"]


@pytest.mark.parametrize(
    "smiles",
    [HEROIN, COCAINE, MORPHINE, METHAMPHETAMINE, MDMA, LSD],
    ids=["heroin", "cocaine", "morphine", "methamphetamine", "MDMA", "LSD"],
)
def test_a_substance_of_the_un_schedules_is_controlled_in_china_by_inference(classifier, smiles):
    result = _cn(classifier, smiles, NOW)
    assert result.status == "controlled_by_name"
    matches = [m for m in result.matches if m.rule_id == "cn-un-conventions"]
    assert matches
    # the inference is said in what every answer carries: title and list, and no date
    for match in matches:
        assert "inferred" in match.title and "not read" in match.list
        assert match.date_recorded is False


def test_before_the_2013_catalogues_took_effect_the_inference_does_not_answer(classifier):
    result = _cn(classifier, HEROIN, BEFORE_CATALOGUES)
    assert "cn-un-conventions" not in {m.rule_id for m in result.matches}
    assert "cn-un-conventions" in {m.rule_id for m in _cn(classifier, HEROIN, date(2014, 1, 1)).matches}


def test_substances_the_un_scheduled_after_the_catalogues_are_not_inferred(classifier):
    result = _cn(classifier, BROMAZOLAM, NOW)
    assert "cn-un-conventions" not in {m.rule_id for m in result.matches}


def test_an_unscheduled_substance_is_not_swept_in(classifier):
    assert _cn(classifier, CAFFEINE, NOW).status == "not_controlled"


def test_the_generated_file_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "chemistry.rules.sources.cn_un_build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
