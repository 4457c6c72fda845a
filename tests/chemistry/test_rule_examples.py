"""Every example in every rule file is a test: a new rule file is tested without new code.

Ids read like "gb-mda-cathinones/must_match/mephedrone". Expectations come from the files (and so
from the legal texts and the sources they cite), never from running the engine.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

MIN_POSITIVE_EXAMPLES = 3
MIN_NEGATIVE_EXAMPLES = 2


def _raw_rules() -> list[dict]:
    """Rules as written (for test ids at collection time; validation is load_rulebook's job)."""
    rules = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            rules.extend(tomllib.load(handle).get("rule", []))
    return rules


RAW_RULES = _raw_rules()


def _cases(section: str, kinds=("group",)):
    for rule in RAW_RULES:
        if rule.get("kind") not in kinds:
            continue
        for item in rule.get(section, []):
            if "smiles" not in item:  # a named entry defined by plant or preparation: no structure to find
                continue
            # A legally correct example the engine cannot satisfy yet stays, as a strict xfail:
            # the day the engine handles it, the test fails and the marker must go.
            marks = (
                [pytest.mark.xfail(strict=True, reason=f"engine gap: {item['engine_gap']}")]
                if item.get("engine_gap")
                else []
            )
            yield pytest.param(
                rule["id"], item["name"], item["smiles"], marks=marks, id=f"{rule['id']}/{section}/{item['name']}"
            )


def _set_aside_by(rule_id: str, name: str) -> str | None:
    rule = next(r for r in RAW_RULES if r["id"] == rule_id)
    return next(item.get("set_aside_by") for item in rule.get("must_match", []) if item["name"] == name)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _a_day_in_force(rule) -> date:
    today = datetime.now(timezone.utc).date()
    if rule.in_force_to is not None:
        return rule.in_force_to
    return max(rule.in_force_from, today)


def _classify_for(classifier: Classifier, rule_id: str, smiles: str):
    rule = classifier.rulebook.rule(rule_id)
    result = classifier.classify(identify(smiles), jurisdictions=[rule.jurisdiction], as_of=_a_day_in_force(rule))
    return rule, result.results[rule.jurisdiction]


@pytest.mark.parametrize(("rule_id", "name", "smiles"), list(_cases("must_match")))
def test_must_match(classifier, rule_id, name, smiles):
    rule, result = _classify_for(classifier, rule_id, smiles)
    matched = {m.rule_id for m in result.matches}
    reasons = [n.reason for n in result.near_misses if n.rule_id == rule_id]
    set_aside = {s.match.rule_id: s.by for s in result.set_aside}
    expected_by = _set_aside_by(rule_id, name)
    if expected_by is None:
        assert rule_id in matched, (
            f"{name} should be captured by {rule_id}; near misses: {reasons or 'core not matched'}; "
            f"set aside by: {set_aside.get(rule_id, 'nothing')}"
        )
    else:
        assert rule_id in set_aside, (
            f"{name} should be inside {rule_id} and set aside by {expected_by}; near misses: {reasons}"
        )
        assert expected_by in set_aside[rule_id]
        assert rule_id not in matched


@pytest.mark.parametrize(("rule_id", "name", "smiles"), list(_cases("must_not_match")))
def test_must_not_match(classifier, rule_id, name, smiles):
    _, result = _classify_for(classifier, rule_id, smiles)
    assert rule_id not in {m.rule_id for m in result.matches}, f"{name} must not be captured by {rule_id}"


@pytest.mark.parametrize(("rule_id", "name", "smiles"), list(_cases("exclusions")))
def test_named_exclusions_are_not_captured(classifier, rule_id, name, smiles):
    _, result = _classify_for(classifier, rule_id, smiles)
    assert rule_id not in {m.rule_id for m in result.matches}, f"named exclusion {name} is captured by {rule_id}"


@pytest.mark.parametrize(("rule_id", "name", "smiles"), list(_cases("substances", kinds=("named",))))
def test_named_substances_are_found(classifier, rule_id, name, smiles):
    rule = classifier.rulebook.rule(rule_id)
    substance = next(s for s in rule.substances if s.name == name)
    on = substance.in_force_to or max(
        substance.start or rule.in_force_from, _a_day_in_force(rule)
    )  # start: None if not recorded
    if rule.in_force_to is not None:
        on = min(on, rule.in_force_to)
    result = classifier.classify(identify(smiles), jurisdictions=[rule.jurisdiction], as_of=on).results[
        rule.jurisdiction
    ]
    found = {m.rule_id for m in (result.matches if rule.controls else result.notices)}  # registers report notices
    # an entry found and then set aside by a rule its own rule yields to (nitrous oxide in NpSG
    # Anlage 2, an authorised medicine) is found too: the answer shows it with the reason
    found |= {s.match.rule_id for s in result.set_aside if set(s.by) <= set(rule.yields_to)}
    assert rule_id in found


@pytest.mark.parametrize("rule", [r for r in RAW_RULES if r.get("kind") == "group"], ids=lambda r: r.get("id", "?"))
def test_each_group_has_enough_examples(rule):
    assert len(rule.get("must_match", [])) >= MIN_POSITIVE_EXAMPLES
    assert len(rule.get("must_not_match", [])) >= MIN_NEGATIVE_EXAMPLES
    for example in rule.get("must_match", []) + rule.get("must_not_match", []):
        assert example.get("source", "").strip(), f"{example['name']} needs a source"


def test_all_shipped_rule_files_load():
    rulebook = load_rulebook()
    assert len(rulebook) == len(RAW_RULES)
