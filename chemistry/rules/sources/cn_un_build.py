"""Generate the UN-scheduled substances China controls by treaty: chemistry/rules/cn_un_conventions.toml.

Why. Neither the Catalogue of Narcotic Drugs (麻醉药品品种目录) nor the Catalogue of Psychotropic
Substances (精神药品品种目录), 2013 editions, could be read here, so heroin, cocaine, morphine,
methamphetamine, MDMA or LSD were answered "not_controlled" in China although no Party to the Conventions
leaves them uncontrolled (audit of 5 December 2026, rows 1-4). The same inference as for Denmark and the
United Kingdom (chemistry/rules/sources/un_obligations_build.py, whose docstring gives the reasoning)
is made here, with China's own dates. What was read:

- China acceded to the Convention on Psychotropic Substances 1971 on 23 August 1985 (UN Treaty
  Collection, MTDSG chapter VI.16, participants' table: "China 23 Aug 1985 a").
- China is a Party to the Single Convention on Narcotic Drugs 1961 as amended by the 1972 Protocol
  (State Council white paper of July 2008 as reported by Xinhua, english.sina.com 2008-07-18: "As
  signatory to the 1961 Single Convention on Narcotic Drugs, 1971 Convention on Psychotropic Substances
  ... China has formulated laws and regulations ... made a list of controlled medicines and further
  revised its contents"; liquisearch.com, "Illegal Drug Trade in the People's Republic of China -
  Treaties and Conventions": "China is a party to ... the 1961 U.N. Single Convention on Narcotic Drugs
  as amended by the 1972 Protocol, and the 1971 U.N. Convention on Psychotropic Substances"). The date
  of China's instrument for the 1961 Convention / 1972 Protocol was NOT read (chapter VI.18 was
  searched; its excerpt stops before China).
- The Conventions oblige each Party to control the substances of their schedules (1961 art. 4 and 36;
  1971 art. 5 and 22).
- The catalogues now in force are the 2013 editions: "2013年11月11日,食品药品监管总局、公安部、国家卫生
  计生委三部门根据《麻醉药品和精神药品管理条例》第三条规定,公布《麻醉药品品种目录(2013年版)》,
  自2014年1月1日起施行" (czkjst.org, "麻醉品", updated 2024-08-13); UNODC Laws and Scientific Services,
  "January 2014 - China: The Food and Drug Administration announces the addition of more NPS to the
  list of controlled drugs": "On 11 November 2013 ... Control over these substances is in force since
  January 1, 2014". Later changes are made by joint announcement naming each substance (e.g.
  国家药监局 公安部 国家卫生健康委 2023年第43号, adding oliceridine and others, same czkjst.org page).

The cut-off, decided the way the DK/GB generators decide theirs: nothing was read that says whether or
when China carried a CND decision taken after the 2013 catalogues were published (searched on
5 December 2026: UNODC LSS country pages for China, Xinhua, Chinese announcements; they report national
listings of NPS, not the adoption of CND decisions). So an entry is carried over only if it was on the
UN schedules before the 2013 catalogues were published (11 November 2013): as adopted, by a CND
decision of a recorded year up to 2013 (the 56th session, March 2013), or earlier without a recorded
year ("CND (year not recorded)": build_named.py names the session of every addition since 2015; that
none of them is a 57th-session (March 2014) decision is an assumption, said in the rule's notes). The
rule answers from 1 January 2014, the day the 2013 catalogues took effect, and not before, although
many of these substances were controlled in China long before (date not read). Which catalogue
(narcotic drugs; psychotropic substances class I or II) carries each substance is NOT known here.
Entries the UN added from the 57th session (March 2014) on are left out; those China lists by name in
a text that could be read are in cn_named.toml with their own dates. Left out too: substances
cn_named.toml holds (answered by what was read, not twice). No CN group rule was in force on the
cut-off day (the fentanyl class dates from 1 May 2019), so no entry is left out for a group; from
1 May 2019 a UN fentanyl may be answered by both this inference and the class, as the 2019
announcement itself keeps listed fentanyls under their original listing (依原有目录予以管制).

Run from the repository root: ``.venv/bin/python -m chemistry.rules.sources.cn_un_build``
(add ``--check`` to fail when the committed file is out of date).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from datetime import date

from chemistry.identity import identify
from chemistry.rules.sources.un_obligations_build import (
    FIELDS,
    RULES,
    SKIP_RULES,
    UN_FILES,
    _named_keys,
    _session,
    _toml,
    _year,
)

OUT = "cn_un_conventions.toml"
NAMED = ("cn_named.toml",)
# The 2013 catalogues were published on 11 November 2013, in force 1 January 2014. The CND's 56th
# session (March 2013) is the last one before publication.
LAST_SESSION = 56
LAST_YEAR = 2013
IN_FORCE_FROM = date(2014, 1, 1)


def carried_over(entry: dict) -> bool:
    """Whether the entry was on the UN schedules before the 2013 catalogues were published."""
    added_by = entry.get("added_by", "")
    if not added_by:
        return True  # in the schedule as adopted
    session = _session(added_by)
    if session is not None:
        return session <= LAST_SESSION
    year = _year(added_by)
    if year is not None:
        return year <= LAST_YEAR
    return "year not recorded" in added_by


HEAD = """# China: substances of the UN Conventions, controlled by China's treaty obligations (INFERRED).
# GENERATED by chemistry/rules/sources/cn_un_build.py from named_un1961.toml and named_un1971.toml:
# edit the generator (or the UN source lists), not this file.

