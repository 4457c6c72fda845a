"""Costly patterns: refused by the stress gate, and bounded by the per-molecule budget."""

from __future__ import annotations

import time
from datetime import date

from rdkit import Chem

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import Rule, Rulebook
from chemistry.stress import STRESS_BUDGET_SECONDS, STRESS_SMILES, pattern_costs, too_costly

# The probe's pattern: a path of 40 wildcard atoms between N and O, searched in a network of
# fused rings, branches without end (minutes per molecule).
PATHOLOGICAL = "[#7]" + "~*" * 40 + "~[#8]"
RING_NETWORK = STRESS_SMILES["aza-oxa ring network"]


def _rule(smarts: str, rule_id: str = "zz-draft-walk") -> Rule:
    return Rule.model_validate(
        {
            "id": rule_id,
            "kind": "group",
            "title": "walk",
            "jurisdiction": "DK",
            "list": "B",
            "in_force_from": "2020-01-01",
            "notes": "test",
            "citation": {"act": "test", "part": "test", "reference": "test"},
            "cores": [{"id": "walk", "smarts": smarts, "positions": []}],
        }
    )


def test_every_stress_molecule_parses():
    for name, smiles in STRESS_SMILES.items():
        assert Chem.MolFromSmiles(smiles) is not None, name


def test_the_pathological_pattern_is_too_costly():
    costly = too_costly({PATHOLOGICAL: Chem.MolFromSmarts(PATHOLOGICAL)}, budget_seconds=STRESS_BUDGET_SECONDS)
    assert [c.smarts for c in costly] == [PATHOLOGICAL]
    assert costly[0].molecule is not None


def test_every_shipped_pattern_passes_the_stress_gate():
    costs = pattern_costs(Classifier().core_queries(), budget_seconds=STRESS_BUDGET_SECONDS)
    assert costs and all(c.within_budget for c in costs), [c for c in costs if not c.within_budget]


def test_a_guarded_rule_that_runs_out_of_budget_is_undetermined_not_a_stall():
    # the gate bypassed (a rule already live): the budget still bounds the search
    classifier = Classifier(Rulebook(rules=(_rule(PATHOLOGICAL),)), budget_seconds=0.3, guarded_rules=["zz-draft-walk"])
    started = time.monotonic()
    result = classifier.classify(identify(RING_NETWORK), as_of=date(2024, 1, 1))
    elapsed = time.monotonic() - started
    dk = result.results["DK"]
    assert dk.status == "undetermined"
    assert [u.rule_id for u in dk.undetermined] == ["zz-draft-walk"]
    assert "budget" in dk.undetermined[0].reason
    assert elapsed < 30  # liveness: unguarded, this search takes minutes


def test_the_budget_does_not_change_ordinary_answers():
    classifier = Classifier(
        Rulebook(rules=(_rule("[#7]~[#6]~[#6]~c1ccccc1"),)), budget_seconds=0.3, guarded_rules=["zz-draft-walk"]
    )
    found = classifier.classify(identify("NCCc1ccccc1"), as_of=date(2024, 1, 1)).results["DK"]
    assert found.status == "controlled_by_group" and not found.undetermined
    absent = classifier.classify(identify("CCO"), as_of=date(2024, 1, 1)).results["DK"]
    assert absent.status == "not_controlled" and not absent.undetermined
