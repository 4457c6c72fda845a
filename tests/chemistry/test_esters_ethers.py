"""Esters and ethers of listed substances (chemistry/classify/esters.py, FORMAT.md "esters_and_ethers").

The schedules' own words, which every case below is read from:

- Single Convention 1961, Schedule I: "the esters and ethers, unless appearing in another Schedule,
  of the drugs in this Schedule whenever the existence of such esters or ethers is possible" (its
  Schedule II has no such clause);
- BtMG Anlage I: "die Ester, Ether und Molekülverbindungen der in dieser Anlage aufgeführten Stoffe,
  wenn sie nicht in einer anderen Anlage verzeichnet sind"; Anlage II: "... der in dieser Anlage sowie
  die Ester und Ether der in Anlage III aufgeführten Stoffe, ausgenommen gamma-Hydroxybuttersäure
  (GHB), wenn sie nicht in einer anderen Anlage verzeichnet sind" (chemistry/rules/sources/de_btmg);
- Misuse of Drugs Act 1971, Schedule 2, Part I paragraph 3 (esters and ethers of Part I substances,
  "not being a substance for the time being specified in Part II", SI 1973/771 art. 2(b));
- 21 CFR 1308.11(b): "any of the following opiates, including their isomers, esters, ethers, salts ...";
- China, 药用类麻醉药品目录 (2025), note 2: "上述品种包括其可能存在的立体异构体、酯及醚（除非另有规定）" (the medical
  narcotic catalogue, where morphine is listed); the non-medical catalogue's note 2 covers its entries 305-396 only.

Structures are drawn by hand from the names; the parents are the listed entries (morphine,
psilocin, bufotenine, beta-hydroxyfentanyl, GHB).
"""

from __future__ import annotations

from datetime import date

import pytest
from rdkit import Chem
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

from chemistry.classify import Classifier
from chemistry.classify.esters import _hill, atom_key, candidate_parents
from chemistry.identity import identify
from chemistry.rulebook import Rule, RulebookError, load_rulebook, precedence_problems

ON = date(2026, 12, 6)
MORPHINE = "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5"
MONOACETYLMORPHINE_6 = "CC(=O)O[C@H]1C=C[C@H]2[C@H]3Cc4ccc(O)c5O[C@@H]1[C@]2(CCN3C)c45"
MONOACETYLMORPHINE_3 = "CC(=O)Oc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](O)C=C[C@@H]35"
DIPROPANOYLMORPHINE = "CCC(=O)Oc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](OC(=O)CC)C=C[C@@H]35"
CODEINE = "COc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](O)C=C[C@@H]35"
PHOLCODINE = "O[C@H]1C=C[C@H]2[C@H]3Cc4ccc(OCCN5CCOCC5)c5O[C@@H]1[C@]2(CCN3C)c45"
HEROIN = "CC(=O)Oc1ccc2C[C@H]3N(C)CC[C@@]45[C@@H](Oc1c24)[C@@H](OC(C)=O)C=C[C@@H]35"
METHOXY_DMT_4 = "CN(C)CCc1c[nH]c2cccc(OC)c12"  # 4-MeO-DMT, the methyl ether of psilocin
ACETOXY_DMT_4 = "CN(C)CCc1c[nH]c2cccc(OC(C)=O)c12"  # 4-AcO-DMT, the acetate of psilocin
METHOXY_DMT_5 = "CN(C)CCc1c[nH]c2ccc(OC)cc12"  # 5-MeO-DMT, the methyl ether of bufotenine
ACETOXY_FENTANYL_BETA = "CCC(=O)N(c1ccccc1)C1CCN(CC(OC(C)=O)c2ccccc2)CC1"  # O-acetyl-beta-hydroxyfentanyl
GHB_ETHYL_ESTER = "CCOC(=O)CCCO"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _ester_matches(classifier: Classifier, smiles: str, code: str) -> list[tuple[str, str | None]]:
    answer = classifier.classify(identify(smiles), jurisdictions=[code], as_of=ON).results[code]
    return [(m.list, m.substance) for m in answer.matches if m.matched_on == "ester_or_ether"]


# --- reading a structure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "smiles", ["CCO", "c1ccccc1O", "CC(=O)OCC", "OC(=O)c1ccccc1N", "C1CCOC1", "CN1CCC(CC1)OC(=O)C", "O=S(=O)(O)O"]
)
def test_formulas_are_counted_as_rdkit_writes_them(smiles):
    mol = Chem.MolFromSmiles(smiles)
    counts: dict[str, int] = {}
    for atom in mol.GetAtoms():
        counts[atom.GetSymbol()] = counts.get(atom.GetSymbol(), 0) + 1
        counts["H"] = counts.get("H", 0) + atom.GetTotalNumHs()
    assert _hill(counts) == CalcMolFormula(mol)


