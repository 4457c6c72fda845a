"""NpSG Anlage groups 2.2, 2.3 and 3 across the Fünfte Verordnung zur Änderung der Anlage des NpSG
vom 21. Juni 2024 (BGBl. 2024 I Nr. 210; Art. 2: in force the day after promulgation, 27 June
2024). On 26 June 2024 the 2021 wording answers, from 27 June 2024 the 2024 wording.

Every expectation is read from the two texts (2021: github.com/bundestag/gesetze n/npsg/index.md;
2024: github.com/thunderquack/bundestag_gesetze n/npsg/index.md at commit 1b1dd816), never from
running the engine. "Inside" a group means inside its definition, whether the group then controls
the compound or yields to the BtMG or an authorised medicine (§ 1 Abs. 2 NpSG): the definition is
what changed. Group 2.3 (6H-benzo[c]chromen-1-ols, the hexahydrocannabinol type) is new in 2024:
before 27 June 2024 no version of it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

BEFORE = date(2024, 6, 26)
FROM = date(2024, 6, 27)

SULFONYLAMIDO = ("de-npsg-sulfonylamidobenzoic-acids", "de-npsg-sulfonylamidobenzoic-acids-2024")
BENZOCHROMENOLS = (None, "de-npsg-benzochromenols-2024")  # Nr. 2.3: no 2021 wording
BENZODIAZEPINES = ("de-npsg-benzodiazepines", "de-npsg-benzodiazepines-2024")


@dataclass(frozen=True)
class Boundary:
    group: tuple[str | None, str]  # (2021 rule id or None, 2024 rule id)
    substance: str
    smiles: str
    in_2021: bool  # inside the group as worded in 2021
    in_2024: bool  # inside the group as worded in 2024
    why: str  # the sentences of the two texts that decide it


BOUNDARIES = [
    # --- Nr. 2.2, 3-Sulfonylamidobenzoesäure: wording changed, scope did not ---
    Boundary(
        SULFONYLAMIDO,
        "QMPSB",
        "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCCCC1",
        True,
        True,
        "2.2.2 a-c: R1 methyl, R2 8-quinolinyl, R3/R4 a piperidine ring, in both wordings",
    ),
    Boundary(
        SULFONYLAMIDO,
        "probenecid",
        "CCCN(CCC)S(=O)(=O)c1ccc(cc1)C(=O)O",
        False,
        False,
        "2.2.1: a 4- (not 3-) sulfonylamidobenzoic acid without an R2 ring system, in both wordings",
    ),
    # --- Nr. 2.3, 6H-Benzo(c)chromen-1-ol: new in 2024 ---
    Boundary(
        BENZOCHROMENOLS,
        "hexahydrocannabinol (HHC)",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        False,
        True,
        "2.3.1: 6H-benzo[c]chromen-1-ol with ring A fully hydrogenated; R1 methyl, R2/R3 methyl, R4 pentyl",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "hexahydrocannabiphorol (HHC-P)",
        "CCCCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        False,
        True,
        "2.3.2 c: R4 hydrocarbon chain up to C12 (heptyl)",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC-O-acetate",
        "CCCCCc1cc(OC(C)=O)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        False,
        True,
        "2.3.2 d: R5 alkylcarbonyl (alkyl up to C7)",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "cannabinol (CBN)",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2",
        False,
        True,
        "2.3.1: 'unabhängig vom Hydrierungsgrad des aromatischen Ringes A' - the aromatic ring A itself",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "delta-9-THC",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21",
        False,
        True,
        "2.3.1: one double bond left in ring A (C9=C10); a BtMG Anlage II substance, so set aside",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "cannabidiol (CBD)",
        "C=C(C)C1CCC(C)=CC1c1c(O)cc(CCCCC)cc1O",
        False,
        False,
        "2.3.1: no pyran ring, no benzo[c]chromene",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "HHC methyl ether",
        "CCCCCc1cc(OC)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        False,
        False,
        "2.3.2 d: R5 is H or an acyl group of the list; an alkyl ether is not listed",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "nabilone",
        "CCCCCCC(C)(C)c1cc(O)c2c(c1)OC(C)(C)C1CCC(=O)CC21",
        False,
        False,
        "2.3.2 a: a 9-oxo group is not among R1 (H, hydroxymethyl, methyl, hydrocarbon chain)",
    ),
    Boundary(
        BENZOCHROMENOLS,
        "9-(triiodomethyl)-HHC",
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C(I)(I)I)CC21",
        False,
        False,
        "2.3: halogenated R1 is allowed, but about 694 u exceeds the 600 u limit",
    ),
    # --- Nr. 3, Benzodiazepine ---
    Boundary(
        BENZODIAZEPINES,
        "gidazepam",
        "NNC(=O)CN1C(=O)CN=C(c2ccccc2)c2cc(Br)ccc21",
        False,
        True,
        "3.2 f: 2024 adds Hydrazidomethyl to the R5 list",
    ),
    Boundary(
        BENZODIAZEPINES,
        "N1-(3-hydrazinyl-3-oxopropyl) homologue of gidazepam",
        "NNC(=O)CCN1C(=O)CN=C(c2ccccc2)c2cc(Br)ccc21",
        False,
        False,
        "3.2 f: hydrazidomethyl is listed (2024), a hydrazidoethyl group in neither wording",
    ),
    Boundary(
        BENZODIAZEPINES,
        "enol tautomer of 4'-chlorodiazepam",
        "CN1C(O)=CN=C(c2ccc(Cl)cc2)c2cc(Cl)ccc21",
        False,
        True,
        "3.2 k: tautomers if R5 is H (2021); if R3, R4 or R5 is H (2024). Here R5 is methyl, R3/R4 are H",
    ),
    Boundary(
        BENZODIAZEPINES,
        "diazepam",
        "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",
        True,
        True,
        "3.1 a, R5 methyl, R1 7-chloro: unchanged; a BtMG Anlage III substance, so set aside",
    ),
    Boundary(
        BENZODIAZEPINES,
        "4'-methoxydiazepam",
        "CN1C(=O)CN=C(c2ccc(OC)cc2)c2cc(Cl)ccc21",
        False,
        False,
        "3.2 b: methoxy is not a substituent of the R2 phenyl ring in either wording",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _answer(classifier: Classifier, smiles: str, day: date):
    return classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]


def _inside(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """The group rules whose definition takes the compound in, controlling or set aside."""
    answer = _answer(classifier, smiles, day)
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group[1]}/{b.substance}")
def test_answer_the_day_before_the_fuenfte_verordnung(classifier, case):
    old, new = case.group
    found = _inside(classifier, case.smiles, BEFORE)
    assert new not in found, "the 2024 wording is not in force before 27 June 2024"
    if old is None:
        assert not case.in_2021  # a group without a 2021 wording takes nothing in before 2024
    else:
        assert (old in found) is case.in_2021, case.why


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.group[1]}/{b.substance}")
def test_answer_from_the_day_the_fuenfte_verordnung_came_into_force(classifier, case):
    old, new = case.group
    found = _inside(classifier, case.smiles, FROM)
    if old is not None:
        assert old not in found, "the 2021 wording ends on 26 June 2024"
    assert (new in found) is case.in_2024, case.why


def test_hhc_was_no_npsg_substance_before_the_fuenfte_verordnung(classifier):
    """Before 27 June 2024 the Anlage had no 2.3: HHC fell under no NpSG group (and no BtMG entry)."""
    hhc = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
    before = _answer(classifier, hhc, BEFORE)
    assert not {m.rule_id for m in before.matches if m.rule_id.startswith("de-npsg-")}
    after = _answer(classifier, hhc, FROM)
    assert "de-npsg-benzochromenols-2024" in {m.rule_id for m in after.matches}, "controlled, not set aside"


@pytest.mark.parametrize(
    ("substance", "smiles", "btmg"),
    [
        ("delta-9-THC", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21", "de-btmg-anlage-ii"),
        ("delta-8-THC", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CC=C(C)CC21", "de-btmg-anlage-i"),
        ("parahexyl", "CCCCCCc1cc(O)c2c(c1)OC(C)(C)C1=C2CC(C)CC1", "de-btmg-anlage-i"),
    ],
)
def test_btmg_cannabinoids_are_inside_2_3_but_set_aside(classifier, substance, smiles, btmg):
    """§ 1 Abs. 2 Nr. 1 NpSG: a Betäubungsmittel is outside the Act, though inside the 2.3 definition."""
    answer = _answer(classifier, smiles, FROM)
    assert "de-npsg-benzochromenols-2024" not in {m.rule_id for m in answer.matches}
    set_aside = {s.match.rule_id: s.by for s in answer.set_aside}
    assert btmg in set_aside.get("de-npsg-benzochromenols-2024", ()), substance


def test_gidazepam_is_controlled_not_set_aside_from_27_june_2024(classifier):
    """Gidazepam is in no BtMG Anlage as encoded and no authorised medicine: the NpSG applies."""
    gidazepam = "NNC(=O)CN1C(=O)CN=C(c2ccccc2)c2cc(Br)ccc21"
    assert "de-npsg-benzodiazepines-2024" in {m.rule_id for m in _answer(classifier, gidazepam, FROM).matches}


def test_each_group_has_exactly_one_version_in_force_on_each_side(classifier):
    for day in (BEFORE, FROM):
        in_force = {rule.id for rule in classifier.rules_in_force(as_of=day, jurisdictions=["DE"])}
        for old, new in (SULFONYLAMIDO, BENZODIAZEPINES):
            assert len({old, new} & in_force) == 1, (day, old)
            assert (new in in_force) is (day == FROM), (day, new)
        assert (BENZOCHROMENOLS[1] in in_force) is (day == FROM), day
