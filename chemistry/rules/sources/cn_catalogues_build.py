"""Generate chemistry/rules/cn_catalogues_2025.toml from the 2025 catalogues as copied in cn_catalogues_2025.md.

What was read (cn_catalogues_2025.md says where, and quotes the prose): a GitHub copy (OverdriveLab/
overdrive-wiki, page dated 1 August 2025) of the three catalogues the Ministry of Public Security, the
National Health Commission and the National Medical Products Administration issued under art. 3(2) of the
Regulations on the Administration of Narcotic Drugs and Psychotropic Substances as revised in January 2025:
the Catalogue of Non-medical Narcotic Drugs and Psychotropic Substances (非药用类麻醉药品和精神药品目录: 396
substances and three classes), the Catalogue of Medical Narcotic Drugs (2025 edition, 32 entries) and the
Catalogue of Medical Psychotropic Substances (2025 edition, class I 18 entries, class II 78 entries). The
copy is dated 28 July 2025 (its description and the NMPA announcement address it links, No. 55 of 2025);
the day the catalogues took effect is NOT stated in what was read. So every entry says "date not
recorded", with not_before = 28 July 2025: the entries answer from that day as a lower bound, never before.
(Each substance was controlled earlier under the 2013 catalogues or the Supplementary List, which
cn_un_conventions.toml and cn_named.toml answer in part; only carisoprodol, cebranopadol,
serdexmethylphenidate, valiloxybate and zuranolone are new, per the copy.)

Structures. Where the printed English name is a chemical name OPSIN parses, the entry is OPSIN's parse of
it (structure_from = "opsin"; tests/chemistry/test_named_opsin.py re-derives it). Where OPSIN cannot
parse the printed name (INNs such as "Heroin", or a misprint such as "dimethox-phenethylamine"), the
structure is taken from an entry of the same name (printed name, or the abbreviation in the remarks
column) in another rule file of this repository, said in structure_note (structure_from = "reviewed").
Rows with no single structure (plants, preparations, compound preparations) are listed as "plant" or
"preparation" (never matched). Rows still without a structure are left out and named in the rule notes.

Run from the repository root: ``.venv/bin/python -m chemistry.rules.sources.cn_catalogues_build``
(``--check`` fails when the committed file is out of date). OPSIN (py2opsin, Java) is needed to build.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from chemistry.identity import identify
from chemistry.rules.sources.un_obligations_build import _toml

HERE = Path(__file__).parent
RULES = HERE.parent
SOURCE = HERE / "cn_catalogues_2025.md"
OUT = RULES / "cn_catalogues_2025.toml"
NOT_BEFORE = "2025-07-28"
# rule files whose named entries may lend a structure to a row OPSIN cannot parse, in this order
LENDERS = ("named_un1961.toml", "named_un1971.toml", "de_btmg.toml", "us_csa.toml", "gb_named.toml", "dk_named.toml")
PLANTS = {"Mitragyna speciosa", "Catha edulis Forssk", "Coca Leaf", "Poppy Shell"}


@dataclass
class Row:
    section: str
    number: int
    zh: str
    en: list[str]
    cas: str
    remark: str
    abbreviations: list[str] = field(default_factory=list)


SECTIONS = {
    "## 非药用类麻醉药品和精神药品目录": "nonmedical",
    "## 药用类麻醉药品目录（2025年版）": "narcotic",
    "## 药用类精神药品目录（2025年版） 第一类": "psychotropic-i",
    "## 药用类精神药品目录（2025年版） 第二类": "psychotropic-ii",
}


def read_rows() -> list[Row]:
    rows: list[Row] = []
    section = ""
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = SECTIONS.get(line.strip(), "")
            continue
        if not line.startswith("| ") or not section:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        number, zh, en, cas, remark = cells[:5]
        names = [n.strip().replace("<br>", " ").strip() for n in en.split("、<br>")] if en else []
        abbreviations = [a.strip() for a in remark.split("<br>") if a.strip()] if section == "nonmedical" else []
        rows.append(Row(section, int(number), zh, names, cas, remark, abbreviations))
    return rows


def _opsin(names: list[str]) -> dict[str, str]:
    from py2opsin import py2opsin

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # py2opsin writes temporary files into the working directory
        try:
            out = py2opsin(names)
        finally:
            os.chdir(here)
    return {n: (s or "") for n, s in zip(names, out, strict=True)}


def _lenders() -> dict[str, tuple[str, str, str]]:
    """lower-case name or alias -> (smiles, file, rule id), first lender wins."""
    found: dict[str, tuple[str, str, str]] = {}
    for filename in LENDERS:
        path = RULES / filename
        if not path.exists():
            continue
        with path.open("rb") as handle:
            for rule in tomllib.load(handle).get("rule", []):
                for entry in rule.get("substances", []):
                    if not entry.get("smiles"):
                        continue
                    for name in [entry["name"], *entry.get("aliases", [])]:
                        found.setdefault(name.lower(), (entry["smiles"], filename, rule["id"]))
    return found


# the approved-medicines register (chemistry/data/README.md: ChEMBL, CC BY-SA 3.0; DrugCentral,
# CC BY-SA 4.0): the last lender, for INNs of medicines that no rule file names (dextromethorphan)
REGISTER = RULES.parent / "data" / "approved_medicines.csv"
_SALT = re.compile(r"\s+(hydrochloride|hydrobromide|sulfate|tartrate|citrate|maleate|mesylate|phosphate)$")


def _register_lenders() -> dict[str, tuple[str, str, str]]:
    """lower-case medicine name (salt word dropped) -> (smiles, source, source id), first row wins."""
    found: dict[str, tuple[str, str, str]] = {}
    with REGISTER.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(_SALT.sub("", row["name"].lower()), (row["smiles"], row["source"], row["source_id"]))
    return found


def _is_preparation(row: Row, name: str) -> bool:
    text = f"{row.zh} {name}"
    return (
        not name
        or "制剂" in row.zh
        or any(w in name for w in ("Tablet", "patch", "Injection", "Benzoate", "Concentrate", "Tinctures", "Opium"))
        or "derivatives" in name
        or "Cannabis" in name
        or "片" in text
    )


def entries(rows: list[Row]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per section: TOML blocks, and the rows left out."""
    names = sorted({n for r in rows for n in r.en if n})
    parsed = _opsin(names)
    lenders = _lenders()
    register = _register_lenders()
    blocks: dict[str, list[str]] = {s: [] for s in SECTIONS.values()}
    left_out: dict[str, list[str]] = {s: [] for s in SECTIONS.values()}
    for row in rows:
        for i, name in enumerate(row.en or [""]):
            label = name if not row.abbreviations else row.abbreviations[0]
            if len(row.en) > 1:
                label = f"{row.abbreviations[0]} ({name})" if row.abbreviations else name
            head = f"No. {row.number}: {row.zh}"
            source = f"{SECTION_TITLES[row.section]}, No. {row.number} ({row.zh}), as copied in sources/cn_catalogues_2025.md"
            lines = ["[[rule.substances]]", f"name = {_toml(label or row.zh)}"]
            aliases = [a for a in [name, *row.abbreviations, row.zh] if a and a != (label or row.zh)]
            # "Ecgonine, and derivatives ...", "Morphine Methobromide, and other ...": the named substance
            head_name = re.split(r"\s*[,，]", name)[0] if "derivatives" in name else ""
            if name in PLANTS:
                lines.append('structure_from = "plant"')
            elif (_is_preparation(row, name) and not head_name) or (parsed.get(name) and "Benzoate" in name):
                lines.append('structure_from = "preparation"')
            elif parsed.get(name):
                smiles = parsed[name]
                identify(smiles)  # must standardise
                lines += [f"systematic_name = {_toml(name)}", f"smiles = {_toml(smiles)}", 'structure_from = "opsin"']
            else:
                keys = [head_name, name, *row.abbreviations]
                lent = next((lenders[k.lower()] for k in keys if k and k.lower() in lenders), None)
                medicine = None if lent or head_name else register.get(name.lower())
                if lent is None and medicine is None:
                    left_out[row.section].append(f"{head} ({name or row.remark})")
                    continue
                if lent is not None:
                    smiles, filename, rule_id = lent
                    note = (
                        f"OPSIN cannot parse the printed name '{head_name or name}'; structure of the entry of that "
                        f"name in {filename} ({rule_id})"
                    )
                else:
                    smiles, register_source, register_id = medicine  # type: ignore[misc]
                    note = (
                        f"OPSIN cannot parse the printed name '{name}' (an INN) and no rule file names it; structure "
                        f"of the approved medicine of that name in chemistry/data/approved_medicines.csv "
                        f"({register_source}, {register_id})"
                    )
                if head_name:
                    note += "; only the substance named first is matched, not its derivatives"
                lines += [f"smiles = {_toml(smiles)}", 'structure_from = "reviewed"', f"structure_note = {_toml(note)}"]
            if aliases:
                lines.append(f"aliases = {_toml(sorted(set(aliases), key=aliases.index))}")
            cas = row.cas.split("、<br>")[i] if "、<br>" in row.cas else row.cas
            if cas and cas not in ("暂无", "无"):
                source += f"; CAS {cas.strip('、').strip()}"
            if row.remark and not row.abbreviations:
                source += f"; remark: {row.remark}"
            lines.append(f"source = {_toml(source)}")
            if (
                row.section == "nonmedical"
                and ESTERS_FLAGGED[0] <= row.number <= ESTERS_FLAGGED[1]
                and any(line.startswith("smiles = ") for line in lines)
            ):
                lines.append("esters_and_ethers = true")
            lines.append('in_force_from = "not recorded"')
            lines.append(f"not_before = {NOT_BEFORE}")
            blocks[row.section].append("\n".join(lines))
    return blocks, left_out


