"""Build chemistry/rules/de_btmg.toml from the extracted BtMG Anlagen text.

    cd <a private scratch directory>   # py2opsin writes its temporary input file into the cwd
    /work/main/.venv/bin/python <repo>/chemistry/rules/sources/de_btmg/generate.py

Reads btmg_anlagen.md (the source text, see README.md) and curation.toml (per-entry corrections
with notes), parses every printed chemical name with OPSIN in one batch, and writes the rule
file. The committed product is the TOML; this script only makes it reproducible.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parents[3]
sys.path[:0] = [str(HERE), str(REPO)]

import btmg_source  # noqa: E402
from german_iupac import to_english  # noqa: E402

OUTPUT = REPO / "chemistry" / "rules" / "de_btmg.toml"

PLANTS = {"Salvia divinorum", "Erythroxylum coca", "Papaver bracteatum", "Papaver somniferum"}
PREPARATIONS = {"Opium", "Mohnstrohkonzentrat"}
# A stereoisomer the Anlagen do not list shares these entries' connectivity and is no
# Betäubungsmittel by name (levopropoxyphene; norephedrine and the other
# 2-amino-1-phenylpropan-1-ol isomers), so they are matched on the full InChIKey.
STEREO_SPECIFIC = {"Dextropropoxyphen", "Cathin"}


@dataclass
class Entry:
    anlage: str
    name: str
    aliases: list[str]
    printed: str
    systematic_name: str | None
    english: str | None
    smiles: str | None = None
    structure_from: str = "opsin"
    structure_note: str | None = None
    provisos: tuple[str, ...] = ()
    footnote: bool = False
    added_by: str | None = None
    stereo_specific: bool = False
    strip_stereo: bool = False
    printed_parse: str | None = None  # InChIKey of OPSIN's parse of the printed (German) name
    # rows from amendments.toml (not in the base text): "added" or "removed", with their dates
    amendment: str | None = None
    not_before: date | None = None
    in_force_to: date | None = None


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == sep and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def split_names(cell: str) -> tuple[str, list[str], str | None]:
    """'Heroin (Diacetylmorphin, Diamorphin) – ausgenommen ...' -> ('Heroin', [...], '– ausgenommen ...')."""
    remark = None
    if " – " in cell:
        cell, remark = cell.split(" – ", 1)
        remark = "– " + remark
    cell = cell.strip()
    depth = 0
    for index, char in enumerate(cell):
        if char == "(" and depth == 0 and index and (cell[index - 1] == " " or cell[:index].endswith("Homolog")):
            primary = cell[:index].strip()
            inner = cell[index + 1 :]
            inner = inner[: inner.rfind(")")] if ")" in inner else inner
            return primary, _split_top_level(inner), remark
        depth += char in "([{"
        depth -= char in ")]}"
    return cell.rstrip("-").strip(), [], remark


def build_entries() -> tuple[dict[str, btmg_source.Anlage], list[Entry]]:
    curation = tomllib.loads((HERE / "curation.toml").read_text(encoding="utf-8"))
    fixes = curation.get("structure", {})
    adders = {
        name: instrument for instrument, block in curation.get("added_by", {}).items() for name in block["entries"]
    }
    anlagen = btmg_source.parse_anlagen()
    entries: list[Entry] = []
    used_fixes, used_adders = set(), set()
    for anlage in anlagen.values():
        block_rows: list[Entry] = []
        for row in anlage.rows:
            if row.heading:  # "Tetrahydrocannabinole, folgende Isomeren ...:" introduces the block below
                block_rows = []
                continue
            remark = None
            if row.inn:
                name, aliases = row.inn, []
                if row.other:
                    primary, more, remark = split_names(row.other)
                    aliases = [primary, *more]
            elif row.other:
                name, aliases, remark = split_names(row.other)
            else:
                name, aliases = row.chemical, []
            printed = " | ".join(cell or "-" for cell in (row.inn, row.other, row.chemical))
            entry = Entry(
                anlage=anlage.name,
                name=name,
                aliases=[a for a in aliases if a != name],
                printed=printed,
                systematic_name=row.chemical,
                english=to_english(row.chemical) if row.chemical else None,
                provisos=tuple(([remark] if remark else []) + row.provisos),
                footnote=row.footnote,
            )
            if name in PLANTS or name in PREPARATIONS:
                entry.structure_from = "plant" if name in PLANTS else "preparation"
                entry.english = None
            fix = fixes.get(name)
            if fix:
                used_fixes.add(name)
                entry.structure_from = "reviewed"
                entry.english = fix.get("english")
                entry.smiles = fix.get("smiles")
                entry.structure_note = fix["note"]
                entry.strip_stereo = fix.get("strip_stereo", False)
            if name in adders:
                used_adders.add(name)
                entry.added_by = adders[name]
            entry.stereo_specific = name in STEREO_SPECIFIC
            entries.append(entry)
            if "Tetrahydrocannabinol" in name and anlage.name == "I":
                block_rows.append(entry)
                if row.provisos:  # the proviso printed after the last isomer covers the block
                    for member in block_rows:
                        member.provisos = tuple(row.provisos)
    entries += build_amendments(fixes, used_fixes)
    unused = (set(fixes) - used_fixes) | (set(adders) - used_adders)
    if unused:
        raise SystemExit(f"curation.toml names entries the source does not have: {sorted(unused)}")
    return anlagen, entries


AMENDMENT_TEXTS = {
    "added": "habibhaidari1/gesetze b/btmg_1981/index.md (commit 48332e5c, zuletzt geändert durch Art. 1 V v. 19.5.2026 I Nr. 150)",
    "removed": "bundestag/gesetze b/btmg_1981/index.md (commit d2c90e48, zuletzt geändert durch Art. 1 V v. 2.7.2018 I 1078)",
}
CANG_REMOVAL = date(2024, 3, 31)  # Art. 3 CanG in force 1 April 2024 (amendments.toml)


def _join_line_breaks(cell: str) -> str:
    """The spaces a conversion leaves at printed line breaks: '5-nitro- 1H-', '[4,3-a] [1,4]'."""
    return re.sub(r"(?<=[-\[(])\s+|\s+(?=[\])])|(?<=\])\s+(?=\[)", "", cell)


def build_amendments(fixes: dict, used_fixes: set[str]) -> list[Entry]:
    """Rows added after the base text (amendments.toml [[added]]) and rows struck by Art. 3 CanG
    ([[removed]]), each dated; appended after the printed rows of their Anlage."""
    data = tomllib.loads((HERE / "amendments.toml").read_text(encoding="utf-8"))
    entries = []
    for kind in ("added", "removed"):
        for row in data.get(kind, []):
            chemical = row.get("chemical")
            if chemical is not None and _join_line_breaks(chemical) != chemical:
                raise SystemExit(f"amendments.toml: join the line breaks of {chemical!r}")
            if row.get("inn"):
                name, aliases, remark = row["inn"], [], None
                if row.get("other"):
                    primary, more, remark = split_names(row["other"])
                    aliases = [primary, *more]
            else:
                name, aliases, remark = split_names(row["other"])
            entry = Entry(
                anlage=row["anlage"],
                name=name,
                aliases=[a for a in aliases if a != name],
                printed=row["printed"],
                systematic_name=chemical,
                english=to_english(chemical) if chemical else None,
                provisos=tuple(([remark] if remark else []) + row.get("provisos", [])),
                added_by=row.get("added_by"),
                amendment=kind,
                not_before=row.get("not_before"),
                in_force_to=CANG_REMOVAL if kind == "removed" else None,
                stereo_specific=row.get("stereo_specific", False),
            )
            if row.get("structure"):
                entry.structure_from, entry.english = row["structure"], None
            fix = fixes.get(name)
            if fix:
                used_fixes.add(name)
                entry.structure_from = "reviewed"
                entry.english = fix.get("english")
                entry.smiles = fix.get("smiles")
                entry.structure_note = fix["note"]
                entry.strip_stereo = fix.get("strip_stereo", False)
            entries.append(entry)
    return entries


def resolve_structures(entries: list[Entry]) -> None:
    """The stored structure, and whether OPSIN's parse of the printed name itself gives it.

    The structure is OPSIN's parse of the English rendering (or the curated correction). OPSIN
    is lenient enough to read many printed German names as they stand; where that parse gives
    the same structure the entry is structure_from = "opsin" (re-derivable from
    systematic_name alone), otherwise "reviewed" with a note saying why.
    """
    from py2opsin import py2opsin
    from rdkit import Chem

    sys.path.insert(0, str(REPO))
    from chemistry.identity import identify

    todo = [e for e in entries if e.english and e.smiles is None]
    printed = [e for e in entries if e.systematic_name and e.structure_from not in ("plant", "preparation")]
    parsed = py2opsin([e.english for e in todo] + [e.systematic_name for e in printed])
    rendered, as_printed = parsed[: len(todo)], parsed[len(todo) :]
    failures = []
    for entry, smiles in zip(todo, rendered):
        if not smiles:
            failures.append(f"{entry.anlage} {entry.name}: {entry.english}")
            continue
        entry.smiles = smiles
    if failures:
        raise SystemExit("OPSIN could not parse (add a correction to curation.toml):\n  " + "\n  ".join(failures))
    for entry in entries:
        if not entry.smiles:
            continue
        mol = Chem.MolFromSmiles(entry.smiles)
        if entry.strip_stereo:
            Chem.RemoveStereochemistry(mol)
        entry.smiles = Chem.MolToSmiles(mol)
    for entry, direct in zip(printed, as_printed):
        entry.printed_parse = identify(direct).inchikey if direct else None


def classify_structures(entries: list[Entry]) -> None:
    """structure_from and structure_note, once stereo handling is known (it decides the key compared)."""
    sys.path.insert(0, str(REPO))
    from chemistry.identity import identify

    for entry in entries:
        if not entry.smiles:
            continue
        stored = identify(entry.smiles).inchikey
        direct = entry.printed_parse
        agrees = direct is not None and (direct == stored if entry.stereo_specific else direct[:14] == stored[:14])
        if entry.structure_from == "reviewed":  # curated: the note says what was corrected
            if entry.english:
                entry.structure_note = f"{entry.structure_note}. Structure: OPSIN's parse of '{entry.english}'"
            continue
        if agrees:
            entry.structure_from, entry.structure_note = "opsin", None
            continue
        entry.structure_from = "reviewed"
        if direct is None:
            why = "OPSIN cannot parse the printed German name"
        elif re.search(r"[\)\]\}](di)?(acetat|carbamat)$", entry.systematic_name or ""):
            why = (
                "OPSIN reads the printed '(...-yl)acetat' (German for the ester ...-yl acetate) as a "
                "C-substituted acetate and so gives another compound"
            )
        elif entry.stereo_specific and direct[:14] == stored[:14]:
            why = "OPSIN's parse of the printed name has other stereo descriptors than the stored structure"
        else:
            why = "OPSIN's parse of the printed name gives another compound"
        entry.structure_note = (
            f"{why}; the structure is OPSIN's parse of the mechanical English rendering '{entry.english}' "
            "(sources/de_btmg/german_iupac.py)"
        )


def mark_stereo_groups(entries: list[Entry]) -> dict[str, list[str]]:
    """Entries sharing a connectivity with another entry (any Anlage) are matched on the full key."""
    sys.path.insert(0, str(REPO))
    from chemistry.identity import identify

    by_connectivity: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.smiles and entry.amendment is None:
            by_connectivity[identify(entry.smiles).inchikey[:14]].append(entry)
    groups = {}
    for key, members in by_connectivity.items():
        if len(members) > 1:
            groups[key] = [f"{m.name} (Anlage {m.anlage})" for m in members]
            for member in members:
                member.stereo_specific = True
    amended = {identify(e.smiles).inchikey[:14]: e for e in entries if e.smiles and e.amendment}
    for entry in entries:
        other = amended.get(identify(entry.smiles).inchikey[:14]) if entry.smiles else None
        if other is not None and other is not entry and not other.stereo_specific:
            raise SystemExit(
                f"{other.name} (amendments.toml) shares a connectivity with {entry.name}: decide its stereo"
            )
    for entry in entries:
        if entry.stereo_specific and entry.smiles:
            full = identify(entry.smiles).inchikey
            clash = [
                e
                for e in entries
                if e is not entry and e.anlage == entry.anlage and e.smiles and identify(e.smiles).inchikey == full
            ]
            if clash:
                raise SystemExit(f"Anlage {entry.anlage}: {entry.name} and {clash[0].name} have one InChIKey")
    return groups


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


ANLAGE_META = {
    "I": (
        "de-btmg-anlage-i",
        "nicht verkehrsfähige Betäubungsmittel (not marketable: no trade, no prescription; "
        "a permit only exceptionally, for science or the public interest, § 3 Abs. 2)",
    ),
    "II": (
        "de-btmg-anlage-ii",
        "verkehrsfähige, aber nicht verschreibungsfähige Betäubungsmittel (marketable under permit, not prescribable)",
    ),
    "III": (
        "de-btmg-anlage-iii",
        "verkehrs- und verschreibungsfähige Betäubungsmittel (marketable and "
        "prescribable, on a narcotics prescription under the BtMVV)",
    ),
}
FUNDSTELLE = {"I": "BGBl. I 2001, 1180 - 1186", "II": "BGBl. I 2001, 1187 - 1189", "III": "BGBl. I 2001, 1189 - 1195"}


def _esters_and_ethers(name: str, clauses: list[str], entries) -> list[str]:
    """The Anlage's clause on esters and ethers as a rule table (FORMAT.md, "esters_and_ethers"):
    Anlage I covers its own entries, Anlage II its own and those of Anlage III except GHB;
    Anlage III has no such clause."""
    clause = next((c for c in clauses if c.startswith("die Ester, Ether")), None)
    if clause is None:
        return []
    out = ["[rule.esters_and_ethers]", f"text = {_toml_string(clause.rstrip(';'))}"]
    if "der in Anlage III aufgeführten Stoffe" in clause:
        rule_id = ANLAGE_META[name][0]
        out.append(f'of = ["{rule_id}", "{ANLAGE_META["III"][0]}"]')
        if "ausgenommen gamma-Hydroxybuttersäure (GHB)" in clause:
            ghb = [e.name for e in entries if e.anlage == "III" and "(GHB)" in (e.printed or "")]
            out.append("except = [" + ", ".join(_toml_string(n) for n in ghb) + "]")
    return out + [""]


def render(anlagen, entries, groups) -> str:
    notes_path = HERE / "rule_notes.toml"
    notes = tomllib.loads(notes_path.read_text(encoding="utf-8"))
    out = [
        "# Betäubungsmittelgesetz (BtMG), Anlagen I-III: every entry as printed.",
        "# GENERATED by chemistry/rules/sources/de_btmg/generate.py from btmg_anlagen.md (source text)",
        "# and curation.toml; edit those and regenerate rather than editing this file by hand.",
        "",
    ]
    for name, anlage in anlagen.items():
        rule_id, what = ANLAGE_META[name]
        members = [e for e in entries if e.anlage == name]
        clauses = "\n".join(f"- {c}" for c in anlage.general_clauses)
        stereo = sorted({m for key, ms in groups.items() for m in ms if m.endswith(f"(Anlage {name})")})
        rule_notes = (
            notes["common"].strip()
            + "\n\n"
            + notes[name].strip()
            + (
                "\n\nGeneral clauses printed at the end of this Anlage (not encoded as structures; the engine "
                "classifies the neutral parent, so salts are found through their parent):\n" + clauses
            )
            + (
                "\n\nMatched on the full InChIKey (stereoisomers_included = false) because another entry of "
                "Anlagen I-III shares the connectivity: " + ", ".join(stereo)
                if stereo
                else ""
            )
        )
        out += [
            "[[rule]]",
            f'id = "{rule_id}"',
            'kind = "named"',
            f"title = {_toml_string(f'BtMG Anlage {name}: {what}')}",
            'jurisdiction = "DE"',
            f'list = "Anlage {name}"',
            "in_force_from = 1982-01-01",
            "# rows compared with the consolidated text 'zuletzt geändert durch Art. 1 V v. 19.5.2026', which also",
            "# holds Art. 8 G v. 26.6.2026 textually (amendments.toml); in-force days of the newest rows not recorded",
            "consolidated_to = 2026-06-26",
            f"notes = '''\n{rule_notes}\n'''",
            "",
            "[rule.citation]",
            'act = "Gesetz über den Verkehr mit Betäubungsmitteln (Betäubungsmittelgesetz - BtMG)"',
            f"part = {_toml_string(f'Anlage {name} (zu § 1 Abs. 1); Fundstelle of the Anlage in its present form: {FUNDSTELLE[name]} (15. BtMÄndV)')}",
            f"reference = {_toml_string(notes['reference'])}",
            f'url = "https://www.gesetze-im-internet.de/btmg_1981/anlage_{name.lower()}.html"',
            "amended_by = [" + ", ".join(_toml_string(a) for a in notes["amended_by"]) + "]",
            "",
        ]
        out += _esters_and_ethers(name, anlage.general_clauses, entries)
        for entry in members:
            out.append("[[rule.substances]]")
            out.append(f"name = {_toml_string(entry.name)}")
            if entry.aliases:
                out.append("aliases = [" + ", ".join(_toml_string(a) for a in entry.aliases) + "]")
            if entry.systematic_name:
                out.append(f"systematic_name = {_toml_string(entry.systematic_name)}")
            if entry.smiles:
                out.append(f"smiles = {_toml_string(entry.smiles)}")
            out.append(f'structure_from = "{entry.structure_from}"')
            if entry.structure_note:
                out.append(f"structure_note = {_toml_string(entry.structure_note)}")
            if entry.amendment:
                source = f"BtMG Anlage {name}, row as printed in {AMENDMENT_TEXTS[entry.amendment]}: {entry.printed}"
            else:
                source = f"BtMG Anlage {name}, row as printed: {entry.printed}"
            if entry.provisos:
                source += ". Printed with the entry: " + " ".join(entry.provisos)
            if entry.footnote:
                source += ". The row carries a footnote marker (*) whose text the source does not reproduce"
            out.append(f"source = {_toml_string(source)}")
            if entry.added_by:
                out.append(f"added_by = {_toml_string(entry.added_by)}")
            out.append('in_force_from = "not recorded"')
            if entry.not_before:
                out.append(f"not_before = {entry.not_before.isoformat()}")
            if entry.in_force_to:
                out.append(f"in_force_to = {entry.in_force_to.isoformat()}")
            if entry.stereo_specific:
                out.append("stereoisomers_included = false")
            out.append("")
    return "\n".join(out)


def main() -> None:
    anlagen, entries = build_entries()
    counts = btmg_source.count_rows()
    for name in anlagen:
        built = sum(e.anlage == name and e.amendment is None for e in entries)
        if built != counts[name]:
            raise SystemExit(f"Anlage {name}: {built} entries built, {counts[name]} rows counted in the source")
    resolve_structures(entries)
    groups = mark_stereo_groups(entries)
    classify_structures(entries)
    OUTPUT.write_text(render(anlagen, entries, groups), encoding="utf-8")
    print(f"wrote {OUTPUT}: " + ", ".join(f"Anlage {n} {counts[n]}" for n in anlagen))
    for members in groups.values():
        print("  same connectivity:", ", ".join(members))


if __name__ == "__main__":
    main()
