"""Refuse a rule whose patterns would stall classification (see chemistry/stress.py)."""

from __future__ import annotations

from chemistry.classify import Classifier
from chemistry.rulebook import Rule, Rulebook
from chemistry.stress import STRESS_BUDGET_SECONDS, too_costly
from service.problems import Problem


def refuse_costly_patterns(rule: Rule, *, label: str, budget_seconds: float = STRESS_BUDGET_SECONDS) -> None:
    """422 draft-too-costly when a core pattern's search in some stress molecule outlasts the
    budget. Runs before the impact, whatever the registry and the examples hold: a draft with no
    examples and an empty registry would otherwise be activated untested."""
    if rule.kind != "group":
        return
    queries = Classifier(Rulebook(rules=(rule,))).core_queries()
    costly = too_costly(queries, budget_seconds=budget_seconds)
    if not costly:
        return
    raise Problem(
        422,
        "draft-too-costly",
        f"{label}: searching its pattern(s) in the stress set ({', '.join(sorted({c.molecule for c in costly if c.molecule}))}) "
        f"did not finish within {budget_seconds:g} s a molecule, which would stall classification for everyone. "
        "Make the SMARTS more specific (fewer '*' and '~', fixed elements, fewer atoms)",
        errors=[
            {
                "in": "body",
                "pointer": "#/cores",
                "field": "cores",
                "code": "too_costly",
                "detail": f"pattern {c.smarts!r} ran out of time on {c.molecule}",
            }
            for c in costly
        ],
    )
