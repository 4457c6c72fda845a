"""Esters and ethers of listed substances: the parents a structure is an ester or ether of.

Several schedules extend each listing to the esters and ethers of what they list: the Single
Convention's Schedule I ("the esters and ethers, unless appearing in another Schedule, of the drugs
in this Schedule"), the closing paragraphs of BtMG Anlagen I and II, paragraph 3 of Part I of
Schedule 2 to the Misuse of Drugs Act, 21 CFR 1308.11(b) and 1308.12(c). A structure is such an
ester or ether when undoing one or more ester or ether bonds gives back a listed substance.

What counts as an ester or ether bond here: a single bond between an oxygen and one of its two
neighbours, where that oxygen is in no ring, has exactly two neighbours, both bonded to it by
single bonds, and carries no charge. Undoing it keeps the oxygen on the other side as a hydroxy
group: R-O-R' gives R-OH (an ether of R-OH) or R'-OH; R-C(=O)-O-R' gives R'-OH (an ester of the
alcohol) or R-C(=O)-OH (an ester of the acid); sulfate, phosphate and nitrate esters of a hydroxy
group are read the same way. A ring oxygen is never undone (morphine's 4,5-epoxy bridge is part of
morphine, not an ether of something listed). Up to ``MAX_UNDONE`` bonds are undone at once (a
diester such as dipropanoylmorphine needs two).

Cheap first: the molecular formula of each candidate parent is counted from the atoms it keeps
and compared with the formulas of the listed substances; only a candidate whose formula is listed
is built and given an InChIKey.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations, product

from rdkit import Chem

MAX_UNDONE = 3
# a structure with more ester/ether oxygens than this is tried one and two bonds at a time only
# (the combinations of three grow as n^3)
MAX_OXYGENS_FOR_THREE = 8

_SINGLE = Chem.BondType.SINGLE


def _cuttable_oxygens(mol: Chem.Mol) -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    """(oxygen, (bond to neighbour a, neighbour a), (bond to neighbour b, neighbour b)) per ester or
    ether oxygen."""
    found = []
    for atom in mol.GetAtoms():
        if atom.GetAtomicNum() != 8 or atom.GetFormalCharge() or atom.IsInRing() or atom.GetDegree() != 2:
            continue
        if atom.GetTotalNumHs():
            continue
        bonds = atom.GetBonds()
        if any(bond.GetBondType() != _SINGLE for bond in bonds):
            continue
        a, b = bonds
        found.append(
            (
                atom.GetIdx(),
                (a.GetIdx(), a.GetOtherAtomIdx(atom.GetIdx())),
                (b.GetIdx(), b.GetOtherAtomIdx(atom.GetIdx())),
            )
        )
    return found


def _hill(counts: dict[str, int]) -> str:
    """A molecular formula written as RDKit's CalcMolFormula writes a neutral one (Hill order)."""
    parts = []
    if "C" in counts:
        for symbol in ("C", "H"):
            n = counts.get(symbol, 0)
            if n:
                parts.append(symbol if n == 1 else f"{symbol}{n}")
        rest = sorted(s for s in counts if s not in ("C", "H"))
    else:
        rest = sorted(counts)
    for symbol in rest:
        n = counts[symbol]
        if n:
            parts.append(symbol if n == 1 else f"{symbol}{n}")
    return "".join(parts)


def candidate_parents(mol: Chem.Mol, formulas: set[str] | frozenset[str]) -> Iterator[tuple[Chem.Mol, int]]:
    """The structures ``mol`` is an ester or ether of whose molecular formula is in ``formulas``,
    each with the number of bonds undone to reach it. Each candidate is yielded once."""
    oxygens = _cuttable_oxygens(mol)
    if not oxygens or not formulas:
        return
    neighbours = [[n.GetIdx() for n in atom.GetNeighbors()] for atom in mol.GetAtoms()]
    symbols = [atom.GetSymbol() for atom in mol.GetAtoms()]
    hydrogens = [atom.GetTotalNumHs() for atom in mol.GetAtoms()]
    most = MAX_UNDONE if len(oxygens) <= MAX_OXYGENS_FOR_THREE else 2
    seen: set[frozenset[int]] = set()
    for size in range(1, min(most, len(oxygens)) + 1):
        for chosen in combinations(oxygens, size):
            # each oxygen is undone on one side: the other side stays with the parent
            for sides in product((1, 2), repeat=size):
                cut = {}
                for (oxygen, a, b), side in zip(chosen, sides, strict=True):
                    bond, removed = a if side == 1 else b
                    cut[oxygen] = removed
                kept = _component(neighbours, cut, next(iter(cut)))
                if kept is None or kept in seen or any(o not in kept for o in cut):
                    continue
                seen.add(kept)
                counts: dict[str, int] = {}
                n_h = len(cut)  # each oxygen undone becomes a hydroxy
                for index in kept:
                    counts[symbols[index]] = counts.get(symbols[index], 0) + 1
                    n_h += hydrogens[index]
                counts["H"] = counts.get("H", 0) + n_h
                if _hill(counts) not in formulas:
                    continue
                parent = _build(mol, kept, cut)
                if parent is not None:
                    yield parent, len(cut)


def _component(neighbours: list[list[int]], cut: dict[int, int], start: int) -> frozenset[int] | None:
    """The atoms still joined to ``start`` once each oxygen in ``cut`` is parted from its removed
    neighbour; None when a removed neighbour is still reached (the groups close a ring with the
    parent: no ester or ether of it)."""
    removed = set(cut.values())
    seen = {start}
    stack = [start]
    while stack:
        atom = stack.pop()
        for other in neighbours[atom]:
            if cut.get(atom) == other or cut.get(other) == atom or other in seen:
                continue
            if other in removed:
                return None
            seen.add(other)
            stack.append(other)
    return frozenset(seen)


def _build(mol: Chem.Mol, kept: frozenset[int], cut: dict[int, int]) -> Chem.Mol | None:
    """The kept atoms as a molecule, each oxygen undone given a hydrogen for its lost neighbour."""
    editable = Chem.RWMol(mol)
    for oxygen in cut:
        atom = editable.GetAtomWithIdx(oxygen)
        atom.SetNoImplicit(False)
        atom.SetNumExplicitHs(0)
    for index in sorted(set(range(mol.GetNumAtoms())) - kept, reverse=True):
        editable.RemoveAtom(index)
    parent = editable.GetMol()
    try:
        Chem.SanitizeMol(parent)
    except (ValueError, RuntimeError):
        return None
    return parent