[[rule]]
id = "cn-un-conventions"
kind = "named"
title = "Substances of the UN Conventions (1961, 1971): controlled in China by treaty obligation (inferred; China's catalogue entries not read)"
jurisdiction = "CN"
list = "Catalogue of Narcotic Drugs or of Psychotropic Substances, 2013 editions (entry not read: inferred from the UN schedules)"
in_force_from = {in_force_from}
notes = \"\"\"
INFERRED, NOT READ. China's own catalogues (麻醉药品品种目录 and 精神药品品种目录, 2013 editions, in force
1 January 2014) could not be read. China acceded to the 1971 Convention on 23 August 1985 (UN Treaty
Collection, chapter VI.16) and is a Party to the 1961 Convention as amended by the 1972 Protocol (State
Council white paper, July 2008, as reported by Xinhua; the date of that instrument was not read). Each
Party controls the substances of the schedules (1961 art. 4 and 36; 1971 art. 5 and 22). Which
catalogue carries each substance (narcotic drug; psychotropic substance class I or II), and since when,
is NOT known here.
Each entry is a substance of 1961 Schedules I, II or IV or 1971 Schedules I-IV scheduled before the 2013
catalogues were published (11 November 2013): as adopted, by a CND decision up to the 56th session
(March 2013) or of a recorded year up to 2013, or earlier without a recorded year (taken to be older
than 2014: an assumption). Every entry says "date not recorded", and the rule answers from 1 January
2014 on (an earlier as_of is not answered by it, although many entries were controlled in China long
before). Left out: substances the UN scheduled from March 2014 on (whether and when China carried a CND
decision was not read; those China lists by name in a text read are in cn_named.toml), 1961 Schedule
III (exempted preparations), plants and preparations without a structure, and substances
cn_named.toml lists. Esters, ethers and other derivatives are not matched.
Generated by chemistry/rules/sources/cn_un_build.py, whose docstring gives the reasoning and sources.
Entries: {count}.
\"\"\"

[rule.citation]
act = "Regulations on the Administration of Narcotic Drugs and Psychotropic Substances (麻醉药品和精神药品管理条例), art. 3"
part = "Catalogue of Narcotic Drugs and Catalogue of Psychotropic Substances, 2013 editions (entries not read); Single Convention 1961, Schedules I, II, IV; Convention on Psychotropic Substances 1971, Schedules I-IV"
reference = "麻醉药品品种目录(2013年版) and 精神药品品种目录(2013年版), published 11 November 2013, in force 1 January 2014; China's accession to the 1971 Convention: 23 August 1985"
url = "https://treaties.un.org/doc/Publication/MTDSG/Volume%20I/Chapter%20VI/VI-16.en.xml"
"""


def build() -> str:
    known = _named_keys(tuple(n for n in NAMED if (RULES / n).exists()))
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
                if key[:14] in known or block_key in seen:
                    continue
                seen.add(block_key)
                lines = ["[[rule.substances]]"]
                lines += [f"{f} = {_toml(entry[f])}" for f in FIELDS if f in entry]
                origin = f"{rule['citation']['act']}, {rule['list']} ({rule['id']})"
                source = f"inferred from {origin}; China's catalogue entry was not read"
                lines.append(f"source = {_toml(source)}")
                lines.append(f"added_by = {_toml(entry.get('added_by') or 'scheduled as adopted (UN)')}")
                lines.append('in_force_from = "not recorded"')
                blocks.append("\n".join(lines))
    head = HEAD.replace("{in_force_from}", IN_FORCE_FROM.isoformat()).replace("{count}", str(len(blocks)))
    return head + "\n" + "\n\n".join(blocks) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args()
    out = RULES / OUT
    text = build()
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"out of date: {OUT}: run python -m chemistry.rules.sources.cn_un_build", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
