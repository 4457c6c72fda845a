"""Build named_un1961.toml, named_un1971.toml and eu.toml from the source lists beside this file.

    .venv/bin/python chemistry/rules/sources/build_named.py            # write the three files
    .venv/bin/python chemistry/rules/sources/build_named.py --check    # compare only, write nothing

The source lists (un1961.txt, un1971.txt, eu.txt) hold what the instruments say: the name as printed,
a systematic name, the adding instrument and the date. Structures come from OPSIN's parse of the
systematic name (one py2opsin call for every name); an entry whose name OPSIN cannot read carries a
reviewed SMILES and a note saying why. The committed product is the TOML; this script makes it
reproducible and is the place to change an entry.
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from py2opsin import py2opsin
from rdkit import Chem, rdBase
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

rdBase.DisableLog("rdApp.*")

HERE = Path(__file__).resolve().parent
RULES = HERE.parent

NOT_RECORDED = "not recorded"


@dataclass
class Entry:
    schedule: str
    name: str
    systematic_name: str
    added_by: str
    in_force_from: str
    options: dict[str, str] = field(default_factory=dict)
    line: int = 0

    @property
    def kind(self) -> str | None:
        return self.options.get("kind")


def read_source(path: Path) -> list[Entry]:
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = [part.strip() for part in raw.split("|")]
        if len(parts) != 6:
            raise SystemExit(f"{path.name}:{number}: expected 6 fields separated by '|', got {len(parts)}")
        options = {}
        for item in filter(None, (p.strip() for p in parts[5].split(";"))):
            key, _, value = item.partition("=")
            options[key.strip()] = value.strip()
        schedule, name, systematic_name, added_by, in_force_from = parts[:5]
        entries.append(Entry(schedule, name, systematic_name, added_by, in_force_from, options=options, line=number))
    return entries


def canonical(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"unparsable SMILES {smiles!r}")
    return Chem.MolToSmiles(mol)


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- rules: one per schedule ---------------------------------------------------------------------

UN1961_ACT = "Single Convention on Narcotic Drugs, 1961, as amended by the 1972 Protocol"
UN1971_ACT = "Convention on Psychotropic Substances, 1971"
YELLOW_LIST = "https://www.incb.org/incb/en/narcotic-drugs/Yellowlist/yellow-list.html"
GREEN_LIST = "https://www.incb.org/incb/en/psychotropics/green-list.html"

SOURCES_NOTE = """\
Sources. The schedules are those of the INCB list (Yellow List for 1961, Green List for 1971) as
amended by the CND; no stored copy of the list's full text could be read here, so the entries were
enumerated by the encoder and checked where a source could be read: the CND Secretariat notes carrying
the WHO recommendations (E/CN.7/2015/7, E/CN.7/2018/10, E/CN.7/2020/10), the ECDD reports, the
Federal Register notices on WHO scheduling recommendations (2021-2023) and DEA's final order of
11 April 2024 (89 FR 25514) placing etazene, etonitazepyne and protonitazene in schedule I "to
discharge the United States' obligations under the Single Convention". Decision numbers are given
only where verified; otherwise added_by names the CND session. The systematic names are chemical names
in the style of the INCB lists written by the encoder, not copied letter by letter from the list; each
was parsed by OPSIN and the structure checked (tests/chemistry/test_named_opsin.py re-derives it).
Dates: an entry without its own in_force_from was, to the encoder's confident knowledge, in the
schedule as adopted; every later addition says "not recorded", because the date of the
Secretary-General's communication (1961 art. 3(7): effective on that date; 1971 art. 2(7): 180 days
after it) was not established for any decision, so an entry added by the CND says "date not
recorded" and is answered only from its not_before day, a lower bound: as the source list gives
it (1961: the session's first day; 1971: that day, or the first of the session's month, plus 180
days, since the communication cannot precede the vote), else the first day of the session's month.
Sessions 58 (2015) to 68 (2025) were checked on 4-5 December 2026: the header of each source list
names, session by session, what was read (UNIS/NAR/1267; CND documents E/CN.7/2015/7,
E/CN.7/2015/CRP.10, E/CN.7/2018/10, E/CN.7/2020/10; UNODC Laboratory and Scientific Service
announcements of the ECDD recommendations; INCB Green List 29th and 30th editions; the FDA notices
86 FR 10097 and 89 FR 8683; WHO's releases of 30 March 2023 and March 2025; cndblog.org records of the
votes). Added then: 2-methyl-AP-237 (1961 I, 66th session), the four nitazenes of the 68th session
(1961 I), hexahydrocannabinol (1971 II) and carisoprodol (1971 IV), both 68th session. Removed:
flubromazepam (1971 IV), which WHO recommended be kept under surveillance for the 67th session.
Methoxetamine (59th session) is in 1971 Schedule II on a secondary source, as un1971.txt says. The 67th
session (decided 19 March 2024) was read on 5 December 2026 in a secondary source, gmp-navigator.com
on the German order of 4 December 2024 amending the BtMG Anlagen: butonitazene in 1961 Schedule I,
3-CMC, dipentylone and 2-fluorodeschloroketamine in 1971 Schedule II, bromazolam in Schedule IV; so
2-fluorodeschloroketamine, left out until then for want of a record of the outcome, is added.
Generated by chemistry/rules/sources/build_named.py from the source list beside it."""

RULES_1961 = {
    "I": dict(
        id="un-1961-schedule-i",
        title="Single Convention 1961, Schedule I",
        notes="""\
