"""Is this compound controlled, by which legal text, in which jurisdiction, on which date?

One generic engine applies every rule of a :class:`~chemistry.rulebook.Rulebook`:

- *named* rules: the parent's InChIKey (or its connectivity block, when the law covers
  stereoisomers) is looked up in one dictionary built at start-up;
- *group* rules: each core SMARTS is compiled once, with the atoms it certainly needs (by element
  and aromaticity). Per molecule the parent's atoms are counted once, cores needing atoms the
  parent lacks are skipped without a substructure search (one bitmask AND per element feature),
  identical SMARTS shared by several rules (the Danish groups copy the British ones)
  are searched once, and only then are the atoms around each core match read as substituents and
  checked against the positions of the definition. A pattern-fingerprint prescreen was measured
  and dropped: the parent's fingerprint alone costs more (40-120 us) than the ~20 substructure
  tests it saves on this rulebook.
- explanations and near-miss texts are written when first read: the SMILES of a substituent
  costs more than finding it, and batch ingestion mostly needs only the status.

The answer explains itself: which atoms matched which labelled part of the definition, which
substituent was found at each position, and for compounds that almost fall under a group, why
not (a *near miss*).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from functools import cached_property
from operator import itemgetter
from types import MappingProxyType
from typing import Any, Callable, Iterable, Literal, Mapping

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from chemistry.identity import Identity, StructureError, identify, standardize_parent
from chemistry.rulebook import (
    Core,
    Position,
    Rule,
    Rulebook,
    SubstituentSpec,
    expand_core,
    load_rulebook,
    parse_smarts,
)

__all__ = [
    "Classification",
    "Classifier",
    "CoreExplanation",
    "JurisdictionResult",
    "NearMiss",
    "RuleMatch",
    "SetAside",
    "SubstituentFound",
    "Status",
    "IMPLEMENTED_CLASSES",
]

# "undetermined": nothing captured the compound, but some rule's evaluation ran out of the
# per-molecule budget (JurisdictionResult.undetermined says which); never read it as "not controlled".
Status = Literal["controlled_by_group", "controlled_by_name", "not_controlled", "undetermined"]

# Bounds on the work one molecule can cause (see FORMAT.md, "Bounds").
MAX_MATCHES_PER_CORE = 256
# The longest the core search for one molecule may take before the rules left unsearched are
# reported as undetermined. The whole shipped rulebook searches a molecule in about a millisecond,
# and its slowest molecule of the stress set (chemistry/stress.py) in far less than this.
CLASSIFY_BUDGET_SECONDS = 2.0
MAX_RECURSIVE_MATCHES = 1000
# Prescreen: each core pattern needs at least so many atoms of each element (aromatic,
# aliphatic, or either). Counting a parent's atoms costs ~10 us; RDKit's pattern fingerprint
# costs 40-120 us per parent, more than it saves for a rulebook of ~100 patterns
# (bench/classify.py measures both against the naive loop).
_AROMATIC_OFFSET = 1000  # RDKit's AtomType query value for aromatic atoms is 1000 + Z
_ELEMENT_QUERY = re.compile(r"^(AtomType|AtomAtomicNum) (\d+) = val$")

HALOGENS = frozenset({9, 17, 35, 53})
_first = itemgetter(0)
_SINGLE = Chem.BondType.SINGLE
_DOUBLE = Chem.BondType.DOUBLE
_TRIPLE = Chem.BondType.TRIPLE


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubstituentFound:
    position: str
    substituent_class: str  # the label of the allowed class it satisfied
    atoms: tuple[int, ...]  # parent atom indices
    _piece: "_Piece" = field(compare=False, repr=False)

    @cached_property
    def smiles(self) -> str:
        """The substituent, '*' where it is attached to the core (written when first read)."""
        return self._piece.smiles()


@dataclass(frozen=True)
class CoreExplanation:
    core_id: str
    core_title: str | None
    ring_systems: dict[str, str]  # placeholder -> option that matched
    parts: dict[str, tuple[int, ...]]  # labelled part of the core -> parent atom indices
    substituents: tuple[SubstituentFound, ...]

    @property
    def atoms(self) -> tuple[int, ...]:
        return tuple(sorted({i for part in self.parts.values() for i in part}))


@dataclass(frozen=True)
class RuleMatch:
    rule_id: str
    kind: str
    title: str
    jurisdiction: str
    list: str
    citation: Mapping[str, Any]  # read-only, shared by every match of the rule
    in_force_from: date
    in_force_to: date | None
    explanation: CoreExplanation | None = None  # groups
    substance: str | None = None  # named rules: the name under which it is listed
    # "unspecified_stereo": a stereo-specific named entry, and the structure gave no stereochemistry
    matched_on: Literal["inchikey", "connectivity", "unspecified_stereo", "structure"] = "structure"
    # False for a named entry added on a date the encoder could not establish: in_force_from is
    # then the instrument's own date, and the answer must say "date not recorded".
    date_recorded: bool = True


@dataclass(frozen=True)
class NearMiss:
    rule_id: str
    _reason: str | Callable[[], str] = field(compare=False, repr=False)

    @cached_property
    def reason(self) -> str:
        """Why the rule does not capture the compound (written when first read: describing a
        substituent writes its SMILES, which costs more than finding it)."""
        return self._reason() if callable(self._reason) else self._reason

    def __repr__(self) -> str:
        return f"NearMiss(rule_id={self.rule_id!r}, reason={self.reason!r})"


@dataclass(frozen=True)
class SetAside:
    """A rule whose definition captures the compound but which does not apply: another rule of
    the same jurisdiction takes precedence (its ``yields_to``), e.g. § 1 Abs. 2 NpSG for a BtMG
    substance or an authorised medicine."""

    match: RuleMatch
    by: tuple[str, ...]  # ids of the rules that take precedence and matched
    reason: str  # the provision giving precedence (the rule's yields_reason)


@dataclass(frozen=True)
class Undetermined:
    rule_id: str
    reason: str


@dataclass(frozen=True)
class JurisdictionResult:
    jurisdiction: str
    status: Status
    matches: tuple[RuleMatch, ...]  # rules that apply and capture the compound
    near_misses: tuple[NearMiss, ...]
    set_aside: tuple[SetAside, ...] = ()
    # matches of registers that control nothing by themselves (controls = false), e.g. a list of
    # authorised medicines: shown because they can make other rules yield
    notices: tuple[RuleMatch, ...] = ()
    # group rules whose evaluation was cut off by the per-molecule budget: the answer cannot say
    # whether they capture the compound
    undetermined: tuple[Undetermined, ...] = ()


@dataclass(frozen=True)
class Classification:
    inchikey: str
    smiles: str
    as_of: date
    results: dict[str, JurisdictionResult]

    def status(self, jurisdiction: str) -> Status:
        return self.results[jurisdiction].status

    def matched_rule_ids(self, jurisdiction: str | None = None) -> set[str]:
        chosen = [self.results[jurisdiction]] if jurisdiction else self.results.values()
        return {m.rule_id for result in chosen for m in result.matches}


def _constructor(cls):
    """Build instances of a frozen result dataclass from every field's value, in field order.

    The generated ``__init__`` of a frozen dataclass sets each field through
    ``object.__setattr__``; filling the instance's ``__dict__`` in one step gives the same object
    (same fields, equality, hash and repr) for a fraction of the work. Only for classes without
    ``__post_init__`` or other logic in ``__init__``."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    names = tuple(f.name for f in fields(cls))
    new = object.__new__
    set_attribute = object.__setattr__

    def make(*values):
        instance = new(cls)
        # strict: a missing or extra value raises ValueError
        set_attribute(instance, "__dict__", dict(zip(names, values, strict=True)))
        return instance

    make.__name__ = f"make_{cls.__name__}"
    return make


_new_substituent = _constructor(SubstituentFound)
_new_explanation = _constructor(CoreExplanation)
_new_rule_match = _constructor(RuleMatch)
_new_near_miss = _constructor(NearMiss)
_new_jurisdiction_result = _constructor(JurisdictionResult)
_new_classification = _constructor(Classification)


