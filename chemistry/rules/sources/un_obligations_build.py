"""Generate the UN-scheduled substances that a Party controls by treaty, for Parties whose lists were not read.

Written: chemistry/rules/dk_un_conventions.toml (Denmark) and chemistry/rules/gb_un_conventions.toml
(United Kingdom).

Why. Neither the text of bilag 1 to the Danish executive order on euphoriant substances (BEK nr 2446 af
12/12/2021; dk_bek_bilag1.txt says what was read instead) nor all of Schedule 2 to the UK Misuse of
Drugs Act 1971 (gb_mda_schedule2.txt says which parts) could be read here, so substances such as
fentanyl (DK) or hydromorphone and temazepam (GB) were answered "undetermined" although no Party to
the Conventions leaves them uncontrolled. What CAN be stated from sources:

- Denmark and the United Kingdom are Parties to the Single Convention on Narcotic Drugs 1961 and to
  the Convention on Psychotropic Substances 1971, which oblige each Party to control the substances of
  their schedules (1961 art. 4 and 36; 1971 art. 5 and 22).
- Denmark: Lægemiddelstyrelsen's consolidated list of bilag 1 gives, for each substance, "den eller de
  lister (I-IV) i FN-konventionerne, hvorpå det euforiserende stof måtte være opført" (25 February
  2016, "Ny samlet liste over euforiserende stoffer reguleret i Danmark"), and the Act empowers the
  Minister to control substances "under international decisions" (UNODC Legal Library, Denmark).
- United Kingdom: Schedule 2 of the Misuse of Drugs Act 1971 is amended by Order in Council (s. 2(2)),
  the way a Party's national list takes in what the CND schedules.

So the entries are an INFERENCE, said as such in each rule's title, list and notes and so in every
answer: the substance was on one of the Conventions' schedules before 1 January 2022 (as adopted, by a
CND decision up to the 64th session of April 2021, or earlier without a recorded year). Where the
Party put it (Danish list A-E; UK Class A, B or C) and since when was not read: "date not recorded",
and the rules answer from 1 January 2022 on, not before. Entries the UN added from the 65th session
(March 2022) on are left out: whether and when the Party carried them was not established. Left out
too: substances the Party's own named rules already hold, and substances one of its group rules
(whose text was read) captures: a compound is answered by what was read before what is inferred, and
not twice.

Run from the repository root: ``.venv/bin/python -m chemistry.rules.sources.un_obligations_build``
(add ``--check`` to fail when a committed file is out of date).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chemistry.identity import identify

HERE = Path(__file__).parent
RULES = HERE.parent
UN_FILES = ("named_un1961.toml", "named_un1971.toml")
# 1961 Schedule III lists exempted preparations, not substances: nothing to carry over.
SKIP_RULES = {"un-1961-schedule-iii"}
# The cut-off: the UN schedules as they stood on 1 January 2022 (BEK 2446/2021 re-issued bilag 1 in
# force that day); CND sessions from the 65th (March 2022) on came after it.
LAST_SESSION = 64
CUT_OFF = date(2022, 1, 1)

FIELDS = ("name", "systematic_name", "smiles", "structure_from", "structure_note", "aliases", "stereoisomers_included")


@dataclass(frozen=True)
class Party:
    code: str
    out: str  # the generated rule file
    named: tuple[str, ...]  # the Party's own named rule files
    groups: tuple[str, ...]  # the Party's own group rule files
    head: str
    # group files whose NAMED rules also list substances by name (gb.toml: methoxetamine, the 2015 LSD-related
    # compounds, ...): their entries are left out like those of the named files
    named_in_groups: tuple[str, ...] = ()


def _session(added_by: str) -> int | None:
    match = re.search(r"(\d+)(?:st|nd|rd|th) session", added_by)
    return int(match.group(1)) if match else None


def _year(added_by: str) -> int | None:
    match = re.search(r"\b(19\d\d|20\d\d)\b", added_by)
    return int(match.group(1)) if match else None


def carried_over(entry: dict) -> bool:
    """Whether the entry was on the UN schedules before the cut-off (1 January 2022)."""
    added_by = entry.get("added_by", "")
    if not added_by:
        return True  # in the schedule as adopted
    session = _session(added_by)
    if session is not None:
        return session <= LAST_SESSION
    year = _year(added_by)
    if year is not None:
        return year < CUT_OFF.year
    # "CND (year not recorded)": build_named.py names the session of every addition since 2015, so an
    # addition without one is older than that.
    return "year not recorded" in added_by


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _named_keys(files: tuple[str, ...]) -> set[str]:
    keys: set[str] = set()
    for name in files:
        with (RULES / name).open("rb") as handle:
            for rule in tomllib.load(handle)["rule"]:
                keys |= {identify(e["smiles"]).inchikey[:14] for e in rule.get("substances", []) if e.get("smiles")}
    return keys


def _group_captures(party: Party):
    """A predicate: does one of the Party's group rules capture the structure on the cut-off day?"""
    from chemistry.classify import Classifier
    from chemistry.rulebook import load_rulebook

    # the named files load too, because groups yield to them ("unless listed elsewhere")
    classifier = Classifier(load_rulebook([RULES / name for name in party.groups + party.named]))

    def captures(smiles: str) -> bool:
        answer = classifier.classify(identify(smiles), jurisdictions=[party.code], as_of=CUT_OFF).results[party.code]
        return any(m.kind == "group" for m in answer.matches) or bool(answer.set_aside)

    return captures


