"""Match evaluation: read the atoms around a core match as substituents and check them against
the positions of the definition."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Callable

from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from chemistry.classify.compiled import _CompiledCore, _CompiledGroupRule, _key_for
from chemistry.classify.pieces import _DOUBLE, _SINGLE, _TRIPLE, _AtomCache, _Piece
from chemistry.classify.results import (
    CoreExplanation,
    _new_explanation,
    _new_substituent,
)
from chemistry.classify.wording import NEAR_MISS_MAX_FAILURES, _Failure, is_incidental, rule_limit, summarise

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
        self._decompositions: dict[frozenset[int], tuple[int, list[_Piece]]] = {}
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

    def fused_rings(self, atoms: list[int], apart: list[int]) -> int:
        """How many rings the fused ring system of ``atoms`` has: the smallest rings through any of
        them, and every smallest ring sharing a bond (two atoms) with one already counted. A ring
        through an atom of ``apart`` (core atoms of other positions: a ring the side chain closes
        onto the ring system) is not part of it."""
        rings = [frozenset(ring) for ring in self.mol.GetRingInfo().AtomRings()]
        rings = [ring for ring in rings if ring.isdisjoint(apart)]
        system = [ring for ring in rings if not ring.isdisjoint(atoms)]
        others = [ring for ring in rings if ring.isdisjoint(atoms)]
        grown = True
        while grown:
            grown = False
            for ring in list(others):
                if any(len(ring & member) >= 2 for member in system):
                    system.append(ring)
                    others.remove(ring)
                    grown = True
        return len(system)

    @property
    def mass(self) -> float:
        if self._mass is None:
            self._mass = Descriptors.MolWt(self.mol)  # type: ignore[attr-defined]  # not in RDKit's stub
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


class _Miss:
    """Why a group rule whose core matched does not capture the molecule: its reason and its
    one-sentence summary (both written when first read), how many requirements fail, and
    whether the matched core is incidental (see wording.py)."""

    __slots__ = ("reason", "summary", "failures", "incidental")

    def __init__(
        self, reason: str | Callable[[], str], summary: str | Callable[[], str], failures: int, incidental: bool
    ):
        self.reason = reason
        self.summary = summary
        self.failures = failures
        self.incidental = incidental


def _evaluate_group(
    group: _CompiledGroupRule, hit_cores: list[_CompiledCore], core_hits: dict, facts: _MoleculeFacts
) -> CoreExplanation | _Miss:
    """A CoreExplanation if the rule captures the molecule, else why not (a _Miss)."""
    rule = group.rule
    best_failure: tuple[int, _CompiledCore, list] | None = None
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
                best_failure = (len(result), core, result)
        if explanation is not None:
            break
    if explanation is None:
        if best_failure is None:
            return _Miss(
                f"core of {rule.id} matched, no match passes", "A core matched, but no reading of it passes.", 1, False
            )
        _, best_core, failures = best_failure

        def reason() -> str:
            label = best_core.core.title or best_core.core.id
            if best_core.ring_systems:
                label += " (" + ", ".join(best_core.ring_systems.values()) + ")"
            return f"core {label!r} of {rule.id} matched; " + "; ".join(item.reason() for item in failures)

        n_failures = len(failures)
        # most near misses fail one requirement and cannot be incidental: no call for them
        incidental = n_failures > NEAR_MISS_MAX_FAILURES and is_incidental(failures, facts.mol.GetNumAtoms())
        return _Miss(reason, summarise(best_core, failures), n_failures, incidental)

    # rule-wide checks, in the order a person would read them in the legal text
    limits = rule.limits
    prefix = f"core of {rule.id} matched; "
    failed = None
    if limits.max_parent_mass is not None and facts.mass > limits.max_parent_mass:
        failed = rule_limit(
            prefix + f"parent mass {facts.mass:.1f} u exceeds {limits.max_parent_mass:g} u",
            f"its mass, {facts.mass:.1f} u, exceeds the limit of {limits.max_parent_mass:g} u",
        )
    elif limits.max_heavy_atoms is not None and facts.mol.GetNumHeavyAtoms() > limits.max_heavy_atoms:
        failed = rule_limit(
            prefix + f"{facts.mol.GetNumHeavyAtoms()} heavy atoms exceed {limits.max_heavy_atoms}",
            f"it has {facts.mol.GetNumHeavyAtoms()} heavy atoms, more than the {limits.max_heavy_atoms} allowed",
        )
    if failed is None:
        failed = _element_limits(group, facts, prefix)
    if failed is None:
        for name, query, why in group.forbid:
            if facts.mol.HasSubstructMatch(query):
                failed = rule_limit(
                    prefix + f"forbidden feature {name}: {why}", f"it has {name}, which the definition excludes"
                )
                break
    if failed is None:
        excluded = group.exclusion_keys.get(_key_for(rule, facts.inchikey))
        if excluded:
            failed = rule_limit(f"named exclusion: {excluded}", f"the definition excludes it by name ({excluded})")
    if failed is not None:
        core_of = (explanation.core_title, explanation.core_id, explanation.ring_systems)
        return _Miss(failed.reason(), summarise(core_of, [failed]), 1, False)
    return explanation


def _element_limits(group: _CompiledGroupRule, facts: _MoleculeFacts, prefix: str) -> _Failure | None:
    limits = group.rule.limits
    table = Chem.GetPeriodicTable()
    if group.elements is not None:
        foreign = sorted({table.GetElementSymbol(z) for z in facts.elements if z not in group.elements and z != 1})
        if foreign:
            allowed = ", ".join(limits.elements or ())
            return rule_limit(
                prefix + f"element(s) {', '.join(foreign)} outside the allowed {allowed}",
                f"it contains {', '.join(foreign)}, and the definition allows only {allowed}",
            )
    for z, most in group.max_atoms.items():
        if facts.elements.get(z, 0) > most:
            symbol = table.GetElementSymbol(z)
            return rule_limit(
                prefix + f"{facts.elements[z]} {symbol} atoms exceed {most}",
                f"it has {facts.elements[z]} {symbol} atoms, more than the {most} allowed",
            )
    return None


def _first_accepting(specs, piece) -> str | None:  # noqa: ANN001
    """Label of the first spec that accepts the piece; each spec judges a piece once."""
    for spec in specs:
        if spec.accepts(piece):
            return spec.label
    return None


def _evaluate_match(core: _CompiledCore, match: tuple[int, ...], facts: _MoleculeFacts) -> CoreExplanation | list:
    """Read the substituents around one core match; the explanation, or the reasons it fails."""
    mol = facts.mol
    failures: list[_Failure] = []  # each writes its reason and summary when they are read
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
                        failures.append(_Failure("ring_bond", data=(atom_idx, other)))

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
            failures.append(_Failure("closed", piece, None, (closed[0], element)))
            continue
        if len(attachments) > 1:
            if len(positions) > 1:
                names = {p.name for p in positions}
                owner = next(
                    (
                        p
                        for p in sorted(positions, key=lambda p: p.name)
                        if names - {p.name} <= set(p.position.bridges_to)
                    ),
                    None,
                )
                if owner is None:
                    failures.append(_Failure("bridge", piece, None, names))
                    continue
                if owner.bridge_allowed is not None:  # the ring closures the text lists apart
                    label = _first_accepting(owner.bridge_allowed, piece)
                    if label is None:
                        failed_positions.add(owner.name)
                        failures.append(_Failure("bridge", piece, None, names))
                    else:
                        by_position[owner.name].append((piece, label, True))
                        n_allowed_at[owner.name] += 1
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
        failed_positions.add(position.name)
        failures.append(_Failure("not_allowed", piece, position))

    total = 0
    for position in core.positions:
        name = position.name
        found = by_position.get(name, ())
        n_allowed = n_allowed_at.get(name, 0)
        n_found = len(found)
        total += n_found
        if found and n_allowed == 0:
            failed_positions.add(name)
            failures.append(_Failure("further_only", found[0][0], position, found[0][1]))
        if n_allowed < position.min and name not in failed_positions:
            failures.append(_Failure("too_few", None, position, n_allowed))
        if position.max is not None and n_found > position.max:
            failures.append(_Failure("too_many", None, position, n_found))
        if position.max_mass is not None and found:
            mass = sum(piece.mass() for piece, _, _ in found)
            if mass > position.max_mass:
                failures.append(_Failure("too_heavy", None, position, mass))
        if position.max_fused_rings is not None:
            atoms = [atom for atom, at in position_of.items() if at is position]
            others = [atom for atom, at in position_of.items() if at is not None and at is not position]
            rings = facts.fused_rings(atoms, others)
            if rings > position.max_fused_rings:
                failures.append(_Failure("too_many_rings", None, position, rings))
    minimum = core.rule.limits.min_substituents
    if minimum and total < minimum and not failures:
        failures.append(_Failure("unmodified", data=(minimum, total)))
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
