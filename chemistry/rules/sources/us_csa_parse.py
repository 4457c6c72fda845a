"""Read the 21 CFR 1308 transcriptions in this folder into entries (used by make_us_csa.py and the tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
SECTIONS = {
    "I": "us_21cfr1308_11.txt",
    "II": "us_21cfr1308_12.txt",
    "III": "us_21cfr1308_13.txt",
    "IV": "us_21cfr1308_14.txt",
    "V": "us_21cfr1308_15.txt",
}
SECTION_NUMBER = {"I": "1308.11", "II": "1308.12", "III": "1308.13", "IV": "1308.14", "V": "1308.15"}
AMENDMENTS = "us_21cfr1308_amendments.txt"


@dataclass
class Entry:
    schedule: str  # "I".."V", or "I-temporary" for 1308.11(h)
    paragraph: str  # e.g. "1308.11(b)(3)"
    text: str  # the entry as printed, without its code number
    code: str | None  # DEA Controlled Substances Code Number, None where none is printed
    header: str = ""  # the paragraph's lead-in text
    names: list[str] = field(default_factory=list)  # "Some trade or other names" lines
    meaning: str | None = None
    splits: list[tuple[str, str, str | None]] = field(default_factory=list)
    systematic: str | None = None  # amendments only
    in_force_from: str | None = None
    added_by: str | None = None
    note: str | None = None
    in_force_to: str | None = None  # amendments only: last day in force (a temporary order ended)


_LINE = re.compile(r"^(\((?:[0-9]+|[ivx]+)\)(?:\((?:[0-9]+|[ivx]+)\))?|\(d\))\s+(.*?)\s*\|\s*(\S+)\s*$")


def _group(pattern: str, text: str) -> str:
    """The first group of a pattern the transcription guarantees to match at the start of text."""
    found = re.match(pattern, text)
    if found is None:
        raise SystemExit(f"unexpected header {text!r}: no match for {pattern}")
    return found.group(1)


def _letter(header: str) -> str:
    return _group(r"\(([a-z])\)", header)


def read_section(schedule: str) -> list[Entry]:
    entries: list[Entry] = []
    header = ""
    for raw in (HERE / SECTIONS[schedule]).read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("@ "):
            header = raw[2:]
            continue
        if raw.startswith("  names: "):
            entries[-1].names.append(raw[len("  names: ") :])
            continue
        if raw.startswith("  meaning: "):
            entries[-1].meaning = raw[len("  meaning: ") :]
            continue
        if raw.startswith("  split: "):
            name, code, *kind = [p.strip() for p in raw[len("  split: ") :].split("|")]
            entries[-1].splits.append((name, code, kind[0] if kind else None))
            continue
        match = _LINE.match(raw)
        if not match:
            raise ValueError(f"{SECTIONS[schedule]}: cannot read line {raw!r}")
        number, text, code = match.groups()
        letter = _letter(header)
        if number == "(d)":
            paragraph = f"{SECTION_NUMBER[schedule]}(d)"
        else:
            sub = header.split(")", 1)[0] + ")"
            if re.match(r"\([a-z]\)\([0-9]+\)", header):  # e.g. "(b)(1)" headers in 1308.12
                sub = _group(r"(\([a-z]\)\([0-9]+\))", header)
                paragraph = (
                    f"{SECTION_NUMBER[schedule]}{sub}{number}"
                    if number.startswith("(") and not re.match(r"\([0-9]+\)$", number)
                    else f"{SECTION_NUMBER[schedule]}({letter}){number}"
                )
            else:
                paragraph = f"{SECTION_NUMBER[schedule]}({letter}){number}"
        tier = "I-temporary" if schedule == "I" and letter == "h" else schedule
        entries.append(Entry(tier, paragraph, text, None if code == "-" else code, header))
    return entries


def read_amendments() -> list[Entry]:
    entries = []
    for raw in (HERE / AMENDMENTS).read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = [p.strip() for p in raw.split("|")]
        if len(fields) not in (8, 9):
            raise SystemExit(f"{AMENDMENTS}: expected 8 or 9 fields, got {len(fields)}: {raw!r}")
        schedule, paragraph, name, systematic, code, start, added_by, note = fields[:8]
        end = fields[8] if len(fields) == 9 and fields[8] != "-" else None
        entries.append(
            Entry(
                schedule,
                paragraph,
                name,
                None if code == "-" else code,
                systematic=None if systematic == "-" else systematic,
                in_force_from=start,
                added_by=added_by,
                note=note,
                in_force_to=end,
            )
        )
    return entries


def all_entries() -> list[Entry]:
    entries = [e for schedule in SECTIONS for e in read_section(schedule)]
    return entries + read_amendments()