NOTES_COMMON = """Each entry is a substance of 1961 Schedules I, II or IV or 1971 Schedules I-IV scheduled
before 1 January 2022: as adopted, by a CND decision up to the 64th session (April 2021), or earlier
without a recorded year. Every entry says "date not recorded", and the rule answers from 1 January 2022
on (an earlier as_of is not answered by it). Left out: substances the UN scheduled from March 2022 on
(whether and when the Party carried them was not read), 1961 Schedule III (exempted preparations),
plants and preparations without a structure, substances the Party's own named rules list, and
substances one of its group rules captures (answered by the group, whose text was read). Esters,
ethers and other derivatives are not matched.
Generated by chemistry/rules/sources/un_obligations_build.py, whose docstring gives the reasoning."""

PARTIES = (
    Party(
        code="DK",
        out="dk_un_conventions.toml",
        named=("dk_named.toml",),
        groups=("dk.toml",),
        head="""# Denmark: substances of the UN Conventions, controlled under bilag 1 by Denmark's treaty obligations.
# GENERATED by chemistry/rules/sources/un_obligations_build.py from named_un1961.toml and
# named_un1971.toml: edit the generator (or the UN source lists), not this file.

[[rule]]
id = "dk-bek-un-conventions"
kind = "named"
title = "Stoffer i FN-konventionerne (1961, 1971): controlled in Denmark under bilag 1 by treaty obligation (inferred; list A-E not read)"
jurisdiction = "DK"
list = "bilag 1 (list not read: inferred from the UN schedules)"
in_force_from = 2022-01-01
notes = \"\"\"
INFERRED, NOT READ. The text of bilag 1 (lists A-E) could not be read. Denmark is a Party to the 1961
and 1971 Conventions (1961 art. 4 and 36, 1971 art. 5 and 22: each Party controls the substances of
their schedules), Lægemiddelstyrelsen's consolidated list of bilag 1 refers each substance to the UN
schedule that carries it (25 February 2016), and the Act empowers the Minister to control substances
under international decisions (UNODC Legal Library, Denmark). Which of lists A-E carries each
substance, and since when, is not known here.
{common}
Entries: {count}.
\"\"\"

[rule.citation]
act = "Bekendtgørelse om euforiserende stoffer"
part = "Bilag 1 (list not read); Single Convention 1961, Schedules I, II, IV; Convention on Psychotropic Substances 1971, Schedules I-IV"
reference = "BEK nr 2446 af 12/12/2021"
url = "https://www.retsinformation.dk/eli/lta/2021/2446"
amended_by = ["BEK nr 424 af 05/04/2022", "BEK nr 155 af 09/02/2023", "BEK nr 453 af 28/04/2023", "BEK nr 14 af 09/01/2024"]
""",
    ),
    Party(
        code="GB",
        out="gb_un_conventions.toml",
        named=("gb_named.toml",),
        groups=("gb.toml",),
        head="""# United Kingdom: substances of the UN Conventions, controlled under Schedule 2 of the Misuse of Drugs
# Act 1971 by the UK's treaty obligations. GENERATED by chemistry/rules/sources/un_obligations_build.py
# from named_un1961.toml and named_un1971.toml: edit the generator (or the UN source lists), not this file.

[[rule]]
id = "gb-mda-un-conventions"
kind = "named"
title = "Substances of the UN Conventions (1961, 1971): controlled drugs under Schedule 2 of the Misuse of Drugs Act 1971 by treaty obligation (inferred; Class A, B or C not read)"
jurisdiction = "GB"
list = "Schedule 2 (Class not read: inferred from the UN schedules)"
in_force_from = 2022-01-01
notes = \"\"\"
INFERRED, NOT READ. Schedule 2 of the Misuse of Drugs Act 1971 could be read only in part
(gb_named.toml says which parts). The United Kingdom is a Party to the 1961 and 1971 Conventions (1961
art. 4 and 36, 1971 art. 5 and 22: each Party controls the substances of their schedules), and
Schedule 2 is amended by Order in Council (s. 2(2)) to take in what the CND schedules. The CLASS
(A, B or C), which decides the penalties, is NOT known for these entries, nor the date the substance
became a controlled drug.
{common}
Entries: {count}.
\"\"\"

[rule.citation]
act = "Misuse of Drugs Act 1971"
part = "Schedule 2 (Part and Class not read); Single Convention 1961, Schedules I, II, IV; Convention on Psychotropic Substances 1971, Schedules I-IV"
reference = "Misuse of Drugs Act 1971 (c. 38), s. 2 and Schedule 2, as amended by Order in Council"
url = "https://www.legislation.gov.uk/ukpga/1971/38/schedule/2"
""",
        named_in_groups=("gb.toml",),
    ),
)


