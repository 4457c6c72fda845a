"""Shared gates in front of families of core patterns.

Many core patterns begin alike: the NpSG phenethylamine group, for instance, expands into some
forty patterns (twenty ring systems, each with an amine or an imine nitrogen) that all begin
with a nitrogen, two sp3 carbons and a ring atom. RDKit starts every search by evaluating the
pattern's recursive atoms over the whole parent, so a search that fails still costs 2-3 us, and
forty of them cost more than the rest of the classification's searches.

A gate is the subgraph that a pattern's first atoms (in matching order) and the bonds between
them induce, with their atom and bond queries unchanged. Every match of the pattern maps those
atoms and bonds onto a match of the gate, so a parent without the gate cannot hold the pattern:
one search of a shared gate can rule out a whole family. Gates are used only when several
patterns share one (a gate of its own costs one more search for a pattern that is present).
"""

from __future__ import annotations

from rdkit import Chem

# atoms of a pattern's prefix: the nitrogen, the two chain carbons and the first ring atom of a
# phenethylamine pattern; long enough to separate the families, short enough to be shared
GATE_ATOMS = 4
# a second, longer prefix for the families that pass the first gate (the phenethylamine ring
# systems share their first ring's atoms too); bench/classify.py measured 4 + 8 against 4 alone
GATE_LEVELS = (4, 8)
# a gate shared by fewer patterns than this is not used
MIN_SHARED = 3


def prefix_gate(query: Chem.Mol, atoms: int = GATE_ATOMS) -> str | None:
    """The SMARTS of the subgraph induced by the query's first ``atoms`` atoms (map numbers and
    chirality dropped: a weaker gate is still a necessary condition), or None for a query no
    larger than that."""
    if query.GetNumAtoms() <= atoms:
        return None
    prefix = Chem.RWMol(query)
    for index in range(query.GetNumAtoms() - 1, atoms - 1, -1):
        prefix.RemoveAtom(index)
    for atom in prefix.GetAtoms():
        atom.SetAtomMapNum(0)
        atom.SetChiralTag(Chem.ChiralType.CHI_UNSPECIFIED)
    if len(Chem.GetMolFrags(prefix)) != 1:  # matching order grows through bonds: never expected
        return None
    smarts = Chem.MolToSmarts(prefix)
    return smarts if Chem.MolFromSmarts(smarts) is not None else None


def shared_gates(queries: dict[str, Chem.Mol], atoms: int = GATE_ATOMS) -> dict[str, str]:
    """pattern SMARTS -> gate SMARTS, for the patterns whose gate at least MIN_SHARED share."""
    gate_of = {smarts: prefix_gate(query, atoms) for smarts, query in queries.items()}
    sharing: dict[str, int] = {}
    for gate in gate_of.values():
        if gate is not None:
            sharing[gate] = sharing.get(gate, 0) + 1
    return {smarts: gate for smarts, gate in gate_of.items() if gate is not None and sharing[gate] >= MIN_SHARED}
