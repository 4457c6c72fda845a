"""The prescreen may skip a core pattern only when the pattern cannot match.

It counts what a parent has (atoms per element and aromaticity, double bonds, aliphatic ring
carbons, ring-junction atoms) against what each pattern needs; a pattern it drops wrongly would silently take a
controlled compound out of its group. Checked against a plain HasSubstructMatch of every pattern
on every molecule of the reference list and every example in the rule files, including
ring-rich ones (indanes, tetralins, benzofurans, arylcyclohexylamines) where the ring count
decides.
"""

from __future__ import annotations

import tomllib

import pytest
from nps_series import psychoactives
from rdkit import Chem

from chemistry.classify import Classifier
from chemistry.classify.gates import prefix_gate, relax_recursion, shared_gates
from chemistry.classify.prescreen import (
    _aliphatic_ring_carbons,
    _atom_type_counts,
    _in_matching_order,
    _ring_junctions,
    _ring_junctions_needed,
)
from chemistry.identity import StructureError, identify
from chemistry.rulebook import RULES_DIR, load_rulebook


def _structures() -> list[str]:
    found = list(psychoactives().values())
    for path in sorted(RULES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            for rule in tomllib.load(handle).get("rule", []):
                for section in ("must_match", "must_not_match"):
                    found.extend(item["smiles"] for item in rule.get(section, []))
    return found


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def test_prescreen_keeps_every_pattern_that_matches(classifier):
    checked = 0
    for smiles in _structures():
        try:
            identity = identify(smiles)
        except StructureError:
            continue
        kept = {p.smarts for p in classifier.matching_patterns(identity.mol, smiles=identity.smiles)}
        present = {p.smarts for p in classifier._pattern_list if identity.mol.HasSubstructMatch(p.query)}
        assert kept == present, smiles
        checked += 1
    assert checked > 500


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("NCCc1ccccc1", 0),  # phenethylamine: aromatic ring only
        ("CNC(C)Cc1ccc2c(c1)OCO2", 1),  # MDMA: the dioxole's CH2 (its O atoms are not carbons)
        ("NC(C)Cc1ccc2c(c1)CCC2", 3),  # 5-APDI: the indane's three CH2
        ("c1ccc2c(c1)CCCC2N1CCCCC1", 9),  # tetralin CH2 x3 + CH, the piperidine's five C
    ],
)
def test_aliphatic_ring_carbons_are_counted_exactly(smiles, expected):
    assert _aliphatic_ring_carbons(Chem.MolFromSmiles(smiles)) == expected


@pytest.mark.parametrize(
    ("smiles", "parent_has", "query_needs"),
    [
        ("NCCc1ccccc1", 0, 0),  # one ring
        ("c1ccc(cc1)-c1ccccc1", 0, 0),  # biphenyl: two rings sharing no atom
        ("c1ccc2ccccc2c1", 2, 2),  # naphthalene: the two fusion atoms
        ("C1CCC2(CC1)CCCC2", 1, 1),  # spiro[4.5]decane: the spiro atom
        ("c1ccc2c(c1)[nH]c1ccccc12", 4, 4),  # carbazole: two fusions
        # norbornane: bridgeheads C1/C4 have three ring bonds (the query needs 2); the SSSR's two
        # five-membered rings also share the one-carbon bridge, so the parent counts 3 (an upper
        # bound, which is what the screen needs)
        ("C1CC2CCC1C2", 3, 2),
    ],
)
def test_ring_junctions_of_a_parent_bound_those_a_query_needs(smiles, parent_has, query_needs):
    assert _ring_junctions(Chem.MolFromSmiles(smiles)) == parent_has
    assert _ring_junctions_needed(Chem.MolFromSmarts(smiles)) == query_needs


def test_atom_counts_read_from_the_smiles_are_rdkits(classifier):
    """Bracket atoms, charges, isotopes, Cl/Br next to C/B, aromatic heteroatoms: the counts the
    prescreen reads off the SMILES equal a walk over RDKit's atoms."""
    extra = [
        "C[N+](C)(C)CCOC(=O)C",
        "[2H]C([2H])([2H])Oc1ccc(CCN)cc1",
        "ClCC(Br)c1ccc(Cl)c(Br)c1",
        "c1cc[nH]c1CCN",
        "O=[N+]([O-])c1ccc(B(O)O)cc1",
        "C[Se]c1ccc(CCN)cc1",
        "c1ccc2[se]ccc2c1",
    ]
    for smiles in _structures() + extra:
        try:
            identity = identify(smiles)
        except StructureError:
            continue
        from_smiles = {k: v for k, v in _atom_type_counts(identity.mol, identity.smiles).items() if v}
        from_atoms = _atom_type_counts(identity.mol, None)
        assert from_smiles == from_atoms, identity.smiles


