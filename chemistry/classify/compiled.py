"""Rules compiled once: positions, cores and group rules as the matcher needs them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdkit import Chem

from chemistry.classify.specs import _CompiledSpec
from chemistry.rulebook import (
    Core,
    Position,
    Rule,
)


class _CompiledPosition:
    __slots__ = (
        "position",
        "name",
        "allowed",
        "further",
        "bridge_allowed",
        "all_labels",
        "min",
        "max",
        "max_mass",
        "max_fused_rings",
    )

    def __init__(self, position: Position):
        self.position = position
        self.name = position.name
        self.min = position.min
        self.max = position.max
        self.max_mass = position.max_mass
        self.max_fused_rings = position.max_fused_rings
        self.allowed = [_CompiledSpec(s) for s in position.allowed]
        self.further = [_CompiledSpec(s) for s in position.further]
        # ring-closing substituents onto the positions of bridges_to, when the text lists them apart
        self.bridge_allowed = [_CompiledSpec(s) for s in position.bridge_allowed] or None
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
    # atoms with three or more ring bonds of the query (ring fusions, spiro atoms, bridgeheads)
    min_ring_junctions: int = 0
    cores: list[_CompiledCore] = field(default_factory=list)
    # the pattern with its recursive atoms weakened (gates.relax_recursion): searched first, and a
    # parent without it is not searched with the pattern; None for patterns without recursion
    prefilter: Chem.Mol | None = None


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


def _connectivity(inchikey: str) -> str:
    return inchikey.split("-", 1)[0]


def _key_for(rule: Rule, inchikey: str) -> str:
    return _connectivity(inchikey) if rule.stereoisomers_included else inchikey
