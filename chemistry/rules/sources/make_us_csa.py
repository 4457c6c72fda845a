"""Build chemistry/rules/us_csa.toml (US CSA Schedules I-V, 21 CFR 1308.11-1308.15) from the sources here.

    .venv/bin/python chemistry/rules/sources/make_us_csa.py           # write us_csa.toml
    .venv/bin/python chemistry/rules/sources/make_us_csa.py --check   # compare only

Reads the eCFR transcriptions us_21cfr1308_1{1..5}.txt and the later Federal Register actions in
us_21cfr1308_amendments.txt (us_csa_parse.py), structures for entries OPSIN cannot read from
us_csa_structures.tsv, and the dates and instruments researched per entry in DATES below. Every
name printed in an entry (the entry itself, the chemical name in parentheses, "other names") is
given to OPSIN in one py2opsin call; the first one OPSIN reads is the entry's systematic_name
(structure_from = "opsin"). Entries of one schedule that share a structure (alphacetylmethadol and
betacetylmethadol, the moramides, 3alpha/3beta steroid pairs) become one entry with aliases, as
FORMAT.md asks. The committed product is the TOML; change an entry here and re-run.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from py2opsin import py2opsin
from rdkit import rdBase

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2]))

from us_csa_parse import Entry, all_entries  # noqa: E402

from chemistry.identity import identify  # noqa: E402

rdBase.DisableLog("rdApp.*")
OUT = HERE.parent / "us_csa.toml"
NOT_RECORDED = "not recorded"
ECFR = "eCFR text read from github.com/MichalOpoka/ecfr"

# Dates and adding instruments established from a source (the former us.toml / us_named_nps.toml,
# whose notes say what was verified, the eCFR's effective-date notes, Federal Register pages read).
# paragraph -> (in_force_from, added_by). Anything else is "not recorded".
SDAPA = ("2012-07-09", "Synthetic Drug Abuse Prevention Act of 2012, Pub. L. 112-144 s. 1152 (9 July 2012)")
CATHINONES_2014 = ("2014-03-07", "79 FR 12938 (temporary order, 7 March 2014); 82 FR 12171 (permanent, 1 March 2017)")
DATES = {
    **{f"1308.11(d)({n})": SDAPA for n in range(36, 47)},
    **{f"1308.11(d)({n})": CATHINONES_2014 for n in range(59, 69)},
    "1308.11(b)(16)": ("2016-05-12", "FR Doc. 2016-11219 (temporary order effective 12 May 2016)"),
    "1308.11(b)(22)": ("2016-05-12", "FR Doc. 2016-11219 (temporary order effective 12 May 2016)"),
    "1308.11(b)(46)": (
        "2020-08-20",
        "85 FR 51342 (temporary order effective 20 August 2020); permanent listing not retrieved",
    ),
    "1308.11(d)(86)": (
        "2018-08-31",
        "FR Doc. 2018-18988 (temporary order effective 31 August 2018); permanent listing not retrieved",
    ),
    **{
        f"1308.11(b)({n})": (
            NOT_RECORDED,
            "83 FR 61320 (29 November 2018, final rule; earlier temporary orders not retrieved)",
        )
        for n in (40, 61)
    },
    # Second sweep (4 December 2026): DEA actions of 2015-2022 whose summary and DATES were read in the Federal
    # Register (govinfo.gov, federal.elaws.us, regulations.justia.com, thefederalregister.org copies). Where a
    # temporary order preceded the permanent listing, the entry starts on the temporary order's effective date
    # when that was read; the continuity of control is the permanent rule's own statement where it was read
    # ("continues", "maintains"), otherwise it is assumed and the text says so.
    "1308.11(b)(4)": (
        NOT_RECORDED,
        "82 FR 32453 (temporary scheduling order, FR Doc. 2017-14880, published 14 July 2017; its DATES not read);"
        " 83 FR 61320 (final order, 29 November 2018, which 'maintains the placement'; its DATES not read)",
    ),
    "1308.11(b)(42)": (
        NOT_RECORDED,
        "81 FR 85873 (temporary final order, FR Doc. 2016-28693, published 29 November 2016; its DATES not read);"
        " 83 FR 61320 (final order, 29 November 2018, which 'maintains the placement'; its DATES not read)",
    ),
    "1308.11(b)(85)": (
        "2017-10-26",
        "82 FR 49504 (temporary scheduling order, FR Doc. 2017-23206, 'effective October 26, 2017, until October 28,"
        " 2019'); 83 FR 61320 (final order, 29 November 2018, which 'maintains the placement'; its DATES not read)",
    ),
    **{
        f"1308.11(b)({n})": (
            "2017-10-26",
            "82 FR 49504 (temporary scheduling order, FR Doc. 2017-23206, 'effective October 26, 2017, until October"
            " 28, 2019'); the permanent listing was not read, continuous control since the order is assumed",
        )
        for n in (50, 64)
    },
    "1308.11(b)(3)": (
        NOT_RECORDED,
        "80 FR 42381 (temporary final order, FR Doc. 2015-17563, published 17 July 2015; its DATES not read);"
        " the permanent listing was not read",
    ),
    "1308.11(b)(5)": (
        "2016-05-16",
        "81 FR 22023 (final order, FR Doc. 2016-08566, Docket No. DEA-432, 14 April 2016, 'Effective May 16, 2016';"
        " Single Convention obligation)",
    ),
    "1308.11(b)(90)": (
        NOT_RECORDED,
        "81 FR 79389 (temporary final order, FR Doc. 2016-27357, published 14 November 2016; its DATES not read);"
        " the permanent listing was not read",
    ),
    **{
        f"1308.11(d)({n})": (
            "2015-01-30",
            "80 FR 5042 (temporary final order, FR Doc. 2015-01776, 'This final order is effective January 30,"
            " 2015'); the permanent placement of AB-CHMINACA, AB-PINACA and THJ-2201 (2017) was read by title only;"
            " 88 FR 86266 states that AB-PINACA is controlled since 30 January 2015",
        )
        for n in (69, 70, 71)
    },
    **{
        f"1308.11(d)({n})": (
            "2017-04-10",
            "82 FR 17119 (temporary scheduling order, FR Doc. 2017-07118, 'effective on April 10, 2017'); 85 FR 4211"
            " (final rule, FR Doc. 2020-00665, 'Effective: January 24, 2020', which 'continues the imposition' of"
            " the schedule I controls)",
        )
        for n in range(73, 79)
    },
    "1308.11(d)(79)": (
        NOT_RECORDED,
        "82 FR 51154 (temporary scheduling order, 3 November 2017; its DATES not read), extended by 84 FR 58045"
        " (FR Doc. 2019-23372) 'effective November 3, 2019 and expires on November 3, 2020'; the permanent listing"
        " was not read",
    ),
    **{
        f"1308.11(d)({n})": (
            NOT_RECORDED,
            "83 FR 31877 (temporary scheduling order, FR Doc. 2018-14718, published 10 July 2018; its DATES not"
            " read); 86 FR 30775 (final rule, FR Doc. 2021-11974, 'Effective June 10, 2021': the substances"
            " 'are currently listed in Schedule I pursuant to a temporary scheduling order')",
        )
        for n in range(81, 86)
    },
    **{
        f"1308.11(d)({n})": (
            "2013-05-16",
            "78 FR 28735 (temporary final order, FR Doc. 2013-11593, 'This Final Order is effective on May 16, 2013');"
            " extended by 80 FR 27854 (FR Doc. 2015-11765, its DATES not read); 81 FR 29142 (final rule, FR Doc."
            " 2016-11204, 'Effective: May 11, 2016')",
        )
        for n in (48, 49, 50)
    },
    **{
        f"1308.11(d)({n})": (
            "2013-11-15",
            "78 FR 68716 (temporary final order, FR Doc. 2013-27315, 'This final order is effective November 15,"
            " 2013'); extended for one year by 80 FR 70658 (FR Doc. 2015-29028) from its expiry on 14 November 2015;"
            " 81 FR 66181 (final rule, FR Doc. 2016-23185, 27 September 2016; its DATES not read)",
        )
        for n in (55, 56, 57)
    },
    "1308.11(d)(72)": (
        "2016-02-05",
        "81 FR 6171 (temporary final order, FR Doc. 2016-02302, 'This final order is effective February 5, 2016');"
        " extended to 5 February 2019 by 83 FR 4411 (FR Doc. 2018-01746); the permanent listing was not read,"
        " continuous control is assumed",
    ),
    "1308.14(g)(3)": (
        "2015-12-17",
        "80 FR 69861 (final rule, FR Doc. 2015-28718, Docket No. DEA-419F, 'Effective date: December 17, 2015')",
    ),
    "1308.14(e)(1)": ("2013-06-07", "final rule FR Doc. 2013-10895 (lorcaserin, 'Effective Date: June 7, 2013')"),
    "1308.15(e)(1)": (
        "2016-05-12",
        "81 FR 29487 (interim final rule, FR Doc. 2016-11245, 'The effective date of this rulemaking is May 12,"
        " 2016'); adopted without change by 82 FR 13067 (final rule, FR Doc. 2017-04698, effective 9 March 2017)",
    ),
    "1308.15(e)(2)": (
        "2011-12-15",
        "76 FR 77895 (final rule, FR Doc. 2011-32172, Docket No. DEA-354, 'Effective date: December 15, 2011')",
    ),
    # Schedule IV placements under 21 U.S.C. 811(j) (interim final rules effective on publication), DATES read
    "1308.14(c)(4)": (
        "2019-06-17",
        "interim final rule FR Doc. 2019-12721 (brexanolone, 'The effective date of this rulemaking is June 17, 2019')",
    ),
    "1308.14(f)(13)": (
        "2019-06-17",
        "84 FR 27943 (interim final rule, FR Doc. 2019-12723, 'The effective date of this rulemaking is June 17,"
        " 2019'); adopted without change by 85 FR 643 (final rule, effective 7 January 2020)",
    ),
    "1308.14(c)(31)": (
        "2020-04-07",
        "85 FR 19387 (interim final rule, FR Doc. 2020-07089, 'The effective date of this rulemaking is April 7,"
        " 2020'); adopted without change by 86 FR 12257 (final rule, effective 3 March 2021)",
    ),
    "1308.14(c)(52)": (
        "2020-10-06",
        "85 FR 63014 (interim final rule, FR Doc. 2020-19313, 'The effective date of this rulemaking is October 6,"
        " 2020'); adopted without change by 86 FR 29506 (final rule, effective 2 July 2021)",
    ),
    "1308.14(c)(16)": (
        "2022-04-07",
        "87 FR 20313 (interim final rule, 'The effective date of this rule is April 7, 2022'); adopted without change"
        " by 87 FR 59296 (final rule, FR Doc. 2022-21253, effective 31 October 2022)",
    ),
    **{
        f"1308.11(d)({n})": (
            "2019-04-16",
            "84 FR 15505 (temporary scheduling order, FR Doc. 2019-07460, 'effective April 16, 2019, until April 16,"
            " 2021'); extended to 16 April 2022 by 86 FR 16669 (FR Doc. 2021-06555); made permanent by the final rule"
            " effective 7 April 2022 (its summary and DATES read in a copy at ehs.ucla.edu; its FR citation not read)",
        )
        for n in range(89, 94)
    },
    **{
        f"1308.11(h)({n})": (
            "2019-07-18",
            "84 FR 34291 (temporary scheduling order, FR Doc. 2019-15184, published 18 July 2019, 'effective July 18,"
            " 2019, until July 18, 2021'; amendatory text at 84 FR 34297); extended by 86 FR 37672 ('effective July"
            " 18, 2021 and expires on July 18, 2022', or on the effective date of a final rule making the placement"
            " permanent if earlier); made permanent by the final rule FR Doc. 2022-11740 (published 1 June 2022;"
            " abstract: 'permanently places six synthetic cathinones ... These six substances are currently listed in"
            " schedule I pursuant to a temporary scheduling order', controls 'will continue to apply'), whose FR page,"
            " DATES were not read; the temporary listing ends by 18 July 2022 at the latest (upper bound, ENDS), and the"
            " permanent listings (d)(94)-(99), read only in a secondary eCFR copy, answer from 1 June 2022 (not recorded)",
        )
        for n in range(42, 48)
    },
    "1308.11(h)(49)": (
        "2021-03-01",
        "86 FR 11866 (temporary order, 1 March 2021, through 1 March 2023); ended by the permanent order 88 FR 13692"
        " (effective 5 April 2023), which continues the controls: an extension in between was not read",
    ),
}

# eCFR entries whose temporary listing ended (the last day in force, inclusive), where the end was read.
ENDS = {
    # 86 FR 11866: effective 1 March 2021 through 1 March 2023; the permanent order 88 FR 13692 (effective
    # 5 April 2023) "continues to impose" the controls, so the temporary listing is taken to run until the day
    # before (an extension after 1 March 2023 was not read)
    "1308.11(h)(49)": "2023-04-04",
    # Fenfluramine: removed from the schedules by 87 FR 78857 (FR Doc. 2022-27400, final rule, published 23 December
    # 2022), whose DATES (effective date) were not read. This is NOT the last day of control but the latest day it can
    # have been: UCB's press release of 17 April 2023 (ucb-usa.com) says the DEA "has published a final rule stating
    # that FINTEPLA oral solution is no longer subject to the Controlled Substances Act (CSA). This change is
    # immediate." The removal cannot have taken effect before publication (23 December 2022), so the true end lies
    # between 22 December 2022 and 16 April 2023; in that window "Schedule IV" may be a wrong answer (REMOVALS below).
    "1308.14(d)(1)": "2023-04-16",
    # The 2019 cathinones (h)(42)-(47): the extension 86 FR 37672 "expires on July 18, 2022", or earlier on the
    # effective date of a final rule; the final rule FR Doc. 2022-11740 (published 1 June 2022) was read without its
    # DATES, and its permanent listings (d)(94)-(99) only in a secondary eCFR copy (amendments file, sixth sweep).
    # An upper bound, not the day the temporary listing ended.
    **{f"1308.11(h)({n})": "2022-07-18" for n in range(42, 48)},
}
# ENDS entries that are upper bounds, not the day the removal took effect (in_force_to_recorded = false: the
# answer then says "end date not recorded")
END_BOUNDS = {"1308.14(d)(1)", *(f"1308.11(h)({n})" for n in range(42, 48))}

# Entries removed from control, and what was read about the removal (appended to the entry's source).
REMOVALS = {
    "1308.14(d)(1)": (
        "removed from the schedules by 'Schedules of Controlled Substances: Removal of Fenfluramine From Control', 87 FR"
        " 78857 (FR Doc. 2022-27400, Docket No. DEA-945, final rule, published 23 December 2022; abstract: 'Prior to the"
        " effective date of this rule, fenfluramine was a schedule IV controlled substance'), whose effective date was"
        " not read. in_force_to is an upper bound, not that date (in_force_to_recorded = false): control ended on or after 23 December 2022 (the rule"
        " cannot apply before its publication) and had ended by 17 April 2023, when UCB's press release (ucb-usa.com,"
        " 'UCB Announces FINTEPLA (fenfluramine) Oral Solution Is Now Descheduled and Is No Longer Listed as a"
        " Controlled Substance', Atlanta, 17 April 2023) stated that the DEA 'has published a final rule stating that"
        " FINTEPLA oral solution is no longer subject to the Controlled Substances Act (CSA). This change is"
        " immediate.' Between 23 December 2022 and 16 April 2023 the answer 'Schedule IV' may be wrong"
    ),
}

# 1308.11(b)(2) acetylmethadol, (b)(7) "alphacetylmethadol, except levo-alphacetylmethadol also known as
# levo-alpha-acetylmethadol, levomethadyl acetate, or LAAM" and (b)(13) betacetylmethadol share one connectivity. LAAM,
# the (3S,6S) isomer, is schedule II (1308.12(c)(11)), and (b) opens "unless specifically excepted or unless listed in
# another schedule": a connectivity entry would answer LAAM as schedule I too. So schedule I lists every other
# stereo form of the structure as its own stereo-specific entry (stereoisomers_included = false): the three other full
# stereoisomers and the four forms with one of the two stereocentres given; a structure drawn without stereochemistry
# matches all of them and LAAM (the engine's "unspecified_stereo" reading). Names written by the encoder (the CFR
# prints no chemical name), parsed by OPSIN at build time: (name, stereo-specific name, paragraphs cited).
# alpha = the (3S,6S)/(3R,6R) pair (LAAM is an alpha isomer), beta = the (3S,6R)/(3R,6S) pair.
ACETYLMETHADOL_PARAGRAPH = "1308.11(b)(2)"
ACETYLMETHADOL_FORMS = [
    (
        "Alphacetylmethadol, (3R,6R) isomer (the alpha isomer other than levo-alphacetylmethadol)",
        "(3R,6R)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)", "1308.11(b)(7)"),
    ),
    (
        "Betacetylmethadol, (3S,6R) isomer",
        "(3S,6R)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)", "1308.11(b)(13)"),
    ),
    (
        "Betacetylmethadol, (3R,6S) isomer",
        "(3R,6S)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)", "1308.11(b)(13)"),
    ),
    (
        "Acetylmethadol, drawn with C-3 (R) and C-6 unspecified",
        "(3R)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)",),
    ),
    (
        "Acetylmethadol, drawn with C-3 (S) and C-6 unspecified",
        "(3S)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)",),
    ),
    (
        "Acetylmethadol, drawn with C-6 (R) and C-3 unspecified",
        "(6R)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)",),
    ),
    (
        "Acetylmethadol, drawn with C-6 (S) and C-3 unspecified",
        "(6S)-6-(dimethylamino)-4,4-diphenylheptan-3-yl acetate",
        ("1308.11(b)(2)",),
    ),
]

RULES = {
    "I": (
        "us-csa-schedule-i",
        "Schedule I",
        "1308.11(b)-(g)",
        "Schedule I: opiates, opium derivatives, hallucinogens, depressants, stimulants, cannabimimetic agents (21 CFR 1308.11(b)-(g))",
    ),
    "I-temporary": (
        "us-csa-schedule-i-temporary",
        "Schedule I",
        "1308.11(h)",
        "Schedule I, temporary listings: substances subject to emergency scheduling (21 CFR 1308.11(h))",
    ),
    "II": ("us-csa-schedule-ii", "Schedule II", "1308.12", "Schedule II (21 CFR 1308.12)"),
    "III": (
        "us-csa-schedule-iii",
        "Schedule III",
        "1308.13",
        "Schedule III, including anabolic steroids (21 CFR 1308.13)",
    ),
    "IV": ("us-csa-schedule-iv", "Schedule IV", "1308.14", "Schedule IV (21 CFR 1308.14)"),
    "V": ("us-csa-schedule-v", "Schedule V", "1308.15", "Schedule V (21 CFR 1308.15)"),
}
COMMIT = {"I": "04d1d96", "I-temporary": "04d1d96", "II": "17639b1", "III": "497038a", "IV": "04d1d96", "V": "ad96f12"}

# Paragraphs whose text names only salts (not isomers): the listed stereoisomer alone.
SALTS_ONLY = {"1308.15(e)(1)", "1308.15(e)(3)", "1308.15(e)(4)"}
# The same for entries of us_21cfr1308_amendments.txt, by printed name ("zuranolone, including its salts").
SALTS_ONLY_AMENDMENTS = {"Zuranolone", "Cenobamate"}
# The group rule encodes it; a named entry would need a single structure.
GROUP_ENCODED = {"1308.11(h)(30)"}

NOTES = {
    "I": """
