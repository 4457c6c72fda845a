"""The substituent vocabulary: the classes a legal text names (alkyl, haloalkyl, alkoxy, acyl, ...),
one test per class, and how a piece is described to a person."""

from __future__ import annotations

from typing import Iterable

from rdkit import Chem

from chemistry.classify.pieces import _DOUBLE, _SINGLE, _TRIPLE, HALOGENS, _Piece


def _alkyl_carbons(piece: _Piece, atoms: Iterable[int]) -> bool:
    """sp3, acyclic (within the piece), carbon-only: every bond of these carbons single, to each
    other, to another part of the piece (the O of alkoxy) or to the core. A carbon with a double
    bond to anything (a C=O of an acyl group, a double bond to the core) is no alkyl carbon."""
    atoms = list(atoms)
    if not atoms:
        return False
    chosen = set(atoms)
    bonds = 0
    for i in atoms:
        if piece.z(i) != 6 or piece.aromatic(i):
            return False
        for other, kind in piece.links[i]:
            if kind != _SINGLE:
                return False
            if other in chosen:
                bonds += 1
    return bonds // 2 == len(atoms) - 1  # a tree: no ring inside


def _saturated_carbon_only(piece: _Piece, atoms: Iterable[int]) -> bool:
    for i in atoms:
        if piece.z(i) != 6 or piece.aromatic(i):
            return False
        for _, kind in piece.links[i]:
            if kind != _SINGLE:
                return False
    return True


def _is_alkyl(p: _Piece) -> bool:
    return p.single_attachment is not None and _alkyl_carbons(p, p.atoms)


def _is_cycloalkyl(p: _Piece) -> bool:
    a = p.single_attachment
    return a is not None and not p.is_tree and p.atom(a).IsInRing() and _saturated_carbon_only(p, p.atoms)


def _cycloalkyl_via_chain(p: _Piece, chain_length: int) -> bool:
    a = p.single_attachment
    if a is None or p.is_tree or not _saturated_carbon_only(p, p.atoms):
        return False
    previous, current = -1, a
    for _ in range(chain_length):
        if p.atom(current).IsInRing():
            return False
        onward = [n for n in p.neighbours_inside(current) if n != previous]
        if len(onward) != 1:
            return False  # a branched linker is not methyl/ethyl
        previous, current = current, onward[0]
    return p.atom(current).IsInRing()


def _unsaturated_chain(p: _Piece, bond_type: Chem.BondType) -> bool:
    a = p.single_attachment
    if a is None or not p.is_tree:
        return False
    kinds = set()
    for i in p.atoms:
        if p.z(i) != 6 or p.aromatic(i):
            return False
    kinds.update(p.internal_bond_kinds)
    if bond_type == _DOUBLE:
        return _DOUBLE in kinds and _TRIPLE not in kinds
    return _TRIPLE in kinds


def _is_haloalkyl(p: _Piece) -> bool:
    a = p.single_attachment
    if a is None or p.z(a) != 6 or not p.is_tree:
        return False
    carbons = [i for i in p.atoms if p.z(i) == 6]
    halogens = [i for i in p.atoms if p.z(i) in HALOGENS]
    return bool(halogens) and len(carbons) + len(halogens) == len(p.atoms) and _alkyl_carbons(p, carbons)


def _alkyl_bearing(p: _Piece, group_test) -> bool:
    """Alkyl carbons attached through carbon, carrying at least one group accepted by group_test.

    group_test(piece, carbon_set, atom) -> the atoms of that group, or None.
    """
    a = p.single_attachment
    if a is None or p.z(a) != 6 or not p.is_tree:
        return False
    carbons = set()
    stack = [a]
    while stack:  # the carbon skeleton reached from the attachment through sp3 single bonds
        i = stack.pop()
        if i in carbons:
            continue
        carbons.add(i)
        for n in p.neighbours_inside(i):
            if p.z(n) == 6 and not p.aromatic(n) and p.bond_kind(i, n) == _SINGLE:
                if all(kind == _SINGLE for _, kind in p.links[n]):
                    stack.append(n)
    rest = p.atom_set - carbons
    if not rest or not _alkyl_carbons(p, carbons):
        return False
    covered: set[int] = set()
    for i in carbons:
        for n in p.neighbours_inside(i):
            if n in rest and n not in covered:
                group = group_test(p, carbons, n)
                if group is None:
                    return False
                covered |= group
    return covered == rest


def _hydroxy_group(p: _Piece, carbons: set[int], atom: int) -> set[int] | None:
    """An OH: an oxygen with one bond, single (not the O of a C=O)."""
    links = p.links[atom]
    return {atom} if p.z(atom) == 8 and len(links) == 1 and links[0][1] == _SINGLE else None


