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

from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import combinations

from rdkit import Chem

MAX_UNDONE = 3
# a structure with more ester/ether oxygens than this is tried one and two bonds at a time only
# (the combinations of three grow as n^3)
MAX_OXYGENS_FOR_THREE = 8

# an oxygen in no ring, uncharged, with two heavy neighbours bonded by single bonds
_ESTER_OR_ETHER_OXYGEN = Chem.MolFromSmarts("[!#1]-[OX2;!R;H0;+0]-[!#1]")


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


def candidate_parents(
    mol: Chem.Mol, index: Mapping[str, frozenset[tuple]], heavy_atoms: set[int] | frozenset[int] | None = None
) -> Iterator[tuple[Chem.Mol, int]]:
    """The structures ``mol`` is an ester or ether of that may be listed: their molecular formula is a
    key of ``index`` and their atoms, as (element, number of heavy neighbours), are one of its
    values (``atom_key``); if given, their heavy-atom count is in ``heavy_atoms``. Each is yielded
    once, with the number of bonds undone to reach it.

    Every ester or ether bond is a bridge (its oxygen is in no ring), so undoing it parts the molecule
    in two: the group removed is the side away from the oxygen, found once per bond. A combination of
    bonds is then arithmetic on those groups (two groups are disjoint unless one holds the other's
    oxygen, which makes the combination void), and only a combination that passes both keys is built.
    """
    if not index:
        return
    oxygens: dict[int, tuple[int, int]] = {}
    for a, oxygen, b in mol.GetSubstructMatches(_ESTER_OR_ETHER_OXYGEN):
        oxygens.setdefault(oxygen, (a, b))
    if not oxygens:
        return
    atoms = list(mol.GetAtoms())
    neighbours = [[n.GetIdx() for n in atom.GetNeighbors()] for atom in atoms]
    kinds = [(atom.GetSymbol(), atom.GetDegree()) for atom in atoms]
    hydrogens = [atom.GetTotalNumHs() for atom in atoms]
    total_kinds = Counter(kinds)
    total_h = sum(hydrogens)
    # one entry per (oxygen, neighbour removed): the atoms removed, their kinds and hydrogens
    cuts = []
    for oxygen, (a, b) in oxygens.items():
        for removed_start in (a, b):
            removed = _side(neighbours, removed_start, oxygen)
            cuts.append((oxygen, removed, Counter(kinds[i] for i in removed), sum(hydrogens[i] for i in removed)))
    most = MAX_UNDONE if len(oxygens) <= MAX_OXYGENS_FOR_THREE else 2
    n_atoms = len(atoms)
    for size in range(1, min(most, len(oxygens)) + 1):
        for chosen in combinations(cuts, size):
            chosen_oxygens = {cut[0] for cut in chosen}
            if len(chosen_oxygens) != size:  # one oxygen undone on both sides
                continue
            if heavy_atoms is not None and n_atoms - sum(len(cut[1]) for cut in chosen) not in heavy_atoms:
                continue
            if any(oxygen in cut[1] for cut in chosen for oxygen in chosen_oxygens):
                continue
            kept = total_kinds.copy()
            for cut in chosen:
                kept.subtract(cut[2])
            kept[("O", 2)] -= size  # each oxygen undone keeps one heavy neighbour
            kept[("O", 1)] += size
            counts: dict[str, int] = {}
            for (symbol, _), n in kept.items():
                if n:
                    counts[symbol] = counts.get(symbol, 0) + n
            counts["H"] = total_h - sum(cut[3] for cut in chosen) + size
            keys = index.get(_hill(counts))
            if keys is None or _as_key(kept) not in keys:
                continue
            removed_all = frozenset().union(*(cut[1] for cut in chosen))
            parent = _build(mol, removed_all, chosen_oxygens)
            if parent is not None:
                yield parent, size


def atom_key(mol: Chem.Mol) -> tuple:
    """A structure's atoms as a sorted tuple of ((element, number of heavy neighbours), count): the same
    for tautomers and charge forms of one skeleton, cheap to compare before an InChIKey is made."""
    return _as_key(Counter((atom.GetSymbol(), atom.GetDegree()) for atom in mol.GetAtoms()))


def _as_key(kinds: Counter) -> tuple:
    return tuple(sorted((kind, n) for kind, n in kinds.items() if n))


def _side(neighbours: list[list[int]], start: int, across: int) -> frozenset[int]:
    """The atoms joined to ``start`` without passing through ``across`` (an oxygen whose bond to
    ``start`` is a bridge)."""
    seen = {start}
    stack = [start]
    while stack:
        atom = stack.pop()
        for other in neighbours[atom]:
            if other != across and other not in seen:
                seen.add(other)
                stack.append(other)
    return frozenset(seen)


def _build(mol: Chem.Mol, removed: frozenset[int], oxygens: set[int]) -> Chem.Mol | None:
    """The molecule without the removed atoms, each oxygen undone given a hydrogen for its lost neighbour."""
    editable = Chem.RWMol(mol)
    for oxygen in oxygens:
        atom = editable.GetAtomWithIdx(oxygen)
        atom.SetNoImplicit(False)
        atom.SetNumExplicitHs(0)
    for index in sorted(removed, reverse=True):
        editable.RemoveAtom(index)
    parent = editable.GetMol()
    try:
        Chem.SanitizeMol(parent)
    except (ValueError, RuntimeError):
        return None
    return parent