def _index(*targets: str) -> dict[str, frozenset[tuple]]:
    index: dict[str, set[tuple]] = {}
    for target in targets:
        mol = Chem.MolFromSmiles(target)
        index.setdefault(CalcMolFormula(mol), set()).add(atom_key(mol))
    return {formula: frozenset(keys) for formula, keys in index.items()}


def _parents(smiles: str, *targets: str) -> set[str]:
    return {Chem.MolToSmiles(p) for p, _ in candidate_parents(Chem.MolFromSmiles(smiles), _index(*targets))}


def test_an_ether_gives_back_either_alcohol():
    # phenetole: phenol (the ethyl group undone) and ethanol (the phenyl undone)
    assert _parents("CCOc1ccccc1", "Oc1ccccc1", "CCO") == {"Oc1ccccc1", "CCO"}


def test_an_ester_gives_back_the_alcohol_and_the_acid():
    # ethyl benzoate: ethanol and benzoic acid
    assert _parents("CCOC(=O)c1ccccc1", "CCO", "OC(=O)c1ccccc1") == {"CCO", "O=C(O)c1ccccc1"}


def test_a_ring_oxygen_is_never_undone():
    # 2-methyltetrahydrofuran: the only oxygen is in the ring
    assert _parents("CC1CCCO1", "CC(O)CCCO") == set()


def test_a_skeleton_of_the_same_formula_but_other_atoms_is_not_built():
    # guaiacol without its methyl is catechol, C6H6O2; 5-methylfurfural is C6H6O2 too, but its atoms (a
    # methyl carbon, a ring oxygen with two neighbours, ...) are not catechol's, so it is never built
    assert _parents("COc1ccccc1O", "Cc1ccc(C=O)o1") == set()
    assert _parents("COc1ccccc1O", "Oc1ccccc1O") == {"Oc1ccccc1O"}


def test_a_methylenedioxy_ring_is_not_undone():
    # 1,3-benzodioxole: the CH2 is bonded to both oxygens, which are ring atoms; catechol is not
    # what it is an ether of
    assert _parents("C1Oc2ccccc2O1", "Oc1ccccc1O") == set()


def test_a_diester_is_undone_twice():
    found = {
        Chem.MolToSmiles(p): n for p, n in candidate_parents(Chem.MolFromSmiles(DIPROPANOYLMORPHINE), _index(MORPHINE))
    }
    assert Chem.MolToSmiles(Chem.MolFromSmiles(MORPHINE)) in found
    assert found[Chem.MolToSmiles(Chem.MolFromSmiles(MORPHINE))] == 2


# --- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("smiles", [MONOACETYLMORPHINE_6, MONOACETYLMORPHINE_3, DIPROPANOYLMORPHINE])
def test_esters_of_morphine_are_schedule_i_anlage_ii_and_class_a(classifier, smiles):
    # UN: morphine is a Schedule I drug; DE: Morphin is Anlage III, whose esters Anlage II takes in;
    # GB: morphine is Part I, paragraph 3
    assert _ester_matches(classifier, smiles, "UN") == [("Schedule I", "morphine")]
    assert _ester_matches(classifier, smiles, "DE") == [("Anlage II", "Morphin")]
    assert _ester_matches(classifier, smiles, "GB") == [("Class A", "Morphine")]
    for code in ("UN", "DE", "GB"):
        answer = classifier.classify(identify(smiles), jurisdictions=[code], as_of=ON).results[code]
        assert answer.status == "controlled_by_name"


@pytest.mark.parametrize("smiles", [CODEINE, PHOLCODINE, HEROIN])
def test_a_listed_ester_or_ether_is_answered_by_its_own_listing(classifier, smiles):
    # "unless appearing in another Schedule" / "wenn sie nicht in einer anderen Anlage verzeichnet sind" /
    # "not being a substance for the time being specified in Part II"
    for code in ("UN", "DE", "GB", "US"):
        answer = classifier.classify(identify(smiles), jurisdictions=[code], as_of=ON).results[code]
        assert answer.status == "controlled_by_name", code
        assert not [m for m in answer.matches if m.matched_on == "ester_or_ether"], code


def test_esters_of_morphine_in_china(classifier):
    for smiles in (MONOACETYLMORPHINE_6, DIPROPANOYLMORPHINE):
        assert ("药用类麻醉药品目录 (2025年版)", "Morphine") in _ester_matches(classifier, smiles, "CN")