SECTION_TITLES = {
    "nonmedical": "非药用类麻醉药品和精神药品目录",
    "narcotic": "药用类麻醉药品目录（2025年版）",
    "psychotropic-i": "药用类精神药品目录（2025年版），第一类",
    "psychotropic-ii": "药用类精神药品目录（2025年版），第二类",
}

COMMON = """Read: a GitHub copy of the catalogue (OverdriveLab/overdrive-wiki, _others/drug_scheduling.md @2972448c,
dated 28 July 2025), transcribed row by row into chemistry/rules/sources/cn_catalogues_2025.md, which
quotes the copy's prose and links the official texts it cites (mps.gov.cn; NMPA announcement No. 55 of
2025), not read here. The catalogues were re-issued under art. 3(2) of the Regulations as revised in
January 2025 ("麻醉药品和精神药品按照药用类和非药用类分类列管").
DATE: the day the catalogues took effect is not stated in what was read. Every entry says "date not
recorded" and answers from 28 July 2025 (the copy's date) as a lower bound; before that the entries do not
answer (the substances were mostly controlled before, under the 2013 catalogues and the Supplementary List:
see cn_un_conventions.toml and cn_named.toml).
STRUCTURES: OPSIN's parse of the printed English chemical name where it parses; otherwise the structure
of the entry of the same name (or remark abbreviation) in another rule file of this repository
(structure_note says which); plants and preparations are listed, never matched. A misprinted English
name that OPSIN still parses would give a wrong structure: the Chinese name (an alias) is the check.
In the copy, rows 319 (倍他羟基-3-甲基芬太尼, Beta-hydroxy-3-methylfentanyl) and 320 (倍他羟基芬太尼,
Beta-hydroxyfentanyl) print each other's English chemical name; both structures are listed, each under
the name its row prints.
Stereoisomers are matched by connectivity (the notes extend each entry to its stereoisomers), except
"unless otherwise provided" (另有规定的除外 / 除非另有规定): a stereoisomer listed by its own name in one of the
catalogues (dextromethorphan, class II psychotropic) is answered by that listing, and an entry that reaches it
only as a stereoisomer (levomethorphan, racemethorphan) is shown set aside (stereoisomers_except_listed)."""

