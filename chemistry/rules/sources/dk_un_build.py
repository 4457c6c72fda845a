"""Generate chemistry/rules/dk_un_conventions.toml: the UN-scheduled substances Denmark controls by treaty.

Why this file exists. The text of bilag 1 to the Danish executive order on euphoriant substances
(BEK nr 2446 af 12/12/2021) could not be read here (dk_bek_bilag1.txt says what was read instead), so
the named lists encode only what secondary sources quote, and substances such as fentanyl or morphine
were answered "not captured" for Denmark although no Party to the Conventions leaves them uncontrolled.
What CAN be stated from sources:

- Denmark is a Party to the Single Convention on Narcotic Drugs 1961 and to the Convention on
  Psychotropic Substances 1971, which oblige each Party to control the substances of their schedules
  (1961 art. 4 and 36; 1971 art. 5 and 22).
- Lægemiddelstyrelsen's consolidated list of the substances of bilag 1 gives, for each substance, "den
  eller de lister (I-IV) i FN-konventionerne, hvorpå det euforiserende stof måtte være opført"
  (Lægemiddelstyrelsen, 25 February 2016, "Ny samlet liste over euforiserende stoffer reguleret i
  Danmark"): bilag 1 is where Denmark carries the UN schedules.
- The Danish Act empowers the Minister to control substances "under international decisions"
  (UNODC Legal Library, Drug Laws/Individual Listing for Denmark).

So the entries below are an INFERENCE, said as such in the rule's title, list and notes and in every
answer: the substance is on one of the Conventions' schedules as they stood before BEK 2446/2021
re-issued bilag 1 (in force 1 January 2022); which of lists A-E carries it, and since when, was not
read ("date not recorded"). Entries the UN added from the 65th CND session (March 2022) on are left
out: whether and when a later amending order carried them was not established. Substances Denmark's
named rules already hold (dk_named.toml), and substances a list B group ban captures (dk.toml, whose
text was read), are left out too: a compound is answered by what was read before what is inferred,
and not twice.

Run from the repository root: ``.venv/bin/python -m chemistry.rules.sources.dk_un_build`` (add
``--check`` to fail when the committed file is out of date).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

from chemistry.identity import identify

HERE = Path(__file__).parent
RULES = HERE.parent
OUT = RULES / "dk_un_conventions.toml"
UN_FILES = ("named_un1961.toml", "named_un1971.toml")
# 1961 Schedule III lists exempted preparations, not substances: nothing to carry over.
SKIP_RULES = {"un-1961-schedule-iii"}
# BEK 2446/2021 re-issued bilag 1 in force 1 January 2022; CND sessions from the 65th (March 2022) on
# came after it.
LAST_SESSION_BEFORE_ORDER = 64
ORDER_IN_FORCE = date(2022, 1, 1)

FIELDS = ("name", "systematic_name", "smiles", "structure_from", "structure_note", "aliases", "stereoisomers_included")


def _session(added_by: str) -> int | None:
    match = re.search(r"(\d+)(?:st|nd|rd|th) session", added_by)
    return int(match.group(1)) if match else None


def _year(added_by: str) -> int | None:
    match = re.search(r"\b(19\d\d|20\d\d)\b", added_by)
    return int(match.group(1)) if match else None


def carried_over(entry: dict) -> bool:
    """Whether the entry was on the UN schedules before bilag 1 was re-issued (1 January 2022)."""
    added_by = entry.get("added_by", "")
    if not added_by:
        return True  # in the schedule as adopted
    session = _session(added_by)
    if session is not None:
        return session <= LAST_SESSION_BEFORE_ORDER
    year = _year(added_by)
    if year is not None:
        return year <= 2021
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


def _dk_group_captures():
    """A predicate: does a Danish group ban (dk.toml) capture the structure on the day bilag 1 was re-issued?"""
    from chemistry.classify import Classifier
    from chemistry.rulebook import load_rulebook

    classifier = Classifier(load_rulebook([RULES / "dk.toml"]))

    def captures(smiles: str) -> bool:
        return bool(
            classifier.classify(identify(smiles), jurisdictions=["DK"], as_of=ORDER_IN_FORCE).results["DK"].matches
        )

    return captures


def _dk_named_keys() -> set[str]:
    with (RULES / "dk_named.toml").open("rb") as handle:
        rules = tomllib.load(handle)["rule"]
    return {identify(e["smiles"]).inchikey[:14] for r in rules for e in r.get("substances", []) if e.get("smiles")}


HEAD = '''# Denmark: substances of the UN Conventions, controlled under bilag 1 by Denmark's treaty obligations.
# GENERATED by chemistry/rules/sources/dk_un_build.py from named_un1961.toml and named_un1971.toml:
# edit the generator (or the UN source lists), not this file. The generator's docstring gives the
# reasoning and its sources; the rule's notes repeat what an answer must not hide.

[[rule]]
id = "dk-bek-un-conventions"
kind = "named"
title = "Stoffer i FN-konventionerne (1961, 1971): controlled in Denmark under bilag 1 by treaty obligation (inferred; list A-E not read)"
jurisdiction = "DK"
list = "bilag 1 (list not read: inferred from the UN schedules)"
in_force_from = 2022-01-01
notes = """
INFERRED, NOT READ. The text of bilag 1 (lists A-E) could not be read. Denmark is a Party to the 1961
and 1971 Conventions (1961 art. 4 and 36, 1971 art. 5 and 22: each Party controls the substances of
their schedules), Lægemiddelstyrelsen's consolidated list of bilag 1 refers each substance to the UN
schedule that carries it (25 February 2016), and the Act empowers the Minister to control substances
under international decisions (UNODC Legal Library, Denmark). Each entry here is a substance of 1961
Schedules I, II or IV or 1971 Schedules I-IV that was scheduled before BEK nr 2446 af 12/12/2021
re-issued bilag 1 (in force 1 January 2022): scheduled as adopted, by a CND decision up to the 64th
session (April 2021), or earlier without a recorded year. Which of lists A-E carries it, and since when,
is not known here: every entry says "date not recorded", and the rule starts with the order now in
force (an earlier as_of is not answered by this rule). Left out: substances the UN scheduled from
March 2022 on (whether a later amending order carried them was not read), 1961 Schedule III (exempted
preparations), plants and preparations without a structure, substances dk_named.toml already lists by
name, and substances a list B group ban of dk.toml captures (answered by the group, whose text was read). Esters, ethers and "simple derivatives" (§ 1 of the order) are not matched.
Entries: {count}.
"""

[rule.citation]
act = "Bekendtgørelse om euforiserende stoffer"
part = "Bilag 1 (list not read); Single Convention 1961, Schedules I, II, IV; Convention on Psychotropic Substances 1971, Schedules I-IV"
reference = "BEK nr 2446 af 12/12/2021"
url = "https://www.retsinformation.dk/eli/lta/2021/2446"
amended_by = ["BEK nr 424 af 05/04/2022", "BEK nr 155 af 09/02/2023", "BEK nr 453 af 28/04/2023", "BEK nr 14 af 09/01/2024"]
'''


def build() -> str:
    known = _dk_named_keys()
    group_captures = _dk_group_captures()
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
                source = f"inferred from {origin}; Danish list placement not read"
                lines.append(f"source = {_toml(source)}")
                lines.append(f"added_by = {_toml(entry.get('added_by') or 'scheduled as adopted (UN)')}")
                lines.append('in_force_from = "not recorded"')
                blocks.append("\n".join(lines))
    return HEAD.replace("{count}", str(len(blocks))) + "\n" + "\n\n".join(blocks) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args()
    text = build()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python -m chemistry.rules.sources.dk_un_build", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
