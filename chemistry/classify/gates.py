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


# -- a pattern without its recursive atoms, as a prefilter -----------------------------------------
#
# RDKit evaluates every recursive primitive ``$(...)`` of a query over the whole parent before it
# maps a single atom, so a failing search of a pattern with recursion costs several times one
# without. Most patterns fail on their topology, which needs no recursion to be seen: the pattern
# with each recursive primitive weakened to a necessary condition fails just as surely, at a
# fraction of the cost, and only a parent that passes it is searched with the pattern itself.
# (bench/classify.py measured the psychoactives set's searches at 150 us a molecule without the
# prefilter and 103 us with it, the searches of patterns that do match included.)
#
# The weakening, read off the SMARTS text of one bracket atom:
# - ``$(X...)`` becomes X's own expression: whatever matches the recursive SMARTS at this atom
#   matches its first atom there. Valid in any context that does not negate it, because a
#   SMARTS atom expression (operators ! & , ;) is monotone in each operand that is not under !.
# - ``!$(...)`` is dropped when it is an operand of a conjunction (& ; or an implicit and):
#   dropping an operand of an "and" weakens it. Under an "or" (``[a,!$(...)]``) it is kept, and
#   then the pattern gets no prefilter: the point is a search without recursion.


def _closing(text: str, opening: int) -> int:
    """Index of the ')' that closes the '(' at ``opening``."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced parentheses")


_ORGANIC = ("Cl", "Br", "B", "C", "N", "O", "S", "P", "F", "I", "b", "c", "n", "o", "s", "p", "a", "A")


def _first_atom_expression(smarts: str) -> str | None:
    """The expression of a SMARTS string's first atom, as it can stand inside a bracket atom
    (map number dropped), or None when it cannot be written there simply."""
    if smarts.startswith("["):
        close = smarts.find("]")
        expression = smarts[1:close]
        colon = expression.rfind(":")
        if colon > 0 and expression[colon + 1 :].isdigit():
            expression = expression[:colon]
    else:
        expression = next((symbol for symbol in _ORGANIC if smarts.startswith(symbol)), "")
    # an "or" or a low-precedence "and" would bind differently where it is pasted
    if not expression or any(c in expression for c in ",;$*"):
        return None
    return expression


def relax_recursion(smarts: str) -> str | None:
    """The SMARTS with every recursive primitive weakened to a necessary condition (see above),
    or None if it has none or one cannot be weakened without recursion. Every parent that holds
    the pattern holds the weakened one."""
    if "$(" not in smarts:
        return None
    out: list[str] = []
    done = 0
    while True:
        start = smarts.find("$(", done)
        if start < 0:
            out.append(smarts[done:])
            break
        end = _closing(smarts, start + 1)
        before, after = smarts[start - 1], smarts[end + 1]
        if before == "!":
            left = smarts[start - 2]
            # the operand !$(...) spans start-1..end; it is dropped with one "and" next to it
            if left in "&;":
                out.append(smarts[done : start - 2])
                done = end + 1
            elif left == "[" and after in "&;":
                out.append(smarts[done : start - 1])
                done = end + 2
            elif left == "[" and after in "]:":
                out.append(smarts[done : start - 1] + "*")
                done = end + 1
            elif left not in ",[!" and after not in ",":  # an implicit "and" on the left
                out.append(smarts[done : start - 1])
                done = end + 1
            else:
                return None
            continue
        first = _first_atom_expression(smarts[start + 2 : end])
        if first is None:
            return None
        out.append(smarts[done:start] + first)
        done = end + 1
    relaxed = "".join(out)
    if "$(" in relaxed or Chem.MolFromSmarts(relaxed) is None:
        return None
    return relaxed
