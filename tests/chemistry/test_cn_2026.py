"""China: what the encoded CN instruments answer, with expectations from the texts read.

Sources (cited in the rule files): the UN schedules (1961 Schedule I: heroin, cocaine, morphine; 1971
Schedule I: MDMA, (+)-lysergide; Schedule II: metamfetamine), China's accession to the 1971 Convention
(23 August 1985, UN Treaty Collection VI.16) and the 2013 catalogues in force 1 January 2014
(cn_un_conventions.toml, inferred); UNODC LSS, "January 2014 - China" (BZP, JWH-018, JWH-073, MDPV,
methylone, 2C-I ... controlled since 1 January 2014; mephedrone controlled since 2010); UNODC LSS,
"October 2015 - China" (116 NPS from 1 October 2015: butylone, alpha-PVP, pentedrone, ethcathinone,
4-FA, 5-APDB, 5F-AB-PINACA, 5F-ADBICA, AB-CHIMINACA named) and the UNODC LSS country page (six
fentanyl analogues in the 2015 list; four more from 1 March 2017; 4-FIBF and THF-F from 1 September
2018); the 2025 catalogues as copied in chemistry/rules/sources/cn_catalogues_2025.md (non-medical
catalogue No. 36 AB-FUBINACA, No. 157 氟胺酮 2-FDCK, No. 347 海洛因 heroin; medical narcotic No. 13 fentanyl;
medical psychotropic class I No. 7 ketamine, class II No. 10 咖啡因 caffeine; dated 28 July 2025, in-force
day not read). The expected answers below are written from these texts, not read back from the rule files.
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


PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"


def test_an_unscheduled_substance_is_not_swept_in(classifier):
    # caffeine is on no UN schedule, so the inference leaves it out; paracetamol is listed nowhere
    assert "cn-un-conventions" not in {m.rule_id for m in _cn(classifier, CAFFEINE, NOW).matches}
    assert _cn(classifier, PARACETAMOL, NOW).status == "not_controlled"


def test_the_generated_file_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "chemistry.rules.sources.cn_un_build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


# Named listings read in UNODC LSS / China News Service texts; SMILES written from the names
JWH_018 = "CCCCCN1C=C(C(C2=CC=CC3=CC=CC=C32)=O)C4=CC=CC=C41"
JWH_073 = "CCCCN1C=C(C2=CC=CC=C21)C(=O)C3=CC=CC4=CC=CC=C43"
MDPV = "O=C(C(CCC)N1CCCC1)C2=CC=C3C(OCO3)=C2"
METHYLONE = "CC(NC)C(=O)C1=CC=C(OCO2)C2=C1"
TWO_C_I = "Ic1cc(OC)c(cc1OC)CCN"
MEPHEDRONE = "CC1=CC=C(C(C(NC)C)=O)C=C1"
ALPHA_PVP = "CCCC(N1CCCC1)C(=O)c1ccccc1"
FIVE_F_AB_PINACA = "CC(C)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(N)=O"
U_47700 = "ClC1=C(C=CC(=C1)C(=O)N(C)[C@@H]2CCCC[C@H]2N(C)C)Cl"
CARFENTANIL = "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1"
THF_F = "O=C(C1CCCO1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
# AB-FUBINACA: a synthetic cannabinoid; the 2021 class's general formula (a drawing) could not be read
AB_FUBINACA = "CC(C)[C@H](NC(=O)c1nn(Cc2ccc(F)cc2)c3ccccc13)C(N)=O"


@pytest.mark.parametrize(
    "smiles",
    [JWH_018, JWH_073, MDPV, METHYLONE, TWO_C_I, MEPHEDRONE],
    ids=["JWH-018", "JWH-073", "MDPV", "methylone", "2C-I", "mephedrone"],
)
def test_nps_added_to_the_psychotropic_catalogue_are_controlled_from_1_january_2014(classifier, smiles):
    assert _cn(classifier, smiles, BEFORE_CATALOGUES).status == "not_controlled"
    result = _cn(classifier, smiles, date(2014, 1, 1))
    assert result.status == "controlled_by_name"
    assert "cn-psychotropic-catalogue-2013-nps" in {m.rule_id for m in result.matches}


@pytest.mark.parametrize(
    "smiles, in_force",
    [
        (ALPHA_PVP, date(2015, 10, 1)),
        (FIVE_F_AB_PINACA, date(2015, 10, 1)),
        (CARFENTANIL, date(2017, 3, 1)),
        (U_47700, date(2017, 7, 1)),
        (THF_F, date(2018, 9, 1)),
    ],
    ids=["alpha-PVP", "5F-AB-PINACA", "carfentanil", "U-47700", "THF-F"],
)
def test_supplementary_list_entries_answer_from_the_day_the_text_gives(classifier, smiles, in_force):
    before = _cn(classifier, smiles, date.fromordinal(in_force.toordinal() - 1))
    assert "cn-supplementary-list-named" not in {m.rule_id for m in before.matches}
    on = _cn(classifier, smiles, in_force)
    assert on.status == "controlled_by_name"
    assert "cn-supplementary-list-named" in {m.rule_id for m in on.matches}


def test_a_synthetic_cannabinoid_is_answered_only_from_the_2025_catalogue_that_names_it(classifier):
    # China controls all synthetic cannabinoids from 1 July 2021 (Xinhua, 11 May 2021), but the class's
    # general formula (an image) could not be read, so before the 2025 catalogue (No. 36, AB-FUBINACA)
    # no CN rule answers for it: the caveat says why. From 28 July 2025 (lower bound) it is listed by name.
    before = _cn(classifier, AB_FUBINACA, date(2025, 7, 27))
    assert not [m for m in before.matches if m.rule_id.startswith("cn-")]
    after = _cn(classifier, AB_FUBINACA, NOW)
    assert after.status == "controlled_by_name"
    (match,) = [m for m in after.matches if m.rule_id == "cn-nonmedical-catalogue-2025"]
    assert match.date_recorded is False


CATALOGUE_DAY = date(2025, 7, 28)  # the copy's date: a lower bound, the in-force day was not read
FDCK = "CNC1(CCCCC1=O)c1ccccc1F"
FENTANYL = "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
KETAMINE = "CNC1(CCCCC1=O)c1ccccc1Cl"


@pytest.mark.parametrize(
    "smiles, rule_id",
    [
        (HEROIN, "cn-nonmedical-catalogue-2025"),
        (FDCK, "cn-nonmedical-catalogue-2025"),
        (AB_FUBINACA, "cn-nonmedical-catalogue-2025"),
        (FENTANYL, "cn-medical-narcotic-catalogue-2025"),
        (KETAMINE, "cn-medical-psychotropic-catalogue-2025-class-i"),
        (CAFFEINE, "cn-medical-psychotropic-catalogue-2025-class-ii"),
    ],
    ids=["heroin", "2-FDCK", "AB-FUBINACA", "fentanyl", "ketamine", "caffeine"],
)
def test_the_2025_catalogues_answer_from_their_date_and_say_it_is_not_recorded(classifier, smiles, rule_id):
    assert rule_id not in {m.rule_id for m in _cn(classifier, smiles, date(2025, 7, 27)).matches}
    result = _cn(classifier, smiles, CATALOGUE_DAY)
    assert result.status == "controlled_by_name"
    (match,) = [m for m in result.matches if m.rule_id == rule_id]
    assert match.date_recorded is False


def test_the_2025_catalogue_file_is_up_to_date():
    pytest.importorskip("py2opsin")
    done = subprocess.run(
        [sys.executable, "-m", "chemistry.rules.sources.cn_catalogues_build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]


ISOTONITAZENE = "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21"
# constructed from the class wording: (3) a 4-methoxyphenyl replaced by 4-fluorophenyl and (4) piperidinyl
CONSTRUCTED_NITAZENE = "O=[N+]([O-])c1ccc2c(c1)nc(Cc1ccc(F)cc1)n2CCN1CCCCC1"


@pytest.mark.parametrize("smiles", [ISOTONITAZENE, CONSTRUCTED_NITAZENE], ids=["isotonitazene", "constructed"])
def test_the_nitazene_class_applies_from_1_july_2025(classifier, smiles):
    # China Daily, 19 June 2025: "into its controlled list starting July 1"
    before = _cn(classifier, smiles, date(2025, 6, 30))
    assert "cn-nitazene-related-substances" not in {m.rule_id for m in before.matches}
    on = _cn(classifier, smiles, date(2025, 7, 1))
    assert "cn-nitazene-related-substances" in {m.rule_id for m in on.matches}
    assert on.status in {"controlled_by_group", "controlled_by_name"}