Source text: the eCFR version of 21 CFR 1308.11 at a commit of github.com/MichalOpoka/ecfr whose latest effective-date
note is of March 2022 (file us_21cfr1308_11.txt beside the generator), plus the Federal Register actions listed in
us_21cfr1308_amendments.txt: the permanent placements of brorphine (2023), the 2022 nitazenes (metonitazene 2023 with
its effective date not read; etodesnitazene, N-pyrrolidino etonitazene, protonitazene, butonitazene, flunitazene,
metodesnitazene 2024), N-desethyl isotonitazene and N-piperidinyl etonitazene (effective 2026), ethylphenidate (2024),
4-CMC (2025), methoxetamine (MXE, 87 FR 34166, effective 6 July 2022), 2-methyl AP-237 (89 FR 18793, effective 15
April 2024), methiopropamine (87 FR 75470, December 2022, effective date not read), 4-fluoroamphetamine (FR Doc.
2026-00633, effective 17 February 2026 per the Federal Register record), zipeprol (effective 21 December 2022) and mesocarb (87 FR 71247, November 2022, effective date not
read), the five designer benzodiazepines of the 2023 temporary order (FR Doc. 2026-04112, effective 1 April 2026), and
the specific listings of eutylone, ADB-BUTINACA, alpha-PiHP, 3-MMC, dipentylone and hexahydrocannabinol (HHC, FR Doc.
2026-08595, 4 May 2026), which DEA says were schedule I before (as positional isomers, or HHC as a tetrahydrocannabinol
under code 7370; the in-force date is the date of control each rule states, "not recorded" for HHC, whose rule states
none). Listings read only in a secondary copy of the eCFR (referencesource.org, verified 21 September 2026; the
Federal Register texts that made them were not found) are listed with the start "not recorded" and a lower bound read
elsewhere (amendments file, sixth sweep): the 16 specific fentanyl-related substances listed in 1308.11(b) after March
2022 (the nine of 88 FR 85104, effective 7 December 2023, and the seven of 90 FR 44979, effective 18 September 2025, are
among them; which rule added which was not read: not before 15 March 2022, the class rule answering before), the
permanent listings of the (h)(42)-(47) cathinones as (d)(94)-(99) (final rule FR Doc. 2022-11740, published 1 June
2022, read only as its abstract), of the 2023 synthetic cannabinoids as (d)(110)-(114) and (d)(116), and of
3-methoxyphencyclidine as (d)(109) (proposed by 90 FR 24370, June 2025). Actions not read at all are NOT in this list,
for example DOI and DOC (proposed 87 FR 21069, withdrawn 87 FR 52712 on 29 August 2022, proposed again 88 FR 86278 on
13 December 2023; searched again on 5 December 2026, no final rule was found, and the September 2026 eCFR copy does not
list them, so both are answered "not controlled"). 3-CMC is a positional isomer of 4-CMC, which the eCFR copy lists as
(d)(106), a hallucinogenic substance: 3-CMC is schedule I by the (d) isomer clause from 17 December 2025, answered as
such (below).
Isomers, esters, ethers and salts: (b) opiates include isomers, esters, ethers, salts and salts of isomers, esters and
ethers; (c) opium derivatives salts and isomers; (d) hallucinogens salts and optical, position and geometric isomers.
POSITIONAL ISOMERS of the (d) entries are matched (positional_isomers = true on every (d) entry with a structure):
21 CFR 1300.01 defines them (72 FR 67850, 3 December 2007) as substances of the same molecular formula and core
structure with the same functional groups and substituents attached at any position, no functionality created or
destroyed, alkyl moieties rearranged freely; the engine compares ring systems and functional groups, each at its
distance from the ring system (chemistry/classify/isomers.py says what that reading leaves out: a group moved
along the core's chain is not matched). Such a match says "positional isomer of X", never "listed", and is not
made for a compound that any US named entry lists itself ("unless listed in another schedule"). (e)-(g) salts and
isomers. Salts need no field (the parent is classified); esters and ethers of the (b) opiates are NOT matched by
structure. Entries of this paragraph that share one structure (alphamethadol,
betamethadol, dimepheptanol; the moramides; alpha/betameprodine) are one entry with the others as aliases. Acetylmethadol,
alphacetylmethadol and betacetylmethadol ((b)(2), (7), (13)) are the exception: (b)(7) excepts levo-alphacetylmethadol
(LAAM, the (3S,6S) isomer), which is schedule II (1308.12(c)(11)), so schedule I lists the other three stereoisomers and
the four half-specified forms as stereo-specific entries (the encoder's stereo names, parsed by OPSIN): LAAM is answered
schedule II only, a structure drawn without stereochemistry schedule I and II (it may be any of them). "Etorphine (except hydrochloride salt)" is Schedule I while etorphine hydrochloride is
Schedule II: a parent structure cannot tell the two apart, so etorphine is answered in both schedules. Marihuana, peyote
and marihuana extract are listed without a structure; "Tetrahydrocannabinols" is a class (formula) represented by
delta-9-THC; hemp (7 U.S.C. 1639o) is excluded by (d)(31)(ii) and cannot be decided from structure.
Dates: the CSA took effect on 1 May 1971; entries added later carry the date from the Federal Register or the statute
where it was read, and "not recorded" otherwise. Whether an entry was in the CSA as enacted was not researched per entry,
so entries without a researched date are "not recorded" rather than dated 1971.
""",
    "I-temporary": """
Temporary scheduling orders under 21 U.S.C. 811(h) (21 CFR 1308.11(h)). Source: the same eCFR version as Schedule I
(March 2022: (h)(42)-(47) and (h)(49)) and the orders listed in us_21cfr1308_amendments.txt: the 2022 nitazenes
(87 FR 21556), etizolam, flualprazolam, clonazolam, flubromazolam and diclazepam (88 FR 48112, 2023, extended to 26 July
2026), MDMB-4en-PINACA, 4F-MDMB-BUTICA, ADB-4en-PINACA, CUMYL-PEGACLONE, 5F-EDMB-PICA and MMB-FUBICA (88 FR 86040,
2023), N-desethyl isotonitazene and N-piperidinyl etonitazene (89 FR 60817, 2024), N-pyrrolidino metonitazene and
N-pyrrolidino protonitazene (90 FR 39314, 2025), seven further benzimidazole-opioids (FR Doc. 2025-19542, October
2025; their printed chemical names were not read, the structures are the encoder's). The five benzodiazepines end on
31 March 2026 (permanent from 1 April 2026, FR Doc. 2026-04112). Notices of intent read, whose temporary orders were NOT
read and which are therefore not listed: bromazolam (FR Doc. 2025-22763, 15 December 2025) and 2-fluorodeschloroketamine
(FR Doc. 2026-00954, 20 January 2026), searched for again on 5 December 2026 without finding an order (only clinic blog
posts saying the substances were "temporarily placed"); secondary reports (filtermag.org) name notices of intent of 1
July 2026 for 7-hydroxymitragynine above a threshold, for mitragynine pseudoindoxyl, MGM-15 and MGM-16, and for
cychlorphine and three other orphines, whose Federal Register text was not read; a secondary report (not the Federal Register) names a temporary order of 26
August 2026 for mitragynine pseudoindoxyl, MGM-15 and MGM-16 ((h)(89)-(91)), and a data set copying the eCFR shows
(h)(92) 5,6-dichloro brorphine: not listed either, their orders not having been read. A temporary order lasts two years plus up to one year of extension; an
entry ends (in_force_to) the day before the permanent placement whose effective date was read (that entry is then in
Schedule I, us-csa-schedule-i); where the permanent placement or an extension was not read the entry is left open on
the assumption of continuous control, and its source says so. (h)(30), the fentanyl-related substances class (DEA code
9850), is encoded as the group rule us-csa-fentanyl-related-substances (us.toml), not as an entry here. Orders after
March 2022 other than those listed were not read: they are missing. Entries listed with "its optical, positional, and
geometric isomers" match the printed isomer only.
""",
    "II": """
Source text: an older eCFR version of 21 CFR 1308.12 (github.com/MichalOpoka/ecfr, file us_21cfr1308_12.txt) with
paragraph (b)(1) as printed by casetext.com "current through February 29, 2024" (which adds noroxymorphone and the
naldemedine, 6beta-naltrexol and samidorphan exclusions), plus oliceridine (85 FR 68749) and the immediate
precursor norfentanyl (85 FR 21320, effective 18 May 2020). Other changes since that version were not read and are
missing. (b)(2): salts, compounds,
derivatives and preparations chemically equivalent to a (b)(1) substance are included; (c) opiates include isomers,
esters, ethers and salts, "dextrorphan and levopropoxyphene excepted" - levomethorphan and levorphanol are matched as
the levo isomers only (stereo-specific InChIKey), racemethorphan and racemorphan only as the undefined/racemic structure,
so dextromethorphan (not an opiate under 21 U.S.C. 802(18)) and dextrorphan are not matched. Bulk dextropropoxyphene and
levo-alphacetylmethadol are matched stereo-specifically. Opium, its extracts, tinctures, poppy straw, concentrate of poppy
straw and coca leaves are listed without a structure; cocaine and ecgonine are entries of (b)(4) ("including cocaine
(9041) and ecgonine (9180)"); [123I]ioflupane is excepted. Etorphine hydrochloride ((b)(1)(iv)) shares its parent with
the Schedule I entry "etorphine (except hydrochloride salt)". Dates: see Schedule I.
""",
    "III": """
Source text: eCFR 21 CFR 1308.13 (github.com/MichalOpoka/ecfr, file us_21cfr1308_13.txt); later changes were not read.
(b) stimulants include salts and optical, positional and geometric isomers; (c) depressants; (e) narcotic preparations
in limited quantities ((e)(1)(i)-(vi)) cannot be decided from structure: they are listed as preparations, and the
narcotic they contain is answered by its own schedule (codeine: Schedule II). (c)(1)/(c)(2) barbiturate mixtures and
suppositories, (c)(6) FDA-approved GHB products (GHB itself is Schedule I) and (g)(1) dronabinol in sesame oil in soft
gelatin capsules are preparations. (c)(3) "any derivative of barbituric acid" is a class, represented by butalbital
(structure_from = "formula"); other barbiturates are Schedule III by that clause although only the listed ones are
matched. (f) anabolic steroids: "any substance meeting the definition of anabolic steroid" in 21 CFR 1300.01 including
salts, esters and ethers (code 4000): the 86 listed steroids are matched as written (3alpha/3beta pairs and 5alpha/5beta
epimers that share one structure are one entry with aliases; esters such as testosterone cypionate are not matched by
structure). Tiletamine and zolazepam ((c)(15)) are listed as two entries of one paragraph. Xylazine is not listed: the
Combating Illicit Xylazine Act, which would add it to Schedule III in 21 U.S.C. 812(c), was read only as a bill (S. 545 as
reported in the Senate on 15 April 2026, govinfo.gov BILLS-119s545rs; H.R. 1266), and no enactment was found (searched
5 December 2026). Marijuana, marijuana extract and plant-derived delta-9-THC in an FDA-approved drug product or subject to
a state medical marijuana license are Schedule III by 91 FR 22714 (AG Order No. 6754-2026, published 28 April 2026; its
effective date was not read: "date not recorded", not before the order's signing on 22 April 2026); a preparation, not
matched by structure: a THC structure is answered Schedule I (1308.11(d)(31)), where all other marijuana and THC stay.
Dates: see Schedule I.
""",
    "IV": """
Source text: eCFR 21 CFR 1308.14 (github.com/MichalOpoka/ecfr, March 2022 version with daridorexant, file
us_21cfr1308_14.txt), plus zuranolone (88 FR 74347, 2023, "including its salts": the printed stereoisomer only) from
us_21cfr1308_amendments.txt; other later changes were not read and are missing. Fenfluramine ((d)(1)) was removed
from the schedules by the final rule "Removal of Fenfluramine From Control" (87 FR 78857, FR Doc. 2022-27400, published
23 December 2022; title and publication read at regulations.justia.com, whose stored copy shows only the start of page
78857; the abstract, "Prior to the effective date of this rule, fenfluramine was a schedule IV controlled substance",
read in a copy of the Federal Register API record, github.com/ai-village-agents/deepseek-news): its effective date was
not read (searched again on 5 December 2026: the stored regulations.justia.com copy, the proposed rule 87 FR 42979 at
frnow.com, and the eCFR mirror, whose 1308.14 copy at commit 04d1d96 is of 2022 and still lists it). The entry ends on 16 April 2023, an upper bound and not the effective
date: UCB's press release of 17 April 2023 (ucb-usa.com) says the DEA "has published a final rule stating that FINTEPLA
oral solution is no longer subject to the Controlled Substances Act (CSA). This change is immediate." Fenfluramine is
therefore answered "not controlled" from 17 April 2023 and Schedule IV until 16 April 2023; control ended on some day
from 23 December 2022 (publication) to 17 April 2023, so between 23 December 2022 and 16 April 2023 the answer Schedule
IV may be wrong until the rule's DATES are read. (b)(1) difenoxin preparations
in limited quantities cannot be decided from structure. Cathine is (+)-norpseudoephedrine only and dextropropoxyphene
the (2S,3R) isomer only (stereo-specific InChIKey): norephedrine and levopropoxyphene are not matched. Chloral betaine and
dichloralphenazone are addition compounds of chloral hydrate (listed as preparations: their largest fragment is betaine or
phenazone, which are not controlled); chloral hydrate itself is an entry. Dates: see Schedule I.
""",
    "V": """
Source text: eCFR 21 CFR 1308.15 as amended to 28 September 2018 (83 FR 48953; github.com/MichalOpoka/ecfr, file
us_21cfr1308_15.txt), plus lasmiditan (85 FR 5557, effective 31 January 2020), cenobamate (85 FR 13741, effective 10 March
2020, "including its salts": the printed (1R) isomer only) and ganaxolone (87 FR 32996, effective 1 June 2022) from
us_21cfr1308_amendments.txt. Other changes after that version were NOT read: the interim final rule "Implementation of
the Agriculture Improvement Act of 2018" (85 FR 51639, FR Doc. 2020-17356, "Effective August 21, 2020", summary read at
govinfo.gov) is said by a law-firm summary (Hogan Lovells) to remove the approved cannabidiol drugs of (f)(1) from
schedule V, but its amendatory text was not read, so (f)(1) (a preparation, not matched by structure) is left open;
other decontrols are not recorded - this list is older than the other schedules.
(c) narcotic preparations in limited quantities (codeine, dihydrocodeine, ethylmorphine, diphenoxylate with atropine,
opium, difenoxin with atropine) cannot be decided from structure: they are listed as preparations. (e) depressants include
salts only (no isomers): brivaracetam, lacosamide and pregabalin are matched as the printed stereoisomer.
""",
}


def _split_top(text: str, separators: str = ";") -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch in separators and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


_PREFIX = re.compile(
    r"^(?:some (?:trade or )?other names?(?: include)?:?|other names?:|also known as|a\.k\.a\.|also referred to as)\s*",
    re.I,
)


def head_name(text: str) -> str:
    head = re.split(r"\s[\(\[]|, its |, and its | - \d|,\s*\(|\s+Some trade", text, maxsplit=1)[0]
    return head.strip().rstrip(",;")


def candidates(entry: Entry) -> list[str]:
    text = entry.text
    found = [entry.systematic] if entry.systematic else []
    found.append(head_name(text))
    depth, start = 0, None
    for i, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and start is not None:
                for part in _split_top(text[start + 1 : i]):
                    found.append(_PREFIX.sub("", part).strip().rstrip("."))
    for names in entry.names:
        for part in _split_top(names, ";,") if "," in names and "(" not in names else _split_top(names):
            found.append(_PREFIX.sub("", part).strip().rstrip("."))
    out = []
    for c in found:
        c = c.strip().strip('"').strip()
        if c and c not in out and not re.fullmatch(r"\d+|[a-z]", c):
            out.append(c)
    return out


def aliases_of(entry: Entry, name: str, systematic: str | None) -> list[str]:
    out = []
    for c in candidates(entry):
        if c not in (name, systematic) and len(c) <= 160 and c not in out:
            out.append(c)
    return out


def connectivity_key(smiles: str, stereo: bool) -> str:
    key = identify(smiles).inchikey
    return key if stereo else key.split("-")[0]


def read_structures() -> dict[str, tuple[str, str, bool, str | None]]:
    table = {}
    for raw in (HERE / "us_csa_structures.tsv").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        key, kind, value, *rest = raw.split("\t")
        flag = rest[0] if rest else ""
        table[key] = (kind, value, flag == "stereo", flag[len("override:") :] if flag.startswith("override:") else None)
    return table


def expand(entries: list[Entry]) -> list[Entry]:
    """Split a paragraph that names several substances (coca leaves/cocaine/ecgonine; tiletamine/zolazepam)."""
    out = []
    for e in entries:
        if e.paragraph in GROUP_ENCODED:
            continue
        if e.splits:
            for name, code, _kind in e.splits:
                out.append(Entry(e.schedule, e.paragraph, name, code, e.header))
            continue
        if e.paragraph == "1308.13(c)(15)":
            out.append(
                Entry(
                    e.schedule,
                    e.paragraph,
                    "Tiletamine",
                    e.code,
                    e.header,
                    names=["2-(ethylamino)-2-(2-thienyl)-cyclohexanone"],
                )
            )
            out.append(Entry(e.schedule, e.paragraph, "Zolazepam", e.code, e.header, names=["flupyrazapon"]))
            continue
        out.append(e)
    return out


def opsin(names: list[str]) -> list[str]:
    """py2opsin in a private directory: it writes its input file into the working directory, and
    other builds may be running py2opsin in the same checkout at the same time."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as private:
        os.chdir(private)
        try:
            return py2opsin(names)
        finally:
            os.chdir(here)


def build() -> str:
    entries = expand(all_entries())
    structures = read_structures()
    names = sorted({c for e in entries for c in candidates(e)})
    parsed = dict(zip(names, opsin(names)))
    opsin_stereo_names = sorted({v for kind, v, *_ in structures.values() if kind == "opsin-name"})
    parsed_named = dict(zip(opsin_stereo_names, opsin(opsin_stereo_names)))
    acetylmethadol_names = [form[1] for form in ACETYLMETHADOL_FORMS]
    parsed_acetylmethadol = dict(zip(acetylmethadol_names, opsin(acetylmethadol_names)))

    problems, disagreements = [], []
    records = []
    for e in entries:
        # amendments (added_by set) are looked up by name only: their paragraph numbers follow later renumberings
        # of 1308.11 and can collide with the March 2022 paragraph keys of the eCFR entries
        by_paragraph = e.added_by is None and e.paragraph in structures
        key = e.text if e.text in structures else e.paragraph if by_paragraph else None
        hand = structures.get(key) if key else None
        name = head_name(e.text)
        readable = [c for c in candidates(e) if parsed.get(c)]
        # the printed chemical name where there is one (the longest readable name with a locant),
        # else the printed common name that OPSIN knows
        systematic = sorted((c for c in readable if re.search(r"\d", c)), key=len, reverse=True)
        opsin_pick = systematic[0] if systematic else (readable[0] if readable else None)
        rec = {
            "entry": e,
            "name": name,
            "systematic": None,
            "smiles": None,
            "structure_from": None,
            "note": None,
            "stereo": e.paragraph in SALTS_ONLY or (e.added_by is not None and e.text in SALTS_ONLY_AMENDMENTS),
        }
        if hand and hand[0] in ("plant", "preparation"):
            rec["structure_from"] = hand[0]
        elif hand and hand[0] == "formula":
            rec.update(structure_from="formula", smiles=hand[1])
        elif hand and hand[3]:
            rec.update(
                smiles=hand[1],
                structure_from="reviewed",
                note=f"{hand[3]} (OPSIN's reading of {opsin_pick!r} is not used)",
            )
        elif opsin_pick and not (hand and hand[2]):
            rec.update(systematic=opsin_pick, smiles=parsed[opsin_pick], structure_from="opsin")
            if hand:
                if connectivity_key(hand[1], False) != connectivity_key(parsed[opsin_pick], False):
                    disagreements.append((e.paragraph, opsin_pick, parsed[opsin_pick], hand[1]))
        elif hand and hand[0] == "opsin-name":
            smiles = parsed_named.get(hand[1])
            if not smiles:
                problems.append(f"{e.paragraph}: OPSIN cannot read {hand[1]!r}")
                continue
            rec.update(
                smiles=smiles,
                structure_from="reviewed",
                stereo=rec["stereo"] or hand[2],
                note=f"OPSIN's parse of {hand[1]!r}, a stereo-specific name written by the encoder: the CFR prints no chemical name for this isomer",
            )
        elif hand:
            rec.update(
                smiles=hand[1],
                structure_from="reviewed",
                stereo=rec["stereo"] or hand[2],
                note="written by the encoder from the substance's published structure (the CFR prints no chemical name OPSIN can read); not checked against an external record",
            )
        else:
            problems.append(f"{e.paragraph} {e.text[:60]!r}: no structure (OPSIN read none of {candidates(e)})")
            continue
        if rec["smiles"] and rec["structure_from"] == "opsin" and e.paragraph in SALTS_ONLY:
            rec["stereo"] = True
        records.append(rec)
    if problems:
        raise SystemExit("\n".join(problems))
    for d in disagreements:
        print("OPSIN and the hand structure disagree (OPSIN used):", *d, sep="\n  ", file=sys.stderr)

    by_rule: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        by_rule[rec["entry"].schedule].append(rec)

    lines = [
        "# United States: Controlled Substances Act, Schedules I-V as in 21 CFR 1308.11-1308.15, one named rule per",
        "# schedule and one for the temporary listings of 1308.11(h). GENERATED by chemistry/rules/sources/make_us_csa.py",
        "# from the transcribed eCFR text beside it: change the sources and re-run, do not edit by hand.",
        "",
    ]
    for tier, (rule_id, list_name, part, title) in RULES.items():
        merged: dict[str, dict] = {}
        order = []
        for rec in by_rule[tier]:
            if rec["smiles"] is None:
                k = f"none:{rec['entry'].paragraph}:{rec['name']}"
            else:
                k = connectivity_key(rec["smiles"], rec["stereo"])
            if k in merged:
                target = merged[k]
                target["also"].append(rec)
            else:
                rec["also"] = []
                merged[k] = rec
                order.append(k)
        lines += [
            "[[rule]]",
            f'id = "{rule_id}"',
            'kind = "named"',
            f'title = "{title}"',
            'jurisdiction = "US"',
            f'list = "{list_name}"',
            "in_force_from = 1971-05-01",
            f'notes = """{NOTES[tier].rstrip()}\n"""',
            "",
            "[rule.citation]",
            'act = "Controlled Substances Act (21 U.S.C. 812) / 21 CFR part 1308"',
            f'part = "21 CFR {part}"',
            'reference = "Controlled Substances Act, Pub. L. 91-513, title II (27 October 1970; in force 1 May 1971), as amended; 21 CFR 1308 (38 FR 8254, 30 March 1973, redesignated 38 FR 26609)"',
            f'url = "https://www.ecfr.gov/current/title-21/chapter-II/part-1308/section-{part[:7]}"',
            "",
        ]
        if tier in ESTER_CLAUSES:
            text, since = ESTER_CLAUSES[tier]
            lines += ["[rule.esters_and_ethers]", f"text = {_q(text)}", "only_flagged = true"]
            lines += [f"in_force_from = {since}"] if since else []
            lines += [""]
        for k in order:
            rec = merged[k]
            if tier == "I" and rec["entry"].paragraph == ACETYLMETHADOL_PARAGRAPH:
                lines += _acetylmethadol_lines(rec, tier, parsed_acetylmethadol)
                continue
            lines += _substance_lines(rec, tier)
            if rec["entry"].paragraph == "1308.11(d)(31)":
                lines += THC_ISOMERS + [""]
    return "\n".join(lines).rstrip() + "\n"


# (d)(31)(i) names the tetrahydrocannabinols in monoterpene numbering; besides the class's representative
# (delta-9-THC, the structures file's "formula" row) the isomers the paragraph names by their own double bond
# are written out, each drawn by the encoder (see its structure_note), so that a delta-8 or delta-6a(10a)
# THC is answered by name. Emitted right after the (d)(31) entry.
THC_ISOMERS: list[str] = [
    "[[rule.substances]]",
    'name = "Tetrahydrocannabinols: delta-6 cis or trans tetrahydrocannabinol (delta-8-THC in dibenzopyran numbering)"',
    'smiles = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CC=C(C)CC21"',
    'structure_from = "formula"',
    "structure_note = \"named in (d)(31)(i) in monoterpene numbering ('6 cis or trans tetrahydrocannabinol, and their optical isomers ... regardless of numerical designation of atomic positions'); drawn by the encoder as 6,6,9-trimethyl-3-pentyl-6a,7,10,10a-tetrahydro-6H-benzo[c]chromen-1-ol\"",
    "source = \"21 CFR 1308.11(d)(31)(i) 'Tetrahydrocannabinols', DEA Controlled Substances Code Number 7370; eCFR text read from github.com/MichalOpoka/ecfr (commit 04d1d96). (d)(31)(ii): material within the definition of hemp (7 U.S.C. 1639o) is not included, which a structure cannot decide\"",
    'in_force_from = "not recorded"',
    "",
    "[[rule.substances]]",
    'name = "Tetrahydrocannabinols: delta-3,4 cis or trans tetrahydrocannabinol (delta-6a(10a)-THC in dibenzopyran numbering)"',
    'smiles = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1=C2CC(C)CC1"',
    'structure_from = "formula"',
    "structure_note = \"named in (d)(31)(i) in monoterpene numbering ('3, 4 cis or trans tetrahydrocannabinol, and its optical isomers'); drawn by the encoder as 6,6,9-trimethyl-3-pentyl-7,8,9,10-tetrahydro-6H-benzo[c]chromen-1-ol\"",
    "source = \"21 CFR 1308.11(d)(31)(i) 'Tetrahydrocannabinols', DEA Controlled Substances Code Number 7370; eCFR text read from github.com/MichalOpoka/ecfr (commit 04d1d96)\"",
    'in_force_from = "not recorded"',
]


# The schedules with paragraphs whose listing takes in the esters and ethers of each entry; the entries
# of those paragraphs carry esters_and_ethers = true (FORMAT.md, "esters_and_ethers").
ESTER_CLAUSES = {
    "I": (
        "21 CFR 1308.11(b) Opiates: 'Unless specifically excepted or unless listed in another schedule, any of the "
        "following opiates, including their isomers, esters, ethers, salts, and salts of isomers, esters and ethers, "
        "whenever the existence of such isomers, esters, ethers and salts is possible within the specific chemical "
        "designation' (only the entries of (b) are marked)",
        None,
    ),
    "II": (
        "21 CFR 1308.12(c) Opiates: 'Unless specifically excepted or unless in another schedule any of the following "
        "opiates, including its isomers, esters, ethers, salts and salts of isomers, esters and ethers whenever the "
        "existence of such isomers, esters, ethers, and salts is possible within the specific chemical designation, "
        "dextrorphan and levopropoxyphene excepted' (only the entries of (c) are marked)",
        None,
    ),
    # the ester/ether words of (f) came with the Anabolic Steroid Control Act of 2004; the 1990 Act's wording
    # on esters and its date were not read from a primary source, so the clause answers from 20 January 2005
    "III": (
        "21 CFR 1308.13(f) Anabolic steroids: 'Unless specifically excepted or unless listed in another schedule, any "
        "substance meeting the definition of anabolic steroid as set forth in 1300.01 of this chapter, including any "
        "material, compound, mixture or preparation containing any quantity of the following substances, including "
        "its salts, esters and ethers' (only the entries of (f) are marked); 70 FR 74653 (16 December 2005): "
        "'Effective January 20, 2005, the Act [the Anabolic Steroid Control Act of 2004] amended the Controlled "
        "Substances Act ... these substances and their salts, esters and ethers are Schedule III controlled "
        "substances.'",
        "2005-01-20",
    ),
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _substance_lines(rec: dict, tier: str) -> list[str]:
    e: Entry = rec["entry"]
    group = [rec] + rec["also"]
    sources = []
    for r in group:
        code = f", DEA Controlled Substances Code Number {r['entry'].code}" if r["entry"].code else ""
        origin = r["entry"].note or f"{ECFR} (commit {COMMIT[tier]})"
        sources.append(f"21 CFR {r['entry'].paragraph} {r['name']!r}{code}; {origin}")
    aliases = []
    for r in group:
        for a in ([r["name"]] if r is not rec else []) + aliases_of(r["entry"], r["name"], r["systematic"]):
            if a not in aliases and a != rec["name"]:
                aliases.append(a)
    start, added_by = (e.in_force_from, e.added_by) if e.in_force_from else DATES.get(e.paragraph, (NOT_RECORDED, None))
    out = ["[[rule.substances]]", f"name = {_q(rec['name'])}"]
    if rec["systematic"]:
        out.append(f"systematic_name = {_q(rec['systematic'])}")
    if rec["smiles"]:
        out.append(f"smiles = {_q(rec['smiles'])}")
    out.append(f'structure_from = "{rec["structure_from"]}"')
    if rec["note"]:
        out.append(f"structure_note = {_q(rec['note'])}")
    if rec["structure_from"] in ("plant", "preparation") or e.paragraph.startswith(
        ("1308.13(e)", "1308.15(c)", "1308.14(b)(1)")
    ):
        pass
    if e.paragraph in REMOVALS:
        sources[-1] += "; " + REMOVALS[e.paragraph]
    out.append(f"source = {_q(' | '.join(sources))}")
    if added_by:
        out.append(f"added_by = {_q(added_by)}")
    if aliases:
        out.append("aliases = [" + ", ".join(_q(a) for a in aliases) + "]")
    # "not recorded; not before YYYY-MM-DD" (amendments file): the start was not read, but a lower bound was
    not_before = None
    if start.startswith(NOT_RECORDED + "; not before "):
        start, not_before = NOT_RECORDED, start[len(NOT_RECORDED + "; not before ") :]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", not_before):
            raise SystemExit(f"{e.paragraph} {rec['name']!r}: bad lower bound {not_before!r}")
    out.append(f"in_force_from = {start}" if start != NOT_RECORDED else 'in_force_from = "not recorded"')
    if not_before:
        out.append(f"not_before = {not_before}")
    end = e.in_force_to or ENDS.get(e.paragraph)
    if end:
        out.append(f"in_force_to = {end}")
        if e.paragraph in END_BOUNDS and not e.in_force_to:
            out.append("in_force_to_recorded = false")
    if rec["stereo"]:
        out.append("stereoisomers_included = false")
    # the paragraphs whose listing takes in "esters, ethers" (1308.11(b), 1308.12(c)) or "salts, esters and
    # ethers" (1308.13(f)): ESTER_CLAUSES
    if (
        rec["smiles"]
        and rec["structure_from"] not in ("plant", "preparation")
        and any(re.search(r"esters,? (and )?ethers", r["entry"].header or "") for r in group)
    ):
        out.append("esters_and_ethers = true")
    # 21 CFR 1300.01: "isomer", as used in 1308.11(d), includes positional isomers
    if rec["smiles"] and e.paragraph.startswith("1308.11(d)") and rec["structure_from"] not in ("plant", "preparation"):
        out.append("positional_isomers = true")
    out.append("")
    return out


def _acetylmethadol_lines(rec: dict, tier: str, parsed: dict[str, str]) -> list[str]:
    """Schedule I's acetylmethadol entries without levo-alphacetylmethadol (ACETYLMETHADOL_FORMS)."""
    by_paragraph = {r["entry"].paragraph: r for r in [rec] + rec["also"]}
    out: list[str] = []
    for name, stereo_name, paragraphs in ACETYLMETHADOL_FORMS:
        smiles = parsed.get(stereo_name)
        if not smiles:
            raise SystemExit(f"OPSIN cannot read {stereo_name!r}")
        sources = []
        for paragraph in paragraphs:
            r = by_paragraph[paragraph]
            code = f", DEA Controlled Substances Code Number {r['entry'].code}" if r["entry"].code else ""
            sources.append(f"21 CFR {paragraph} {r['name']!r}{code}; {ECFR} (commit {COMMIT[tier]})")
        aliases = [by_paragraph[p]["name"] for p in reversed(paragraphs)]
        out += [
            "[[rule.substances]]",
            f"name = {_q(name)}",
            f"smiles = {_q(smiles)}",
            'structure_from = "reviewed"',
            "structure_note = "
            + _q(
                f"OPSIN's parse of {stereo_name!r}, a stereo-specific name written by the encoder (the CFR prints no"
                " chemical name): schedule I lists every stereo form of acetylmethadol except levo-alphacetylmethadol"
                " ((3S,6S), LAAM), which (b)(7) excepts and 1308.12(c)(11) lists in schedule II"
            ),
            f"source = {_q(' | '.join(sources))}",
            "aliases = [" + ", ".join(_q(a) for a in aliases) + "]",
            'in_force_from = "not recorded"',
            "stereoisomers_included = false",
            "",
        ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    text = build()
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("us_csa.toml is up to date" if same else "us_csa.toml differs from its sources: re-run make_us_csa.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
