"""Read the BtMG Anlagen I-III from the extracted source text (btmg_anlagen.md).

The source is a markdown rendering of the official table (three columns: INN; other
non-proprietary or trivial names; chemical name (IUPAC)) in which every cell is its own
paragraph, "\\-" marks an empty cell, and the provisos of a row ("- ausgenommen in
Zubereitungen ...") and the general clauses at the end of each Anlage ("- die Ester, Ether
...") are paragraphs that begin with a dash followed by a line break.

Two readers, written independently on purpose:

- ``parse_anlagen`` walks the paragraphs and builds one ``Row`` per table row (used by the
  generator);
- ``count_rows`` counts rows by arithmetic on the paragraphs (used by the tests to check that
  no row was lost between the source text and the rule file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).with_name("btmg_anlagen.md")

ANLAGEN = ("I", "II", "III")
_HEADING = re.compile(r"^# Anlage (I{1,3}) – ", re.MULTILINE)
_TABLE_HEAD = "chemische Namen (IUPAC)"
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Row:
    anlage: str
    inn: str | None
    other: str | None
    chemical: str | None
    provisos: list[str] = field(default_factory=list)
    footnote: bool = False  # the printed row carries a footnote marker (*)

    @property
    def heading(self) -> bool:
        """The 'Tetrahydrocannabinole, folgende Isomeren ...:' row introduces the rows below it."""
        return self.inn is None and self.chemical is None and (self.other or "").endswith(":")


@dataclass
class Anlage:
    name: str
    rows: list[Row]
    general_clauses: list[str]


def read_source() -> str:
    return SOURCE.read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    starts = [(m.group(1), m.start()) for m in _HEADING.finditer(text)]
    sections = {}
    for index, (name, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        sections[name] = text[start:end]
    if tuple(sections) != ANLAGEN:
        raise ValueError(f"expected Anlagen {ANLAGEN}, found {tuple(sections)}")
    return sections


def _table_paragraphs(section: str) -> list[str]:
    """The paragraphs after the column headings, whitespace-only ones kept as empty strings."""
    head = section.index(_TABLE_HEAD) + len(_TABLE_HEAD)
    paragraphs = [p.strip() for p in section[head:].split("\n\n")][1:]  # [0]: rest of the heading line
    while paragraphs and not paragraphs[-1]:
        paragraphs.pop()
    return paragraphs


def _is_annotation(paragraph: str) -> bool:
    """A proviso, a general clause or a lettered item: text attached to a row, not a cell."""
    return (
        paragraph.startswith("\\-  \n")  # "- ausgenommen ..." / "- die Salze ..."
        or paragraph.startswith("- ")
        or paragraph.startswith("– ausgenommen")
        or re.match(r"^[a-z]\) ", paragraph) is not None
        or paragraph == "<!-- -->"
    )


def clean(cell: str) -> str | None:
    """A cell as printed: markdown escapes and footnote links removed, line breaks joined."""
    cell = _TAGS.sub("", cell).replace("\\[", "[").replace("\\]", "]").replace("\\-", "-")
    cell = re.sub(r"\s*\*(?=\s|$)", "", cell)  # footnote marker left over from the link
    cell = re.sub(r"\s*\n\s*", " ", cell).strip()
    return None if cell in ("", "-") else cell


def _join_broken(cell: str) -> str:
    """Join a chemical name the table broke over lines ('...-1H-  \\nindazol' -> '...-1H-indazol')."""
    cell = _TAGS.sub("", cell).replace("\\[", "[").replace("\\]", "]")
    cell = re.sub(r"(?<=[-\[(\]])\s*\n\s*(?=\S)", lambda m: "", cell)  # break after a hyphen or a bracket
    cell = re.sub(r"\s*\n\s*(?=[-\])])", "", cell)  # break before a hyphen or a closing bracket
    return clean(cell) or ""


def parse_anlagen(text: str | None = None) -> dict[str, Anlage]:
    text = read_source() if text is None else text
    result = {}
    for name, section in _sections(text).items():
        rows: list[Row] = []
        general: list[str] = []
        cells: list[str] = []
        for paragraph in _table_paragraphs(section):
            if paragraph.startswith("# "):
                break
            if _is_annotation(paragraph):
                if cells:
                    raise ValueError(f"Anlage {name}: annotation {paragraph[:40]!r} inside a row {cells}")
                note = clean(paragraph.removeprefix("\\-  \n").removeprefix("- "))
                if note is None:
                    continue
                # the general clauses close the Anlage: they begin "die ..." or "Stoffe nach ..."
                if general or note.startswith(("die ", "Stoffe nach")):
                    general.append(note)
                else:
                    rows[-1].provisos.append(note)
                continue
            cells.append(paragraph)
            if len(cells) == 3:
                inn, other, chemical = cells
                rows.append(
                    Row(
                        anlage=name,
                        inn=clean(inn),
                        other=clean(other),
                        chemical=clean(_join_broken(chemical)) if clean(chemical) else None,
                        footnote="FnR" in inn + other + chemical,
                    )
                )
                cells = []
        if cells:
            raise ValueError(f"Anlage {name}: incomplete last row {cells}")
        result[name] = Anlage(name=name, rows=rows, general_clauses=general)
    return result


def count_rows(text: str | None = None) -> dict[str, int]:
    """Rows per Anlage by a second method: (cell paragraphs / 3) minus heading rows.

    Independent of ``parse_anlagen``: it never assembles rows, it only counts the paragraphs
    that are not provisos or clauses, requires the count to be a multiple of three, and
    subtracts the rows that introduce a block ("..., folgende Isomeren ...:").
    """
    text = read_source() if text is None else text
    counts = {}
    for name, section in _sections(text).items():
        body = section[section.index(_TABLE_HEAD) + len(_TABLE_HEAD) :]
        paragraphs = [p.strip() for p in body.split("\n\n")][1:]  # [0] is the rest of the heading line
        paragraphs = "\n\n".join(paragraphs).rstrip().split("\n\n")  # no trailing empty paragraph
        cell_paragraphs = [
            p
            for p in paragraphs
            if not (p.startswith(("\\-  \n", "- ", "– ausgenommen", "<!-- -->")) or re.match(r"^[a-z]\) ", p))
        ]
        if len(cell_paragraphs) % 3:
            raise ValueError(f"Anlage {name}: {len(cell_paragraphs)} cell paragraphs, not a multiple of 3")
        headings = len(re.findall(r"folgende Isomeren[^\n]*:\n", body))
        counts[name] = len(cell_paragraphs) // 3 - headings
    return counts