def build(party: Party) -> str:
    known = _named_keys(party.named + party.named_in_groups)
    group_captures = _group_captures(party)
    seen: set[str] = set()
    blocks: list[str] = []
    for filename in UN_FILES:
        with (RULES / filename).open("rb") as handle:
            rules = tomllib.load(handle)["rule"]
        for rule in rules:
            if rule["id"] in SKIP_RULES:
                continue
            for entry in rule.get("substances", []):
                if not entry.get("smiles") or not carried_over(entry):
                    continue
                key = identify(entry["smiles"]).inchikey
                block_key = key if entry.get("stereoisomers_included") is False else key[:14]
                if key[:14] in known or block_key in seen or group_captures(entry["smiles"]):
                    continue
                seen.add(block_key)
                lines = ["[[rule.substances]]"]
                lines += [f"{f} = {_toml(entry[f])}" for f in FIELDS if f in entry]
                origin = f"{rule['citation']['act']}, {rule['list']} ({rule['id']})"
                source = f"inferred from {origin}; the national placement was not read"
                lines.append(f"source = {_toml(source)}")
                lines.append(f"added_by = {_toml(entry.get('added_by') or 'scheduled as adopted (UN)')}")
                lines.append('in_force_from = "not recorded"')
                blocks.append("\n".join(lines))
    head = party.head.replace("{common}", NOTES_COMMON).replace("{count}", str(len(blocks)))
    return head + "\n" + "\n\n".join(blocks) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file is out of date")
    args = parser.parse_args()
    stale = []
    for party in PARTIES:
        out = RULES / party.out
        text = build(party)
        if args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                stale.append(party.out)
            continue
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    if stale:
        print(
            f"out of date: {', '.join(stale)}: run python -m chemistry.rules.sources.un_obligations_build",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
