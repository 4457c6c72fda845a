"""Every named entry's structure can be checked against the instrument's own words.

For every `[[rule.substances]]` entry in every rule file: `structure_from = "opsin"` means the stored
SMILES is OPSIN's parse of the printed `systematic_name`, so OPSIN must give the same parent InChIKey
(its connectivity block where the entry covers every stereoisomer); `"reviewed"` needs a
`structure_note`; `in_force_from` is absent, a date or "not recorded". The files are read as written
(raw TOML), so a new file is covered without new code. OPSIN runs once, for every name, per session.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
import warnings

import pytest

from chemistry.identity import identify
from chemistry.rulebook import NOT_RECORDED, RULES_DIR

py2opsin = pytest.importorskip("py2opsin").py2opsin


def _named_entries() -> list[tuple[str, dict, dict]]:
    """(file name, rule, entry) for every named entry of every rule file, as written."""
    found: list[tuple[str, dict, dict]] = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            rules = tomllib.load(handle).get("rule", [])
        for rule in rules:
            if rule.get("kind") == "named":
                found.extend((path.name, rule, entry) for entry in rule.get("substances", []))
    return found


ENTRIES = _named_entries()
OPSIN_ENTRIES = [(f, r, e) for f, r, e in ENTRIES if e.get("structure_from") == "opsin"]


def _id(item: tuple[str, dict, dict]) -> str:
    _, rule, entry = item
    return f"{rule.get('id', '?')}/{entry.get('name', '?')}"


def _stereo_specific(rule: dict, entry: dict) -> bool:
    included = entry.get("stereoisomers_included")
    if included is None:
        included = rule.get("stereoisomers_included", True)
    return not included


@pytest.fixture(scope="module")
def opsin_structures() -> dict[str, str]:
    """systematic name -> OPSIN's SMILES ("" where it cannot parse), from one py2opsin call."""
    if shutil.which("java") is None:
        pytest.skip("OPSIN (py2opsin) needs a Java runtime on PATH")
    names = sorted({entry["systematic_name"] for _, _, entry in OPSIN_ENTRIES if entry.get("systematic_name")})
    if not names:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OPSIN's own notes (ignored optical rotation etc.)
        parsed = py2opsin(names)
    return dict(zip(names, parsed))


@pytest.mark.parametrize("item", OPSIN_ENTRIES, ids=_id)
def test_opsin_parse_of_the_systematic_name_is_the_stored_structure(item, opsin_structures):
    file, rule, entry = item
    name = entry.get("systematic_name")
    assert name, f'{file}: {entry["name"]}: structure_from = "opsin" without a systematic_name'
    parsed = opsin_structures.get(name, "")
    assert parsed, f'{file}: OPSIN cannot parse {name!r}; use structure_from = "reviewed" with a structure_note'
    stored, derived = identify(entry["smiles"]).inchikey, identify(parsed).inchikey
    if _stereo_specific(rule, entry):
        assert derived == stored, (
            f"{file}: {entry['name']}: OPSIN gives {parsed} ({derived}), stored {entry['smiles']} ({stored})"
        )
    else:
        assert derived[:14] == stored[:14], (
            f"{file}: {entry['name']}: OPSIN gives {parsed} ({derived}), stored {entry['smiles']} ({stored})"
        )


def test_reviewed_structures_say_why():
    unexplained = [
        _id((f, r, e))
        for f, r, e in ENTRIES
        if e.get("structure_from") == "reviewed" and not str(e.get("structure_note", "")).strip()
    ]
    assert not unexplained, f'structure_from = "reviewed" without a structure_note: {unexplained}'


def test_entry_dates_are_absent_a_date_or_not_recorded():
    wrong = [
        f"{_id((f, r, e))}: {e['in_force_from']!r}"
        for f, r, e in ENTRIES
        if "in_force_from" in e
        and not (
            e["in_force_from"] == NOT_RECORDED
            or (isinstance(e["in_force_from"], dt.date) and not isinstance(e["in_force_from"], dt.datetime))
        )
    ]
    assert not wrong, f"in_force_from must be a date or {NOT_RECORDED!r} (never a guessed date): {wrong}"


def test_count_of_entries_without_provenance_is_reported():
    """Not a failure: entries from the older files lack systematic_name/structure_from."""

    def lacks_provenance(entry: dict) -> bool:
        how = entry.get("structure_from")
        return not how or (how not in ("plant", "preparation") and not entry.get("systematic_name"))

    lacking = [_id((f, r, e)) for f, r, e in ENTRIES if lacks_provenance(e)]
    by_file: dict[str, int] = {}
    for f, _, e in ENTRIES:
        if lacks_provenance(e):
            by_file[f] = by_file.get(f, 0) + 1
    message = (
        f"{len(lacking)} of {len(ENTRIES)} named entries have no systematic_name or structure_from "
        f"({', '.join(f'{name}: {count}' for name, count in sorted(by_file.items())) or 'none'}); "
        f"{len(OPSIN_ENTRIES)} are checked against OPSIN"
    )
    print(message)
    warnings.warn(message, UserWarning, stacklevel=1)
