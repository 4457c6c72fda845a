"""Univalent classes (vocabulary.SINGLE_BOND_CLASSES) and patterns with k attachment points turn a
piece away before reading it (specs.py). Both must only save work, never change an answer."""

from __future__ import annotations

import csv
from pathlib import Path

from rdkit import Chem

from chemistry.classify.evaluate import _MoleculeFacts
from chemistry.classify.specs import _CompiledSpec
from chemistry.classify.vocabulary import _CLASS_TESTS, SINGLE_BOND_CLASSES
from chemistry.identity import identify
from chemistry.rulebook import SubstituentSpec

REFERENCE = Path(__file__).resolve().parents[2] / "service" / "seed" / "psychoactives.csv"


def _reference_identities(limit: int):
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    found = []
    for row in rows:
        try:
            found.append(identify(row["smiles"]))
        except Exception:  # noqa: BLE001 - the set has one inorganic row the engine refuses
            continue
    return found


def _pieces(mol: Chem.Mol):
    """Every piece around every ring and every single atom taken as a 'core': pieces bonded once,
    twice (fused rings, rings closed across the core) and by double bonds."""
    facts = _MoleculeFacts(mol, "KEY")
    cores = [tuple(ring) for ring in mol.GetRingInfo().AtomRings()]
    cores += [(atom.GetIdx(),) for atom in mol.GetAtoms()]
    for core in cores:
        yield from facts.decompose(core)[1]


def test_univalent_classes_never_accept_a_piece_bonded_twice_or_by_a_double_bond():
    seen = 0
    for identity in _reference_identities(limit=120):
        for piece in _pieces(identity.mol):
            if piece.single_attachment is not None:
                continue
            seen += 1
            for name in SINGLE_BOND_CLASSES:
                assert not _CLASS_TESTS[name](piece), (name, identity.smiles, piece.smiles())
    assert seen > 100


def test_the_univalent_set_leaves_out_the_classes_that_read_rings_closed_across_the_core():
    assert {"ring_closure", "alkylenedioxy", "alkylene", "oxo", "any"}.isdisjoint(SINGLE_BOND_CLASSES)
    assert SINGLE_BOND_CLASSES <= set(_CLASS_TESTS)
    # and each of those does accept some piece that is not bonded by one single bond
    pieces = [p for smiles in ("CN1CCCC1", "O=C1CCCCC1", "c1cc2OCOc2cc1C") for p in _pieces(Chem.MolFromSmiles(smiles))]
    for name in ("ring_closure", "alkylene", "oxo", "alkylenedioxy"):
        assert any(p.single_attachment is None and _CLASS_TESTS[name](p) for p in pieces), name


def test_a_further_substituted_univalent_class_turns_away_a_piece_bonded_twice():
    # 1,2,3,4-tetrahydronaphthalene read on the benzene ring: the saturated ring is one piece bonded
    # to two ring atoms; "alkyl, further substituted, at most 8 atoms in a chain" must refuse it
    spec = _CompiledSpec(SubstituentSpec.model_validate({"class": "alkyl", "substituted": True, "max_chain": 8}))
    mol = Chem.MolFromSmiles("c1ccc2CCCCc2c1")
    benzene = next(
        ring for ring in mol.GetRingInfo().AtomRings() if all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in ring)
    )
    (piece,) = _MoleculeFacts(mol, "KEY").decompose(tuple(benzene))[1]
    assert piece.single_attachment is None
    assert not spec.accepts(piece)


def test_a_pattern_reads_only_pieces_bonded_as_often_as_it_has_attachment_points():
    carboxy = _CompiledSpec(SubstituentSpec.model_validate({"name": "carboxy", "smarts": "*C(=O)O"}))
    (acid,) = _MoleculeFacts(Chem.MolFromSmiles("OC(=O)c1ccccc1"), "KEY").decompose((3, 4, 5, 6, 7, 8))[1]
    assert carboxy.accepts(acid)
    bridge = _CompiledSpec(SubstituentSpec.model_validate({"name": "ethano", "smarts": "*CC*"}))
    assert not bridge.accepts(acid)
