"""Verdicts shared across molecules (chemistry/classify/shared_verdicts.py) and the univalent-class
shortcut (vocabulary.SINGLE_BOND_CLASSES) must never change an answer: they only save work."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from rdkit import Chem

from chemistry.classify import Classifier, shared_verdicts
from chemistry.classify import evaluate as evaluate_module
from chemistry.classify.bounds import MAX_MATCHES_PER_CORE
from chemistry.classify.evaluate import _MoleculeFacts
from chemistry.classify.specs import _CompiledSpec
from chemistry.classify.vocabulary import _CLASS_TESTS, SINGLE_BOND_CLASSES
from chemistry.identity import identify
from chemistry.rulebook import SubstituentSpec

REFERENCE = Path(__file__).resolve().parents[2] / "service" / "seed" / "psychoactives.csv"
ON = date(2026, 12, 5)


def _reference_identities(limit: int | None = None):
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows[:limit]:
        try:
            found.append(identify(row["smiles"]))
        except Exception:  # noqa: BLE001 - the set has one inorganic row the engine refuses
            continue
    return found


def _pieces(identity):
    """Every piece around every ring and every single atom taken as a 'core': pieces bonded once,
    twice (fused rings, rings closed across the core) and by double bonds."""
    facts = _MoleculeFacts(identity.mol, identity.inchikey)
    cores = [tuple(ring) for ring in identity.mol.GetRingInfo().AtomRings()]
    cores += [(atom.GetIdx(),) for atom in identity.mol.GetAtoms()]
    for core in cores:
        yield from facts.decompose(core)[1]


def _answers(classifier, identities):
    """Everything a person reads: status, matches with their explanations, set-asides, near misses."""
    return [classifier.classify(identity, as_of=ON) for identity in identities]


def test_sharing_never_changes_an_answer(monkeypatch):
    identities = _reference_identities()
    assert len(identities) > 300
    shared_verdicts._STORE.clear()
    with_sharing = _answers(Classifier(), identities)
    # the same molecules again, the store now full of their substituents' verdicts
    again = _answers(Classifier(), identities)
    monkeypatch.setattr(evaluate_module, "shared_verdicts_for", lambda piece: None)
    without = _answers(Classifier(), identities)
    assert with_sharing == without
    assert again == without
    assert len(shared_verdicts._STORE) > 20  # the reference set has shareable substituents


def test_univalent_classes_never_accept_a_piece_bonded_twice_or_by_a_double_bond():
    seen_multi = 0
    for identity in _reference_identities(limit=120):
        for piece in _pieces(identity):
            if piece.single_attachment is not None:
                continue
            seen_multi += 1
            for name in SINGLE_BOND_CLASSES:
                assert not _CLASS_TESTS[name](piece), (name, identity.smiles, piece.smiles())
    assert seen_multi > 100


def test_the_univalent_set_leaves_out_the_classes_that_read_rings_closed_across_the_core():
    assert {"ring_closure", "alkylenedioxy", "alkylene", "oxo", "any"}.isdisjoint(SINGLE_BOND_CLASSES)
    assert SINGLE_BOND_CLASSES <= set(_CLASS_TESTS)


def _piece_on(smiles: str, core_atoms: tuple[int, ...]):
    mol = Chem.MolFromSmiles(smiles)
    facts = _MoleculeFacts(mol, "KEY")
    return facts.decompose(core_atoms)[1]


def test_signature_is_the_substituent_and_the_atom_it_hangs_on():
    # methoxy on a benzene ring in two different molecules: one signature
    (methoxy_a,) = [p for p in _piece_on("COc1ccccc1", (1, 2, 3, 4, 5, 6, 7)) if len(p.atoms) == 1]
    pieces_b = _piece_on("COc1ccc(C)cc1", (1, 2, 3, 4, 5, 7, 8))
    methoxy_b = next(p for p in pieces_b if p.atom_set == {0})
    assert shared_verdicts.tree_signature(methoxy_a) == shared_verdicts.tree_signature(methoxy_b)
    # CH2-OH on a carbon and CH2-CH3 on an oxygen write the same three atoms: not the same piece
    (hydroxymethyl,) = _piece_on("OCC", (2,))
    (ethyl,) = _piece_on("CCO", (2,))
    assert shared_verdicts.tree_signature(hydroxymethyl) != shared_verdicts.tree_signature(ethyl)
    # a ring, or two bonds to the core, is never shared
    (phenyl,) = _piece_on("c1ccccc1C", (6,))
    assert shared_verdicts.tree_signature(phenyl) is None
    (bridge,) = _piece_on("C1CCC1", (0, 1))
    assert shared_verdicts.tree_signature(bridge) is None


def test_a_verdict_from_a_truncated_pattern_search_is_not_shared():
    spec = _CompiledSpec(SubstituentSpec.model_validate({"name": "methyl", "smarts": "*[CH3]", "substituted": True}))
    assert spec.context_free
    # a methyl on a core atom of a molecule with far more than MAX_MATCHES_PER_CORE methyl bonds
    branches = "C(C)(C)" * (MAX_MATCHES_PER_CORE // 2 + 10)
    mol = Chem.MolFromSmiles("N" + branches + "C")
    facts = _MoleculeFacts(mol, "KEY")
    piece = next(p for p in facts.decompose((0,))[1])
    store: dict[str, bool] = {}
    piece.shared = store
    spec.accepts(piece)
    assert piece.truncated
    assert store == {}


def test_specs_with_recursive_smarts_are_not_shared():
    recursive = _CompiledSpec(SubstituentSpec.model_validate({"name": "x", "smarts": "*[C;!$(C=O)]"}))
    assert not recursive.context_free
    plain = _CompiledSpec(SubstituentSpec.model_validate({"class": "alkyl", "max_carbons": 3}))
    assert plain.context_free


@pytest.mark.parametrize("smiles", ["CCOc1ccc(CC(C)N)cc1", "CCCN(C)CCc1ccccc1"])
def test_the_store_is_bounded(monkeypatch, smiles):
    monkeypatch.setattr(shared_verdicts, "MAX_SIGNATURES", 2)
    shared_verdicts._STORE.clear()
    Classifier().classify(identify(smiles), as_of=ON)
    assert len(shared_verdicts._STORE) <= 2
