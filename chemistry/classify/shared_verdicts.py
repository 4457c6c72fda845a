"""Verdicts shared across molecules: a substituent that hangs on a core by one bond and has no ring
(methyl, methoxy, bromo, 2-hydroxyethyl) is judged once per specification, whichever molecule it
came from.

Whether a specification accepts such a piece depends only on the piece itself and the bond that
joins it to the core: every class test reads the piece's atoms, their bonds and their neighbours,
and the only neighbour outside the piece is the core atom it hangs on. The piece's *signature*
(a canonical encoding of that rooted tree, with each atom's SMILES token and each bond's type)
therefore decides the verdict, and molecules that share a substituent share its verdicts.

What is never shared, because it can depend on more than the signature:
- pieces with a ring, or bonded to the core more than once (their rings run through the core);
- specifications whose SMARTS holds a recursive ``$(...)`` (it can look past the core atom);
- any verdict of a piece whose pattern search hit ``MAX_MATCHES_PER_CORE`` in its molecule (the
  search was cut short, so the answer is the molecule's, not the piece's).

Measured in ``bench/classify.py`` (see the CHANGELOG for the figures of the day it came in).
"""

from __future__ import annotations

from rdkit import Chem

from chemistry.classify.pieces import _Piece

# signature -> {spec key: accepted?}. Bounded: when it is full it is emptied and refilled (the
# substituents of real molecules are few; a stream of adversarial ones only costs recomputation).
MAX_SIGNATURES = 20_000
# a longer piece is not worth encoding (and the recursion below stays shallow)
MAX_SIGNATURE_ATOMS = 40

_STORE: dict[tuple, dict[str, bool]] = {}

_BOND_CODE = {
    Chem.BondType.SINGLE: "-",
    Chem.BondType.DOUBLE: "=",
    Chem.BondType.TRIPLE: "#",
    Chem.BondType.AROMATIC: ":",
}


def shared_verdicts_for(piece: _Piece) -> dict[str, bool] | None:
    """The verdict store of the piece's signature, or None if its verdicts are not shareable."""
    signature = tree_signature(piece)
    if signature is None:
        return None
    store = _STORE.get(signature)
    if store is None:
        if len(_STORE) >= MAX_SIGNATURES:
            _STORE.clear()
        store = _STORE[signature] = {}
    return store


def tree_signature(piece: _Piece) -> tuple | None:
    """(core atom token, bond to it, the piece as a canonical rooted tree), or None when the piece
    hangs on the core by more than one bond, has a ring, or is larger than MAX_SIGNATURE_ATOMS."""
    if len(piece.attachments) != 1 or len(piece.atoms) > MAX_SIGNATURE_ATOMS:
        return None
    core, start, kind = piece.attachments[0]
    token = piece.token
    links = piece.links
    inside = piece.atom_set
    seen = {start}

    def encode(i: int, parent: int) -> str | None:
        children = []
        for j, bond in links[i]:
            if j == parent or j not in inside:
                continue  # the way back, or (for the attaching atom) the core atom
            if j in seen:
                return None  # a ring inside the piece
            seen.add(j)
            child = encode(j, i)
            if child is None:
                return None
            children.append(_bond_code(bond) + child)
        if not children:
            return token(i)
        children.sort()
        return token(i) + "(" + ",".join(children) + ")"

    body = encode(start, core)
    if body is None or len(seen) != len(piece.atoms):
        return None
    return token(core), _bond_code(kind), body


def _bond_code(kind: Chem.BondType) -> str:
    code = _BOND_CODE.get(kind)
    return code if code is not None else str(kind)