def test_ethers_and_esters_of_psilocin_and_bufotenine(classifier):
    # BtMG Anlage I lists Psilocin; MDA Part I lists psilocin and bufotenine
    assert _ester_matches(classifier, METHOXY_DMT_4, "DE") == [("Anlage I", "Psilocin")]
    assert _ester_matches(classifier, ACETOXY_DMT_4, "DE") == [("Anlage I", "Psilocin")]
    assert ("Class A", "Psilocin") in _ester_matches(classifier, ACETOXY_DMT_4, "GB")
    assert _ester_matches(classifier, METHOXY_DMT_5, "GB") == [("Class A", "Bufotenine")]


def test_only_the_paragraphs_that_say_so_take_in_esters_in_the_us(classifier):
    # beta-hydroxyfentanyl is a 1308.11(b) opiate: its acetate is Schedule I
    assert _ester_matches(classifier, ACETOXY_FENTANYL_BETA, "US") == [("Schedule I", "beta-Hydroxyfentanyl")]
    # psilocyn is a 1308.11(d) hallucinogen, whose paragraph says "salts, isomers, and salts of isomers" only
    assert _ester_matches(classifier, METHOXY_DMT_4, "US") == []


def test_the_us_steroid_esters_come_with_the_2004_act(classifier):
    # 1308.13(f): "the following substances, including its salts, esters and ethers"; 70 FR 74653: "Effective
    # January 20, 2005 ... these substances and their salts, esters and ethers are Schedule III"
    clostebol_acetate = "CC(=O)OC1CCC2C3CCC4=C(Cl)C(=O)CCC4(C)C3CCC12C"  # 4-chlorotestosterone 17-acetate
    assert _ester_matches(classifier, clostebol_acetate, "US") == [("Schedule III", "clostebol")]
    before = classifier.classify(identify(clostebol_acetate), jurisdictions=["US"], as_of=date(2005, 1, 19))
    assert not [m for m in before.results["US"].matches if m.matched_on == "ester_or_ether"]


def test_the_esters_of_ghb_are_excepted_in_germany(classifier):
    # Anlage II: "die Ester und Ether der in Anlage III aufgeführten Stoffe, ausgenommen ... (GHB)"
    assert _ester_matches(classifier, GHB_ETHYL_ESTER, "DE") == []


def test_an_ester_is_controlled_from_the_day_its_parent_and_the_clause_are(classifier):
    before = classifier.classify(identify(MONOACETYLMORPHINE_6), jurisdictions=["UN"], as_of=date(1964, 12, 12))
    assert before.results["UN"].status == "not_controlled"
    after = classifier.classify(identify(MONOACETYLMORPHINE_6), jurisdictions=["UN"], as_of=date(1964, 12, 13))
    (match,) = after.results["UN"].matches
    assert match.matched_on == "ester_or_ether" and match.in_force_from == date(1964, 12, 13)


# --- validation ---------------------------------------------------------------------------------


def _named(**extra) -> dict:
    return {
        "id": "xx-list",
        "kind": "named",
        "title": "A list",
        "jurisdiction": "GB",
        "list": "Class A",
        "in_force_from": "2000-01-01",
        "citation": {"act": "An act", "part": "Schedule", "reference": "ref"},
        "substances": [{"name": "morphine", "smiles": MORPHINE, "source": "test"}],
        **extra,
    }


def test_the_clause_is_for_named_rules_that_control():
    with pytest.raises(ValueError, match="'esters_and_ethers' is for named rules"):
        Rule.model_validate(_named(controls=False, esters_and_ethers={"text": "esters"}))


def test_the_clause_names_rules_that_exist():
    rule = Rule.model_validate(_named(esters_and_ethers={"text": "esters", "of": ["xx-missing"]}))
    problems = precedence_problems([rule])
    assert [p.message for p in problems] == ["no rule with id 'xx-missing'"]


def test_the_shipped_rulebook_loads_with_its_clauses():
    try:
        rulebook = load_rulebook()
    except RulebookError as error:  # pragma: no cover - the message is the point
        pytest.fail(str(error))
    carrying = sorted(r.id for r in rulebook.rules if r.esters_and_ethers is not None)
    assert carrying == [
        "cn-medical-narcotic-catalogue-2025",
        "cn-nonmedical-catalogue-2025",
        "de-btmg-anlage-i",
        "de-btmg-anlage-ii",
        "gb-mda-class-a",
        "un-1961-schedule-i",
        "us-csa-schedule-i",
        "us-csa-schedule-ii",
        "us-csa-schedule-iii",
    ]
