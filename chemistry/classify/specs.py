"""A position's specification compiled: the allowed classes, and "further substituted with any
combination of C, H, N, O, S and halogens, continuous chain of at most N atoms, ring atoms not
counted" as one mechanism, with its ring-size and listed-group checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from rdkit import Chem

from chemistry.classify.bounds import MAX_MATCHES_PER_CORE
from chemistry.classify.pieces import _SINGLE, _Piece
from chemistry.classify.query_atoms import _fixed_element
from chemistry.classify.vocabulary import _CLASS_TESTS, SINGLE_BOND_CLASSES
from chemistry.rulebook import (
    SubstituentSpec,
    parse_smarts,
)

_PIECE_PARAMS = Chem.SubstructMatchParameters()
_PIECE_PARAMS.uniquify = False  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
_PIECE_PARAMS.maxMatches = MAX_MATCHES_PER_CORE  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly


# the bounds a spec with `carrying` reads on the whole substituent, carried groups included; the
# class or pattern, `substituted`/`substituted_with` and the carbon bounds read what remains
_READ_ON_THE_WHOLE_PIECE = {
    "max_heavy_atoms": None,
    "elements": None,
    "max_mass": None,
    "ring_elements": None,
    "min_ring_size": None,
    "max_ring_size": None,
    "measure_one_atom_rings": False,
    "min_chain": None,
    "max_chain": None,
    "carrying": None,
}


class _CompiledSpec:
    __slots__ = (
        "spec",
        "key",
        "label",
        "test",
        "class_name",
        "pattern",
        "pattern_attachments",
        "attachment_bonds",
        "pattern_size",
        "substituted",
        "leftover_tests",
        "carrying_tests",
        "on_remainder",
        "max_heavy_atoms",
        "min_carbons",
        "max_carbons",
        "min_chain",
        "max_chain",
        "measures_chain",
        "pattern_elements",
        "plain",
        "elements",
        "ring_elements",
        "min_ring_size",
        "max_ring_size",
        "max_mass",
        "measure_one_atom_rings",
        "univalent",
    )

    def __init__(self, spec: SubstituentSpec):
        self.spec = spec
        self.key = spec.model_dump_json(by_alias=True)
        self.label = spec.label
        self.test: Callable[[_Piece], bool] | None = _CLASS_TESTS[spec.class_] if spec.class_ else None
        # a piece's verdicts are keyed by it too (spec keys are JSON objects, never empty)
        self.class_name: str = spec.class_ or ""
        # a univalent class accepts only a piece bonded to the core by one single bond, however
        # it is further substituted (vocabulary.SINGLE_BOND_CLASSES)
        self.univalent = self.class_name in SINGLE_BOND_CLASSES
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
        self.ring_elements = (
            frozenset(Chem.GetPeriodicTable().GetAtomicNumber(e) for e in spec.ring_elements)
            if spec.ring_elements
            else None
        )
        self.min_ring_size = spec.min_ring_size
        self.max_ring_size = spec.max_ring_size
        self.max_mass = spec.max_mass
        self.measure_one_atom_rings = spec.measure_one_atom_rings
        # a class and nothing else (no bounds): the spec accepts exactly what the class does
        self.plain = self.test is not None and (
            self.max_heavy_atoms is None
            and self.min_carbons is None
            and self.max_carbons is None
            and not self.measures_chain
            and not self.substituted
            and self.elements is None
            and self.ring_elements is None
            and self.min_ring_size is None
            and self.max_ring_size is None
            and self.max_mass is None
            and spec.carrying is None
        )
        self.leftover_tests = (
            [_CompiledSpec(item).accepts for item in spec.substituted_with] if spec.substituted_with else None
        )
        self.carrying_tests = [_CompiledSpec(item).accepts for item in spec.carrying] if spec.carrying else None
        # with `carrying`, the class or pattern and its carbon bounds read what remains once the
        # carried groups are set aside; the bounds on the whole substituent are checked here
        self.on_remainder = _CompiledSpec(spec.model_copy(update=_READ_ON_THE_WHOLE_PIECE)) if spec.carrying else None
        self.pattern = parse_smarts(spec.smarts) if spec.smarts else None
        if self.pattern is not None:
            self.pattern_attachments = frozenset(
                atom.GetIdx() for atom in self.pattern.GetAtoms() if atom.GetSmarts() in ("*", "[*]", "[#0]")
            )
            self.pattern_size = self.pattern.GetNumAtoms() - len(self.pattern_attachments)
            # bonds between the pattern's own atoms and its '*': one per '*' (as a substituent hangs
            # on the core by one bond per core atom), or two from one '*' in a ring written through
            # it ("*1CCOCC1": the nitrogen of the core is part of a morpholine ring)
            self.attachment_bonds = sum(self.pattern.GetAtomWithIdx(i).GetDegree() for i in self.pattern_attachments)
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
        test = self.test
        if self.univalent and piece.single_attachment is None:
            return False
        if test is None and self.pattern is not None and self.attachment_bonds != len(piece.attachments):
            return False  # a pattern with k bonds to '*' reads only a piece bonded to the core k times
        if self.on_remainder is not None and self.carrying_tests is not None:
            if not self._whole_piece_bounds(piece):
                return False
            return self.on_remainder.accepts(_listed_group_carrying(piece, self.carrying_tests))
        if self.plain and test is not None:
            verdicts = piece.verdicts
            fits = verdicts.get(self.class_name)
            if fits is None:
                fits = verdicts[self.class_name] = test(piece)
            return fits
        if not self._size_and_ring_bounds(piece):
            return False
        size = len(piece.atoms)
        if self.substituted and test is not None:
            return self._substituted_class(piece, test)
        min_carbons, max_carbons = self.min_carbons, self.max_carbons
        if min_carbons is not None and size < min_carbons:
            return False
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
        if self.measures_chain and not self._chain_within(piece):
            return False
        return test is not None or self._pattern_covers(piece)

    def _whole_piece_bounds(self, piece: _Piece) -> bool:
        """The bounds read on the whole substituent, carried groups included (`carrying`)."""
        if not self._size_and_ring_bounds(piece):
            return False
        return not self.measures_chain or self._chain_within(piece)

    def _chain_within(self, piece: _Piece) -> bool:
        chain = piece.longest_chain()
        return (self.min_chain is None or chain >= self.min_chain) and (
            self.max_chain is None or chain <= self.max_chain
        )

    def _size_and_ring_bounds(self, piece: _Piece) -> bool:
        """Heavy atoms, elements, mass, ring atoms and ring sizes of the whole substituent."""
        if self.max_heavy_atoms is not None and len(piece.atoms) > self.max_heavy_atoms:
            return False
        if self.elements is not None and not self.elements.issuperset(piece.element_counts()):
            return False
        if self.max_mass is not None and piece.mass() > self.max_mass:
            return False
        if self.ring_elements is not None and any(
            piece.z(i) not in self.ring_elements for i in piece.atoms if piece.atom(i).IsInRing()
        ):
            return False
        if (self.min_ring_size is not None or self.max_ring_size is not None) and not _ring_sizes_within(
            piece, self.min_ring_size or 3, self.max_ring_size or 10**6, self.measure_one_atom_rings
        ):
            return False
        return True

    def _substituted_class(self, piece: _Piece, test: Callable[[_Piece], bool]) -> bool:
        """A class "further substituted": the listed group, read at its smallest (the attaching
        atom(s) with what hangs on them by multiple bonds and their ring systems, grown a bond at
        a time until the class accepts it: O-CH2 for alkoxy), passes the class and the carbon
        bounds; the rest of the piece hangs on it by single bonds (each passing
        `substituted_with`, if given); chain bounds hold for the whole piece."""
        if self.measures_chain and not self._chain_within(piece):  # the cheapest whole-piece check
            return False
        verdicts = piece.verdicts
        fits = verdicts.get(self.class_name)
        if fits is None:
            fits = verdicts[self.class_name] = test(piece)
        if fits:  # the piece may be the listed group itself, not further substituted
            carbons = piece.element_counts().get(6, 0)
            if (self.min_carbons is None or carbons >= self.min_carbons) and (
                self.max_carbons is None or carbons <= self.max_carbons
            ):
                return True
        core_atoms = {core for core, _, _ in piece.attachments}
        # the smallest listed group that passes (alkoxy needs the O and the carbon after it)
        for base, listed in _listed_group_layers(piece):  # noqa: B007 - base is read after the loop
            fits = listed.verdicts.get(self.class_name)
            if fits is None:
                fits = listed.verdicts[self.class_name] = test(listed)
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
        substituted, pattern = self.substituted, self.pattern
        if pattern is None or self.attachment_bonds != len(piece.attachments):
            return False
        if self.pattern_size > len(piece.atoms) or (not substituted and self.pattern_size != len(piece.atoms)):
            return False
        if self.pattern_elements:
            counts = piece.element_counts()
            for z, n in self.pattern_elements:
                if counts.get(z, 0) < n:
                    return False  # the piece lacks atoms the pattern's own atoms need
        core_atoms = {core for core, _, _ in piece.attachments}
        known = piece._cache.pattern_matches
        matches = known.get(id(pattern))
        if matches is None:  # every piece of the molecule reads the same matches
            matches = known[id(pattern)] = piece.mol.GetSubstructMatches(pattern, _PIECE_PARAMS)
        for match in matches:
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


def _listed_group_layers(piece: _Piece) -> list[tuple[set[int], _Piece]]:
    """The candidate listed groups of a piece, smallest first, each as (atoms, piece): computed
    once per piece and shared by every class asked about it."""
    layers = piece.listed_layers
    if layers is None:
        layers = []
        base = _listed_group(piece, {atom for _, atom, _ in piece.attachments})
        for _ in range(_LISTED_GROUP_LAYERS):
            listed = (
                piece
                if len(base) == len(piece.atoms)
                else _Piece(piece.mol, piece.links, sorted(base), piece.attachments, piece._cache)
            )
            layers.append((base, listed))
            grown = _listed_group(piece, base | {j for i in base for j in piece.neighbours_inside(i)})
            if len(grown) == len(base):
                break
            base = grown
        piece.listed_layers = layers
    return layers


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


def _listed_group_carrying(piece: _Piece, tests: Sequence[Callable[[_Piece], bool]]) -> _Piece:
    """The listed group at its largest (``carrying``): from the atoms bonded to the core outwards,
    every group hanging by one single bond in no ring that one of ``tests`` accepts (read as a
    substituent of the atom it hangs on) is set aside whole, and the walk goes on through every
    other atom; what the walk keeps is the listed group. Top-down, so the largest group a test
    accepts is the one set aside (a methoxy on an ethoxy, never only the methyl of it)."""
    atom_set = piece.atom_set
    kept = {atom for _, atom, _ in piece.attachments}
    stack = list(kept)
    stripped: set[int] = set()
    while stack:
        i = stack.pop()
        for j, kind in piece.links[i]:
            if j not in atom_set or j in kept or j in stripped:
                continue
            if kind == _SINGLE and not piece.mol.GetBondBetweenAtoms(i, j).IsInRing():
                group = _hanging_group(piece, i, j)
                if group is not None:
                    hanging = _Piece(piece.mol, piece.links, group, [(i, j, _SINGLE)], piece._cache)
                    if any(test(hanging) for test in tests):
                        stripped.update(group)
                        continue
            kept.add(j)
            stack.append(j)
    if not stripped:
        return piece
    return _Piece(piece.mol, piece.links, sorted(kept), piece.attachments, piece._cache)


def _hanging_group(piece: _Piece, hook: int, start: int) -> list[int] | None:
    """The piece atoms reached from ``start`` without passing through ``hook``; None when they
    reach the core (the bond is not the only one that joins them to the rest)."""
    atom_set = piece.atom_set
    group, stack, seen = [start], [start], {start, hook}
    while stack:
        i = stack.pop()
        for j, _ in piece.links[i]:
            if j in seen:
                continue
            if j not in atom_set:
                return None  # a core atom: the group closes a ring with the core
            seen.add(j)
            group.append(j)
            stack.append(j)
    return group


def _ring_sizes_within(piece: _Piece, smallest: int, largest: int, one_atom: bool) -> bool:
    """Rings the piece closes with the core: each smallest ring through a piece atom and a core
    atom it is bonded to has smallest..largest atoms. Rings across two or more core atoms (an
    aminoindane's ring from C1 onto ring A) are always measured; a ring through one core atom only
    (a pyrrolidine on the nitrogen, a spiro ring on a ring carbon) only when ``one_atom``."""
    core_atoms = {core for core, _, _ in piece.attachments}
    if len(core_atoms) < 2 and not one_atom:
        return True
    for ring in piece.mol.GetRingInfo().AtomRings():
        if not core_atoms.isdisjoint(ring) and not piece.atom_set.isdisjoint(ring):
            if not smallest <= len(ring) <= largest:
                return False
    return True


def _univalent_leftovers(piece: _Piece, inside: set[int], core_atoms: set[int], tests=None) -> bool:
    """Every group of piece atoms outside ``inside`` hangs on it by exactly one single bond (and,
    with ``tests``, passes one of them, read as a substituent of the pattern atom it hangs on)."""
    atom_set = piece.atom_set
    left = atom_set - inside
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
                elif j not in seen and j in atom_set:  # (not a group set aside by `carrying`)
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
