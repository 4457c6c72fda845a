"""The prescreen: which elements a core certainly needs, counted once per molecule, so that cores
needing atoms the parent lacks are skipped without a substructure search."""

from __future__ import annotations

import re
from collections import Counter

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from chemistry.classify.pieces import HALOGENS
from chemistry.classify.query_atoms import _AROMATIC_OFFSET, _fixed_element

# Prescreen: each core pattern needs at least so many atoms of each element (aromatic,
# aliphatic, or either). Counting a parent's atoms costs ~10 us; RDKit's pattern fingerprint
# costs 40-120 us per parent, more than it saves for a rulebook of ~100 patterns
# (bench/classify.py measures both against the naive loop).


def _atoms_needed(query: Chem.Mol) -> Counter:
    """Atoms a query certainly needs, by (Z, aromatic) and by (Z, None) for either aromaticity.

    Only atoms whose query fixes the element count; the others count for nothing, so the screen
    never drops a match.
    """
    needed: Counter = Counter()
    for atom in query.GetAtoms():
        fixed = _fixed_element(atom)
        if fixed is None:
            continue
        z, aromatic = fixed
        needed[(z, None)] += 1
        if aromatic is not None:
            needed[(z, aromatic)] += 1
    return needed


def _aliphatic_ring_carbons_needed(query: Chem.Mol) -> int:
    """Query atoms on a ring of the query that must be aliphatic carbons ('C', '[CX4]')."""
    rings = Chem.Mol(query)
    Chem.FastFindRings(rings)  # a SMARTS query has no ring information of its own
    info = rings.GetRingInfo()
    needed = 0
    for atom in rings.GetAtoms():
        if info.NumAtomRings(atom.GetIdx()):
            fixed = _fixed_element(atom)
            needed += fixed == (6, False)
    return needed


_ALIPHATIC_RING_CARBON = Chem.MolFromSmarts("[C;R]")
_EVERY_MATCH = Chem.SubstructMatchParameters()
_EVERY_MATCH.maxMatches = 1_000_000  # type: ignore[assignment]  # a count, never capped below the parent's atoms


def _aliphatic_ring_carbons(parent: Chem.Mol) -> int:
    """Non-aromatic carbons on a ring of the parent. Most NPS have none (an aliphatic atom on an
    SSSR ring makes that ring aliphatic), which one C++ ring count tells; else one atom search.

    Like every ring query of the core patterns, this reads the ring information that sanitising
    the parent computed: the classifier is only ever given standardised, sanitised parents."""
    if rdMolDescriptors.CalcNumAliphaticRings(parent) == 0:
        return 0
    return len(parent.GetSubstructMatches(_ALIPHATIC_RING_CARBON, _EVERY_MATCH))


def _ring_junctions_needed(query: Chem.Mol) -> int:
    """Query atoms with three or more ring bonds of the query (fusion, spiro and bridgehead atoms).

    A query cycle maps onto a cycle of the parent, so each such atom maps onto a distinct parent
    atom with three or more ring bonds, and such an atom lies on two or more SSSR rings (one ring
    uses two of its bonds, the ring holding a third bond holds the atom too): counting the
    parent's atoms on two or more SSSR rings (_ring_junctions) never drops a match.
    """
    rings = Chem.Mol(query)
    Chem.FastFindRings(rings)  # a SMARTS query has no ring information of its own
    info = rings.GetRingInfo()
    return sum(
        1 for atom in rings.GetAtoms() if sum(1 for bond in atom.GetBonds() if info.NumBondRings(bond.GetIdx())) >= 3
    )


def _ring_junctions(parent: Chem.Mol) -> int:
    """Atoms of the parent on two or more SSSR rings. Most NPS have one or two rings that share no
    atom (phenethylamines, cathinones, arylcyclohexylamines): the fused and bridged ring systems
    of the other groups' cores are then skipped without a search."""
    info = parent.GetRingInfo()
    if info.NumRings() < 2:  # before AtomRings(), which builds a tuple per ring
        return 0
    rings = info.AtomRings()
    seen: set[int] = set()
    junctions: set[int] = set()
    for ring in rings:
        for atom in ring:
            (junctions if atom in seen else seen).add(atom)
    return len(junctions)


def _double_bonds_needed(query: Chem.Mol) -> int:
    """Query bonds that match nothing but a double bond ('='; not '=,:' or '~')."""
    return sum(1 for bond in query.GetBonds() if bond.DescribeQuery().strip() == "BondOrder 2 = val")


