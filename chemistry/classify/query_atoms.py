"""What a SMARTS query atom fixes: its element and aromaticity, when the query pins them."""

from __future__ import annotations

import re

from rdkit import Chem

_ELEMENT_QUERY = re.compile(r"^(AtomType|AtomAtomicNum) (\d+) = val$")
_AROMATIC_OFFSET = 1000  # RDKit's AtomType query value for aromatic atoms is 1000 + Z


def _fixed_element(atom: Chem.Atom, nested: bool = True) -> tuple[int, bool | None] | None:
    """(Z, aromatic or None for either) when the query atom fixes its element (``c``, ``[CX4]``,
    ``[#7]``, ``[nX3;H0]``); None for lists, negations, recursive SMARTS and ``*``."""
    lines = atom.DescribeQuery().splitlines()
    if not lines:
        return None
    # the conjuncts: every term reached from the top through AtomAnd nodes only ("[nX2;R1]" is
    # AtomAnd(AtomAnd(n, X2), R1)); SMARTS negates primitives only, so an AtomAnd is never negated
    terms = []
    reachable = {0}  # depths whose terms hang (through ANDs) on the top
    for line in lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        term = line.strip()
        reachable = {d for d in reachable if d <= depth}
        if depth not in reachable:
            continue
        terms.append(term)
        if term == "AtomAnd" and (nested or depth == 0):
            reachable.add(depth + 1)
    for term in terms:
        found = _ELEMENT_QUERY.match(term)
        if not found:
            continue
        value = int(found.group(2))
        if found.group(1) == "AtomAtomicNum":
            return value, None
        if value > _AROMATIC_OFFSET:
            return value - _AROMATIC_OFFSET, True
        return value, False
    return None