def test_a_gate_is_the_prefix_a_family_of_patterns_shares():
    """The gate of a phenethylamine pattern is its nitrogen, two chain carbons and first ring atom
    (the order RDKit's matcher follows, rarest atom first); too small a pattern has none."""
    query = _in_matching_order(Chem.MolFromSmarts("c1ccc(cc1)[CX4:3][CX4:2][NX3:1]"))
    assert prefix_gate(query) == "[N&X3][C&X4][C&X4]c"
    assert prefix_gate(Chem.MolFromSmarts("[NX3]CCc")) is None
    family = {f"[NX3][CX4][CX4]c1ccc({x})cc1": Chem.MolFromSmarts(f"[NX3][CX4][CX4]c1ccc({x})cc1") for x in "FClBrI"}
    family = {k: v for k, v in family.items() if v is not None}
    lone = {"[OX2H]c1ccccc1C(=O)O": Chem.MolFromSmarts("[OX2H]c1ccccc1C(=O)O")}
    gates = shared_gates(family | lone)
    assert set(gates) == set(family)  # the lone pattern shares its gate with nobody: no gate
    assert len(set(gates.values())) == 1


def test_guarded_patterns_get_no_gate():
    """A draft's pattern is searched only under the deadline guard; an unguarded gate search of its
    prefix could hang, so drafts' patterns are never gated (every shipped rule stands in for a
    draft here)."""
    rulebook = load_rulebook()
    shipped = Classifier(rulebook)
    assert shipped._gates
    guarded = Classifier(rulebook, guarded_rules=[g.rule.id for g in shipped._groups])
    assert guarded._gates == []


@pytest.mark.parametrize(
    ("smarts", "relaxed"),
    [
        # a recursive primitive becomes its first atom's expression, also under an "or"
        ("[#6,#8X2,$([#7X3H0]-[CH3]):21]", "[#6,#8X2,#7X3H0:21]"),
        ("[#6&$(C=O)]", "[#6&C]"),
        ("[$(cO)]C", "[c]C"),
        # a negated one is dropped from a conjunction, with the "and" that joins it
        ("[c;!$(c(:a)(:a):a):36]", "[c:36]"),
        ("[!$(C=O)&N]C", "[N]C"),
        ("[N!$(N-C=O)]", "[N]"),
        ("[!$(C=O)]", "[*]"),
        # no weakening without recursion: under an "or", a negation cannot be dropped; a first
        # atom that is itself an "or" or recursive would bind differently where pasted
        ("[a,!$(C=O)]", None),
        ("[$([#6,#7]O)]", None),
        ("[C;$([C;$(CO)]N)]", None),
        ("[NX3][CX4]c", None),  # nothing to weaken
    ],
)
def test_recursive_atoms_are_weakened_to_a_necessary_condition(smarts, relaxed):
    assert relax_recursion(smarts) == relaxed
    if relaxed is not None:  # and the weaker pattern matches wherever the pattern does
        pattern, weaker = Chem.MolFromSmarts(smarts), Chem.MolFromSmarts(relaxed)
        for smiles in ("CC(=O)N(C)c1ccccc1O", "CN1CCc2ccccc21", "NCCc1ccc(O)cc1", "O=C(O)c1ccccc1"):
            mol = Chem.MolFromSmiles(smiles)
            assert not mol.HasSubstructMatch(pattern) or mol.HasSubstructMatch(weaker), (smarts, smiles)


def test_shipped_patterns_with_recursion_have_a_prefilter_without_it(classifier):
    """Every shipped pattern with a recursive atom gets a prefilter, and no prefilter recurses
    (test_prescreen_keeps_every_pattern_that_matches then checks that none drops a match)."""
    recursive = [p for p in classifier._pattern_list if "$(" in p.smarts]
    assert len(recursive) > 20
    for pattern in recursive:
        assert pattern.prefilter is not None, pattern.smarts
        assert "$(" not in Chem.MolToSmarts(pattern.prefilter), pattern.smarts
    assert all(p.prefilter is None for p in classifier._pattern_list if "$(" not in p.smarts)


def test_guarded_patterns_get_no_prefilter():
    """A draft's pattern is searched only under the deadline guard, its prefilter would not be."""
    rulebook = load_rulebook()
    shipped = Classifier(rulebook)
    guarded = Classifier(rulebook, guarded_rules=[g.rule.id for g in shipped._groups])
    assert all(p.prefilter is None for p in guarded._pattern_list)