# --- substituents ----------------------------------------------------------------------------


class _Piece:
    """A connected set of parent atoms outside the core match, and how it hangs on the core."""

    __slots__ = ("mol", "links", "atoms", "atom_set", "attachments", "single_attachment", "_internal",
                 "_internal_kinds", "_smiles", "verdicts", "_counts", "_cache")

    def __init__(self, mol: Chem.Mol, links: list[list[tuple[int, Chem.BondType]]], atoms: list[int],
                 attachments: list[tuple[int, int, Chem.BondType]], cache: "_AtomCache | None" = None):
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
        # spec key -> accepted?  The same piece is read by every rule whose core matches the same
        # atoms (GB, DK and DE phenethylamines), so each class is tested once per piece.
        self.verdicts: dict[str, bool] = {}

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

    @property
    def is_tree(self) -> bool:
        return len(self.internal_bond_kinds) == len(self.atoms) - 1

    def longest_chain(self) -> int:
        """Heavy atoms on the longest path through atoms in no ring ("durchgehende Kette", ring
        atoms not counted): the diameter of the acyclic part of the piece."""
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
    first asked for."""

    __slots__ = ("atoms", "numbers", "aromatic")

    def __init__(self, mol: Chem.Mol, n_atoms: int):
        self.atoms: list[Chem.Atom | None] = [None] * n_atoms
        self.numbers: list[int] = [-1] * n_atoms
        self.aromatic: list[bool | None] = [None] * n_atoms


def _atom_tokens(mol: Chem.Mol) -> list[str]:
    """Each atom as SMILES writes it ('c', '[nH]', '[N+]')."""
    return [atom.GetSmarts() for atom in mol.GetAtoms()]


def _alkyl_carbons(piece: _Piece, atoms: Iterable[int]) -> bool:
    """sp3, acyclic (within the piece), carbon-only, single bonds among them."""
    atoms = list(atoms)
    if not atoms:
        return False
    chosen = set(atoms)
    bonds = 0
    for i in atoms:
        if piece.z(i) != 6 or piece.aromatic(i):
            return False
        for other, kind in piece.links[i]:
            if other in chosen:
                if kind != _SINGLE:
                    return False
                bonds += 1
            elif other in piece.atom_set:
                pass  # a bond to another part of the piece (e.g. the O of alkoxy)
            elif kind != _SINGLE:
                return False  # a double bond to the core: not alkyl
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
    return {atom} if p.z(atom) == 8 and p.atom(atom).GetDegree() == 1 else None


def _cyano_group(p: _Piece, carbons: set[int], atom: int) -> set[int] | None:
    if p.z(atom) != 6:
        return None
    partners = [n for n in p.neighbours_inside(atom) if n not in carbons]
    if len(partners) == 1 and p.z(partners[0]) == 7:
        if p.bond_kind(atom, partners[0]) == _TRIPLE:
            return {atom, partners[0]}
    return None


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
    return (
        len(p.atoms) == 1
        and len(p.attachments) == 1
        and p.attachments[0][2] == _DOUBLE
        and p.z(p.atoms[0]) == 8
    )


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

# Order in which a failing substituent is described to a person ("benzyl is not ..." needs a
# name; we give the most specific class it does satisfy, plus its SMILES).
_DESCRIBE_ORDER = (
    "halogen", "hydroxy", "oxo", "nitro", "cyano", "alkyl", "haloalkyl", "alkenyl", "alkynyl", "cycloalkyl",
    "cycloalkylmethyl", "cycloalkylethyl", "alkoxy", "alkylthio", "alkylenedioxy", "alkylene", "amino",
    "acyl", "ester", "ether", "aryl", "ring_closure", "univalent",
)


_PIECE_PARAMS = Chem.SubstructMatchParameters()
_PIECE_PARAMS.uniquify = False
_PIECE_PARAMS.maxMatches = MAX_MATCHES_PER_CORE


class _CompiledSpec:
    __slots__ = (
        "spec", "key", "label", "test", "class_name", "pattern", "pattern_attachments", "pattern_size", "substituted", "leftover_tests",
        "max_heavy_atoms", "min_carbons", "max_carbons", "min_chain", "max_chain", "measures_chain",
        "pattern_elements", "plain", "elements", "min_ring_size", "max_ring_size",
    )

    def __init__(self, spec: SubstituentSpec):
        self.spec = spec
        self.key = spec.model_dump_json(by_alias=True)
        self.label = spec.label
        self.test = _CLASS_TESTS[spec.class_] if spec.class_ else None
        self.class_name = spec.class_  # a piece's verdicts are keyed by it too (spec keys are JSON objects)
        # the spec's bounds, read once here rather than from the model per piece
        self.max_heavy_atoms = spec.max_heavy_atoms
        self.min_carbons = spec.min_carbons
        self.max_carbons = spec.max_carbons
        self.min_chain = spec.min_chain
        self.max_chain = spec.max_chain
        self.measures_chain = spec.min_chain is not None or spec.max_chain is not None
        self.substituted = spec.substituted or spec.substituted_with is not None
        self.elements = (
            frozenset(Chem.GetPeriodicTable().GetAtomicNumber(e) for e in spec.elements) if spec.elements else None
        )
        self.min_ring_size = spec.min_ring_size
        self.max_ring_size = spec.max_ring_size
        # a class and nothing else (no bounds): the spec accepts exactly what the class does
        self.plain = self.test is not None and (
            self.max_heavy_atoms is None and self.min_carbons is None and self.max_carbons is None
            and not self.measures_chain and not self.substituted and self.elements is None
            and self.min_ring_size is None and self.max_ring_size is None
        )
        self.leftover_tests = (
            [_CompiledSpec(item).accepts for item in spec.substituted_with] if spec.substituted_with else None
        )
        self.pattern = parse_smarts(spec.smarts) if spec.smarts else None
        if self.pattern is not None:
            self.pattern_attachments = frozenset(
                atom.GetIdx() for atom in self.pattern.GetAtoms() if atom.GetSmarts() in ("*", "[*]", "[#0]")
            )
            self.pattern_size = self.pattern.GetNumAtoms() - len(self.pattern_attachments)
            # elements the pattern's own atoms (not its '*') certainly need in the piece
            needed: Counter = Counter()
            for atom in self.pattern.GetAtoms():
                if atom.GetIdx() in self.pattern_attachments:
                    continue
                fixed = _fixed_element(atom)
                if fixed is not None:
                    needed[fixed[0]] += 1
            self.pattern_elements = tuple(needed.items())

    def accepts(self, piece: _Piece) -> bool:
        verdict = piece.verdicts.get(self.key)
        if verdict is None:
            verdict = piece.verdicts[self.key] = self._accepts(piece)
        return verdict

    def _accepts(self, piece: _Piece) -> bool:
        # every condition must hold; the cheap ones go first: bounds read off the piece's size (a
        # piece has no more carbons than atoms), then the class test, which fails at the first
        # atom that does not fit, then the counts and the chain, which walk every atom
        if self.plain:
            verdicts = piece.verdicts
            fits = verdicts.get(self.class_name)
            if fits is None:
                fits = verdicts[self.class_name] = self.test(piece)
            return fits
        size = len(piece.atoms)
        if self.max_heavy_atoms is not None and size > self.max_heavy_atoms:
            return False
        if self.elements is not None and not self.elements.issuperset(piece.element_counts()):
            return False
        if (self.min_ring_size is not None or self.max_ring_size is not None) and not _ring_sizes_within(
            piece, self.min_ring_size or 3, self.max_ring_size or 10**6
        ):
            return False
        if self.substituted and self.test is not None:
            return self._substituted_class(piece)
        min_carbons, max_carbons = self.min_carbons, self.max_carbons
        if min_carbons is not None and size < min_carbons:
            return False
        test = self.test
        if test is not None:
            # one class test per piece, whatever limits the specs asking for it add ("alkyl" in one
            # rule, "alkyl of at most 2 carbons" in the next)
            verdicts = piece.verdicts
            fits = verdicts.get(self.class_name)
            if fits is None:
                fits = verdicts[self.class_name] = test(piece)
            if not fits:
                return False
        if min_carbons or (max_carbons is not None and size > max_carbons):
            carbons = piece.element_counts().get(6, 0)
            if min_carbons is not None and carbons < min_carbons:
                return False
            if max_carbons is not None and carbons > max_carbons:
                return False
        if self.measures_chain:
            chain = piece.longest_chain()
            if self.min_chain is not None and chain < self.min_chain:
                return False
            if self.max_chain is not None and chain > self.max_chain:
                return False
        return test is not None or self._pattern_covers(piece)

    def _substituted_class(self, piece: _Piece) -> bool:
        """A class "further substituted": the listed group, read at its smallest (the attaching
        atom(s) with what hangs on them by multiple bonds and their ring systems, grown a bond at
        a time until the class accepts it: O-CH2 for alkoxy), passes the class and the carbon
        bounds; the rest of the piece hangs on it by single bonds (each passing
        `substituted_with`, if given); chain bounds hold for the whole piece."""
        if self.measures_chain:  # the cheapest check that reads the whole piece
            chain = piece.longest_chain()
            if (self.min_chain is not None and chain < self.min_chain) or (
                self.max_chain is not None and chain > self.max_chain
            ):
                return False
        verdicts = piece.verdicts
        fits = verdicts.get(self.class_name)
        if fits is None:
            fits = verdicts[self.class_name] = self.test(piece)
        if fits:  # the piece may be the listed group itself, not further substituted
            carbons = piece.element_counts().get(6, 0)
            if (self.min_carbons is None or carbons >= self.min_carbons) and (
                self.max_carbons is None or carbons <= self.max_carbons
            ):
                return True
        core_atoms = {core for core, _, _ in piece.attachments}
        for base, listed in _listed_group_layers(piece):  # alkoxy needs the O and the carbon after it
            fits = listed.verdicts.get(self.class_name)
            if fits is None:
                fits = listed.verdicts[self.class_name] = self.test(listed)
            if fits:
                break
        else:
            return False
        if self.min_carbons is not None or self.max_carbons is not None:
            carbons = listed.element_counts().get(6, 0)
            if (self.min_carbons is not None and carbons < self.min_carbons) or (
                self.max_carbons is not None and carbons > self.max_carbons
            ):
                return False
        return listed is piece or _univalent_leftovers(piece, base, core_atoms, self.leftover_tests)

    def _pattern_covers(self, piece: _Piece) -> bool:
        """The named pattern matches the whole piece, its '*' atoms on the core atoms it hangs on
        (or, with ``substituted``, part of it, the rest being univalent groups on the pattern)."""
        substituted = self.substituted
        if len(self.pattern_attachments) != len(piece.attachments):
            return False
        if self.pattern_size > len(piece.atoms) or (not substituted and self.pattern_size != len(piece.atoms)):
            return False
        if self.pattern_elements:
            counts = piece.element_counts()
            for z, n in self.pattern_elements:
                if counts.get(z, 0) < n:
                    return False  # the piece lacks atoms the pattern's own atoms need
        core_atoms = {core for core, _, _ in piece.attachments}
        for match in piece.mol.GetSubstructMatches(self.pattern, _PIECE_PARAMS):
            inside = {match[q] for q in range(len(match)) if q not in self.pattern_attachments}
            outside = {match[q] for q in self.pattern_attachments}
            if not outside <= core_atoms or not inside <= piece.atom_set:
                continue
            if substituted and inside != piece.atom_set:
                inside = _listed_group(piece, inside)  # a ring the pattern enters is the pattern's
            if inside == piece.atom_set or (
                substituted and _univalent_leftovers(piece, inside, core_atoms, self.leftover_tests)
            ):
                return True
        return False


# how far (in bonds from the attachment) the listed group of a "further substituted" class is
# looked for: the smallest group that passes the class is taken
_LISTED_GROUP_LAYERS = 3


def _listed_group_layers(piece: _Piece) -> list:
    """The candidate listed groups of a piece, smallest first, each as (atoms, piece): computed
    once per piece and shared by every class asked about it."""
    layers = piece.verdicts.get(_LAYERS_KEY)
    if layers is None:
        layers = []
        base = _listed_group(piece, {atom for _, atom, _ in piece.attachments})
        for _ in range(_LISTED_GROUP_LAYERS):
            listed = piece if len(base) == len(piece.atoms) else _Piece(
                piece.mol, piece.links, sorted(base), piece.attachments, piece._cache
            )
            layers.append((base, listed))
            grown = _listed_group(piece, base | {j for i in base for j in piece.neighbours_inside(i)})
            if len(grown) == len(base):
                break
            base = grown
        piece.verdicts[_LAYERS_KEY] = layers
    return layers


_LAYERS_KEY = "\0listed group layers"  # a key no spec's JSON can be


def _listed_group(piece: _Piece, seeds: set[int]) -> set[int]:
    """The seeds with every piece atom joined to them by a multiple bond or a ring bond, to
    closure: a listed group together with its own double bonds and whole ring systems, so that
    what is left of the piece hangs on it by single bonds ("further substituted")."""
    inside = set(seeds)
    stack = list(seeds)
    atom_set = piece.atom_set
    mol = piece.mol
    while stack:
        i = stack.pop()
        i_in_ring = None
        for j, kind in piece.links[i]:
            if j not in atom_set or j in inside:
                continue
            if kind == _SINGLE:
                if i_in_ring is None:
                    i_in_ring = piece.atom(i).IsInRing()
                if not (i_in_ring and piece.atom(j).IsInRing() and mol.GetBondBetweenAtoms(i, j).IsInRing()):
                    continue
            inside.add(j)
            stack.append(j)
    return inside


def _ring_sizes_within(piece: _Piece, smallest: int, largest: int) -> bool:
    """Rings closed across the core (a piece bonded to two or more different core atoms): each
    smallest ring through a piece atom and one of those core atoms has smallest..largest atoms.
    A piece bonded to one core atom only (a pyrrolidine on the nitrogen) is not measured."""
    core_atoms = {core for core, _, _ in piece.attachments}
    if len(core_atoms) < 2:
        return True
    for ring in piece.mol.GetRingInfo().AtomRings():
        if not core_atoms.isdisjoint(ring) and not piece.atom_set.isdisjoint(ring):
            if not smallest <= len(ring) <= largest:
                return False
    return True


def _univalent_leftovers(piece: _Piece, inside: set[int], core_atoms: set[int], tests=None) -> bool:
    """Every group of piece atoms outside ``inside`` hangs on it by exactly one single bond (and,
    with ``tests``, passes one of them, read as a substituent of the pattern atom it hangs on)."""
    left = piece.atom_set - inside
    seen: set[int] = set()
    for start in left:
        if start in seen:
            continue
        seen.add(start)
        stack, group, hook = [start], [start], None
        while stack:
            i = stack.pop()
            for j, kind in piece.links[i]:
                if j in core_atoms:
                    return False
                if j in inside:
                    if kind != _SINGLE or hook is not None:
                        return False
                    hook = (j, i, _SINGLE)
                elif j not in seen:
                    seen.add(j)
                    stack.append(j)
                    group.append(j)
        if hook is None:
            return False
        if tests is not None:
            leftover = _Piece(piece.mol, piece.links, group, [hook], piece._cache)
            if not any(test(leftover) for test in tests):
                return False
    return True


def describe_piece(piece: _Piece) -> str:
    for name in _DESCRIBE_ORDER:
        if _CLASS_TESTS[name](piece):
            return f"{name.replace('_', ' ')} {piece.smiles()}"
    return piece.smiles()


# --- compiled rules --------------------------------------------------------------------------


class _CompiledPosition:
    __slots__ = ("position", "name", "allowed", "further", "all_labels", "min", "max")

    def __init__(self, position: Position):
        self.position = position
        self.name = position.name
        self.min = position.min
        self.max = position.max
        self.allowed = [_CompiledSpec(s) for s in position.allowed]
        self.further = [_CompiledSpec(s) for s in position.further]
        self.all_labels = ", ".join(spec.label for spec in self.allowed + self.further)


@dataclass
class _CompiledCore:
    rule: Rule
    core: Core
    ring_systems: dict[str, str]
    smarts: str
    query: Chem.Mol
    map_numbers: list[int]  # per query atom
    positions: list[_CompiledPosition]
    position_by_map: dict[int, _CompiledPosition]
    query_bonds: frozenset[tuple[int, int]]  # both orders
    # bonds of the query: a match whose atoms share no more bonds than this has no extra ring bond
    query_bond_count: int = 0
    # Two cores with the same evaluation key give the same verdict on the same match (the
    # Danish rules copy the British ones): the verdict is computed once per molecule.
    evaluation_key: tuple = ()
    # per query atom: the index of its position (or -1); mappings that label the parent's atoms
    # the same way (symmetric rings) give the same verdict and are evaluated once.
    position_of_query_atom: tuple[int, ...] = ()
    # per query atom: its compiled position (or None), and the name of the part it belongs to
    position_at: tuple = ()
    part_names: tuple[str, ...] = ()
    # (part name, the query atoms in it), parts in order of their first query atom
    part_indices: tuple[tuple[str, tuple[int, ...]], ...] = ()


@dataclass
class _Pattern:
    """One distinct SMARTS, compiled once and shared by every core that uses it."""

    smarts: str
    query: Chem.Mol
    min_atoms: Counter  # (Z, aromatic True/False/None for either) -> atoms the pattern needs
    min_double: int = 0  # query bonds that match double bonds only (each needs its own parent bond)
    # aliphatic carbons on a ring of the query: each maps to a parent carbon on a cycle (a ring
    # atom of the parent) that is not aromatic
    min_aliphatic_ring_carbons: int = 0
    cores: list[_CompiledCore] = field(default_factory=list)


@dataclass
class _CompiledGroupRule:
    rule: Rule
    cores: list[_CompiledCore]
    forbid: list[tuple[str, Chem.Mol, str]]
    exclusion_keys: dict[str, str]  # InChIKey or connectivity block -> name
    elements: frozenset[int] | None
    max_atoms: dict[int, int]
    # SMARTS -> (place in ``cores``, core): the few cores a molecule's hits select, in rule order,
    # without a scan of every core (NpSG groups expand into dozens of ring-system variants)
    cores_by_smarts: dict[str, list[tuple[int, _CompiledCore]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for place, core in enumerate(self.cores):
            self.cores_by_smarts.setdefault(core.smarts, []).append((place, core))

    def cores_hit(self, core_hits: dict) -> list[_CompiledCore]:
        found = [entry for smarts in core_hits for entry in self.cores_by_smarts.get(smarts, ())]
        if len(found) > 1:
            found.sort(key=lambda entry: entry[0])
        return [core for _, core in found]


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
_EVERY_MATCH.maxMatches = 1_000_000  # a count, never capped below the parent's atoms


def _aliphatic_ring_carbons(parent: Chem.Mol) -> int:
    """Non-aromatic carbons on a ring of the parent. Most NPS have none (an aliphatic atom on an
    SSSR ring makes that ring aliphatic), which one C++ ring count tells; else one atom search.

    Like every ring query of the core patterns, this reads the ring information that sanitising
    the parent computed: the classifier is only ever given standardised, sanitised parents."""
    if rdMolDescriptors.CalcNumAliphaticRings(parent) == 0:
        return 0
    return len(parent.GetSubstructMatches(_ALIPHATIC_RING_CARBON, _EVERY_MATCH))


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


def _connectivity(inchikey: str) -> str:
    return inchikey.split("-", 1)[0]


def _key_for(rule: Rule, inchikey: str) -> str:
    return _connectivity(inchikey) if rule.stereoisomers_included else inchikey


def _match_params() -> Chem.SubstructMatchParameters:
    params = Chem.SubstructMatchParameters()
    params.uniquify = False  # symmetric mappings can put different atoms on different positions
    params.maxMatches = MAX_MATCHES_PER_CORE
    params.maxRecursiveMatches = MAX_RECURSIVE_MATCHES
    return params


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


class Classifier:
    """Compile a rulebook once; classify many molecules against it."""

    def __init__(
        self,
        rulebook: Rulebook | None = None,
        *,
        budget_seconds: float = CLASSIFY_BUDGET_SECONDS,
        guarded_rules: Iterable[str] = (),
    ):
        """``budget_seconds``: the longest the group search for one molecule may take; rules left
        unsearched when it runs out are reported as undetermined. ``guarded_rules``: rules not
        shipped with Varsel (drafts a regulator activated): their patterns are searched with a
        check that stops a search the moment the budget runs out (it costs ~5x a plain search,
        so shipped patterns, proven against the stress set by a test, go without)."""
        self.rulebook = rulebook if rulebook is not None else load_rulebook()
        self.budget_seconds = budget_seconds
        self._guarded_rules = frozenset(guarded_rules)
        self._deadline = threading.local()
        self._params = _match_params()
        self._guarded_params = _match_params()
        self._guarded_params.setExtraAtomCheckFunc(self._before_deadline)
        self._has_params = _match_params()
        self._has_params.maxMatches = 1
        self._needed_by_rules: dict[tuple[str, ...], set[int] | None] = {}
        self._groups_cache: dict[tuple, tuple[list, set[int] | None, frozenset[int]]] = {}
        self._patterns: dict[str, _Pattern] = {}
        self._groups: list[_CompiledGroupRule] = []
        # named substances: lookup key -> [(rule, substance)]
        self._named: dict[str, list[tuple[Rule, object]]] = defaultdict(list)
        # stereo-specific named entries ("levomethorphan", "(+)-lysergide") by connectivity, for
        # input that gives no stereochemistry at all
        self._named_stereo_specific: dict[str, list[tuple[Rule, object]]] = defaultdict(list)
        for rule in self.rulebook.rules:
            if rule.kind == "named":
                self._compile_named(rule)
            else:
                self._groups.append(self._compile_group(rule))
        self._group_by_id = {g.rule.id: g for g in self._groups}
        # pattern SMARTS -> indices (in self._groups) of the group rules with a core using it
        self._groups_of_pattern: dict[str, frozenset[int]] = {}
        # pattern SMARTS -> (group index, place of the core in the group, core) for every core using it
        self._cores_of_pattern: dict[str, list[tuple[int, int, _CompiledCore]]] = defaultdict(list)
        for index, group in enumerate(self._groups):
            for place, core in enumerate(group.cores):
                self._groups_of_pattern[core.smarts] = self._groups_of_pattern.get(core.smarts, frozenset()) | {index}
                self._cores_of_pattern[core.smarts].append((index, place, core))
        self._jurisdictions = list(self.rulebook.jurisdictions)
        self._quiet_results: dict[str, JurisdictionResult] = {}
        # per rule (by identity): its citation as a dict, written once instead of per match
        self._citations = {id(rule): _frozen_citation(rule) for rule in self.rulebook.rules}
        self._guarded_patterns = frozenset(
            core.smarts for group in self._groups if group.rule.id in self._guarded_rules for core in group.cores
        )
        self._build_prescreen()

    def core_queries(self, rule_ids: Iterable[str] | None = None) -> dict[str, Chem.Mol]:
        """The compiled core patterns (SMARTS, ring systems expanded -> query) of the given
        group rules, or of all of them."""
        wanted = None if rule_ids is None else set(rule_ids)
        return {
            core.smarts: self._patterns[core.smarts].query
            for group in self._groups if wanted is None or group.rule.id in wanted
            for core in group.cores
        }

    def _before_deadline(self, _atom: Chem.Atom, _query_atom: Chem.Atom) -> bool:
        # RDKit calls this for every candidate atom pair of a guarded search: once the budget has
        # run out every pair is refused, and the search unwinds at once.
        return time.perf_counter() < getattr(self._deadline, "at", math.inf)

    def _build_prescreen(self) -> None:
        """Per (element, aromaticity) feature and per count, the set of patterns that count
        satisfies, as one Python int bitmask (bit r: pattern r of _pattern_list).

        A molecule's candidates are then the AND of one mask per feature: a dozen big-int
        operations, where a numpy comparison of the whole requirement matrix cost ~15 us a
        molecule on this rulebook (numpy's per-call overhead dominates for arrays this small).
        """
        self._pattern_list = list(self._patterns.values())
        features = sorted({key for p in self._pattern_list for key in p.min_atoms}, key=lambda k: (k[0], str(k[1])))
        needs = [[pattern.min_atoms.get(key, 0) for key in features]
                 + [pattern.min_double, pattern.min_aliphatic_ring_carbons]
                 for pattern in self._pattern_list]
        self._all_patterns_mask = (1 << len(self._pattern_list)) - 1
        # _feature_masks[k][v]: patterns needing at most v of feature k (the last entry: any count)
        self._feature_masks: list[list[int]] = []
        for column in range(len(features) + 2):
            most = max((need[column] for need in needs), default=0)
            self._feature_masks.append([
                sum(1 << row for row, need in enumerate(needs) if need[column] <= count) for count in range(most + 1)
            ])
        # which features an atom type (Z, or Z + 1000 when aromatic) counts towards
        self._features_of_type: dict[int, tuple[int, ...]] = defaultdict(tuple)
        for column, (z, aromatic) in enumerate(features):
            for atom_type in ([z + _AROMATIC_OFFSET] if aromatic else [z] if aromatic is False else
                              [z, z + _AROMATIC_OFFSET]):
                self._features_of_type[atom_type] += (column,)
        self._double_feature = len(features)
        self._aliphatic_ring_feature = len(features) + 1
        self._wanted_masks: dict[int, tuple[set[int], int]] = {}

    # -- compilation

    def _compile_named(self, rule: Rule) -> None:
        written: set[str] = set()
        for substance in rule.substances:
            if substance.smiles is None:  # defined by plant or preparation: listed, not matched
                continue
            inchikey = identify(substance.smiles).inchikey
            stereo = rule.stereoisomers_included if substance.stereoisomers_included is None else substance.stereoisomers_included
            key = _connectivity(inchikey) if stereo else inchikey
            written.add(key)
            self._named[key].append((rule, substance))
            if not stereo:
                # a structure drawn without stereochemistry may be this listed stereoisomer
                self._named_stereo_specific[_connectivity(inchikey)].append((rule, substance))
        # substances_file rows carry their parent's InChIKey (no standardisation at start-up); an
        # entry written in the TOML takes precedence over a row with the same key
        for row in rule.file_substances():
            key = _connectivity(row.inchikey) if rule.stereoisomers_included else row.inchikey
            if key not in written:
                self._named[key].append((rule, row))

    def _pattern(self, smarts: str) -> _Pattern:
        pattern = self._patterns.get(smarts)
        if pattern is None:
            query = _in_matching_order(parse_smarts(smarts))
            pattern = _Pattern(smarts, query, _atoms_needed(query), _double_bonds_needed(query),
                               _aliphatic_ring_carbons_needed(query))
            self._patterns[smarts] = pattern
        return pattern

    def _compile_group(self, rule: Rule) -> _CompiledGroupRule:
        cores = []
        for core in rule.cores:
            positions = [_CompiledPosition(p) for p in core.positions]
            position_by_map = {number: cp for cp in positions for number in cp.position.atoms}
            for labels, smarts in expand_core(core):
                pattern = self._pattern(smarts)
                query = pattern.query
                compiled = _CompiledCore(
                    rule=rule,
                    core=core,
                    ring_systems=labels,
                    smarts=smarts,
                    query=query,
                    map_numbers=[atom.GetAtomMapNum() for atom in query.GetAtoms()],
                    positions=positions,
                    position_by_map=position_by_map,
                    query_bonds=frozenset(
                        pair
                        for b in query.GetBonds()
                        for pair in ((b.GetBeginAtomIdx(), b.GetEndAtomIdx()), (b.GetEndAtomIdx(), b.GetBeginAtomIdx()))
                    ),
                    query_bond_count=query.GetNumBonds(),
                )
                index_of = {id(cp): i for i, cp in enumerate(positions)}
                compiled.position_of_query_atom = tuple(
                    index_of[id(position_by_map[n])] if n in position_by_map else -1 for n in compiled.map_numbers
                )
                compiled.position_at = tuple(position_by_map.get(n) for n in compiled.map_numbers)
                compiled.part_names = tuple(cp.name if cp is not None else "core" for cp in compiled.position_at)
                indices_of_part: dict[str, list[int]] = {}
                for index, name in enumerate(compiled.part_names):
                    indices_of_part.setdefault(name, []).append(index)
                compiled.part_indices = tuple((name, tuple(indices)) for name, indices in indices_of_part.items())
                compiled.evaluation_key = (
                    smarts,
                    tuple(p.model_dump_json() for p in core.positions),
                    rule.limits.min_substituents,
                    core.id,
                    core.title,
                )
                pattern.cores.append(compiled)
                cores.append(compiled)
        table = Chem.GetPeriodicTable()
        limits = rule.limits
        return _CompiledGroupRule(
            rule=rule,
            cores=cores,
            forbid=[(f.name, parse_smarts(f.smarts), f.reason) for f in rule.forbid],
            exclusion_keys={_key_for(rule, identify(e.smiles).inchikey): e.name for e in rule.exclusions},
            elements=frozenset(table.GetAtomicNumber(s) for s in limits.elements) if limits.elements else None,
            max_atoms={table.GetAtomicNumber(s): n for s, n in limits.max_atoms.items()},
        )

    # -- queries about the rulebook

    def rules_in_force(self, as_of: date | None = None, jurisdictions: Iterable[str] | None = None) -> list[Rule]:
        on = as_of or today_utc()
        wanted = set(jurisdictions) if jurisdictions is not None else None
        return [
            rule
            for rule in self.rulebook.rules
            if rule.in_force(on) and (wanted is None or rule.jurisdiction in wanted)
        ]

    # -- classification

    def _parent(self, subject: Identity | Chem.Mol | str) -> tuple[Chem.Mol, str, str]:
        if isinstance(subject, Identity):
            return subject.mol, subject.inchikey, subject.smiles
        if isinstance(subject, str):
            found = identify(subject)
            return found.mol, found.inchikey, found.smiles
        parent = standardize_parent(subject)
        inchikey = Chem.MolToInchiKey(parent)
        if not inchikey:
            raise StructureError("unparseable", "no standard InChIKey could be computed for the parent")
        return parent, inchikey, Chem.MolToSmiles(parent)

    def _groups_in_force(self, jurisdictions: tuple[str, ...], on: date):
        """The group rules to apply and the patterns they need, remembered per (jurisdictions, day):
        a batch asks the same question for every molecule."""
        key = (jurisdictions, on)
        found = self._groups_cache.get(key)
        if found is None:
            wanted = set(jurisdictions)
            indices = [i for i, g in enumerate(self._groups) if g.rule.jurisdiction in wanted and g.rule.in_force(on)]
            groups = [self._groups[i] for i in indices]
            found = (groups, self._patterns_needed(groups) if groups else None, frozenset(indices))
            if len(self._groups_cache) > 1024:
                self._groups_cache.clear()
            self._groups_cache[key] = found
        return found

    def _apply_precedence(
        self, found: list[RuleMatch], notices: list[RuleMatch]
    ) -> tuple[list[RuleMatch], tuple[SetAside, ...]]:
        """Take out the matches of rules that yield to another rule matching the same compound.

        Precedence is read from every match before any is set aside (a rule that yields is still
        a reason for a third rule to yield: the compound is within its definition).
        """
        if not found:
            return found, ()
        present = {m.rule_id for m in found} | {m.rule_id for m in notices}
        kept, set_aside = [], []
        for match in found:
            rule = self.rulebook.rule(match.rule_id)
            by = tuple(target for target in rule.yields_to if target in present)
            if by:
                set_aside.append(SetAside(match, by, rule.yields_reason or ""))
            else:
                kept.append(match)
        return kept, tuple(set_aside)

    def _patterns_needed(self, groups: list[_CompiledGroupRule]) -> set[int] | None:
        """ids of the patterns these rules use (None: all of them), remembered per set of rules."""
        key = tuple(g.rule.id for g in groups)
        if key not in self._needed_by_rules:
            needed = {id(self._patterns[c.smarts]) for g in groups for c in g.cores}
            self._needed_by_rules[key] = None if len(needed) == len(self._patterns) else needed
        return self._needed_by_rules[key]

    def matching_patterns(
        self, parent: Chem.Mol, wanted: set[int] | None = None, *, smiles: str | None = None
    ) -> list[_Pattern]:
        """The distinct core patterns present in ``parent`` (no enumeration of the mappings yet).

        ``wanted`` (ids of _Pattern objects) limits the search to patterns some rule in force
        needs. Patterns needing more atoms of some element than the parent has are skipped
        without a substructure search; each distinct SMARTS is tested once, however many rules
        share it.
        """
        return [
            pattern
            for pattern in self._candidates(parent, wanted, smiles)
            if parent.HasSubstructMatch(pattern.query, self._has_params)
        ]

    def _candidates(self, parent: Chem.Mol, wanted: set[int] | None, smiles: str | None) -> list[_Pattern]:
        """The patterns the prescreen leaves to search (needed by a rule in force, and not
        needing more atoms of some element than the parent has)."""
        if not self._pattern_list:
            return []
        have = [0] * len(self._feature_masks)
        features_of_type = self._features_of_type
        for atom_type, n in _atom_type_counts(parent, smiles).items():
            for column in features_of_type.get(atom_type, ()):
                have[column] += n
        have[self._aliphatic_ring_feature] = _aliphatic_ring_carbons(parent)
        # every double bond of the parent is one '=' in a SMILES written from it (aromatic bonds
        # are not written, and a '=' query never matches one)
        have[self._double_feature] = (
            smiles.count("=")
            if smiles is not None
            else sum(1 for bond in parent.GetBonds() if bond.GetBondType() == _DOUBLE)
        )
        mask = self._all_patterns_mask if wanted is None else self._mask_of(wanted)
        for masks, count in zip(self._feature_masks, have):
            mask &= masks[count if count < len(masks) else -1]
        pattern_list = self._pattern_list
        found = []
        while mask:
            lowest = mask & -mask
            found.append(pattern_list[lowest.bit_length() - 1])
            mask ^= lowest
        return found

    def _mask_of(self, wanted: set[int]) -> int:
        """The bitmask of a set of pattern ids (the sets are cached per rule selection)."""
        known = self._wanted_masks.get(id(wanted))
        if known is None or known[0] is not wanted:
            mask = sum(1 << row for row, pattern in enumerate(self._pattern_list) if id(pattern) in wanted)
            if len(self._wanted_masks) > 1024:
                self._wanted_masks.clear()
            known = self._wanted_masks[id(wanted)] = (wanted, mask)
        return known[1]

    def core_matches(
        self, parent: Chem.Mol, wanted: set[int] | None = None, *, smiles: str | None = None
    ) -> dict[str, tuple]:
        """SMARTS -> substructure matches (at most MAX_MATCHES_PER_CORE each) for present patterns."""
        # one enumeration per surviving pattern: a pattern that is absent fails as fast as
        # HasSubstructMatch would, one that is present is not searched twice
        found, _ = self._core_matches_within(parent, wanted, smiles, deadline=math.inf)
        return found

    def _core_matches_within(
        self, parent: Chem.Mol, wanted: set[int] | None, smiles: str | None, *, deadline: float
    ) -> tuple[dict[str, tuple], list[str]]:
        """core_matches, stopping at ``deadline`` (time.perf_counter()): also returns the
        patterns whose presence was not decided in time."""
        found = {}
        params, guarded_params, guarded = self._params, self._guarded_params, self._guarded_patterns
        candidates = self._candidates(parent, wanted, smiles)
        self._deadline.at = deadline
        for done, pattern in enumerate(candidates):
            if time.perf_counter() > deadline:
                return found, [p.smarts for p in candidates[done:]]
            if pattern.smarts in guarded:
                hits = parent.GetSubstructMatches(pattern.query, guarded_params)
                if time.perf_counter() > deadline:  # cut off: no hits proves nothing
                    return found, [p.smarts for p in candidates[done:]]
            else:
                hits = parent.GetSubstructMatches(pattern.query, params)
            if hits:
                found[pattern.smarts] = hits
        return found, []

    def classify(
        self,
        subject: Identity | Chem.Mol | str,
        *,
        jurisdictions: Iterable[str] | None = None,
        as_of: date | None = None,
    ) -> Classification:
        """Classify one compound (an Identity, an RDKit Mol, or SMILES/InChI/Molfile text)."""
        on = as_of or today_utc()
        parent, inchikey, smiles = self._parent(subject)
        wanted = sorted(set(jurisdictions)) if jurisdictions is not None else list(self._jurisdictions)
        wanted_set = set(wanted)
        matches: dict[str, list[RuleMatch]] = {j: [] for j in wanted}
        near: dict[str, list[NearMiss]] = {j: [] for j in wanted}
        notices: dict[str, list[RuleMatch]] = {j: [] for j in wanted}

        # named substances: two dictionary look-ups, and a third when the structure gives no
        # stereochemistry (the InChIKey's second block then has no stereo layer: "UHFFFAOY"): a
        # stereo-specific entry is then a possible reading of it, reported as "unspecified_stereo"
        lookups = [(self._named.get(inchikey, ()), "inchikey"), (self._named.get(_connectivity(inchikey), ()), "connectivity")]
        if inchikey[15:23] == "UHFFFAOY":
            lookups.append((self._named_stereo_specific.get(_connectivity(inchikey), ()), "unspecified_stereo"))
        for entries, how in lookups:
            for rule, substance in entries:
                if rule.jurisdiction not in wanted_set or not rule.in_force(on):
                    continue
                start = substance.start or rule.in_force_from
                end = substance.in_force_to or rule.in_force_to
                if on < start or (end is not None and on > end):
                    continue
                found = _rule_match(
                    rule, substance=substance.name, matched_on=how, start=start, end=end,
                    citation=self._citations.get(id(rule)), date_recorded=substance.date_recorded,
                )
                (matches if rule.controls else notices)[rule.jurisdiction].append(found)

        # groups
        groups, wanted_patterns, in_force = self._groups_in_force(tuple(wanted), on)
        undetermined: dict[str, list[Undetermined]] = {}
        if groups:
            core_hits, cut_off = self._core_matches_within(
                parent, wanted_patterns, smiles, deadline=time.perf_counter() + self.budget_seconds)
            if cut_off:
                undetermined = self._undetermined(cut_off, in_force)
            if core_hits:
                known = subject if isinstance(subject, Identity) else None
                facts = _MoleculeFacts(parent, inchikey, formula=known.formula if known else None,
                                       mass=known.average_mass if known else None)
                # per group rule in force: its cores whose pattern is present, as (place, core)
                hit_groups: dict[int, list[tuple[int, _CompiledCore]]] = {}
                cores_of_pattern = self._cores_of_pattern
                for smarts in core_hits:
                    for index, place, core in cores_of_pattern[smarts]:
                        if index in in_force:
                            entries = hit_groups.get(index)
                            if entries is None:
                                hit_groups[index] = [(place, core)]
                            else:
                                entries.append((place, core))
                for index in sorted(hit_groups):  # in rulebook order, as the rules are listed
                    group = self._groups[index]
                    entries = hit_groups[index]
                    if len(entries) > 1:
                        entries.sort(key=_first)  # the group's cores in their order
                    hit_cores = [core for _, core in entries]
                    outcome = _evaluate_group(group, hit_cores, core_hits, facts)
                    if isinstance(outcome, CoreExplanation):
                        matches[group.rule.jurisdiction].append(
                            _rule_match(group.rule, explanation=outcome, citation=self._citations.get(id(group.rule)))
                        )
                    else:
                        near[group.rule.jurisdiction].append(_new_near_miss(group.rule.id, outcome))

        results = {}
        quiet = self._quiet_results
        for j in wanted:
            if not matches[j] and not near[j] and not notices[j] and j not in undetermined:
                # nothing found: one shared (immutable) answer per jurisdiction
                result = quiet.get(j)
                if result is None:
                    result = quiet[j] = JurisdictionResult(j, "not_controlled", (), (), (), ())
                results[j] = result
                continue
            found, set_aside = self._apply_precedence(matches[j], notices[j])
            if any(m.kind == "named" for m in found):
                status: Status = "controlled_by_name"
            elif found:
                status = "controlled_by_group"
            elif j in undetermined:
                status = "undetermined"
            else:
                status = "not_controlled"
            results[j] = _new_jurisdiction_result(
                j, status, tuple(found), tuple(near[j]), set_aside, tuple(notices[j]), tuple(undetermined.get(j, ()))
            )
        return _new_classification(inchikey, smiles, on, results)


    def _undetermined(self, cut_off: list[str], in_force: frozenset[int]) -> dict[str, list[Undetermined]]:
        """Per jurisdiction, the rules in force that use a pattern the budget left undecided."""
        reason = (f"evaluation stopped: the search for this molecule exceeded the budget of "
                  f"{self.budget_seconds:g} s per molecule, so whether this rule captures it is not known")
        out: dict[str, list[Undetermined]] = {}
        seen: set[int] = set()
        for smarts in cut_off:
            for index in sorted(self._groups_of_pattern.get(smarts, ())):
                if index in in_force and index not in seen:
                    seen.add(index)
                    rule = self._groups[index].rule
                    out.setdefault(rule.jurisdiction, []).append(Undetermined(rule.id, reason))
        return out


def _frozen_citation(rule: Rule) -> Mapping[str, Any]:
    """The rule's citation as a read-only mapping (lists as tuples): one per rule, shared by
    every match, so a caller cannot change what the next answer cites."""
    cited = rule.citation.model_dump(exclude_none=True)
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in cited.items()})


def _rule_match(
    rule: Rule, *, explanation=None, substance=None, matched_on="structure", start=None, end=None, citation=None,
    date_recorded=True,
) -> RuleMatch:
    return _new_rule_match(
        rule.id,  # rule_id
        rule.kind,
        rule.title,
        rule.jurisdiction,
        rule.list_,  # list
        citation if citation is not None else _frozen_citation(rule),
        start or rule.in_force_from,  # in_force_from
        end if start else rule.in_force_to,  # in_force_to
        explanation,
        substance,
        matched_on,
        date_recorded,
    )


_FORMULA_TERM = re.compile(r"([A-Z][a-z]?)(\d*)")
_BOND_TYPE_OF_ORDER = {1.0: _SINGLE, 1.5: Chem.BondType.AROMATIC, 2.0: _DOUBLE, 3.0: _TRIPLE}


def _neighbour_table(mol: Chem.Mol) -> list[list[tuple[int, Chem.BondType]]]:
    """(neighbour, bond type) per atom. One call to RDKit's (cached, C++) bond-order matrix
    instead of a Python walk over Bond objects, which costs several times more per molecule."""
    orders = Chem.GetAdjacencyMatrix(mol, useBO=True)
    n_atoms = len(orders)
    # the flattened matrix: numpy's 1-D nonzero is several times cheaper than its 2-D one, and
    # the cells come in the same (row, then column) order
    flat = orders.ravel()
    cells = flat.nonzero()[0]
    try:
        kinds = list(map(_BOND_TYPE_OF_ORDER.__getitem__, flat[cells].tolist()))
    except KeyError:
        kinds = None
    if kinds is not None and len(kinds) == 2 * mol.GetNumBonds():
        table: list[list[tuple[int, Chem.BondType]]] = [[] for _ in range(n_atoms)]
        for cell, kind in zip(cells.tolist(), kinds):
            row, col = divmod(cell, n_atoms)
            table[row].append((col, kind))
        return table
    table = [[] for _ in range(mol.GetNumAtoms())]
    for bond in mol.GetBonds():  # zero-order, dative or unusual bonds: read them one by one
        a, b, kind = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(), bond.GetBondType()
        table[a].append((b, kind))
        table[b].append((a, kind))
    return table


class _MoleculeFacts:
    """Per-molecule values computed at most once, whichever rules ask for them."""

    def __init__(self, mol: Chem.Mol, inchikey: str, *, formula: str | None = None, mass: float | None = None):
        # formula and average mass come with an Identity, which has already computed them (its
        # mass is rounded to 0.001 u: a legal mass limit is never read that finely)
        self.mol = mol
        self.inchikey = inchikey
        self._formula = formula
        self._mass: float | None = mass
        self._elements: dict[int, int] | None = None
        self.verdicts: dict[tuple, CoreExplanation | list] = {}  # (evaluation key, labelling) -> verdict
        self._neighbours: list[list[tuple[int, Chem.BondType]]] | None = None
        self._decompositions: dict[frozenset[int], tuple[list[tuple[int, int]], list[_Piece]]] = {}
        self._pieces: dict[tuple, _Piece] = {}
        self._atom_cache: _AtomCache | None = None

    @property
    def neighbours(self) -> list[list[tuple[int, Chem.BondType]]]:
        """Per atom: (neighbour, bond type), read from RDKit once per molecule."""
        if self._neighbours is None:
            self._neighbours = _neighbour_table(self.mol)
        return self._neighbours

    @property
    def atom_cache(self) -> _AtomCache:
        if self._atom_cache is None:
            self._atom_cache = _AtomCache(self.mol, len(self.neighbours))
        return self._atom_cache

    def decompose(self, match: tuple[int, ...]) -> tuple[int, list[_Piece]]:
        """The number of bonds among the matched atoms and the pieces hanging on them. Every core
        that matches the same atoms (the same scaffold in several rules) shares one decomposition."""
        core_atoms = frozenset(match)
        known = self._decompositions.get(core_atoms)
        if known is not None:
            return known
        neighbours = self.neighbours
        pieces: list[_Piece] = []
        seen: set[int] = set(match)
        # bonds from a core atom: to another core atom (counted from both ends) or to a piece
        # (one attachment of that piece each)
        bond_ends = sum(map(len, map(neighbours.__getitem__, match)))
        for atom_idx in match:
            for start, _ in neighbours[atom_idx]:
                if start in seen:
                    continue
                atoms, attachments, stack = [], [], [start]
                seen.add(start)
                while stack:
                    i = stack.pop()
                    atoms.append(i)
                    for j, kind in neighbours[i]:
                        if j in core_atoms:
                            attachments.append((j, i, kind))
                        elif j not in seen:
                            seen.add(j)
                            stack.append(j)
                # the same substituent hanging the same way is one piece, whichever core found it:
                # its class verdicts (a function of its atoms and attachments) are then reused
                key = (frozenset(atoms), tuple(sorted(attachments)))
                piece = self._pieces.get(key)
                if piece is None:
                    piece = self._pieces[key] = _Piece(self.mol, neighbours, atoms, attachments, self.atom_cache)
                pieces.append(piece)
                bond_ends -= len(attachments)
        known = self._decompositions[core_atoms] = (bond_ends // 2, pieces)
        return known

    @property
    def mass(self) -> float:
        if self._mass is None:
            self._mass = Descriptors.MolWt(self.mol)
        return self._mass

    @property
    def elements(self) -> dict[int, int]:
        if self._elements is None:
            # from the molecular formula (one C++ call) rather than a Python walk over the atoms
            counts: dict[int, int] = defaultdict(int)
            table = Chem.GetPeriodicTable()
            formula = self._formula or rdMolDescriptors.CalcMolFormula(self.mol)
            for symbol, number in _FORMULA_TERM.findall(formula):
                counts[table.GetAtomicNumber(symbol)] += int(number or 1)
            self._elements = counts
        return self._elements


def _evaluate_group(group: _CompiledGroupRule, hit_cores: list[_CompiledCore], core_hits: dict, facts: _MoleculeFacts):
    """A CoreExplanation if the rule captures the molecule, else the near-miss reason (a string)."""
    rule = group.rule
    best_failure: tuple[int, str] | None = None
    explanation = None
    verdicts = facts.verdicts
    for core in hit_cores:
        labellings_seen: set[frozenset] = set()
        position_of_query_atom = core.position_of_query_atom
        for match in core_hits[core.smarts]:
            # which parent atom sits on which position: a set of (atom, position) pairs, hashed once
            labelling = frozenset(zip(match, position_of_query_atom))
            if labelling in labellings_seen:
                continue
            labellings_seen.add(labelling)
            memo_key = (core.evaluation_key, labelling)
            result = verdicts.get(memo_key)
            if result is None:
                result = verdicts[memo_key] = _evaluate_match(core, match, facts)
            if isinstance(result, CoreExplanation):
                explanation = result
                break
            if best_failure is None or len(result) < best_failure[0]:
                label = core.core.title or core.core.id
                if core.ring_systems:
                    label += " (" + ", ".join(core.ring_systems.values()) + ")"
                best_failure = (len(result), label, result)
        if explanation is not None:
            break
    if explanation is None:
        if best_failure is None:
            return f"core of {rule.id} matched, no match passes"
        _, label, reasons = best_failure

        def reason() -> str:
            text = [item() if callable(item) else item for item in reasons]
            return f"core {label!r} of {rule.id} matched; " + "; ".join(text)

        return reason

    # rule-wide checks, in the order a person would read them in the legal text
    limits = rule.limits
    prefix = f"core of {rule.id} matched; "
    if limits.max_parent_mass is not None and facts.mass > limits.max_parent_mass:
        return prefix + f"parent mass {facts.mass:.1f} u exceeds {limits.max_parent_mass:g} u"
    if limits.max_heavy_atoms is not None and facts.mol.GetNumHeavyAtoms() > limits.max_heavy_atoms:
        return prefix + f"{facts.mol.GetNumHeavyAtoms()} heavy atoms exceed {limits.max_heavy_atoms}"
    table = Chem.GetPeriodicTable()
    if group.elements is not None:
        foreign = sorted({table.GetElementSymbol(z) for z in facts.elements if z not in group.elements and z != 1})
        if foreign:
            return prefix + f"element(s) {', '.join(foreign)} outside the allowed {', '.join(limits.elements)}"
    for z, most in group.max_atoms.items():
        if facts.elements.get(z, 0) > most:
            return prefix + f"{facts.elements[z]} {table.GetElementSymbol(z)} atoms exceed {most}"
    for name, query, reason in group.forbid:
        if facts.mol.HasSubstructMatch(query):
            return prefix + f"forbidden feature {name}: {reason}"
    excluded = group.exclusion_keys.get(_key_for(rule, facts.inchikey))
    if excluded:
        return f"named exclusion: {excluded}"
    return explanation


def _first_accepting(specs, piece) -> str | None:  # noqa: ANN001
    """Label of the first spec that accepts the piece; each class is tested once per piece."""
    verdicts = piece.verdicts
    for spec in specs:
        verdict = verdicts.get(spec.key)
        if verdict is None:
            verdict = verdicts[spec.key] = spec._accepts(piece)
        if verdict:
            return spec.label
    return None


def _evaluate_match(core: _CompiledCore, match: tuple[int, ...], facts: _MoleculeFacts) -> CoreExplanation | list:
    """Read the substituents around one core match; the explanation, or the reasons it fails."""
    mol = facts.mol
    failures: list = []  # reasons: strings, or callables that write one when it is reported
    n_inner_bonds, pieces = facts.decompose(match)
    position_of = dict(zip(match, core.position_at))  # parent atom -> its compiled position, or None

    # an extra bond between two core atoms (a ring the core does not have); every query bond
    # lies on a distinct bond between matched atoms, so there is one only if they share more
    if n_inner_bonds > core.query_bond_count:
        core_index = dict(zip(match, range(len(match))))
        neighbours = facts.neighbours
        for atom_idx in match:
            for other, _ in neighbours[atom_idx]:
                if other in core_index and atom_idx < other:
                    if (core_index[atom_idx], core_index[other]) not in core.query_bonds:
                        failures.append(f"an extra ring bond joins core atoms {atom_idx} and {other}")

    by_position: dict[str, list[tuple[_Piece, str, bool]]] = defaultdict(list)  # piece, label, is_allowed
    n_allowed_at: dict[str, int] = defaultdict(int)
    failed_positions: set[str] = set()
    for piece in pieces:
        attachments = piece.attachments
        if len(attachments) == 1:  # most substituents hang by one bond
            position = position_of[attachments[0][0]]
            closed = [] if position is not None else [attachments[0][0]]
        else:
            positions = set()
            closed = []
            for core_atom, _, _ in attachments:
                position = position_of[core_atom]
                if position is None:
                    closed.append(core_atom)
                else:
                    positions.add(position)
        if closed:
            element = mol.GetAtomWithIdx(closed[0]).GetSymbol()
            failures.append(
                lambda piece=piece, atom=closed[0], element=element: f"substituent {describe_piece(piece)} at core atom "
                f"{atom} ({element}), where the definition allows none"
            )
            continue
        if len(attachments) > 1:
            if len(positions) > 1:
                names = {p.name for p in positions}
                owner = next(
                    (p for p in sorted(positions, key=lambda p: p.name)
                     if names - {p.name} <= set(p.position.bridges_to)),
                    None,
                )
                if owner is None:
                    failures.append(
                        lambda piece=piece, names=names: f"substituent {describe_piece(piece)} bridges positions "
                        f"{' and '.join(sorted(names))}"
                    )
                    continue
                positions = {owner}
            position = positions.pop()
        label = _first_accepting(position.allowed, piece)
        if label is not None:
            by_position[position.name].append((piece, label, True))
            n_allowed_at[position.name] += 1
            continue
        label = _first_accepting(position.further, piece)
        if label is not None:
            by_position[position.name].append((piece, label, False))
            continue
        allowed = position.all_labels
        failed_positions.add(position.name)
        failures.append(
            lambda piece=piece, name=position.name, allowed=allowed: f"substituent at {name}: {describe_piece(piece)} "
            f"is not an allowed {allowed}"
        )

    total = 0
    for position in core.positions:
        name = position.name
        found = by_position.get(name, ())
        n_allowed = n_allowed_at.get(name, 0)
        n_found = len(found)
        total += n_found
        if found and n_allowed == 0:
            failed_positions.add(name)
            failures.append(
                lambda piece=found[0][0], label=found[0][1], position=position: f"substituent at {position.name}: "
                f"{describe_piece(piece)} is allowed only as a further ({label}) substituent alongside "
                f"{', '.join(s.label for s in position.allowed)}"
            )
        if n_allowed < position.min and name not in failed_positions:
            failures.append(
                lambda position=position, n_allowed=n_allowed: f"{position.name} needs at least "
                f"{position.position.min} substituent(s) from {', '.join(s.label for s in position.allowed)}; "
                f"found {n_allowed}"
            )
        if position.max is not None and n_found > position.max:
            failures.append(f"{name} allows at most {position.max} substituent(s); found {n_found}")
    minimum = core.rule.limits.min_substituents
    if minimum and total < minimum and not failures:
        failures.append(
            f"the definition requires at least {minimum} modification(s) of the core; found {total}"
        )
    if failures:
        return failures

    get = match.__getitem__
    parts = {name: tuple(map(get, indices)) for name, indices in core.part_indices}
    substituents = tuple(
        _new_substituent(name, label, tuple(sorted(piece.atoms)), piece)
        for name, found in by_position.items()
        for piece, label, _ in found
    )
    return _new_explanation(core.core.id, core.core.title, dict(core.ring_systems), parts, substituents)