Schedule I, with its own clause: "the isomers, unless specifically excepted, of the drugs in this
Schedule whenever the existence of such isomers is possible within the specific chemical
designation; the esters and ethers, unless appearing in another Schedule, of the drugs in this
Schedule whenever the existence of such esters or ethers is possible; the salts of the drugs listed
in this Schedule, including the salts of esters, ethers and isomers". Encoded: isomers as stereoisomers
(connectivity match); salts through the parent; esters and ethers through `esters_and_ethers` (a compound
that gives back a listed drug when one to three of its ester or ether bonds are undone, the oxygen kept
on the drug's side, and that no schedule of the Convention lists itself: 6-monoacetylmorphine is answered
"an ester or ether of morphine"; codeine and pholcodine, ethers of morphine listed in Schedule II, are
not; FORMAT.md says what counts as an ester or ether bond). Dextromethorphan
and dextrorphan are excepted from the isomers; therefore levorphanol, racemorphan, levomethorphan and
racemethorphan are matched on the full InChIKey (stereo-undefined form for the racemates), and
dextromoramide/levomoramide are matched on the full key beside racemoramide. Diastereomers listed
separately with the same connectivity (alpha/beta acetylmethadol, methadol, meprodine, prodine) are one
entry each with the other names as aliases. Cannabis, cannabis resin, coca leaf, opium and concentrate
of poppy straw are listed as plant or preparation (no structure). Entry into force of the Convention:
13 December 1964 (the 1972 Protocol: 8 August 1975).""",
        esters_and_ethers=(
            "the esters and ethers, unless appearing in another Schedule, of the drugs in this Schedule "
            "whenever the existence of such esters or ethers is possible"
        ),
    ),
    "II": dict(
        id="un-1961-schedule-ii",
        title="Single Convention 1961, Schedule II",
        notes="""\
Schedule II with its clause on isomers ("unless specifically excepted") and salts; dextropropoxyphene is
listed as one stereoisomer and matched by connectivity under that clause. Its preparations are in
Schedule III.""",
    ),
    "III": dict(
        id="un-1961-schedule-iii",
        title="Single Convention 1961, Schedule III (exempted preparations)",
        notes="""\
Schedule III lists preparations of Schedule II (and some Schedule I) drugs that are exempted from
some controls; its entries are preparations, without structures, so this rule never matches a
compound. A pure substance remains in Schedule I or II.""",
    ),
    "IV": dict(
        id="un-1961-schedule-iv",
        title="Single Convention 1961, Schedule IV",
        notes="""\
Schedule IV lists drugs of Schedule I with particularly dangerous properties (art. 2(5)); every entry
is also in Schedule I. Cannabis and cannabis resin were in Schedule IV until CND decision 63/17
(2 December 2020) deleted them; the date on which that deletion took effect was not established, so
they are not encoded here (they would match no structure in any case).""",
    ),
}

RULES_1971 = {
    "I": dict(
        id="un-1971-schedule-i",
        title="Convention on Psychotropic Substances 1971, Schedule I",
        notes="""\
