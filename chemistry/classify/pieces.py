"""A piece of the molecule outside a core match: its atoms, how it hangs on the core, and the
facts the substituent classes ask of it (computed once, cached)."""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

from rdkit import Chem

HALOGENS = frozenset({9, 17, 35, 53})
_first = itemgetter(0)
_SINGLE = Chem.BondType.SINGLE
_HYDROGEN_MASS = Chem.GetPeriodicTable().GetAtomicWeight(1)
_DOUBLE = Chem.BondType.DOUBLE
_TRIPLE = Chem.BondType.TRIPLE


class _Piece:
    """A connected set of parent atoms outside the core match, and how it hangs on the core."""

    __slots__ = (
        "mol",
        "links",
        "atoms",
        "atom_set",
        "attachments",
        "single_attachment",
        "_internal",
        "_internal_kinds",
        "_smiles",
        "verdicts",
        "listed_layers",
        "_counts",
        "_chain",
        "_mass",
        "_cache",
    )

    def __init__(
        self,
        mol: Chem.Mol,
        links: list[list[tuple[int, Chem.BondType]]],
        atoms: list[int],
        attachments: list[tuple[int, int, Chem.BondType]],
        cache: "_AtomCache | None" = None,
    ):
        self.mol = mol
        # the molecule's atoms and their facts, read from RDKit once per molecule and shared by
        # every piece of it (each RDKit call from Python costs a few thousand instructions)
        self._cache = cache if cache is not None else _AtomCache(mol, len(links))
        # the molecule's (neighbour, bond type) table: bonds are read from it, not from RDKit's
        # Bond objects, which cost a Python wrapper each
        self.links = links
        self.atoms = atoms
        self.atom_set = frozenset(atoms)
        self.attachments = attachments  # (core atom, piece atom, bond type)
        # the attaching atom when the piece hangs on the core by one single bond, else None (most
        # class tests ask first)
        self.single_attachment: int | None = (
            attachments[0][1] if len(attachments) == 1 and attachments[0][2] == _SINGLE else None
        )
        self._internal: list[Chem.Bond] | None = None
        self._internal_kinds: list[Chem.BondType] | None = None
        self._smiles: str | None = None
        self._counts: dict[int, int] | None = None
        self._chain: int | None = None
        self._mass: float | None = None
        # spec key -> accepted?  The same piece is read by every rule whose core matches the same
        # atoms (GB, DK and DE phenethylamines), so each class is tested once per piece.
        self.verdicts: dict[str, bool] = {}
        # the candidate listed groups of a "further substituted" class, smallest first, as
        # (atoms, piece): computed when first asked for, shared by every class (see specs.py)
        self.listed_layers: list[tuple[set[int], _Piece]] | None = None

    # facts, computed when a class asks
    @property
    def internal_bonds(self) -> list[Chem.Bond]:
        if self._internal is None:
            seen = self.atom_set
            bonds = []
            for i in self.atoms:
                for bond in self.mol.GetAtomWithIdx(i).GetBonds():
                    other = bond.GetOtherAtomIdx(i)
                    if other in seen and other > i:
                        bonds.append(bond)
            self._internal = bonds
        return self._internal

    @property
    def internal_bond_kinds(self) -> list[Chem.BondType]:
        """The type of each bond between two atoms of the piece."""
        if self._internal_kinds is None:
            inside = self.atom_set
            self._internal_kinds = [kind for i in self.atoms for j, kind in self.links[i] if j > i and j in inside]
        return self._internal_kinds

    def atom(self, i: int) -> Chem.Atom:
        atoms = self._cache.atoms
        atom = atoms[i]
        if atom is None:
            atom = atoms[i] = self.mol.GetAtomWithIdx(i)
        return atom

    def z(self, i: int) -> int:
        """Atomic number of parent atom i."""
        numbers = self._cache.numbers
        z = numbers[i]
        if z < 0:
            z = numbers[i] = self.atom(i).GetAtomicNum()
        return z

    def aromatic(self, i: int) -> bool:
        flags = self._cache.aromatic
        flag = flags[i]
        if flag is None:
            flag = flags[i] = self.atom(i).GetIsAromatic()
        return flag

    def bond_kind(self, i: int, j: int) -> Chem.BondType | None:
        for other, kind in self.links[i]:
            if other == j:
                return kind
        return None

    def element_counts(self) -> dict[int, int]:
        counts = self._counts
        if counts is None:
            counts = defaultdict(int)
            z = self.z
            for i in self.atoms:
                counts[z(i)] += 1
            self._counts = counts
        return counts

    def mass(self) -> float:
        """The substituent's mass, u: its atoms (average masses, an isotope's own mass where one
        is given, as RDKit's MolWt reads them) and their hydrogens; the bond(s) to the core are
        not counted as hydrogens."""
        if self._mass is None:
            atom = self.atom
            self._mass = sum(atom(i).GetMass() + _HYDROGEN_MASS * atom(i).GetTotalNumHs() for i in self.atoms)
        return self._mass

    @property
    def is_tree(self) -> bool:
        return len(self.internal_bond_kinds) == len(self.atoms) - 1

    def longest_chain(self) -> int:
        """Heavy atoms on the longest path through atoms in no ring ("durchgehende Kette", ring
        atoms not counted): the diameter of the acyclic part of the piece. Computed once per
        piece: every "further substituted" class of every rule asks for it."""
        if self._chain is None:
            self._chain = self._longest_chain()
        return self._chain

    def _longest_chain(self) -> int:
        chain = [i for i in self.atoms if not self.atom(i).IsInRing()]
        if len(chain) <= 1:
            return len(chain)
        members = set(chain)
        adjacent = {i: [n for n in self.neighbours_inside(i) if n in members] for i in chain}

        def farthest(start: int) -> tuple[int, int, dict[int, int]]:
            depth = {start: 1}
            frontier = [start]
            last = start
            while frontier:
                following = []
                for i in frontier:
                    for n in adjacent[i]:
                        if n not in depth:
                            depth[n] = depth[i] + 1
                            following.append(n)
                            last = n
                frontier = following
            return last, depth[last], depth

        best = 0
        unvisited = set(chain)
        while unvisited:
            end, _, reached = farthest(next(iter(unvisited)))
            unvisited -= reached.keys()
            _, length, _ = farthest(end)
            best = max(best, length)
        return best

    def neighbours_inside(self, i: int) -> list[int]:
        inside = self.atom_set
        return [j for j, _ in self.links[i] if j in inside]

    def smiles(self) -> str:
        """The piece with '*' where it is bonded to the core (for explanations)."""
        if self._smiles is None:
            core_atoms = {core for core, _, _ in self.attachments}
            symbols = list(_atom_tokens(self.mol))
            for core in core_atoms:
                symbols[core] = "*"
            bonds = [bond.GetIdx() for bond in self.internal_bonds] + [
                self.mol.GetBondBetweenAtoms(core, atom).GetIdx() for core, atom, _ in self.attachments
            ]
            self._smiles = Chem.MolFragmentToSmiles(
                self.mol, atomsToUse=sorted(self.atom_set | core_atoms), bondsToUse=bonds, atomSymbols=symbols
            )
        return self._smiles


class _AtomCache:
    """Per molecule: its RDKit atoms and their atomic numbers and aromaticity, each read when
    first asked for, and the matches of the named groups' patterns."""

    __slots__ = ("atoms", "numbers", "aromatic", "pattern_matches")

    def __init__(self, mol: Chem.Mol, n_atoms: int):
        self.atoms: list[Chem.Atom | None] = [None] * n_atoms
        self.numbers: list[int] = [-1] * n_atoms
        self.aromatic: list[bool | None] = [None] * n_atoms
        # a named group's pattern searched over the whole molecule, once for all its pieces
        # (id of the pattern -> its matches; the patterns live as long as the classifier)
        self.pattern_matches: dict[int, tuple] = {}


def _atom_tokens(mol: Chem.Mol) -> list[str]:
    """Each atom as SMILES writes it ('c', '[nH]', '[N+]')."""
    return [atom.GetSmarts() for atom in mol.GetAtoms()]