# the note of each catalogue that extends its entries to their stereoisomers "unless otherwise provided"
STEREO_NOTE = {
    "nonmedical": "非药用类麻醉药品和精神药品目录, note 1: 上述品种包含其可能存在的盐类、立体异构体及其盐类（另有规定的除外）",
    "narcotic": "药用类麻醉药品目录（2025年版）, note 2: 上述品种包括其可能存在的立体异构体、酯及醚（除非另有规定）",
    "psychotropic-i": "药用类精神药品目录（2025年版）, note 2: 上述品种包括其可能存在的立体异构体（除非另有规定）",
    "psychotropic-ii": "药用类精神药品目录（2025年版）, note 2: 上述品种包括其可能存在的立体异构体（除非另有规定）",
}

# the notes that extend entries to their esters and ethers (FORMAT.md, "esters_and_ethers"): (note, only the
# flagged entries). The non-medical catalogue's note 2 covers its entries 305-396 only.
ESTER_NOTE = {
    "nonmedical": (
        "非药用类麻醉药品和精神药品目录, note 2: 上述305-396品种还包括其酯和醚，以及其酯和醚可能存在的盐类、立体异构体及其盐类（另有规定的除外）",
        True,
    ),
    "narcotic": (
        "药用类麻醉药品目录（2025年版）, note 2: 上述品种包括其可能存在的立体异构体、酯及醚（除非另有规定）",
        False,
    ),
}
ESTERS_FLAGGED = (305, 396)