The Green List adds to Schedule I: "the stereoisomers, unless specifically excepted, of substances in
this Schedule, whenever the existence of such stereoisomers is possible within the specific chemical
designation" - hence a connectivity match, including (+)-lysergide and cathinone, which are printed as
one stereoisomer. Salts through the parent. Tetrahydrocannabinol: the isomers other than
delta-9-THC (dronabinol, Schedule II since 1991) and their stereochemical variants.""",
    ),
    "II": dict(
        id="un-1971-schedule-ii",
        title="Convention on Psychotropic Substances 1971, Schedule II",
        notes="""\
Schedules II-IV have no general stereoisomer clause (salts only). Substances listed as one
stereoisomer (dexamfetamine, levamfetamine, metamfetamine, levomethamphetamine) are matched on the full
InChIKey; the others by connectivity, so an answer may name a racemate's entry for an enantiomer the
list does not name. Dronabinol: "delta-9-tetrahydrocannabinol and its stereochemical variants".""",
    ),
    "III": dict(
        id="un-1971-schedule-iii",
        title="Convention on Psychotropic Substances 1971, Schedule III",
        notes="Salts included; no stereoisomer clause (cathine, printed as (+)-norpseudoephedrine, is matched on the full InChIKey; other entries by connectivity).",
    ),
    "IV": dict(
        id="un-1971-schedule-iv",
        title="Convention on Psychotropic Substances 1971, Schedule IV",
        notes="Salts included; no stereoisomer clause; entries matched by connectivity (the listed racemates). Diazepam and the other classic benzodiazepines were added to Schedule IV by the CND in 1984 (date not recorded); the designer benzodiazepines by the CND in 2016, 2020, 2021 and 2024.",
    ),
}

EU_RULE = dict(
    id="eu-nps-control-measures",
    title="EU: new psychoactive substances subjected to control measures across the Union",
    notes="""\
