"""Whole-rule checks of a draft, run even when some of its fields are wrong.

Pydantic runs a model's own (``mode="after"``) validator only once every field is valid, and the
draft's examples can only be evaluated on a whole rule; so a draft with a bad date and a failing
``must_match`` example used to report the date first and the example only after the date was
fixed. Here the rule is checked a second time with every field that failed replaced by a neutral
stand-in (metadata: id, title, dates, citation...) or left out (one bad example, an unknown
field), so the rule-level checks and the examples answer in the same 422 as the field errors.
Where a check truly depends on a broken field (a core SMARTS that does not parse: nothing can be
matched), the problem says which check was not run and what to fix first.

The examples are matched in the bounded child process of :mod:`service.classification.impact`:
an example's SMILES is the regulator's input, and RDKit's search cannot be interrupted.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chemistry.rulebook import Rule
from service.classification import impact as impact_worker
from service.classification.live import rule_json
from service.problems import validation_errors

# Stand-ins for fields whose value does not change what the rule captures. in_force_from is the
# earliest date so that a valid in_force_to is never "before" it; the rest are dropped.
_STAND_INS: dict[str, Any] = {
    "id": "draft-under-check",
    "title": "draft under check",
    "list": "draft",
    "citation": {"act": "draft", "part": "draft", "reference": "draft"},
    "in_force_from": "0001-01-01",
    "notes": "draft under check",
    "jurisdiction": "ZZ",
}
_DROPPED = ("in_force_to", "consolidated_to", "controls", "substances_file", "stereoisomers_included")
_YIELDS = ("yields_to", "yields_reason")
_EXAMPLES = ("must_match", "must_not_match")
# What the examples are matched with: a broken one leaves nothing to match them against.
_CHEMISTRY = ("kind", "cores", "limits", "forbid", "exclusions", "substances")
# The code of an entry that says a check was not run (and why); it explains a 422, never causes one.
NOT_CHECKED = "examples_not_checked"


def _error(at: str, field: str | None, code: str, detail: str) -> dict[str, Any]:
    return {"in": "body", "pointer": at, "field": field, "code": code, "detail": detail}


def _stand_in_body(body: dict[str, Any], field_errors: list[dict[str, Any]]) -> tuple[dict, dict, list[str]]:
    """The body with each failing field replaced or left out; the examples kept, by expectation,
    as {index in the check body: index in the draft}; the broken chemistry pointers."""
    known = {name for name in Rule.model_fields} | {"list"}
    failing: dict[str, set[int | None]] = {}
    broken: list[str] = []
    for error in field_errors:
        parts = error["pointer"].removeprefix("#").split("/")[1:]
        if not parts or not parts[0]:
            continue
        top = parts[0]
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        failing.setdefault(top, set()).add(index)
        if top in _CHEMISTRY and error["pointer"] not in broken:
            broken.append(error["pointer"])
    check = {key: value for key, value in body.items() if key in known and key != "list_"}
    for name in failing:
        if name in _STAND_INS:
            check[name] = _STAND_INS[name]
        elif name in _DROPPED:
            check.pop(name, None)
        elif name in _YIELDS:
            for other in _YIELDS:
                check.pop(other, None)
    kept: dict[str, dict[int, int]] = {}
    for name in _EXAMPLES:
        items = body.get(name)
        if not isinstance(items, list):
            check.pop(name, None)
            kept[name] = {}
            continue
        bad = failing.get(name, set())
        if None in bad:  # the list itself is wrong (not a list of objects)
            check.pop(name, None)
            kept[name] = {}
            continue
        positions = [i for i in range(len(items)) if i not in bad]
        check[name] = [items[i] for i in positions]
        kept[name] = dict(enumerate(positions))
    return check, kept, broken


def whole_rule_errors(
    body: dict[str, Any], rule: Rule | None, field_errors: list[dict[str, Any]], *, timeout: float
) -> list[dict[str, Any]]:
    """The rule-level errors and the draft's failing own examples, or why they were not checked."""
    errors: list[dict[str, Any]] = []
    kept: dict[str, dict[int, int]] = {name: {i: i for i in range(len(body.get(name) or []))} for name in _EXAMPLES}
    if rule is None:
        check, kept, broken = _stand_in_body(body, field_errors)
        if broken:
            return [
                _error(
                    "#/must_match",
                    "must_match",
                    NOT_CHECKED,
                    f"examples not checked: the rule's chemistry does not parse (fix {', '.join(broken)} first); "
                    "nor are the checks on the rule as a whole",
                )
            ]
        try:
            rule = Rule.model_validate(check)
        except ValidationError as exc:
            # what fails only with the stand-ins in place is the rule as a whole: report those;
            # a field error here repeats one already reported
            errors.extend(e for e in validation_errors(exc.errors(include_url=False)) if e["pointer"] in ("#", "#/"))
            if errors:
                errors.append(
                    _error(
                        "#/must_match",
                        "must_match",
                        NOT_CHECKED,
                        "examples not checked: the rule as a whole is invalid (see the error at '#/')",
                    )
                )
            return errors
    if rule.kind != "group" or not (rule.must_match or rule.must_not_match):
        return errors
    data = impact_worker.ImpactInput(rule=rule_json(rule), on=rule.in_force_from, substances=[], examples=[])
    try:
        out = impact_worker.run_bounded(data, timeout=timeout)
    except impact_worker.ImpactTimeout as exc:
        return [
            *errors,
            _error(
                "#/must_match",
                "must_match",
                NOT_CHECKED,
                f"examples not checked: matching them did not finish within {exc.seconds:g} s; make the SMARTS "
                "more specific",
            ),
        ]
    except impact_worker.ImpactFailed as exc:
        return [*errors, _error("#/must_match", "must_match", NOT_CHECKED, f"examples not checked: {exc}")]
    seen = {name: 0 for name in _EXAMPLES}
    for check in out.own_examples:
        name = check["expectation"]
        at = kept[name][seen[name]]
        seen[name] += 1
        if check["as_expected"]:
            continue
        expected = "captured" if name == "must_match" else "not captured"
        why = f" (near miss: {check['near_miss']})" if check.get("near_miss") else ""
        errors.append(
            _error(
                f"#/{name}/{at}",
                name,
                "example_fails",
                f"{check['name']} must be {expected} by the draft, and is not{why}",
            )
        )
    return errors