HEADS = {
    "nonmedical": (
        "cn-nonmedical-catalogue-2025",
        "Catalogue of Non-medical Narcotic Drugs and Psychotropic Substances (非药用类麻醉药品和精神药品目录, 2025): the 396 substances listed by name",
        "非药用类麻醉药品和精神药品目录 (2025)",
        """The catalogue's note 1: "上述品种包含其可能存在的盐类、立体异构体及其盐类（另有规定的除外）"; note 2: entries 305-396
"还包括其酯和醚" (their esters and ethers: matched, esters_and_ethers on those entries). Per the copy the catalogue takes in the 231
substances of the former Supplementary List (etizolam moved to the medical psychotropic catalogue), 91
substances split from the 2013 Catalogue of Narcotic Drugs and 74 from the 2013 Catalogue of
Psychotropic Substances, plus three classes: fentanyl-related substances (cn-fentanyl-related-substances,
encoded since 2019), synthetic cannabinoids (general formula is an image in the copy: NOT encoded) and
nitazene-related substances (尼秦类物质: encoded in cn_nitazenes_2025.toml).""",
    ),
    "narcotic": (
        "cn-medical-narcotic-catalogue-2025",
        "Catalogue of Medical Narcotic Drugs (药用类麻醉药品目录, 2025 edition)",
        "药用类麻醉药品目录 (2025年版)",
        """The catalogue's notes: salts and single-ingredient preparations, stereoisomers, esters and ethers
are included unless otherwise provided (esters and ethers matched through esters_and_ethers); an asterisk marks
substances produced and used in China (kept in the source file).""",
    ),
    "psychotropic-i": (
        "cn-medical-psychotropic-catalogue-2025-class-i",
        "Catalogue of Medical Psychotropic Substances (药用类精神药品目录, 2025 edition), class I",
        "药用类精神药品目录 (2025年版), 第一类",
        """The catalogue's notes: salts, single-ingredient preparations and stereoisomers are included unless
otherwise provided. Midazolam is class I only as API and injection (class II otherwise); compound oral
solid preparations of hydrocodone or oxycodone above 5 mg per dose unit are class I (preparations,
not matched).""",
    ),
    "psychotropic-ii": (
        "cn-medical-psychotropic-catalogue-2025-class-ii",
        "Catalogue of Medical Psychotropic Substances (药用类精神药品目录, 2025 edition), class II",
        "药用类精神药品目录 (2025年版), 第二类",
        """The catalogue's notes: salts, single-ingredient preparations and stereoisomers are included unless
otherwise provided. Etomidate: "在中国境内批准上市的含依托咪酯的药品制剂除外" (approved preparations
excepted: a product question). Midazolam: "原料药及注射剂除外" (its API and injections are class I).
Caffeine is a class II psychotropic substance in China (with caffeine sodium benzoate, CNB).""",
    ),
}


def build() -> str:
    rows = read_rows()
    blocks, left_out = entries(rows)
    parts = [
        "# China: the 2025 catalogues of narcotic drugs and psychotropic substances (non-medical; medical narcotic;\n"
        "# medical psychotropic I and II). GENERATED by chemistry/rules/sources/cn_catalogues_build.py from\n"
        "# sources/cn_catalogues_2025.md: edit the source transcription or the generator, not this file.\n"
    ]
    for section, (rule_id, title, listed, own) in HEADS.items():
        missing = "; ".join(left_out[section]) or "none"
        notes = f"{own}\n{COMMON}\nRows left out (no structure found): {missing}.\nEntries: {len(blocks[section])}."
        parts.append(
            "\n".join(
                [
                    "[[rule]]",
                    f"id = {_toml(rule_id)}",
                    'kind = "named"',
                    f"title = {_toml(title)}",
                    'jurisdiction = "CN"',
                    f"list = {_toml(listed)}",
                    f"in_force_from = {NOT_BEFORE}",
                    f"consolidated_to = {NOT_BEFORE}",
                    f"stereoisomers_except_listed = {_toml(STEREO_NOTE[section])}",
                    f'notes = """\n{notes}\n"""',
                    "",
                    "[rule.citation]",
                    'act = "Regulations on the Administration of Narcotic Drugs and Psychotropic Substances (麻醉药品和精神药品管理条例, revised January 2025), art. 3(2)"',
                    f"part = {_toml(SECTION_TITLES[section])}",
                    'reference = "Catalogues issued by the Ministry of Public Security, National Health Commission and National Medical Products Administration (NMPA announcement No. 55 of 2025 for the medical catalogues), dated 28 July 2025 in the copy read; in-force day not read"',
                    'url = "https://www.mps.gov.cn/n6557558/c10150600/content.html"',
                    "",
                    *(
                        ["[rule.esters_and_ethers]", f"text = {_toml(ESTER_NOTE[section][0])}"]
                        + (["only_flagged = true"] if ESTER_NOTE[section][1] else [])
                        + [""]
                        if section in ESTER_NOTE
                        else []
                    ),
                ]
            )
            + "\n"
            + "\n\n".join(blocks[section])
            + "\n"
        )
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args()
    text = build()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(
                f"out of date: {OUT.name}: run python -m chemistry.rules.sources.cn_catalogues_build", file=sys.stderr
            )
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