Substances the Union subjected to control measures and criminal penalties: by Council decisions under
Joint Action 97/396/JHA and Council Decision 2005/387/JHA (Member States to take the measures within
a year of the decision; the decision's own date of entry into force is recorded where its text was
read), and since Directive (EU) 2017/2103 by Commission delegated directives adding substances to the
Annex to Framework Decision 2004/757/JHA (Member States to bring the measures into force within six
months). The Annex (Directive 2017/2103, completed by Delegated Directive (EU) 2019/369 for the
substances controlled between November 2017 and November 2018) lists all of them. Substances under the
UN conventions are "drugs" under Framework Decision 2004/757/JHA as well; they are answered by the UN
rules, not repeated here. Instrument numbers 1999/615/JHA, 2002/188/JHA, 2003/847/JHA, 2008/206/JHA,
2013/129/EU and 2013/496/EU are the encoder's knowledge and were not read here; the decisions of
2010 and 2015-2022 were read on EUR-Lex or EU Monitor (titles, dates, chemical names), and on
5 December 2026 Commission Delegated Directive (EU) 2025/2062 (2-MMC, NEP, 4-BMC; no other delegated
directive of 2023-2025 was found). Dates: a delegated directive's Article 2 (the day by which Member
States apply the measures, at most six months after its entry into force under Directive 2017/2103)
was read for none, so those entries say "date not recorded" and answer only from their publication in
the Official Journal (not_before); Council decisions read with their date answer from that date at the
earliest. Not encoded (not verified here): acetylfentanyl, N-ethylnorpentylone, and
4-fluoroisobutyrylfentanyl and tetrahydrofuranylfentanyl (the Commission's 2017 proposal for 4F-iBF was
read, the adopted decision was not). Council Implementing Decisions 2013/129/EU, 2013/496/EU and
2014/688/EU were annulled by the Court of Justice and re-adopted in 2015 (2015/1873-2015/1875) - the
earlier dates are kept for 5-IT and 4-MA as "not recorded".""",
)


@dataclass
class Built:
    lines: list[str]
    problems: list[str]
    report: list[str]


def build_rule(
    meta: dict,
    jurisdiction: str,
    list_name: str,
    citation: dict,
    in_force_from: str,
    entries: list[Entry],
    structures: dict[str, str],
    stereo: bool = True,
    extra_notes: str = "",
) -> Built:
    problems, report = [], []
    out = [
        "[[rule]]",
        f"id = {toml_string(meta['id'])}",
        'kind = "named"',
        f"title = {toml_string(meta['title'])}",
        f"jurisdiction = {toml_string(jurisdiction)}",
        f"list = {toml_string(list_name)}",
        f"in_force_from = {in_force_from}",
    ]
    if not stereo:
        out.append("stereoisomers_included = false")
    notes = meta["notes"] + ("\n\n" + extra_notes if extra_notes else "")
    out.append(f'notes = """\n{notes}\n"""')
    out.append("")
    out.append("[rule.citation]")
    for key, value in citation.items():
        if isinstance(value, list):
            out.append(f"{key} = [{', '.join(toml_string(v) for v in value)}]")
        else:
            out.append(f"{key} = {toml_string(value)}")
    if meta.get("esters_and_ethers"):
        out.append("")
        out.append("[rule.esters_and_ethers]")
        out.append(f"text = {toml_string(meta['esters_and_ethers'])}")
    for entry in entries:
        out.append("")
        out.append("[[rule.substances]]")
        out.append(f"name = {toml_string(entry.name)}")
        kind = entry.kind
        if kind in ("plant", "preparation"):
            if entry.systematic_name != entry.name:
                out.append(f"systematic_name = {toml_string(entry.systematic_name)}")
            out.append(f"structure_from = {toml_string(kind)}")
        else:
            out.append(f"systematic_name = {toml_string(entry.systematic_name)}")
            reviewed = entry.options.get("smiles")
            parsed = structures.get(entry.systematic_name, "")
            if reviewed:
                smiles = canonical(reviewed)
                how = kind or "reviewed"
                note = entry.options.get("note")
                if not note:
                    problems.append(f"{entry.name}: a reviewed structure needs note=")
                out.append(f"smiles = {toml_string(smiles)}")
                out.append(f"structure_from = {toml_string(how)}")
                if note:
                    out.append(f"structure_note = {toml_string(note)}")
                if parsed:
                    report.append(
                        f"note: {entry.name}: OPSIN parses the name too ({parsed}); the reviewed structure is kept"
                    )
            elif parsed:
                out.append(f"smiles = {toml_string(canonical(parsed))}")
                out.append('structure_from = "opsin"')
            else:
                problems.append(
                    f"line {entry.line}: {entry.name}: OPSIN cannot parse {entry.systematic_name!r}; give smiles= and note="
                )
                continue
        source = f"{citation['act']}, {list_name}" if jurisdiction == "UN" else f"{entry.added_by}"
        out.append(f"source = {toml_string(source)}")
        if entry.added_by:
            out.append(f"added_by = {toml_string(entry.added_by)}")
        if entry.in_force_from == NOT_RECORDED:
            out.append(f'in_force_from = "{NOT_RECORDED}"')
            given = entry.options.get("not_before")
            earliest = date.fromisoformat(given) if given else not_before(entry.added_by)
            if earliest is not None:
                out.append(f"not_before = {earliest.isoformat()}")
        elif entry.in_force_from:
            out.append(f"in_force_from = {entry.in_force_from}")
        if "not_before" in entry.options and entry.in_force_from != NOT_RECORDED:
            problems.append(f"line {entry.line}: {entry.name}: not_before= goes only with in_force_from 'not recorded'")
        aliases = [a for a in entry.options.get("aliases", "").split(",") if a]
        if aliases:
            out.append(f"aliases = [{', '.join(toml_string(a) for a in aliases)}]")
        if "stereo" in entry.options:
            out.append(f"stereoisomers_included = {entry.options['stereo']}")
    return Built(out, problems, report)


_SESSION = re.compile(r"^CND, \d+(?:st|nd|rd|th) session \((\w+) (\d{4})\)$")
_YEAR = re.compile(r"^CND, (\d{4}) \(decision number not recorded\)$")
_MONTHS = {m: i for i, m in enumerate(calendar.month_name) if m}


def not_before(added_by: str | None) -> date | None:
    """The earliest day an entry the CND added on an unrecorded date can apply: the first day of the
    month of the session that decided it (or of its year, where only the year was read). A CND
    decision binds Parties only after it is notified, so the real day is later, never earlier.
    Entries moved between schedules get none: the substance was controlled before, in another one."""
    if not added_by:
        return None
    session = _SESSION.match(added_by)
    if session and session.group(1) in _MONTHS:
        return date(int(session.group(2)), _MONTHS[session.group(1)], 1)
    year = _YEAR.match(added_by)
    return date(int(year.group(1)), 1, 1) if year else None


def formula_report(entries: list[Entry], structures: dict[str, str]) -> list[str]:
    lines = []
    for entry in entries:
        smiles = entry.options.get("smiles") or structures.get(entry.systematic_name)
        if smiles:
            lines.append(
                f"{entry.schedule:>4} {entry.name[:40]:40} {CalcMolFormula(Chem.MolFromSmiles(smiles)):16} {canonical(smiles)}"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    parser.add_argument("--formulas", action="store_true", help="print each entry's formula and SMILES")
    args = parser.parse_args()

    sources = {name: read_source(HERE / f"{name}.txt") for name in ("un1961", "un1971", "eu")}
    names = sorted(
        {e.systematic_name for entries in sources.values() for e in entries if e.kind not in ("plant", "preparation")}
    )
    parsed = dict(zip(names, py2opsin(names)))

    outputs: dict[str, str] = {}
    problems: list[str] = []
    report: list[str] = []

    for key, rules, act, url, start, reference, filename, header in (
        (
            "un1961",
            RULES_1961,
            UN1961_ACT,
            YELLOW_LIST,
            "1964-12-13",
            "Single Convention on Narcotic Drugs, New York, 30 March 1961 (in force 13 December 1964); 1972 Protocol (in force 8 August 1975); schedules as amended by decisions of the Commission on Narcotic Drugs",
            "named_un1961.toml",
            "Single Convention on Narcotic Drugs 1961, Schedules I-IV",
        ),
        (
            "un1971",
            RULES_1971,
            UN1971_ACT,
            GREEN_LIST,
            "1976-08-16",
            "Convention on Psychotropic Substances, Vienna, 21 February 1971 (in force 16 August 1976); schedules as amended by decisions of the Commission on Narcotic Drugs",
            "named_un1971.toml",
            "Convention on Psychotropic Substances 1971, Schedules I-IV",
        ),
    ):
        blocks = [
            f"# {header}: every entry, one rule per schedule.",
            "# GENERATED by chemistry/rules/sources/build_named.py from sources/"
            + key
            + ".txt - edit the source list, not this file.",
            "",
        ]
        for schedule, meta in rules.items():
            entries = [e for e in sources[key] if e.schedule == schedule]
            built = build_rule(
                meta,
                "UN",
                f"Schedule {schedule}",
                {"act": act, "part": f"Schedule {schedule}", "reference": reference, "url": url},
                start,
                entries,
                parsed,
                extra_notes=SOURCES_NOTE,
            )
            blocks.extend(built.lines + [""])
            problems += built.problems
            report += built.report
        outputs[filename] = "\n".join(blocks)

    eu_entries = sources["eu"]
    built = build_rule(
        EU_RULE,
        "EU",
        "control measures",
        {
            "act": "Council Framework Decision 2004/757/JHA (definition of 'drug') and Council Decision 2005/387/JHA",
            "part": "Annex (substances subjected to control measures)",
            "reference": "Council Decision of 13 September 1999 (4-MTA) ... Commission Delegated Directive (EU) 2025/2062",
            "url": "https://eur-lex.europa.eu/eli/dir/2017/2103/oj",
            "amended_by": sorted({e.added_by for e in eu_entries}),
        },
        "1999-09-13",
        eu_entries,
        parsed,
    )
    outputs["eu.toml"] = "\n".join(
        [
            "# EU: new psychoactive substances subjected to control measures across the Union.",
            "# GENERATED by chemistry/rules/sources/build_named.py from sources/eu.txt - edit the source list, not this file.",
            "",
        ]
        + built.lines
        + [""]
    )
    problems += built.problems
    report += built.report

    if args.formulas:
        for key, entries in sources.items():
            print(f"== {key}")
            print("\n".join(formula_report(entries, parsed)))
    for line in report:
        print(line, file=sys.stderr)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    changed = [
        name
        for name, text in outputs.items()
        if not (RULES / name).exists() or (RULES / name).read_text(encoding="utf-8") != text
    ]
    if args.check:
        if changed:
            print(f"would change: {', '.join(changed)}", file=sys.stderr)
            return 1
        return 0
    for name in changed:
        (RULES / name).write_text(outputs[name], encoding="utf-8")
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
