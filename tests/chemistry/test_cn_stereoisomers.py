"""China's catalogues extend each entry to its stereoisomers "unless otherwise provided".

Read in the catalogues' notes (chemistry/rules/sources/cn_catalogues_2025.md): the non-medical
catalogue, note 1, "上述品种包含其可能存在的盐类、立体异构体及其盐类（另有规定的除外）"; the medical
narcotic catalogue, note 2, "上述品种包括其可能存在的立体异构体、酯及醚（除非另有规定）"; the medical
psychotropic catalogue, note 2, "上述品种包括其可能存在的立体异构体（除非另有规定）". The psychotropic
catalogue lists dextromethorphan (右美沙芬, class II, No. 22) by name, while the non-medical catalogue lists
levomethorphan (左美沙芬, No. 352) and the medical narcotic catalogue racemethorphan (消旋甲啡烷, No. 26).
So dextromethorphan is a class II psychotropic substance, not a narcotic drug as a stereoisomer of
either; and levomethorphan is not a class II psychotropic substance as a stereoisomer of
dextromethorphan.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import Rule

ON = date(2026, 12, 1)
DEXTROMETHORPHAN = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(OC)cc13"  # (+)-3-methoxy-17-methylmorphinan
LEVOMETHORPHAN = "CN1CC[C@]23CCCC[C@H]2[C@H]1Cc1ccc(OC)cc13"  # its enantiomer
NON_MEDICAL = "cn-nonmedical-catalogue-2025"
NARCOTIC = "cn-medical-narcotic-catalogue-2025"
PSYCHOTROPIC_II = "cn-medical-psychotropic-catalogue-2025-class-ii"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _cn(classifier: Classifier, smiles: str):
    return classifier.classify(identify(smiles), jurisdictions=["CN"], as_of=ON).results["CN"]


def test_dextromethorphan_is_the_class_ii_psychotropic_substance_listed_by_name(classifier):
    result = _cn(classifier, DEXTROMETHORPHAN)
    assert result.status == "controlled_by_name"
    assert {(m.rule_id, m.substance) for m in result.matches} == {(PSYCHOTROPIC_II, "Dextromethorphan")}
    set_aside = {(s.match.rule_id, s.match.substance): s for s in result.set_aside}
    assert set(set_aside) == {(NON_MEDICAL, "Levomethorphan"), (NARCOTIC, "Racemethorphan")}
    for aside in set_aside.values():
        assert aside.by == (PSYCHOTROPIC_II,)
        assert "listed by its own name" in aside.reason
    assert "另有规定的除外" in set_aside[(NON_MEDICAL, "Levomethorphan")].reason
    assert "除非另有规定" in set_aside[(NARCOTIC, "Racemethorphan")].reason


def test_levomethorphan_is_not_a_stereoisomer_of_the_listed_dextromethorphan(classifier):
    result = _cn(classifier, LEVOMETHORPHAN)
    assert result.status == "controlled_by_name"
    assert (NON_MEDICAL, "Levomethorphan") in {(m.rule_id, m.substance) for m in result.matches}
    assert PSYCHOTROPIC_II not in {m.rule_id for m in result.matches}
    assert {s.match.substance for s in result.set_aside} == {"Dextromethorphan", "Racemethorphan"}


def test_a_stereoisomer_no_catalogue_lists_by_name_stays_covered(classifier):
    """Dextrorphan is listed in no catalogue: levorphanol's and racemorphan's entries reach it as
    a stereoisomer, and nothing sets them aside (the notes provide no exception for it)."""
    dextrorphan = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(O)cc13"
    result = _cn(classifier, dextrorphan)
    assert result.status == "controlled_by_name"
    assert {m.substance for m in result.matches} >= {"Levorphanol", "Racemorphan"}
    assert not result.set_aside


def test_the_exception_is_only_for_named_rules_that_include_stereoisomers():
    base = {
        "id": "xx-test",
        "kind": "named",
        "title": "t",
        "jurisdiction": "CN",
        "list": "l",
        "in_force_from": date(2025, 1, 1),
        "citation": {"act": "a", "part": "p", "reference": "r", "url": "https://example.org"},
        "stereoisomers_except_listed": "note",
        "substances": [
            {
                "name": "x",
                "smiles": "CC(N)Cc1ccccc1",
                "source": "s",
                "structure_from": "reviewed",
                "structure_note": "n",
            }
        ],
    }
    Rule.model_validate(base)
    with pytest.raises(ValueError, match="stereoisomers_except_listed"):
        Rule.model_validate(base | {"stereoisomers_included": False})