def _cyano_group(p: _Piece, carbons: set[int], atom: int) -> set[int] | None:
    if p.z(atom) != 6:
        return None
    partners = [n for n in p.neighbours_inside(atom) if n not in carbons]
    if len(partners) == 1 and p.z(partners[0]) == 7:
        if p.bond_kind(atom, partners[0]) == _TRIPLE:
            return {atom, partners[0]}
    return None


def _is_ring_system_closure(p: _Piece) -> bool:
    """Bonded to the core at least twice, and nothing but one ring system (with the atoms doubly
    bonded to it): from the attaching atoms, every atom is reached through ring bonds or multiple
    bonds. A group hanging on the ring by a single bond is not part of it (`substituted_with`
    reads such groups)."""
    if len(p.attachments) < 2:
        return False
    reached = {atom for _, atom, _ in p.attachments}
    stack = list(reached)
    ring_bond = p.mol.GetBondBetweenAtoms
    while stack:
        i = stack.pop()
        for j, kind in p.links[i]:
            if j in reached or j not in p.atom_set:
                continue
            if kind == _SINGLE and not ring_bond(i, j).IsInRing():
                continue
            reached.add(j)
            stack.append(j)
    return len(reached) == len(p.atoms)


def _is_halogen(p: _Piece) -> bool:
    return len(p.atoms) == 1 and p.z(p.atoms[0]) in HALOGENS and p.single_attachment is not None


def _is_hydroxy(p: _Piece) -> bool:
    return len(p.atoms) == 1 and p.z(p.atoms[0]) == 8 and p.single_attachment is not None


def _hetero_then_alkyl(p: _Piece, element: int) -> bool:
    a = p.single_attachment
    if a is None or p.z(a) != element or p.aromatic(a):
        return False
    rest = [i for i in p.atoms if i != a]
    return len(p.neighbours_inside(a)) == 1 and _alkyl_carbons(p, rest)


def _is_alkylenedioxy(p: _Piece) -> bool:
    if len(p.attachments) != 2 or any(kind != _SINGLE for _, _, kind in p.attachments):
        return False
    oxygens = [atom for _, atom, _ in p.attachments]
    if len(set(oxygens)) != 2 or any(p.z(o) != 8 for o in oxygens):
        return False
    if len({core for core, _, _ in p.attachments}) != 2:
        return False
    carbons = [i for i in p.atoms if i not in oxygens]
    return (
        len(carbons) + 2 == len(p.atoms)
        and all(len(p.neighbours_inside(o)) == 1 for o in oxygens)
        and p.is_tree
        and _alkyl_carbons(p, carbons)
    )


def _is_alkylene(p: _Piece) -> bool:
    return (
        len(p.attachments) >= 2
        and all(kind == _SINGLE for _, _, kind in p.attachments)
        and p.is_tree
        and _saturated_carbon_only(p, p.atoms)
    )


def _is_amino(p: _Piece) -> bool:
    a = p.single_attachment
    if a is None or p.z(a) != 7 or p.aromatic(a) or p.atom(a).GetFormalCharge():
        return False
    rest = [i for i in p.atoms if i != a]
    if not rest:
        return True
    # each group on the nitrogen is an alkyl: the rest minus N splits into alkyl trees
    return p.is_tree and all(p.z(i) == 6 for i in rest) and _saturated_carbon_only(p, rest)


def _is_nitro(p: _Piece) -> bool:
    a = p.single_attachment
    counts = p.element_counts()
    return a is not None and p.z(a) == 7 and len(p.atoms) == 3 and counts.get(8) == 2


def _is_cyano(p: _Piece) -> bool:
    a = p.single_attachment
    if a is None or len(p.atoms) != 2 or p.z(a) != 6:
        return False
    return p.internal_bond_kinds[0] == _TRIPLE and {p.z(i) for i in p.atoms} == {6, 7}


def _oxygen_partner(p: _Piece) -> tuple[int, list[int]] | None:
    """(attaching O, its neighbours in the piece) for an -O- attached by a single bond."""
    a = p.single_attachment
    if a is None or p.z(a) != 8:
        return None
    return a, p.neighbours_inside(a)


def _has_double_bonded_oxygen(p: _Piece, carbon: int) -> bool:
    for other, kind in p.links[carbon]:
        if kind == _DOUBLE and p.z(other) == 8:
            return True
    return False


def _is_ether(p: _Piece) -> bool:
    found = _oxygen_partner(p)
    if not found:
        return False
    _, partners = found
    return len(partners) == 1 and p.z(partners[0]) == 6 and not _has_double_bonded_oxygen(p, partners[0])


def _is_ester(p: _Piece) -> bool:
    found = _oxygen_partner(p)
    if found:  # -O-C(=O)R
        _, partners = found
        return len(partners) == 1 and p.z(partners[0]) == 6 and _has_double_bonded_oxygen(p, partners[0])
    a = p.single_attachment
    if a is None or p.z(a) != 6 or not _has_double_bonded_oxygen(p, a):
        return False  # -C(=O)OR
    for n in p.neighbours_inside(a):
        if p.z(n) == 8 and p.bond_kind(a, n) == _SINGLE and len(p.neighbours_inside(n)) == 2:
            return True
    return False


