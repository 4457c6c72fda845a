"""Cross-group exclusion: a group that gives way to the cores of other groups.

NpSG Anlage 1 Nr. 1 ends (2024 wording, "Nummern 2 bis 7"; 2025 wording, "Nummern 2 bis 9"):
"Nicht von der Stoffgruppe Nummer 1 erfasst werden Stoffe, die zwar eine Definition dieser
Stoffgruppe erfüllen, jedoch zugleich eine in den Stoffgruppendefinitionen der Nummern 2 bis 9
genannte Kern- oder Grundstruktur besitzen und von der Stoffgruppendefinition der jeweiligen Nummer
nicht erfasst werden."

A rule says this with ``excluded_by_cores_of = [rule ids]`` (FORMAT.md). Its match is set aside
when, for one of those rules (same jurisdiction, in force on the same day):

- the compound has that rule's core: one of its ``[[rule.cores]]`` SMARTS (all of them, or the
  ones the entry names: ``{ rule = "<id>", cores = ["<core id>"] }``) matches, whatever sits on the
  positions. That rule's patterns are searched anyway, since it is in force in the same
  jurisdiction, so this is a set look-up in the patterns found, and
- that rule does not capture it: it has no match, or its own match was set aside by its own
  ``excluded_by_cores_of``. A match later set aside by ``yields_to`` (§ 1 Abs. 2 NpSG: a BtMG
  substance) still captures: the definition of that number is fulfilled (DMT in Nr. 5.1).

A rule in force on another day only is not consulted (it is not the wording of that day). When a
listed rule's search was cut off by the per-molecule budget (it is *undetermined*) and no other
listed rule decides, whether the exclusion applies is not known: the match is answered as
undetermined with that reason, never as a control.

The check reads only answers already computed, and only for a jurisdiction where a rule with
``excluded_by_cores_of`` matched.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from chemistry.classify.results import NearMiss, RuleMatch, SetAside, Undetermined
from chemistry.rulebook import Rule, Rulebook, cross_group_targets, expand_core


class CrossGroup:
    """The ``excluded_by_cores_of`` of a rulebook, ordered so that a listed rule is decided before
    the rules that list it (the loader refuses circles)."""

    def __init__(self, rulebook: Rulebook):
        self._rules: dict[str, Rule] = {rule.id: rule for rule in rulebook.rules}
        # per rule with the key: (listed rule id, the SMARTS of the cores that count) per entry
        self._targets: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}
        for rule in rulebook.rules:
            if not rule.excluded_by_cores_of:
                continue
            entries = []
            for target_id, core_ids in cross_group_targets(rule):
                target = self._rules[target_id]  # the loader checked it exists
                entries.append(
                    (
                        target_id,
                        frozenset(
                            smarts
                            for core in target.cores
                            if core_ids is None or core.id in core_ids
                            for _, smarts in expand_core(core)
                        ),
                    )
                )
            self._targets[rule.id] = tuple(entries)
        self._order = _listed_first({rule_id: tuple(t for t, _ in e) for rule_id, e in self._targets.items()})
        self.rule_ids = frozenset(self._order)

    def apply(
        self,
        matches: list[RuleMatch],
        near_misses: Iterable[NearMiss],
        undetermined: Iterable[Undetermined],
        core_hits: dict[str, tuple],
        on: date,
    ) -> tuple[list[RuleMatch], tuple[SetAside, ...], tuple[Undetermined, ...]]:
        """Of one jurisdiction's matches (before precedence): those kept, those set aside by the
        cross-group sentence, and those whose exclusion could not be decided (undetermined).
        ``core_hits``: the patterns found in the molecule (SMARTS -> matches)."""
        matched = {match.rule_id: match for match in matches}
        if self.rule_ids.isdisjoint(matched):
            return matches, (), ()
        near = {miss.rule_id: miss for miss in near_misses}
        cut_off = {item.rule_id for item in undetermined}
        excluded: dict[str, SetAside] = {}
        unsure: dict[str, Undetermined] = {}
        for rule_id in self._order:
            match = matched.get(rule_id)
            if match is None:
                continue
            rule = self._rules[rule_id]
            by, unknown = [], []
            for target_id, patterns in self._targets[rule_id]:
                if not self._rules[target_id].in_force(on):
                    continue  # not the wording of that day
                if target_id in excluded:  # has its core; its own match does not count
                    by.append(target_id)
                elif target_id in matched and target_id not in unsure:
                    continue  # captured by that number
                elif target_id in cut_off or target_id in unsure:
                    unknown.append(target_id)
                elif not patterns.isdisjoint(core_hits):
                    by.append(target_id)
            if by:
                excluded[rule_id] = SetAside(match, tuple(by), self._reason(rule, by, near, excluded))
            elif unknown:
                unsure[rule_id] = Undetermined(
                    rule_id,
                    f"{rule.excluded_by_cores_reason} Whether the compound has the core of "
                    f"{', '.join(unknown)} and is captured by it is not known (that search was cut off), "
                    "so whether this rule captures it is not known either",
                )
        if not excluded and not unsure:
            return matches, (), ()
        kept = [match for match in matches if match.rule_id not in excluded and match.rule_id not in unsure]
        return kept, tuple(excluded.values()), tuple(unsure.values())

    def _reason(self, rule: Rule, by: list[str], near: dict[str, NearMiss], excluded: dict[str, SetAside]) -> str:
        parts = []
        for target_id in by:
            target = self._rules[target_id]
            if target_id in excluded:
                why = f"its own match is set aside: {excluded[target_id].reason}"
            elif target_id in near:
                why = near[target_id].summary
            else:
                why = "no reading of its core passes"
            parts.append(
                f"it has the core of {target_id} ({target.list_}: {target.title}), which does not capture it ({why})"
            )
        return f"{rule.excluded_by_cores_reason} Here: " + "; ".join(parts)


def _listed_first(targets: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The rules with targets, each after every listed rule that has targets of its own."""
    order: list[str] = []
    done: set[str] = set()

    def visit(rule_id: str, path: frozenset[str]) -> None:
        if rule_id in done or rule_id in path:  # a circle: refused by the loader, not followed here
            return
        for target in targets.get(rule_id, ()):
            if target in targets:
                visit(target, path | {rule_id})
        done.add(rule_id)
        order.append(rule_id)

    for rule_id in targets:
        visit(rule_id, frozenset())
    return tuple(order)
