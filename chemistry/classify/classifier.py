"""Is this compound controlled, by which legal text, in which jurisdiction, on which date?

One generic engine applies every rule of a :class:`~chemistry.rulebook.Rulebook`:

- *named* rules: the parent's InChIKey (or its connectivity block, when the law covers
  stereoisomers) is looked up in one dictionary built at start-up; entries that cover their
  positional isomers (US 1308.11(d)) are also indexed by molecular formula, and a compound of
  such a formula is compared by ring systems and functional groups (``isomers.py``);
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
import threading
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from rdkit import Chem
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

from chemistry.classify.bounds import (
    CLASSIFY_BUDGET_SECONDS,
    _match_params,
)
from chemistry.classify.compiled import (
    _CompiledCore,
    _CompiledGroupRule,
    _CompiledPosition,
    _connectivity,
    _key_for,
    _Pattern,
)
from chemistry.classify.cross_group import CrossGroup
from chemistry.classify.esters import atom_key, candidate_parents
from chemistry.classify.evaluate import _evaluate_group, _MoleculeFacts
from chemistry.classify.gates import GATE_LEVELS, relax_recursion, shared_gates
from chemistry.classify.isomers import Signature
from chemistry.classify.isomers import signature as isomer_signature
from chemistry.classify.pieces import _DOUBLE, _first
from chemistry.classify.prescreen import (
    _aliphatic_ring_carbons,
    _aliphatic_ring_carbons_needed,
    _atom_type_counts,
    _atoms_needed,
    _double_bonds_needed,
    _in_matching_order,
    _ring_junctions,
    _ring_junctions_needed,
)
from chemistry.classify.query_atoms import _AROMATIC_OFFSET
from chemistry.classify.results import (
    Classification,
    CoreExplanation,
    JurisdictionResult,
    NearMiss,
    RuleMatch,
    SetAside,
    Status,
    Undetermined,
    _new_classification,
    _new_jurisdiction_result,
    _new_near_miss,
    _new_rule_match,
)
from chemistry.identity import Identity, StructureError, identify, standardize_parent
from chemistry.rulebook import (
    NamedSubstance,
    RegisterEntry,
    Rule,
    Rulebook,
    expand_core,
    load_rulebook,
    parse_smarts,
)


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
        self._has_params.maxMatches = 1  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
        self._needed_by_rules: dict[tuple[str, ...], set[int] | None] = {}
        self._groups_cache: dict[tuple, tuple[list, set[int] | None, frozenset[int]]] = {}
        self._patterns: dict[str, _Pattern] = {}
        self._groups: list[_CompiledGroupRule] = []
        # named substances: lookup key -> [(rule, substance)]
        self._named: dict[str, list[tuple[Rule, NamedSubstance | RegisterEntry]]] = defaultdict(list)
        # per entry of a rule with stereoisomers_except_listed (by id): its own full InChIKey
        self._entry_inchikey: dict[int, str] = {}
        # stereo-specific named entries ("levomethorphan", "(+)-lysergide") by connectivity, for
        # input that gives no stereochemistry at all
        self._named_stereo_specific: dict[str, list[tuple[Rule, NamedSubstance | RegisterEntry]]] = defaultdict(list)
        # entries that cover their positional isomers (21 CFR 1300.01): molecular formula ->
        # [(rule, substance, connectivity block, signature)]; only a compound of one of these formulas
        # is compared further, so the rest pay one dictionary look-up
        self._positional: dict[str, list[tuple[Rule, NamedSubstance, str, Signature]]] = defaultdict(list)
        # per named entry with a structure (by id): (parent formula, heavy atoms, atom key (esters.py),
        # parent InChIKey, stereoisomers included)
        self._entry_parent: dict[int, tuple[str, int, tuple, str, bool]] = {}
        for rule in self.rulebook.rules:
            if rule.kind == "named":
                self._compile_named(rule)
            else:
                self._groups.append(self._compile_group(rule))
        # esters and ethers of listed substances (esters.py): parent formula -> [(the rule that
        # answers for them, the listing rule, the entry, its lookup key, stereoisomers included)]
        self._esters: dict[str, list[tuple[Rule, Rule, NamedSubstance, str, bool]]] = defaultdict(list)
        self._ester_heavy_atoms: set[int] = set()
        # formula -> the atom keys of the entries of that formula (the cheap test before an InChIKey)
        self._ester_keys: dict[str, set[tuple]] = defaultdict(set)
        self._compile_esters_and_ethers()
        self._ester_index = {formula: frozenset(keys) for formula, keys in self._ester_keys.items()}
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
        self._cross_group = CrossGroup(self.rulebook)

    def core_queries(self, rule_ids: Iterable[str] | None = None) -> dict[str, Chem.Mol]:
        """The compiled core patterns (SMARTS, ring systems expanded -> query) of the given
        group rules, or of all of them."""
        wanted = None if rule_ids is None else set(rule_ids)
        return {
            core.smarts: self._patterns[core.smarts].query
            for group in self._groups
            if wanted is None or group.rule.id in wanted
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
        needs = [
            [pattern.min_atoms.get(key, 0) for key in features]
            + [pattern.min_double, pattern.min_aliphatic_ring_carbons, pattern.min_ring_junctions]
            for pattern in self._pattern_list
        ]
        self._all_patterns_mask = (1 << len(self._pattern_list)) - 1
        # _feature_masks[k][v]: patterns needing at most v of feature k (the last entry: any count)
        self._feature_masks: list[list[int]] = []
        for column in range(len(features) + 3):
            most = max((need[column] for need in needs), default=0)
            self._feature_masks.append(
                [sum(1 << row for row, need in enumerate(needs) if need[column] <= count) for count in range(most + 1)]
            )
        # which features an atom type (Z, or Z + 1000 when aromatic) counts towards
        self._features_of_type: dict[int, tuple[int, ...]] = defaultdict(tuple)
        for column, (z, aromatic) in enumerate(features):
            for atom_type in (
                [z + _AROMATIC_OFFSET] if aromatic else [z] if aromatic is False else [z, z + _AROMATIC_OFFSET]
            ):
                self._features_of_type[atom_type] += (column,)
        # shared gates (gates.py): pattern SMARTS -> its gate's query; drafts' patterns (guarded
        # searches) go without, so that every search of a pattern not shipped stays guarded
        shipped = {p.smarts: p.query for p in self._pattern_list if p.smarts not in self._guarded_patterns}
        row_of = {pattern.smarts: row for row, pattern in enumerate(self._pattern_list)}
        # (gate query, bitmask of the patterns behind it): a parent without the gate drops them all;
        # the short gates come first, the longer ones only see the patterns the short ones let by
        self._gates: list[tuple[Chem.Mol, int]] = []
        for atoms in GATE_LEVELS:
            gate_masks: dict[str, int] = defaultdict(int)
            for smarts, gate in shared_gates(shipped, atoms).items():
                gate_masks[gate] |= 1 << row_of[smarts]
            self._gates += [(Chem.MolFromSmarts(gate), mask) for gate, mask in sorted(gate_masks.items())]
        # per shipped pattern with recursive atoms: the same pattern without them, searched first
        for pattern in self._pattern_list:
            relaxed = relax_recursion(pattern.smarts) if pattern.smarts in shipped else None
            pattern.prefilter = None if relaxed is None else _in_matching_order(Chem.MolFromSmarts(relaxed))
        self._double_feature = len(features)
        self._aliphatic_ring_feature = len(features) + 1
        self._ring_junction_feature = len(features) + 2
        self._wanted_masks: dict[int, tuple[set[int], int]] = {}

    # -- compilation

    def _compile_named(self, rule: Rule) -> None:
        written: set[str] = set()
        for substance in rule.substances:
            if substance.smiles is None:  # defined by plant or preparation: listed, not matched
                continue
            found = identify(substance.smiles)
            inchikey = found.inchikey
            if substance.positional_isomers:
                self._positional[CalcMolFormula(found.mol)].append(
                    (rule, substance, _connectivity(inchikey), isomer_signature(found.mol))
                )
            stereo = (
                rule.stereoisomers_included
                if substance.stereoisomers_included is None
                else substance.stereoisomers_included
            )
            key = _connectivity(inchikey) if stereo else inchikey
            written.add(key)
            self._named[key].append((rule, substance))
            self._entry_parent[id(substance)] = (
                found.formula,
                found.mol.GetNumHeavyAtoms(),
                atom_key(found.mol),
                inchikey,
                stereo,
            )
            if rule.stereoisomers_except_listed is not None:
                self._entry_inchikey[id(substance)] = inchikey
            if not stereo:
                # a structure drawn without stereochemistry may be this listed stereoisomer
                self._named_stereo_specific[_connectivity(inchikey)].append((rule, substance))
        # substances_file rows carry their parent's InChIKey (no standardisation at start-up); an
        # entry written in the TOML takes precedence over a row with the same key
        for row in rule.file_substances():
            key = _connectivity(row.inchikey) if rule.stereoisomers_included else row.inchikey
            if key not in written:
                self._named[key].append((rule, row))

    def _compile_esters_and_ethers(self) -> None:
        by_id = {rule.id: rule for rule in self.rulebook.rules}
        for rule in self.rulebook.rules:
            clause = rule.esters_and_ethers
            if clause is None:
                continue
            excepted = set(clause.except_)
            for source_id in clause.of or [rule.id]:
                source = by_id[source_id]
                for substance in source.substances:
                    known = self._entry_parent.get(id(substance))
                    if known is None or substance.name in excepted:
                        continue
                    if clause.only_flagged and not substance.esters_and_ethers:
                        continue
                    formula, heavy_atoms, atoms, inchikey, stereo = known
                    key = _connectivity(inchikey) if stereo else inchikey
                    self._esters[formula].append((rule, source, substance, key, stereo))
                    self._ester_heavy_atoms.add(heavy_atoms)
                    self._ester_keys[formula].add(atoms)

    def _esters_and_ethers(
        self, parent: Chem.Mol, wanted: set[str], on: date, matches: dict[str, list[RuleMatch]]
    ) -> None:
        """Matches of the listed substances the compound is an ester or ether of, in jurisdictions
        that list the compound under no name of its own ("unless appearing in another Schedule")."""
        open_in = {j for j in wanted if not any(m.kind == "named" for m in matches[j])}
        if not open_in:
            return
        found: set[tuple[str, int]] = set()
        for candidate, _undone in candidate_parents(parent, self._ester_index, self._ester_heavy_atoms):
            entries = self._esters.get(CalcMolFormula(candidate))
            if not entries:
                continue
            inchikey = Chem.MolToInchiKey(candidate)
            for rule, source, substance, key, stereo in entries:
                if rule.jurisdiction not in open_in or (_connectivity(inchikey) if stereo else inchikey) != key:
                    continue
                if not (rule.in_force(on) and source.in_force(on)) or (rule.id, id(substance)) in found:
                    continue
                clause = rule.esters_and_ethers
                start = max(
                    substance.start or source.in_force_from,
                    rule.in_force_from,
                    (clause.in_force_from if clause is not None else None) or rule.in_force_from,
                )
                end = substance.in_force_to or source.in_force_to or rule.in_force_to
                if on < start or (end is not None and on > end):
                    continue
                if substance.not_before is not None and on < substance.not_before:
                    continue
                found.add((rule.id, id(substance)))
                matches[rule.jurisdiction].append(
                    _rule_match(
                        rule,
                        substance=substance.name,
                        matched_on="ester_or_ether",
                        start=start,
                        end=end,
                        citation=self._citations.get(id(rule)),
                        date_recorded=substance.date_recorded,
                        end_recorded=substance.in_force_to is None or substance.in_force_to_recorded,
                    )
                )

    def _pattern(self, smarts: str) -> _Pattern:
        pattern = self._patterns.get(smarts)
        if pattern is None:
            query = _in_matching_order(parse_smarts(smarts))
            pattern = _Pattern(
                smarts,
                query,
                _atoms_needed(query),
                _double_bonds_needed(query),
                _aliphatic_ring_carbons_needed(query),
                _ring_junctions_needed(query),
            )
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
        params = self._has_params
        return [
            pattern
            for pattern in self._candidates(parent, wanted, smiles)
            if (pattern.prefilter is None or parent.HasSubstructMatch(pattern.prefilter, params))
            and parent.HasSubstructMatch(pattern.query, params)
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
        have[self._ring_junction_feature] = _ring_junctions(parent)
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
        # shared gates (gates.py): one search rules out every remaining pattern behind a gate
        for gate, behind in self._gates:
            if mask & behind and not parent.HasSubstructMatch(gate, self._has_params):
                mask &= ~behind
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
        found: dict[str, tuple] = {}
        params, guarded_params, guarded = self._params, self._guarded_params, self._guarded_patterns
        has_params = self._has_params
        candidates = self._candidates(parent, wanted, smiles)
        self._deadline.at = deadline
        for done, pattern in enumerate(candidates):
            if time.perf_counter() > deadline:
                return found, [p.smarts for p in candidates[done:]]
            if pattern.smarts in guarded:
                hits = parent.GetSubstructMatches(pattern.query, guarded_params)
                if time.perf_counter() > deadline:  # cut off: no hits proves nothing
                    return found, [p.smarts for p in candidates[done:]]
            elif pattern.prefilter is not None and not parent.HasSubstructMatch(pattern.prefilter, has_params):
                continue
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
        lookups = [
            (self._named.get(inchikey, ()), "inchikey"),
            (self._named.get(_connectivity(inchikey), ()), "connectivity"),
        ]
        if inchikey[15:23] == "UHFFFAOY":
            lookups.append((self._named_stereo_specific.get(_connectivity(inchikey), ()), "unspecified_stereo"))
        # matches of entries reaching the compound only as one of their stereoisomers, in rules that
        # except stereoisomers listed by their own structure, per jurisdiction
        as_stereoisomer: dict[str, list[RuleMatch]] = {}
        listed_itself: dict[str, list[str]] = {}  # jurisdiction -> rules with an entry of exactly this structure
        for entries, how in lookups:
            for rule, substance in entries:
                if rule.jurisdiction not in wanted_set or not rule.in_force(on):
                    continue
                start = substance.start or rule.in_force_from
                end = substance.in_force_to or rule.in_force_to
                if on < start or (end is not None and on > end):
                    continue
                not_before = substance.not_before
                if not_before is not None and on < not_before:
                    continue
                named_match = _rule_match(
                    rule,
                    substance=substance.name,
                    matched_on=how,
                    start=start,
                    end=end,
                    citation=self._citations.get(id(rule)),
                    date_recorded=substance.date_recorded,
                    end_recorded=substance.in_force_to is None or substance.in_force_to_recorded,
                )
                (matches if rule.controls else notices)[rule.jurisdiction].append(named_match)
                if rule.controls and self._entry_inchikey:
                    own = self._entry_inchikey.get(id(substance))
                    if own == inchikey or (own is None and how == "inchikey"):
                        listed_itself.setdefault(rule.jurisdiction, []).append(rule.id)
                    elif own is not None and how == "connectivity":
                        as_stereoisomer.setdefault(rule.jurisdiction, []).append(named_match)
        stereo_set_aside = self._listed_stereoisomers(as_stereoisomer, listed_itself, matches)

        if self._positional:
            self._positional_isomers(parent, inchikey, wanted_set, on, matches)
        if self._ester_index:
            self._esters_and_ethers(parent, wanted_set, on, matches)

        # groups
        groups, wanted_patterns, in_force = self._groups_in_force(tuple(wanted), on)
        undetermined: dict[str, list[Undetermined]] = {}
        core_hits: dict[str, tuple] = {}
        if groups:
            core_hits, cut_off = self._core_matches_within(
                parent, wanted_patterns, smiles, deadline=time.perf_counter() + self.budget_seconds
            )
            if cut_off:
                undetermined = self._undetermined(cut_off, in_force)
            if core_hits:
                known = subject if isinstance(subject, Identity) else None
                facts = _MoleculeFacts(
                    parent,
                    inchikey,
                    formula=known.formula if known else None,
                    mass=known.average_mass if known else None,
                )
                # per group rule in force: its cores whose pattern is present, as (place, core)
                hit_groups: dict[int, list[tuple[int, _CompiledCore]]] = {}
                cores_of_pattern = self._cores_of_pattern
                for smarts in core_hits:
                    for index, place, core in cores_of_pattern[smarts]:
                        if index in in_force:
                            group_hits = hit_groups.get(index)
                            if group_hits is None:
                                hit_groups[index] = [(place, core)]
                            else:
                                group_hits.append((place, core))
                for index in sorted(hit_groups):  # in rulebook order, as the rules are listed
                    group = self._groups[index]
                    group_hits = hit_groups[index]
                    if len(group_hits) > 1:
                        group_hits.sort(key=_first)  # the group's cores in their order
                    hit_cores = [core for _, core in group_hits]
                    outcome = _evaluate_group(group, hit_cores, core_hits, facts)
                    if isinstance(outcome, CoreExplanation):
                        matches[group.rule.jurisdiction].append(
                            _rule_match(group.rule, explanation=outcome, citation=self._citations.get(id(group.rule)))
                        )
                    else:
                        near[group.rule.jurisdiction].append(
                            _new_near_miss(
                                group.rule.id, outcome.reason, outcome.failures, outcome.incidental, outcome.summary
                            )
                        )

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
            excluded: tuple[SetAside, ...] = ()
            if self._cross_group.rule_ids and matches[j]:  # NpSG Anlage 1 Nr. 1, last sentence
                kept, excluded, unsure = self._cross_group.apply(
                    matches[j], near[j], undetermined.get(j, ()), core_hits, on
                )
                if excluded or unsure:
                    matches[j] = kept
                if unsure:
                    undetermined[j] = [*undetermined.get(j, ()), *unsure]
            found, set_aside = self._apply_precedence(matches[j], notices[j])
            set_aside = stereo_set_aside.get(j, ()) + excluded + set_aside
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

    def _listed_stereoisomers(
        self,
        as_stereoisomer: dict[str, list[RuleMatch]],
        listed_itself: dict[str, list[str]],
        matches: dict[str, list[RuleMatch]],
    ) -> dict[str, tuple[SetAside, ...]]:
        """Take out the matches of entries that reach the compound only as one of their
        stereoisomers, where the jurisdiction lists this very stereoisomer by its own structure and
        the entry's rule excepts such stereoisomers ("unless otherwise provided"): they are set
        aside, by the rules that list it."""
        out: dict[str, tuple[SetAside, ...]] = {}
        for jurisdiction, found in as_stereoisomer.items():
            if jurisdiction not in listed_itself:
                continue
            taken = {id(match) for match in found}
            matches[jurisdiction] = [m for m in matches[jurisdiction] if id(m) not in taken]
            by = tuple(dict.fromkeys(listed_itself[jurisdiction]))
            out[jurisdiction] = tuple(
                SetAside(
                    match,
                    by,
                    f"{match.substance} covers its stereoisomers, but this stereoisomer is listed by its own "
                    f"name: {self.rulebook.rule(match.rule_id).stereoisomers_except_listed}",
                )
                for match in found
            )
        return out

    def _positional_isomers(
        self, parent: Chem.Mol, inchikey: str, wanted: set[str], on: date, matches: dict[str, list[RuleMatch]]
    ) -> None:
        """Entries whose positional isomer the compound is, where no named entry lists it itself."""
        candidates = self._positional.get(CalcMolFormula(parent))
        if not candidates:
            return
        own = _connectivity(inchikey)
        mine = None
        for rule, substance, connectivity, theirs in candidates:
            jurisdiction = rule.jurisdiction
            if connectivity == own or jurisdiction not in wanted or not rule.in_force(on):
                continue
            # "unless listed in another schedule": a compound listed by name is answered by that listing
            if any(m.kind == "named" and m.matched_on != "positional_isomer" for m in matches[jurisdiction]):
                continue
            start = substance.start or rule.in_force_from
            end = substance.in_force_to or rule.in_force_to
            if on < start or (end is not None and on > end):
                continue
            if substance.not_before is not None and on < substance.not_before:
                continue
            if mine is None:
                mine = isomer_signature(parent)
            if mine != theirs:
                continue
            matches[jurisdiction].append(
                _rule_match(
                    rule,
                    substance=substance.name,
                    matched_on="positional_isomer",
                    start=start,
                    end=end,
                    citation=self._citations.get(id(rule)),
                    date_recorded=substance.date_recorded,
                    end_recorded=substance.in_force_to is None or substance.in_force_to_recorded,
                )
            )

    def _undetermined(self, cut_off: list[str], in_force: frozenset[int]) -> dict[str, list[Undetermined]]:
        """Per jurisdiction, the rules in force that use a pattern the budget left undecided."""
        reason = (
            f"evaluation stopped: the search for this molecule exceeded the budget of "
            f"{self.budget_seconds:g} s per molecule, so whether this rule captures it is not known"
        )
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
    rule: Rule,
    *,
    explanation=None,
    substance=None,
    matched_on="structure",
    start=None,
    end=None,
    citation=None,
    date_recorded=True,
    end_recorded=True,
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
        end_recorded,
    )