def _is_hydroxy_ether_or_ester(p: _Piece) -> bool:
    if _is_hydroxy(p):
        return True
    found = _oxygen_partner(p)
    if not found:
        return False
    _, partners = found
    return len(partners) == 1 and p.z(partners[0]) in (6, 15, 16)


def _is_acyl(p: _Piece) -> bool:
    a = p.single_attachment
    return a is not None and p.z(a) == 6 and _has_double_bonded_oxygen(p, a)


def _is_aryl(p: _Piece) -> bool:
    a = p.single_attachment
    return a is not None and p.aromatic(a)


def _is_oxo(p: _Piece) -> bool:
    """=O on a core atom: one oxygen, attached by one double bond."""
    return len(p.atoms) == 1 and len(p.attachments) == 1 and p.attachments[0][2] == _DOUBLE and p.z(p.atoms[0]) == 8


_CLASS_TESTS = {
    "alkyl": _is_alkyl,
    "cycloalkyl": _is_cycloalkyl,
    "cycloalkylmethyl": lambda p: _cycloalkyl_via_chain(p, 1),
    "cycloalkylethyl": lambda p: _cycloalkyl_via_chain(p, 2),
    "alkenyl": lambda p: _unsaturated_chain(p, _DOUBLE),
    "alkynyl": lambda p: _unsaturated_chain(p, _TRIPLE),
    "haloalkyl": _is_haloalkyl,
    "halogen": _is_halogen,
    "hydroxyalkyl": lambda p: _alkyl_bearing(p, _hydroxy_group),
    "cyanoalkyl": lambda p: _alkyl_bearing(p, _cyano_group),
    "hydroxy": _is_hydroxy,
    "alkoxy": lambda p: _hetero_then_alkyl(p, 8),
    "alkylthio": lambda p: _hetero_then_alkyl(p, 16),
    "alkylenedioxy": _is_alkylenedioxy,
    "alkylene": _is_alkylene,
    "ring_closure": lambda p: len(p.attachments) >= 2,
    "ring_system_closure": _is_ring_system_closure,
    "amino": _is_amino,
    "nitro": _is_nitro,
    "cyano": _is_cyano,
    "ether": _is_ether,
    "ester": _is_ester,
    "hydroxy_ether_or_ester": _is_hydroxy_ether_or_ester,
    "acyl": _is_acyl,
    "aryl": _is_aryl,
    "oxo": _is_oxo,
    "univalent": lambda p: p.single_attachment is not None,
    "ring": lambda p: p.single_attachment is not None and p.atom(p.single_attachment).IsInRing(),
    "any": lambda p: True,
}
IMPLEMENTED_CLASSES = frozenset(_CLASS_TESTS)

# Univalent classes: each test above accepts only a piece that hangs on the core by exactly one
# single bond (``single_attachment``). A "further substituted" reading of them keeps the piece's
# attachments (specs.py), so a piece bonded to the core twice (a ring closed across it) or by a
# double bond can be turned away before any reading. tests/chemistry/test_shared_verdicts.py
# checks the set against the tests on every piece of the reference molecules.
SINGLE_BOND_CLASSES = frozenset(
    {
        "alkyl",
        "cycloalkyl",
        "cycloalkylmethyl",
        "cycloalkylethyl",
        "alkenyl",
        "alkynyl",
        "haloalkyl",
        "halogen",
        "hydroxyalkyl",
        "cyanoalkyl",
        "hydroxy",
        "alkoxy",
        "alkylthio",
        "amino",
        "nitro",
        "cyano",
        "ether",
        "ester",
        "hydroxy_ether_or_ester",
        "acyl",
        "aryl",
        "univalent",
        "ring",
    }
)

# Order in which a failing substituent is described to a person ("benzyl is not ..." needs a
# name; we give the most specific class it does satisfy, plus its SMILES).
_DESCRIBE_ORDER = (
    "halogen",
    "hydroxy",
    "oxo",
    "nitro",
    "cyano",
    "alkyl",
    "haloalkyl",
    "alkenyl",
    "alkynyl",
    "cycloalkyl",
    "cycloalkylmethyl",
    "cycloalkylethyl",
    "alkoxy",
    "alkylthio",
    "alkylenedioxy",
    "alkylene",
    "amino",
    "acyl",
    "ester",
    "ether",
    "aryl",
    "ring_closure",
    "univalent",
)


def describe_piece(piece: _Piece) -> str:
    for name in _DESCRIBE_ORDER:
        if _CLASS_TESTS[name](piece):
            return f"{name.replace('_', ' ')} {piece.smiles()}"
    return piece.smiles()
