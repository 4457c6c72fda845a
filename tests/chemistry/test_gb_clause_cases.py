"""Compounds read from the text of the generic clauses of Schedule 2 to the Misuse of Drugs Act 1971
that chemistry/rules/gb.toml encodes.

Every SMILES was written from the wording of the clause (the parent it names, the substituents it
lists, the limits it states, the compounds it excludes), not from the rule's patterns: clear
insiders, and compounds one step past a limit of the text. Each case cites the clause and where
its wording was read. The sources, by key:

- [si2010-1144]  The Misuse of Drugs (Amendment) (England, Wales and Scotland) Regulations 2010, SI 2010/1144,
  reg. 3(b), legislation.gov.uk/uksi/2010/1144/made (the cathinone clause, as put into the Regulations on
  16 April 2010 in the same words as the Act's Part II paragraph 1(c) inserted by SI 2010/1207), and the NI
  Designation (Amendment) Order 2010, legislation.gov.uk/nisr/2010/149/made (the same words). Both read
  "not being bupropion, diethylpropion, pyrovalerone or a compound for the time being specified in
  sub-paragraph (a)"; the gb.toml notes give the Act's parenthesis with cathinone too.
- [gb.toml:<rule>] the legal text quoted in the notes of that rule of chemistry/rules/gb.toml (where this
  helper could not read the instrument itself; the notes say which instrument each quotation is from).
- [mdr2001-made] The Misuse of Drugs Regulations 2001 as made, Schedule 1 para 1(b),
  legislation.data.gov.uk/uksi/2001/3998/schedules/made: the tryptamine clause in the Act's 1977 words
  ("structurally derived from tryptamine or from a ring-hydroxy tryptamine by substitution at the nitrogen
  atom of the sidechain with one or more alkyl substituents but no other substituent").
- [si2009-3209] The Misuse of Drugs Act 1971 (Amendment) Order 2009, as made, legislation.gov.uk/uksi/2009/3209/made
  (and the global-regulation.com copy), art. 2(2)(a): "Any compound structurally derived from
  3-(1-naphthoyl)indole or 1H-indol-3-yl-(1-naphthyl)methane by substitution at the nitrogen atom of the
  indole ring by alkyl, alkenyl, cycloalkylmethyl, cycloalkylethyl or 2-(4-morpholinyl)ethyl, whether or
  not further substituted in the indole ring to any extent and whether or not substituted in the naphthyl
  ring to any extent." The copies read break off at the pyrrole clause ("... 3-(1-naphthoyl)pyrrole by
  substit"); the other 2009 clauses are read in [gb.toml:gb-mda-cannabinoids-2009] /
  [gb.toml:gb-mda-cyclohexylphenols].
- [si2013-177] The Misuse of Drugs (Designation) (Amendment) (England, Wales and Scotland) Order 2013, art. 4
  (lexisweb.co.uk copy), paras 1(l) and (m): the SI 2013/239 wording of the naphthoylindole /
  naphthylmethylindole and naphthoylpyrrole clauses ("by alkyl, haloalkyl, alkenyl, cyanoalkyl, hydroxyalkyl,
  cycloalkylmethyl, cycloalkylethyl, (N-methylpiperidin-2-yl)methyl or 2-(4-morpholinyl)ethyl").
- [si2013-239] SI 2013/239 as made, legislation.gov.uk/uksi/2013/239/made, art. 4, Part II para 1(d), read to
  "(i) by substitution at the nitrogen atom to any extent by alkyl, alkenyl or hydroxyalkyl groups, or
  replacement of the amino group with a 1-piperidyl, 1-pyrrolidyl or 1-azepyl group, whe[...]" - no copy
  goes further; cases here depend only on the words read.
- [si2024-1361] SI 2024/1361 art. 2(3), Part I para 1(ea), legislation.gov.uk/id/uksi/2024/1361/article/2/5,
  read to "(ii) ... thioalkyl containing up to five carbon atoms or alkylsulphonyl[...]"; cases here vary
  only the ethanamine nitrogen, the benzyl phenyl ring (with the groups read) and the mass.

Not covered: the tryptamine clause as extended from 7 January 2015 (SI 2014/3271): its wording was not
found (searched 6 December 2026: the Order, the Regulations SI 2014/3277 on zoomlaw.co.uk - cut off at
"For paragraph 1(b) of Schedule 1 ..." -, the ACMD report of 10 June 2014); modifications (ii)-(iv) of
paragraph 1(ca) (2016/2019), modification (ii) of the piperazine clause and the rest of 1(d) and 1(ea),
which no copy read gives.

Systematic names were checked against the SMILES with OPSIN (py2opsin 2.9.0, same InChIKey) on
6 December 2026; every SMILES parses with RDKit (test_every_smiles_parses).

Each case names the rule of its clause, the day asked (after the clause came into force unless the
case is about that day), and one of three answers:

- "group": the rule captures the compound and the answer is that control;
- "aside": the rule's words capture it but the clause's own parenthesis sets it aside for another
  entry ("not being ... a compound for the time being specified in ..."); `status` is then that entry's;
- "outside": the rule does not capture it; `status` says what GB does with it then (mostly nothing;
  a named exclusion may be controlled by name).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

CATH = "gb-mda-cathinones"
PEA = "gb-mda-phenethylamines"
NBN = "gb-mda-n-benzylphenethylamines"
TRY = "gb-mda-tryptamines"
SC09 = "gb-mda-cannabinoids-2009"
CHP = "gb-mda-cyclohexylphenols"
SC13 = "gb-mda-cannabinoids-2013"
SC16 = "gb-mda-cannabinoids-2016"
SC19 = "gb-mda-cannabinoids-2019"
PIP = "gb-mda-piperazines"
ACH = "gb-mda-arylcyclohexylamines"
NIT = "gb-mda-nitazenes"

D_CATH = date(2011, 6, 1)  # in force 16 April 2010 (SI 2010/1207)
D_PEA = date(2020, 1, 1)  # 1977 clause
D_NBN = date(2015, 1, 1)  # in force 10 June 2014 (SI 2014/1106)
D_TRY = date(2012, 1, 1)  # 1977 wording, before the 2015 extension
D_SC09 = date(2011, 6, 1)  # 23 December 2009 to 25 February 2013
D_SC13 = date(2014, 1, 1)  # from 26 February 2013, before SI 2016/1109
D_SC16 = date(2017, 6, 1)  # 14 December 2016 to 14 November 2019
D_SC19 = date(2020, 6, 1)  # from 15 November 2019
D_PIP = date(2011, 6, 1)  # from 23 December 2009
D_ACH = date(2014, 1, 1)  # from 26 February 2013, before ketamine became Class B (10 June 2014)
D_NIT = date(2025, 6, 1)  # from 15 January 2025

NC = "not_controlled"
BY_GROUP = "controlled_by_group"
BY_NAME = "controlled_by_name"

CATH_TEXT = "Part II para 1(c) (SI 2010/1207) [si2010-1144]"
PEA_TEXT = "Part I para 1(c) (SI 1977/1243) [gb.toml:gb-mda-phenethylamines]"
NBN_TEXT = "Part I para 1(f) (SI 2014/1106) [gb.toml:gb-mda-n-benzylphenethylamines]"
TRY_TEXT = "Part I para 1(b) (1977 words) [mdr2001-made; gb.toml:gb-mda-tryptamines]"
SC09_TEXT = "Part II para 1(c) (SI 2009/3209)"
SC13_TEXT = "Part II para 1(c) (SI 2013/239) [si2013-177]"
SC16_TEXT = "Part II para 1(ca) (SI 2016/1109) [gb.toml:gb-mda-cannabinoids-2016]"
SC19_TEXT = "Part II para 1(ca) as amended by SI 2019/1323 [gb.toml:gb-mda-cannabinoids-2019]"
PIP_TEXT = "Part III generic clause (SI 2009/3209), (i) [gb.toml:gb-mda-piperazines, from SR 2009/389]"
ACH_TEXT = "Part II para 1(d) (SI 2013/239), (i) as read [si2013-239]"
NIT_TEXT = "Part I para 1(ea) (SI 2024/1361) [si2024-1361]"


class Case(NamedTuple):
    rule: str
    name: str
    smiles: str
    day: date
    capture: str  # "group", "aside", "outside"
    status: str
    clause: str
    xfail: str | None = None


CASES = [
    # ------------------------------------------------ cathinones, Part II para 1(c), SI 2010/1207
    Case(
        CATH,
        "4-ethylmethcathinone",
        "CNC(C)C(=O)c1ccc(CC)cc1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (i) ring 'alkyl' and (iii) N 'alkyl'",
    ),
    Case(
        CATH,
        "3,4-dimethoxymethcathinone",
        "CNC(C)C(=O)c1ccc(OC)c(OC)c1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (i) 'substitution in the phenyl ring to any extent with ... alkoxy'",
    ),
    Case(
        CATH,
        "4-(trifluoromethyl)methcathinone",
        "CNC(C)C(=O)c1ccc(C(F)(F)F)cc1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (i) 'haloalkyl'",
    ),
    Case(
        CATH,
        "4-chloro-N,N-dimethylcathinone",
        "CN(C)C(C)C(=O)c1ccc(Cl)cc1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (i) 'halide'; (iii) 'dialkyl groups'",
    ),
    Case(
        CATH,
        "alpha-PPP (1-phenyl-2-(pyrrolidin-1-yl)propan-1-one)",
        "CC(N1CCCC1)C(=O)c1ccccc1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (iii) 'by inclusion of the nitrogen atom in a cyclic structure' alone",
    ),
    Case(
        CATH,
        "buphedrone (2-(methylamino)-1-phenylbutan-1-one)",
        "CCC(NC)C(=O)c1ccccc1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (ii) 'substitution at the 3-position with an alkyl substituent', (iii) N-alkyl",
    ),
    Case(
        CATH,
        "3-bromo-4-hydroxymethcathinone",
        "CNC(C)C(=O)c1ccc(O)c(Br)c1",
        D_CATH,
        "group",
        BY_GROUP,
        f"{CATH_TEXT}: (i) a halide 'whether or not further substituted ... by one or more other univalent "
        "substituents' (the hydroxy)",
    ),
    Case(
        CATH,
        "4-hydroxymethcathinone",
        "CNC(C)C(=O)c1ccc(O)cc1",
        D_CATH,
        "outside",
        NC,
        f"{CATH_TEXT}: a hydroxy is only an 'other univalent substituent'; without one of the listed ring "
        "substituents it is no modification the clause lists",
    ),
    Case(
        CATH,
        "N-benzyl-4-fluorocathinone",
        "CC(NCc1ccccc1)C(=O)c1ccc(F)cc1",
        D_CATH,
        "outside",
        NC,
        f"{CATH_TEXT}: (iii) 'alkyl or dialkyl groups' - a benzyl is not alkyl",
    ),
    Case(
        CATH,
        "2-(methylamino)-1,3-diphenylpropan-1-one",
        "CNC(Cc1ccccc1)C(=O)c1ccccc1",
        D_CATH,
        "outside",
        NC,
        f"{CATH_TEXT}: (ii) 'at the 3-position with an alkyl substituent' - a phenyl is not alkyl",
    ),
    Case(
        CATH,
        "2-methyl-2-(methylamino)-1-phenylpropan-1-one",
        "CNC(C)(C)C(=O)c1ccccc1",
        D_CATH,
        "outside",
        NC,
        f"{CATH_TEXT}: substitution at the 2-position is none of the modifications (i)-(iii)",
    ),
    Case(
        CATH,
        "bupropion",
        "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1",
        D_CATH,
        "outside",
        NC,
        f"{CATH_TEXT}: 'not being bupropion' (otherwise inside: ring halide, N-tert-butyl)",
    ),
    Case(
        CATH,
        "pyrovalerone",
        "CCCC(N1CCCC1)C(=O)c1ccc(C)cc1",
        D_CATH,
        "outside",
        BY_NAME,
        f"{CATH_TEXT}: 'not being ... pyrovalerone'; Class C by name (gb_named.toml gb-mda-class-c)",
    ),
    # ------------------------------------------------ phenethylamines, Part I para 1(c), SI 1977/1243
    Case(
        PEA,
        "2C-E (4-ethyl-2,5-dimethoxyphenethylamine)",
        "CCc1cc(OC)c(CCN)cc1OC",
        D_PEA,
        "group",
        BY_GROUP,
        f"{PEA_TEXT}: phenethylamine, ring 'alkyl, alkoxy'",
    ),
    Case(
        PEA,
        "2-fluorophenethylamine",
        "NCCc1ccccc1F",
        D_PEA,
        "group",
        BY_GROUP,
        f"{PEA_TEXT}: one 'halide substituent' on phenethylamine is enough",
    ),
    Case(
        PEA,
        "N-ethyl-4-methylamphetamine",
        "CCNC(C)Cc1ccc(C)cc1",
        D_PEA,
        "group",
        BY_GROUP,
        f"{PEA_TEXT}: 'an N-alkyl-alpha-methylphenethylamine', ring alkyl",
    ),
    Case(
        PEA,
        "BDB (1-(1,3-benzodioxol-5-yl)butan-2-amine)",
        "CCC(N)Cc1ccc2OCOc2c1",
        D_PEA,
        "group",
        BY_GROUP,
        f"{PEA_TEXT}: 'alpha-ethylphenethylamine', ring 'alkylenedioxy'",
    ),
    Case(
        PEA,
        "4-cyano-3-methoxyamphetamine",
        "CC(N)Cc1ccc(C#N)c(OC)c1",
        D_PEA,
        "group",
        BY_GROUP,
        f"{PEA_TEXT}: alkoxy 'whether or not further substituted in the ring by one or more other univalent "
        "substituents' (the cyano)",
    ),
    Case(
        PEA,
        "4-cyanoamphetamine",
        "CC(N)Cc1ccc(C#N)cc1",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: a cyano alone is only an 'other univalent substituent', none of the listed ones",
    ),
    Case(
        PEA,
        "4-nitrophenethylamine",
        "NCCc1ccc([N+](=O)[O-])cc1",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: nitro is not among 'alkyl, alkoxy, alkylenedioxy or halide'",
    ),
    Case(
        PEA,
        "1-(4-methylphenyl)pentan-2-amine (alpha-propyl)",
        "CCCC(N)Cc1ccc(C)cc1",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: the parents stop at alpha-ethylphenethylamine; alpha-propyl is one step past",
    ),
    Case(
        PEA,
        "N,N-dimethyl-4-methoxyamphetamine",
        "CN(C)C(C)Cc1ccc(OC)cc1",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: 'an N-alkyl-alpha-methylphenethylamine' has one N-alkyl (the cathinone clause says "
        "'alkyl or dialkyl' where it means two)",
    ),
    Case(
        PEA,
        "2-amino-1-(4-methylphenyl)propan-1-ol",
        "CC(N)C(O)c1ccc(C)cc1",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: a beta-hydroxy group is substitution outside the ring, which the clause does not allow",
    ),
    Case(
        PEA,
        "methoxyphenamine",
        "CNC(C)Cc1ccccc1OC",
        D_PEA,
        "outside",
        NC,
        f"{PEA_TEXT}: 'not being methoxyphenamine'",
    ),
    # ------------------------------------------------ N-benzylphenethylamines, Part I para 1(f), SI 2014/1106
    Case(
        NBN,
        "25B-NBF (2C-B N-(2-fluorobenzyl))",
        "Fc1ccccc1CNCCc1cc(OC)c(Br)cc1OC",
        D_NBN,
        "group",
        BY_GROUP,
        f"{NBN_TEXT}: a (c) compound with 'a benzyl substituent ... substituted in the phenyl ring'",
    ),
    Case(
        NBN,
        "N-benzyl-DOM",
        "CC(Cc1cc(OC)c(C)cc1OC)NCc1ccccc1",
        D_NBN,
        "group",
        BY_GROUP,
        f"{NBN_TEXT}: derived from '2,5-dimethoxy-alpha,4-dimethylphenethylamine' (named) by N-benzyl",
    ),
    Case(
        NBN,
        "N-(4-(trifluoromethyl)benzyl)mescaline",
        "COc1cc(CCNCc2ccc(C(F)(F)F)cc2)cc(OC)c1OC",
        D_NBN,
        "group",
        BY_GROUP,
        f"{NBN_TEXT}: 'mescaline', benzyl 'substituted in the phenyl ring ... to any extent'",
    ),
    Case(
        NBN,
        "25I-NBMD (2C-I N-(1,3-benzodioxol-4-ylmethyl))",
        "Ic1cc(OC)c(CCNCc2cccc3OCOc23)cc1OC",
        D_NBN,
        "group",
        BY_GROUP,
        f"{NBN_TEXT}: a methylenedioxy on the benzyl's phenyl ring is substitution 'to any extent'",
    ),
    Case(
        NBN,
        "25B-NBOMe on 9 June 2014",
        "COc1ccccc1CNCCc1cc(OC)c(Br)cc1OC",
        date(2014, 6, 9),
        "outside",
        NC,
        f"{NBN_TEXT}: the day before SI 2014/1106 came into force (10 June 2014)",
    ),
    Case(
        NBN,
        "25B-NBOMe on 10 June 2014",
        "COc1ccccc1CNCCc1cc(OC)c(Br)cc1OC",
        date(2014, 6, 10),
        "group",
        BY_GROUP,
        f"{NBN_TEXT}: in force 10 June 2014",
    ),
    Case(
        NBN,
        "N-(1-phenylethyl)-2C-B",
        "CC(NCCc1cc(OC)c(Br)cc1OC)c1ccccc1",
        D_NBN,
        "outside",
        NC,
        f"{NBN_TEXT}: 1-phenylethyl is not 'a benzyl substituent' (the benzyl CH2 is substituted)",
    ),
    Case(
        NBN,
        "N-(2-phenylethyl)-2C-B",
        "c1ccc(CCNCCc2cc(OC)c(Br)cc2OC)cc1",
        D_NBN,
        "outside",
        NC,
        f"{NBN_TEXT}: phenethyl is one carbon past 'a benzyl substituent'",
    ),
    Case(
        NBN,
        "N-(2-methoxybenzyl)phenethylamine",
        "COc1ccccc1CNCCc1ccccc1",
        D_NBN,
        "outside",
        NC,
        f"{NBN_TEXT}: phenethylamine itself is no (c) compound (no ring substituent), so not a parent of 1(f)",
    ),
    Case(
        NBN,
        "benzyl(alpha-methyl-3,4-methylenedioxyphenethyl)amine",
        "CC(Cc1ccc2c(c1)OCO2)NCc1ccccc1",
        D_NBN,
        "outside",
        BY_NAME,
        f"{NBN_TEXT}: '(not being benzyl(alpha-methyl-3,4-methylenedioxyphenethyl)amine)'; it is named in "
        "Part I sub-paragraph (ba) (the 1(f) text refers to (ba); the same name is in the 'phenethylamine "
        "derivatives' list of MDR 2001 Schedule 1 para 1(c) [mdr2001-made]), and gb_named.toml's Class A rule "
        "carries it by name from that list ([mdr2001-s1c] in gb_mda_schedule2.txt: the Act's own (ba) not read)",
    ),
    # ------------------------------------------------ tryptamines, Part I para 1(b), 1977 words
    Case(
        TRY,
        "MiPT (N-methyl-N-isopropyltryptamine)",
        "CC(C)N(C)CCc1c[nH]c2ccccc12",
        D_TRY,
        "group",
        BY_GROUP,
        f"{TRY_TEXT}: 'one or more alkyl substituents' on the sidechain nitrogen",
    ),
    Case(
        TRY,
        "NMT (N-methyltryptamine)",
        "CNCCc1c[nH]c2ccccc12",
        D_TRY,
        "group",
        BY_GROUP,
        f"{TRY_TEXT}: one alkyl substituent is enough",
    ),
    Case(
        TRY,
        "DBT (N,N-dibutyltryptamine)",
        "CCCCN(CCCC)CCc1c[nH]c2ccccc12",
        D_TRY,
        "group",
        BY_GROUP,
        f"{TRY_TEXT}: 'alkyl' has no carbon limit",
    ),
    Case(
        TRY,
        "5-HO-DiPT",
        "CC(C)N(CCc1c[nH]c2ccc(O)cc12)C(C)C",
        D_TRY,
        "group",
        BY_GROUP,
        f"{TRY_TEXT}: 'a ring-hydroxy tryptamine' with N-alkyl groups",
    ),
    Case(
        TRY,
        "5,6-dihydroxy-DMT",
        "CN(C)CCc1c[nH]c2cc(O)c(O)cc12",
        D_TRY,
        "group",
        BY_GROUP,
        f"{TRY_TEXT}: a ring-hydroxy tryptamine with two hydroxy groups",
    ),
    Case(
        TRY,
        "DALT (N,N-diallyltryptamine)",
        "C=CCN(CC=C)CCc1c[nH]c2ccccc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: allyl is alkenyl, not 'alkyl' ('but no other substituent')",
    ),
    Case(
        TRY,
        "5-fluoro-DMT",
        "CN(C)CCc1c[nH]c2ccc(F)cc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: a ring fluorine is neither 'ring-hydroxy' nor allowed ('no other substituent')",
    ),
    Case(
        TRY,
        "1-methyl-DMT",
        "CN(C)CCc1cn(C)c2ccccc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: substitution at the indole nitrogen - 'no other substituent'",
    ),
    Case(
        TRY,
        "2-methyl-DMT",
        "CN(C)CCc1c(C)[nH]c2ccccc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: substitution at C-2 - 'no other substituent'",
    ),
    Case(
        TRY,
        "AMT (alpha-methyltryptamine) in 2012",
        "CC(N)Cc1c[nH]c2ccccc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: no alkyl on the nitrogen, a methyl on the sidechain carbon (controlled only from 7 January "
        "2015, Home Office Circular 001/2015)",
    ),
    Case(
        TRY,
        "N-benzyl-N-methyltryptamine",
        "CN(Cc1ccccc1)CCc1c[nH]c2ccccc12",
        D_TRY,
        "outside",
        NC,
        f"{TRY_TEXT}: a benzyl on the nitrogen is 'other substituent'",
    ),
    # ------------------------------------------------ synthetic cannabinoids, SI 2009/3209
    Case(
        SC09,
        "JWH-122 (4-methylnaphthoyl)",
        "CCCCCn1cc(C(=O)c2ccc(C)c3ccccc23)c2ccccc21",
        D_SC09,
        "group",
        BY_GROUP,
        f"{SC09_TEXT} [si2009-3209]: N-alkyl, 'substituted in the naphthyl ring to any extent'",
    ),
    Case(
        SC09,
        "JWH-022 (N-pent-4-enyl)",
        "C=CCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC09,
        "group",
        BY_GROUP,
        f"{SC09_TEXT} [si2009-3209]: 'alkenyl' on the indole nitrogen",
    ),
    Case(
        SC09,
        "1-(cyclohexylmethyl)-3-(1-naphthoyl)indole",
        "O=C(c1cn(CC2CCCCC2)c2ccccc12)c1cccc2ccccc12",
        D_SC09,
        "group",
        BY_GROUP,
        f"{SC09_TEXT} [si2009-3209]: 'cycloalkylmethyl'",
    ),
    Case(
        SC09,
        "5-bromo-2-methyl-JWH-018",
        "CCCCCn1c(C)c(C(=O)c2cccc3ccccc23)c2ccc(Br)cc21",
        D_SC09,
        "group",
        BY_GROUP,
        f"{SC09_TEXT} [si2009-3209]: 'further substituted in the indole ring to any extent'",
    ),
    Case(
        SC09,
        "JWH-203 (1-pentyl-3-(2-chlorophenylacetyl)indole)",
        "CCCCCn1cc(C(=O)Cc2ccccc2Cl)c2ccccc21",
        D_SC09,
        "group",
        BY_GROUP,
        f"{SC09_TEXT} [gb.toml:gb-mda-cannabinoids-2009]: '3-phenylacetylindole by substitution at the nitrogen "
        "atom', phenyl substituted",
    ),
    Case(
        SC09,
        "AM-2201 (N-(5-fluoropentyl)) in 2011",
        "FCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC09,
        "outside",
        NC,
        f"{SC09_TEXT} [si2009-3209]: the nitrogen substituents are 'alkyl, alkenyl, cycloalkylmethyl, "
        "cycloalkylethyl or 2-(4-morpholinyl)ethyl' - no haloalkyl (added by SI 2013/239, [si2013-177])",
    ),
    Case(
        SC09,
        "1-(4-cyanobutyl)-3-(1-naphthoyl)indole in 2011",
        "N#CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC09,
        "outside",
        NC,
        f"{SC09_TEXT} [si2009-3209]: cyanoalkyl is not in the 2009 list",
    ),
    Case(
        SC09,
        "1-pentyl-3-(2-naphthoyl)indole in 2011",
        "CCCCCn1cc(C(=O)c2ccc3ccccc3c2)c2ccccc21",
        D_SC09,
        "outside",
        NC,
        f"{SC09_TEXT} [si2009-3209]: the parent is '3-(1-naphthoyl)indole'; 2-naphthoyl is another parent",
    ),
    Case(
        SC09,
        "1-benzyl-3-(1-naphthoyl)indole in 2011",
        "O=C(c1cn(Cc2ccccc2)c2ccccc12)c1cccc2ccccc12",
        D_SC09,
        "outside",
        NC,
        f"{SC09_TEXT} [si2009-3209]: benzyl is not in the list of nitrogen substituents",
    ),
    # ------------------------------------------------ cyclohexylphenols, SI 2009/3209
    Case(
        CHP,
        "CP 47,497",
        "CCCCCCC(C)(C)c1ccc(C2CCCC(O)C2)c(O)c1",
        D_SC09,
        "group",
        BY_GROUP,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: 5-position 'alkyl'",
    ),
    Case(
        CHP,
        "5-(hept-6-enyl)-2-(3-hydroxycyclohexyl)phenol",
        "C=CCCCCCc1ccc(C2CCCC(O)C2)c(O)c1",
        D_SC09,
        "group",
        BY_GROUP,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: 5-position 'alkenyl'",
    ),
    Case(
        CHP,
        "CP 47,497 with a 2,2-dimethylcyclohexyl ring",
        "CCCCCCC(C)(C)c1ccc(C2CCCC(O)C2(C)C)c(O)c1",
        D_SC09,
        "group",
        BY_GROUP,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: 'whether or not "
        "substituted in the cyclohexyl ring to any extent'",
    ),
    Case(
        CHP,
        "2-(3-hydroxycyclohexyl)-4-(2-methyloctan-2-yl)phenol",
        "CCCCCCC(C)(C)c1cc(C2CCCC(O)C2)c(O)cc1",
        D_SC09,
        "outside",
        NC,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: the alkyl at the 4-, not "
        "'the 5-position of the phenolic ring'",
    ),
    Case(
        CHP,
        "5-benzyl-2-(3-hydroxycyclohexyl)phenol",
        "Oc1cc(Cc2ccccc2)ccc1C1CCCC(O)C1",
        D_SC09,
        "outside",
        NC,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: benzyl is not among the "
        "5-position substituents",
    ),
    Case(
        CHP,
        "3-[2-hydroxy-4-(2-methyloctan-2-yl)phenyl]cyclohexanone",
        "O=C1CCCC(C1)c1ccc(C(C)(C)CCCCCC)cc1O",
        D_SC09,
        "outside",
        NC,
        "2-(3-hydroxycyclohexyl)phenol clause [gb.toml:gb-mda-cyclohexylphenols]: the 3-hydroxy of the "
        "parent is gone (oxo), which is no substitution",
    ),
    # ------------------------------------------------ synthetic cannabinoids, SI 2013/239
    Case(
        SC13,
        "AM-2201 in 2014",
        "FCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC13,
        "group",
        BY_GROUP,
        f"{SC13_TEXT}: 'haloalkyl' on the indole nitrogen",
    ),
    Case(
        SC13,
        "1-pentyl-3-(2-naphthoyl)indole in 2014",
        "CCCCCn1cc(C(=O)c2ccc3ccccc3c2)c2ccccc21",
        D_SC13,
        "group",
        BY_GROUP,
        f"{SC13_TEXT}: '3-(2-naphthoyl)indole' is a parent from 2013",
    ),
    Case(
        SC13,
        "1-(5-hydroxypentyl)-3-(1-naphthoyl)indole",
        "OCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC13,
        "group",
        BY_GROUP,
        f"{SC13_TEXT}: 'hydroxyalkyl'",
    ),
    Case(
        SC13,
        "1-pentyl-3-(2-naphthoyl)pyrrole",
        "CCCCCn1ccc(C(=O)c2ccc3ccccc3c2)c1",
        D_SC13,
        "group",
        BY_GROUP,
        f"{SC13_TEXT}: '3-(2-naphthoyl)pyrrole', para (m)",
    ),
    Case(
        SC13,
        "1-[(1-methylpiperidin-2-yl)methyl]-3-(1-naphthylmethyl)indole",
        "CN1CCCCC1Cn1cc(Cc2cccc3ccccc23)c2ccccc21",
        D_SC13,
        "group",
        BY_GROUP,
        f"{SC13_TEXT}: '1H-indol-3-yl-(1-naphthyl)methane', '(N-methylpiperidin-2-yl)methyl'",
    ),
    Case(
        SC13,
        "1-(4-cyclohexylbutyl)-3-(1-naphthoyl)indole",
        "O=C(c1cn(CCCCC2CCCCC2)c2ccccc12)c1cccc2ccccc12",
        D_SC13,
        "outside",
        NC,
        f"{SC13_TEXT}: 'cycloalkylmethyl, cycloalkylethyl' - cycloalkylbutyl is past the list",
    ),
    Case(
        SC13,
        "1-pentyl-3-(1-naphthoyl)indazole (THJ-018) in 2014",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC13,
        "outside",
        NC,
        f"{SC13_TEXT}: an indazole is not the indole (or pyrrole) ring the parents name",
    ),
    Case(
        SC13,
        "1-propanoyl-3-(1-naphthoyl)indole",
        "CCC(=O)n1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC13,
        "outside",
        NC,
        f"{SC13_TEXT}: an acyl (propanoyl) is none of the listed nitrogen substituents",
    ),
    # ------------------------------------------------ third-generation cannabinoids, para 1(ca), 2016 words
    Case(
        SC16,
        "THJ-018 (1-pentyl-3-(1-naphthoyl)indazole) in 2017",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC16,
        "group",
        BY_GROUP,
        f"{SC16_TEXT}: (i) 'replacement of the indole ring with ... indazole'; the other three sub-structures "
        "unmodified",
    ),
    Case(
        SC16,
        "1-pentyl-2-(1-naphthoyl)benzimidazole",
        "CCCCCn1c(C(=O)c2cccc3ccccc23)nc2ccccc21",
        D_SC16,
        "group",
        BY_GROUP,
        f"{SC16_TEXT}: (i) 'benzimidazole'",
    ),
    Case(
        SC16,
        "1-pentyl-3-(1-naphthoyl)pyrazolo[3,4-b]pyridine",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cccnc21",
        D_SC16,
        "group",
        BY_GROUP,
        f"{SC16_TEXT}: (i) 'pyrazolo[3,4-b]pyridine'",
    ),
    Case(
        SC16,
        "5-amino-THJ-018 in 2017",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(N)ccc21",
        D_SC16,
        "group",
        BY_GROUP,
        f"{SC16_TEXT}: 'substituted in any of the linked sub-structures with one or more univalent substituents'",
    ),
    Case(
        SC16,
        "5-hydroxy-JWH-018 in 2017",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccc(O)cc21",
        D_SC16,
        "aside",
        BY_GROUP,
        f"{SC16_TEXT}: inside the words, but '(not being ... a compound for the time being specified in "
        "sub-paragraph (c))' - a 2013 naphthoylindole 'further substituted in the indole ring'",
    ),
    Case(
        SC16,
        "1-pentyl-3-(1-naphthoyl)pyrazolo[4,3-c]pyridine",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cnccc21",
        D_SC16,
        "outside",
        NC,
        f"{SC16_TEXT}: (i) lists 'pyrazolo[3,4-b]pyridine' only among the pyrazolopyridines",
    ),
    Case(
        SC16,
        "EG-018 (naphthalen-1-yl(9-pentylcarbazol-3-yl)methanone)",
        "CCCCCn1c2ccccc2c2cc(C(=O)c3cccc4ccccc34)ccc21",
        D_SC16,
        "outside",
        NC,
        f"{SC16_TEXT}: carbazole is not among the replacements of the indole ring listed in (i)",
    ),
    Case(
        SC16,
        "zafirlukast",
        "COc1cc(ccc1Cc1cn(C)c2ccc(NC(=O)OC3CCCC3)cc12)C(=O)NS(=O)(=O)c1ccccc1C",
        D_SC16,
        "outside",
        NC,
        f"{SC16_TEXT}: named exclusion ('not being ... zafirlukast')",
    ),
    Case(
        SC16,
        "indometacin",
        "COc1ccc2c(c1)c(CC(=O)O)c(C)n2C(=O)c1ccc(Cl)cc1",
        D_SC16,
        "outside",
        NC,
        f"{SC16_TEXT}: named exclusion ('not being ... indometacin')",
    ),
    # ------------------------------------------------ para 1(ca) as narrowed by SI 2019/1323
    Case(
        SC19,
        "THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC19,
        "group",
        BY_GROUP,
        f"{SC19_TEXT}: (i) indazole, nothing else modified",
    ),
    Case(
        SC19,
        "5-chloro-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(Cl)ccc21",
        D_SC19,
        "group",
        BY_GROUP,
        f"{SC19_TEXT}: 'further substituted to any extent with ... halide'",
    ),
    Case(
        SC19,
        "5-phenyl-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(-c3ccccc3)ccc21",
        D_SC19,
        "group",
        BY_GROUP,
        f"{SC19_TEXT}: 'substituted in any of the linked sub-structures with a benzyl or phenyl group'",
    ),
    Case(
        SC19,
        "5-cyano-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(C#N)ccc21",
        D_SC19,
        "group",
        BY_GROUP,
        f"{SC19_TEXT}: '... haloalkyl or cyano substituents'",
    ),
    Case(
        SC19,
        "5-amino-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(N)ccc21",
        D_SC19,
        "outside",
        NC,
        f"{SC19_TEXT}: amino is not among 'alkyl, alkenyl, alkoxy, halide, haloalkyl or cyano' (inside in 2017)",
    ),
    Case(
        SC19,
        "5-hydroxy-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc(O)ccc21",
        D_SC19,
        "outside",
        NC,
        f"{SC19_TEXT}: hydroxy is not among the listed substituents",
    ),
    Case(
        SC19,
        "5-nitro-THJ-018 in 2020",
        "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2cc([N+](=O)[O-])ccc21",
        D_SC19,
        "outside",
        NC,
        f"{SC19_TEXT}: nitro is not among the listed substituents",
    ),
    Case(
        SC19,
        "JWH-018 in 2020",
        "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        D_SC19,
        "aside",
        BY_GROUP,
        f"{SC19_TEXT}: the reference compound, '(not being a compound for the time being specified in "
        "sub-paragraph (c) above)'",
    ),
    # ------------------------------------------------ piperazines, Part III, SI 2009/3209, (i) only
    Case(
        PIP,
        "1-benzylpiperazine (BZP)",
        "C1CN(CCN1)Cc1ccccc1",
        D_PIP,
        "group",
        BY_GROUP,
        f"{PIP_TEXT}: '1-benzylpiperazine or any compound ...' - named in the clause",
    ),
    Case(
        PIP,
        "1-benzyl-4-(2-fluoroethyl)piperazine",
        "FCCN1CCN(Cc2ccccc2)CC1",
        D_PIP,
        "group",
        BY_GROUP,
        f"{PIP_TEXT}: 'substitution at the second nitrogen atom ... with ... haloalkyl'",
    ),
    Case(
        PIP,
        "1,4-diphenylpiperazine",
        "C1CN(CCN1c1ccccc1)c1ccccc1",
        D_PIP,
        "group",
        BY_GROUP,
        f"{PIP_TEXT}: 1-phenylpiperazine with 'phenyl' at the second nitrogen",
    ),
    Case(
        PIP,
        "1-ethyl-4-phenylpiperazine",
        "CCN1CCN(c2ccccc2)CC1",
        D_PIP,
        "group",
        BY_GROUP,
        f"{PIP_TEXT}: 1-phenylpiperazine with 'alkyl' at the second nitrogen",
    ),
    Case(
        PIP,
        "1-benzyl-4-methylpiperazine (MBZP) on 22 December 2009",
        "CN1CCN(Cc2ccccc2)CC1",
        date(2009, 12, 22),
        "outside",
        NC,
        f"{PIP_TEXT}: the day before SI 2009/3209 came into force (23 December 2009)",
    ),
    Case(
        PIP,
        "1-phenylpiperazine",
        "C1CN(CCN1)c1ccccc1",
        D_PIP,
        "outside",
        NC,
        f"{PIP_TEXT}: only 1-benzylpiperazine is named; 1-phenylpiperazine is a parent 'by modification'",
    ),
    Case(
        PIP,
        "1-acetyl-4-benzylpiperazine",
        "CC(=O)N1CCN(Cc2ccccc2)CC1",
        D_PIP,
        "outside",
        NC,
        f"{PIP_TEXT}: acetyl is not among 'alkyl, benzyl, haloalkyl or phenyl groups'",
    ),
    Case(
        PIP,
        "1-allyl-4-benzylpiperazine",
        "C=CCN1CCN(Cc2ccccc2)CC1",
        D_PIP,
        "outside",
        NC,
        f"{PIP_TEXT}: alkenyl is not among 'alkyl, benzyl, haloalkyl or phenyl groups'",
    ),
    # ------------------------------------------------ arylcyclohexylamines, Part II para 1(d), SI 2013/239
    Case(
        ACH,
        "1-phenylcyclohexylamine",
        "NC1(c2ccccc2)CCCCC1",
        D_ACH,
        "group",
        BY_GROUP,
        f"{ACH_TEXT}: '1-Phenylcyclohexylamine or any compound ...' - named in the clause",
    ),
    Case(
        ACH,
        "N-propyl-1-phenylcyclohexylamine",
        "CCCNC1(c2ccccc2)CCCCC1",
        D_ACH,
        "group",
        BY_GROUP,
        f"{ACH_TEXT}: 'substitution at the nitrogen atom to any extent by alkyl'",
    ),
    Case(
        ACH,
        "N-(2-hydroxyethyl)-1-phenylcyclohexylamine",
        "OCCNC1(c2ccccc2)CCCCC1",
        D_ACH,
        "group",
        BY_GROUP,
        f"{ACH_TEXT}: 'hydroxyalkyl groups'",
    ),
    Case(
        ACH,
        "2-(ethylamino)-2-phenylcyclohexanone",
        "CCNC1(c2ccccc2)CCCCC1=O",
        D_ACH,
        "group",
        BY_GROUP,
        f"{ACH_TEXT}: '2-amino-2-phenylcyclohexanone' with N-alkyl",
    ),
    Case(
        ACH,
        "2-phenyl-2-(pyrrolidin-1-yl)cyclohexanone",
        "O=C1CCCCC1(N1CCCC1)c1ccccc1",
        D_ACH,
        "group",
        BY_GROUP,
        f"{ACH_TEXT}: 'replacement of the amino group with a ... 1-pyrrolidyl ... group'",
    ),
    Case(
        ACH,
        "N-propyl-1-phenylcyclohexylamine on 25 February 2013",
        "CCCNC1(c2ccccc2)CCCCC1",
        date(2013, 2, 25),
        "outside",
        NC,
        f"{ACH_TEXT}: the day before SI 2013/239 came into force (26 February 2013)",
    ),
    Case(
        ACH,
        "phencyclidine",
        "C1CCN(CC1)C1(c2ccccc2)CCCCC1",
        D_ACH,
        "aside",
        BY_NAME,
        f"{ACH_TEXT}: 1-piperidyl, but '(not being ... a compound for the time being specified in paragraph "
        "1(a) of Part 1)': Class A by name",
    ),
    Case(
        ACH,
        "4-(1-phenylcyclohexyl)morpholine (PCMo)",
        "C1COCCN1C1(c2ccccc2)CCCCC1",
        D_ACH,
        "outside",
        NC,
        f"{ACH_TEXT}: morpholinyl is not among '1-piperidyl, 1-pyrrolidyl or 1-azepyl'",
    ),
    Case(
        ACH,
        "1-(1-phenylcyclohexyl)azocane",
        "C1CCCN(CCC1)C1(c2ccccc2)CCCCC1",
        D_ACH,
        "outside",
        NC,
        f"{ACH_TEXT}: azocanyl (8-membered) is one ring size past '1-azepyl'",
    ),
    Case(
        ACH,
        "2-amino-2-phenylcyclohexanone",
        "NC1(c2ccccc2)CCCCC1=O",
        D_ACH,
        "outside",
        NC,
        f"{ACH_TEXT}: the second parent is not named, only its modifications",
    ),
    Case(
        ACH,
        "tiletamine",
        "CCNC1(c2cccs2)CCCCC1=O",
        D_ACH,
        "outside",
        NC,
        f"{ACH_TEXT}: 'not being ketamine, tiletamine'",
    ),
    Case(
        ACH,
        "N-acetyl-1-phenylcyclohexylamine",
        "CC(=O)NC1(c2ccccc2)CCCCC1",
        D_ACH,
        "outside",
        NC,
        f"{ACH_TEXT}: acetyl is none of 'alkyl, alkenyl or hydroxyalkyl groups' (the words after 'whe[...]' "
        "were not read)",
    ),
    # ------------------------------------------------ nitazenes, Part I para 1(ea), SI 2024/1361
    Case(
        NIT,
        "2-[2-(4-ethoxybenzyl)benzimidazol-1-yl]-N,N-dimethylethanamine",
        "CN(C)CCn1c(Cc2ccc(OCC)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (i) methyl groups, (ii) 'alkoxy'",
    ),
    Case(
        NIT,
        "N,N-dipropyl-2-[2-(4-methoxybenzyl)benzimidazol-1-yl]ethanamine",
        "CCCN(CCC)CCn1c(Cc2ccc(OC)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (i) 'alkyl substituents containing up to three carbon atoms' at the limit",
    ),
    Case(
        NIT,
        "N,N-diallyl-2-[2-(4-methoxybenzyl)benzimidazol-1-yl]ethanamine",
        "C=CCN(CC=C)CCn1c(Cc2ccc(OC)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (i) 'alkenyl substituents containing up to three carbon atoms'",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-(2-benzylbenzimidazol-1-yl)ethanamine",
        "CCN(CC)CCn1c(Cc2ccccc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: modification (i) alone",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-hexylbenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(CCCCCC)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (ii) 'alkyl ... containing up to six carbon atoms' at the limit",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-pentylthiobenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(SCCCCC)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (ii) 'thioalkyl containing up to five carbon atoms' at the limit",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-[4-(5-fluoropentyloxy)benzyl]benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(OCCCCCF)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (ii) 'haloalkoxy containing up to five carbon atoms' at the limit",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-acetyloxybenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(OC(C)=O)cc2)nc2ccccc21",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (ii) 'acetyloxy'",
    ),
    Case(
        NIT,
        "2-(4-ethoxybenzyl)-1-[2-(piperidin-1-yl)ethyl]benzimidazole (N-piperidino etodesnitazene)",
        "CCOc1ccc(Cc2nc3ccccc3n2CCN2CCCCC2)cc1",
        D_NIT,
        "group",
        BY_GROUP,
        f"{NIT_TEXT}: (i) 'inclusion of the nitrogen atom (and no other atoms of the side chain) in a cyclic "
        "structure'",
    ),
    Case(
        NIT,
        "protodesnitazene on 14 January 2025",
        "CCCOc1ccc(Cc2nc3ccccc3n2CCN(CC)CC)cc1",
        date(2025, 1, 14),
        "outside",
        NC,
        f"{NIT_TEXT}: the day before SI 2024/1361 came into force (15 January 2025)",
    ),
    Case(
        NIT,
        "N-butyl-N-methyl-2-[2-(4-methoxybenzyl)benzimidazol-1-yl]ethanamine",
        "CCCCN(C)CCn1c(Cc2ccc(OC)cc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (i) butyl is one carbon past 'up to three carbon atoms'",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-heptylbenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(CCCCCCC)cc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (ii) heptyl is one carbon past 'alkyl ... containing up to six carbon atoms'",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-hexyloxybenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(OCCCCCC)cc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (ii) hexyloxy is one carbon past 'alkoxy ... containing up to five carbon atoms'",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-[4-(6-fluorohexyloxy)benzyl]benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(OCCCCCCF)cc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (ii) one carbon past 'haloalkoxy containing up to five carbon atoms' (captured until the "
        "gb.toml fix of 6 December 2026)",
    ),
    Case(
        NIT,
        "N,N-diethyl-2-[2-(4-hexylthiobenzyl)benzimidazol-1-yl]ethanamine",
        "CCN(CC)CCn1c(Cc2ccc(SCCCCCC)cc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (ii) one carbon past 'thioalkyl containing up to five carbon atoms'",
    ),
    Case(
        NIT,
        "2-(2-benzylbenzimidazol-1-yl)ethanamine",
        "NCCn1c(Cc2ccccc2)nc2ccccc21",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: the parent itself is not 'derived ... by modification'",
    ),
    Case(
        NIT,
        "2-(4-ethoxybenzyl)-1-(pyrrolidin-2-ylmethyl)benzimidazole",
        "CCOc1ccc(Cc2nc3ccccc3n2CC2CCCN2)cc1",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (i) the ring takes in a side-chain carbon: '(and no other atoms of the side chain)'",
    ),
    Case(
        NIT,
        "2-[2-(4-ethoxy-3,5-diiodobenzyl)benzimidazol-1-yl]-N,N-diethylethanamine (about 603 u)",
        "CCOc1c(I)cc(Cc2nc3ccccc3n2CCN(CC)CC)cc1I",
        D_NIT,
        "outside",
        NC,
        f"{NIT_TEXT}: (i) and (ii) as listed, but past 'a maximum molecular mass of 500 atomic mass units'",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=f"{case.rule}/{case.capture}/{case.name}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_clause_case(classifier: Classifier, case: Case) -> None:
    answer = classifier.classify(identify(case.smiles), jurisdictions=["GB"], as_of=case.day).results["GB"]
    matched = {m.rule_id for m in answer.matches}
    aside = {s.match.rule_id for s in answer.set_aside}
    if case.capture == "group":
        assert case.rule in matched, f"{case.clause}: {sorted(matched)} / aside {sorted(aside)}"
    elif case.capture == "aside":
        assert case.rule not in matched and case.rule in aside, f"{case.clause}: {sorted(matched)}"
    else:
        assert case.rule not in matched and case.rule not in aside, f"{case.clause}: captured"
    assert answer.status == case.status, f"{case.clause}: {answer.status} {sorted(matched)}"


def test_every_clause_has_inside_and_outside_cases() -> None:
    for rule in (CATH, PEA, NBN, TRY, SC09, CHP, SC13, SC16, SC19, PIP, ACH, NIT):
        cases = [c for c in CASES if c.rule == rule]
        assert sum(c.capture != "outside" for c in cases) >= 3, rule
        assert sum(c.capture == "outside" for c in cases) >= 2, rule


def test_every_smiles_parses() -> None:
    from rdkit import Chem

    for case in CASES:
        assert Chem.MolFromSmiles(case.smiles) is not None, case.name
