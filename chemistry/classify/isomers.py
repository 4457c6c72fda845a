"""Positional isomers as 21 CFR 1300.01 defines them for the hallucinogens of 1308.11(d).

The definition: "any substance possessing the same molecular formula and core structure and having
the same functional group(s) and/or substituent(s) as those found in the respective Schedule I
hallucinogen, attached at any position(s) on the core structure, but in such manner that no new
chemical functionalities are created and no existing chemical functionalities are destroyed ...
Rearrangements of alkyl moieties within or between functional group(s) or substituent(s), or
divisions or combinations of alkyl moieties, that do not create new chemical functionalities or
destroy existing chemical functionalities, are allowed". The "core structure" is "the parent
molecule that is the common basis for the class; for example, tryptamine, phenethylamine, or
ergoline". Examples it gives of isomers: tert-butyl to sec-butyl, methoxy and ethyl to isopropoxy,
N,N-diethyl to N-methyl-N-propyl, alpha-methylamino to N-methylamino; of non-isomers: ethoxy to
alpha-hydroxyethyl, hydroxy and methyl to methoxy, a hydroxy moved to make a hydroxyamine.

The reading encoded here compares a *signature* of two structures of the same molecular formula:

- the ring systems, each as the canonical SMILES of its ring atoms alone (elements, aromaticity and
  ring bonds; substituents stripped), so the core's rings must be the same;
- each functional group (the list below) with its distance in bonds from the nearest ring atom, so a
  methoxy may move around the ring (distance 1 wherever it sits) and a methyl between ring, chain and
  nitrogen (alkyl carbons are not in the signature: the formula counts them), but the amine stays as
  far from the ring as in the listed substance (phenethylamine, not benzylamine), which stands for
  "the same core structure".

What it leaves out, on purpose, toward answering less: a functional group moved along the core's
chain (a ketone or an amine at another distance from the ring) is not matched although the text may
reach it; a group moved between two ring systems of one molecule is matched. The signature is
compared only between structures of equal molecular formula, so it is computed for a handful of
compounds.
"""

from __future__ import annotations

from rdkit import Chem

# (name, SMARTS, index of the atom whose distance to the ring system is measured)
_GROUPS: tuple[tuple[str, str], ...] = (
    ("amine", "[NX3;!a;!$(N-[CX3]=[O,S,N]);!$(N-[#7,#8,#16]);!$(N=*);!$(N#*);!$([N+])]"),
    ("amide", "[NX3;!a][CX3](=O)"),
    ("imine", "[NX2;!a]=[#6]"),
    ("ketone", "[CX3;!a](=O)([#6])[#6]"),
    ("aldehyde", "[CX3H1](=O)"),
    ("carboxylic acid", "[CX3](=O)[OX2H1]"),
    ("ester", "[CX3](=O)[OX2][#6]"),
    ("alcohol", "[OX2H1][CX4]"),
    ("phenol", "[OX2H1][c,$([CX3]=[CX3])]"),
    ("ether", "[OX2;!$(O[CX3]=O)]([#6])[#6]"),
    ("thioether", "[SX2]([#6])[#6]"),
    ("thiol", "[SX2H1]"),
    ("hydroxylamine", "[NX3][OX2]"),
    ("nitro", "[N+](=O)[O-]"),
    ("nitrile", "[CX2]#[NX1]"),
    ("alkene", "[CX3;!a]=[CX3;!a]"),
    ("alkyne", "[CX2]#[CX2]"),
    ("fluorine", "[F]"),
    ("chlorine", "[Cl]"),
    ("bromine", "[Br]"),
    ("iodine", "[I]"),
    ("phosphate", "[PX4]"),
    ("selenium", "[Se]"),
)
_PATTERNS = tuple((name, Chem.MolFromSmarts(smarts)) for name, smarts in _GROUPS)

Signature = tuple[tuple[str, ...], tuple[tuple[str, tuple[int, ...]], ...]]


def _ring_systems(mol: Chem.Mol) -> list[set[int]]:
    systems: list[set[int]] = []
    for ring in mol.GetRingInfo().AtomRings():
        ring_atoms = set(ring)
        joined = [s for s in systems if s & ring_atoms]
        for s in joined:
            ring_atoms |= s
            systems.remove(s)
        systems.append(ring_atoms)
    return systems


def signature(mol: Chem.Mol) -> Signature:
    """The rings and functional groups of a structure, for comparing structures of one formula."""
    systems = _ring_systems(mol)
    rings = tuple(
        sorted(
            Chem.MolFragmentToSmiles(mol, atomsToUse=sorted(s), canonical=True, isomericSmiles=False) for s in systems
        )
    )
    ring_atoms = sorted(set().union(*systems)) if systems else []
    distances = Chem.GetDistanceMatrix(mol) if ring_atoms else None
    groups = []
    for name, pattern in _PATTERNS:
        found = mol.GetSubstructMatches(pattern)
        if not found:
            continue
        if distances is None:
            where: tuple[int, ...] = tuple(-1 for _ in found)
        else:
            where = tuple(sorted(int(min(distances[match[0]][r] for r in ring_atoms)) for match in found))
        groups.append((name, where))
    return rings, tuple(groups)