def _rarity(atom: Chem.Atom) -> int:
    """How few parent atoms a query atom is likely to fit: aromatic carbon is everywhere in these
    molecules, sp3 carbon nearly so, nitrogen and oxygen less, sulfur and halogens rarely."""
    # top-level conjuncts only: the matching order (and so the order of the mappings, and which
    # of several equal explanations is reported) stays as it was
    fixed = _fixed_element(atom, nested=False)
    if fixed is None:
        return 0
    z, aromatic = fixed
    if z == 6:
        return 1 if aromatic is not False else 2
    if z in HALOGENS:
        return 8
    return {7: 5, 8: 4, 16: 7}.get(z, 6) - (1 if aromatic else 0)


def _in_matching_order(query: Chem.Mol) -> Chem.Mol:
    """The query with its atoms renumbered for RDKit's matcher, which extends a partial mapping
    in query-atom order: start at the rarest atom and grow through bonded atoms, rarest first.
    Starting a phenethylamine query at its nitrogen instead of an aromatic carbon makes a
    failing search on a three-ring cannabinoid several times cheaper. Map numbers travel with
    the atoms, so positions are unaffected."""
    n = query.GetNumAtoms()
    if n < 2:
        return query
    score = [_rarity(atom) for atom in query.GetAtoms()]
    neighbours = [[nb.GetIdx() for nb in atom.GetNeighbors()] for atom in query.GetAtoms()]
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < n:  # one pass per fragment of the query
        start = max((i for i in range(n) if i not in placed), key=lambda i: (score[i], -i))
        frontier = {start}
        while frontier:
            best = max(frontier, key=lambda i: (score[i], -i))
            frontier.discard(best)
            order.append(best)
            placed.add(best)
            frontier.update(j for j in neighbours[best] if j not in placed)
    if order == list(range(n)):
        return query
    reordered = Chem.RenumberAtoms(query, order)
    return reordered


# A bracket atom of a SMILES string, with its element symbol; every other atom is written from the
# organic subset, whose symbols can then simply be counted.
_BRACKET_ATOM = re.compile(r"\[[0-9]*([A-Z][a-z]?|se|as|te|[bcnops])[^\]]*\]")
_SYMBOL_TYPE: dict[str, int] = {}


def _atom_type_of_symbol(symbol: str) -> int:
    found = _SYMBOL_TYPE.get(symbol)
    if found is None:
        aromatic = symbol[0].islower()
        z = Chem.GetPeriodicTable().GetAtomicNumber(symbol.capitalize())
        found = _SYMBOL_TYPE[symbol] = z + _AROMATIC_OFFSET * aromatic
    return found


# organic-subset symbols with one letter, and the two-letter symbols whose first letter they share
_ORGANIC_ONE_LETTER = tuple((symbol, _atom_type_of_symbol(symbol)) for symbol in "CBNOPSFIcbnops")
_ORGANIC_TWO_LETTER = (("Cl", "C"), ("Br", "B"))


def _atom_type_counts(parent: Chem.Mol, smiles: str | None) -> dict[int, int]:
    """Heavy atoms per element + aromaticity (Z, or Z + 1000 when aromatic), for the prescreen.

    Read from the parent's SMILES when there is one: the few bracket atoms by a regular expression,
    the organic-subset atoms by counting their symbols (outside brackets, a lower-case letter is an
    aromatic atom or the second letter of Cl or Br). That costs a fraction of walking RDKit's atom
    sequence from Python; the SMILES was written from this very parent, so lower case is exactly
    RDKit's aromatic flag.
    """
    counts: dict[int, int] = {}
    if smiles is None:
        get = parent.GetAtomWithIdx
        for i in range(parent.GetNumAtoms()):
            atom = get(i)
            atom_type = atom.GetAtomicNum() + _AROMATIC_OFFSET * atom.GetIsAromatic()
            counts[atom_type] = counts.get(atom_type, 0) + 1
        return counts
    if "[" in smiles:
        for symbol in _BRACKET_ATOM.findall(smiles):
            atom_type = _atom_type_of_symbol(symbol)
            counts[atom_type] = counts.get(atom_type, 0) + 1
        smiles = _BRACKET_ATOM.sub("", smiles)
    for symbol, atom_type in _ORGANIC_ONE_LETTER:
        n = smiles.count(symbol)
        if n:
            counts[atom_type] = counts.get(atom_type, 0) + n
    for symbol, first in _ORGANIC_TWO_LETTER:
        n = smiles.count(symbol)
        if n:
            counts[_atom_type_of_symbol(symbol)] = counts.get(_atom_type_of_symbol(symbol), 0) + n
            counts[_atom_type_of_symbol(first)] -= n
    return counts
