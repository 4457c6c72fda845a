"""US Controlled Substances Act answers on 4 December 2026 for the DEA actions of 2022-2026 read in the
Federal Register (chemistry/rules/sources/us_21cfr1308_amendments.txt).

Each expectation is written from the text named in its docstring (summary, DATES, published and effective
dates), not from running the engine. Structures are OPSIN's parse of the chemical name printed in the rule,
or for the benzodiazepines (whose printed names were not read) the structures already used for their 2023
temporary listing.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 4)
SCHEDULE_I = "us-csa-schedule-i"
TEMPORARY = "us-csa-schedule-i-temporary"


@pytest.fixture(scope="module")
def us() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "us.toml", RULES_DIR / "us_csa.toml"]))


def _rules_on(classifier: Classifier, smiles: str, on: date) -> set[str]:
    result = classifier.classify(identify(smiles), jurisdictions=["US"], as_of=on).results["US"]
    return {m.rule_id for m in result.matches}


# 88 FR 48112 (temporary, effective 26 July 2023), extended to 26 July 2026; FR Doc. 2026-04112 (91 FR 9985):
# "places clonazolam, diclazepam, etizolam, flualprazolam, and flubromazolam ... in schedule I", effective 1 April 2026
BENZODIAZEPINES = [
    ("etizolam", "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl"),
    ("flualprazolam", "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2"),
    ("clonazolam", "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2"),
    ("flubromazolam", "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1F)=NC2"),
    ("diclazepam", "CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21"),
]


@pytest.mark.parametrize(("name", "smiles"), BENZODIAZEPINES, ids=[b[0] for b in BENZODIAZEPINES])
def test_the_2023_benzodiazepines_are_permanently_schedule_i_from_1_april_2026(us, name, smiles):
    before = _rules_on(us, smiles, date(2026, 3, 31))
    assert TEMPORARY in before and SCHEDULE_I not in before, name
    after = _rules_on(us, smiles, date(2026, 4, 1))
    assert SCHEDULE_I in after and TEMPORARY not in after, name
    assert SCHEDULE_I in _rules_on(us, smiles, TODAY), name


def test_zipeprol_is_schedule_i_from_21_december_2022(us):
    """87 FR 70717: places zipeprol (1-methoxy-3-[4-(2-methoxy-2-phenylethyl)piperazin-1-yl]-1-phenylpropan-2-ol)
    in schedule I; "Effective December 21, 2022"."""
    zipeprol = "COC(CN1CCN(CC(O)C(OC)c2ccccc2)CC1)c1ccccc1"
    assert SCHEDULE_I not in _rules_on(us, zipeprol, date(2022, 12, 20))
    assert SCHEDULE_I in _rules_on(us, zipeprol, date(2022, 12, 21))
    assert SCHEDULE_I in _rules_on(us, zipeprol, TODAY)


def test_mesocarb_is_schedule_i_today(us):
    """87 FR 71247 (22 November 2022): places mesocarb (N-phenyl-N'-(3-(1-phenylpropan-2-yl)-1,2,3-oxadiazol-3-ium-
    5-yl)carbamimidate) in schedule I; drawn here as the zwitterion that name describes."""
    mesocarb = "CC(Cc1ccccc1)[n+]1cc(N=C([O-])Nc2ccccc2)on1"
    assert SCHEDULE_I in _rules_on(us, mesocarb, TODAY)


def test_hexahydrocannabinol_is_schedule_i_today(us):
    """FR Doc. 2026-08595: HHC (6,6,9-trimethyl-3-pentyl-6a,7,8,9,10,10a-hexahydro-6H-benzo[c]chromen-1-ol) "is a
    schedule I controlled substance" and is now listed specifically among the hallucinogenic substances; the
    listing covers its isomers (1308.11(d)), so a single stereoisomer is matched too."""
    hhc = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
    hhc_one_isomer = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CC[C@@H](C)C[C@H]21"
    assert SCHEDULE_I in _rules_on(us, hhc, TODAY)
    assert SCHEDULE_I in _rules_on(us, hhc_one_isomer, TODAY)


def test_the_2019_cathinones_are_still_controlled_today(us):
    """84 FR 34291: N-ethylhexedrone (2-(ethylamino)-1-phenylhexan-1-one) and alpha-PHP temporarily in schedule I from
    18 July 2019, extended to 18 July 2022 (86 FR 37672); DEA proposed their permanent placement (86 FR 37719).
    The final rule was not read, so the temporary listing is left open: either way they are schedule I today."""
    n_ethylhexedrone = "CCCCC(NCC)C(=O)c1ccccc1"
    alpha_php = "CCCCC(N1CCCC1)C(=O)c1ccccc1"
    for smiles in (n_ethylhexedrone, alpha_php):
        assert {SCHEDULE_I, TEMPORARY} & _rules_on(us, smiles, TODAY), smiles
    assert not {SCHEDULE_I, TEMPORARY} & _rules_on(us, n_ethylhexedrone, date(2019, 7, 17))


def test_meta_fluorofentanyl_is_listed_by_name_from_7_december_2023(us):
    """88 FR 85104 places meta-fluorofentanyl (N-(3-fluorophenyl)-N-(1-phenethylpiperidin-4-yl)propionamide),
    until then a fentanyl-related substance of the 2018 class order, in schedule I, "Effective date: December 7,
    2023": from that day the named listing answers and the class steps aside."""
    meta_fluorofentanyl = "CCC(=O)N(c1cccc(F)c1)C1CCN(CCc2ccccc2)CC1"
    before = _rules_on(us, meta_fluorofentanyl, date(2023, 12, 6))
    assert before == {"us-csa-fentanyl-related-substances"}
    assert _rules_on(us, meta_fluorofentanyl, date(2023, 12, 7)) == {SCHEDULE_I}


SCHEDULE_V = "us-csa-schedule-v"


def test_methoxetamine_is_schedule_i_from_6_july_2022(us):
    """87 FR 34166 (FR Doc. 2022-11933): places 2-(ethylamino)-2-(3-methoxyphenyl)cyclohexan-1-one (methoxetamine,
    MXE), "including its salts, isomers, and salts of isomers", in schedule I; "Effective July 6, 2022"."""
    mxe = "CCNC1(c2cccc(OC)c2)CCCCC1=O"
    mxe_one_enantiomer = "CCN[C@@]1(c2cccc(OC)c2)CCCCC1=O"
    assert SCHEDULE_I not in _rules_on(us, mxe, date(2022, 7, 5))
    assert SCHEDULE_I in _rules_on(us, mxe, date(2022, 7, 6))
    assert SCHEDULE_I in _rules_on(us, mxe, TODAY)
    assert SCHEDULE_I in _rules_on(us, mxe_one_enantiomer, TODAY)


def test_cenobamate_is_schedule_v_from_10_march_2020_as_the_printed_isomer(us):
    """85 FR 13741 (interim final rule): places cenobamate, "[(1R)-1-(2-chlorophenyl)-2-(tetrazol-2-yl)ethyl]
    carbamate", "including its salts" in schedule V; "The effective date of this rulemaking is March 10, 2020".
    Salts only, not isomers: the (1S) enantiomer is not the listed substance."""
    cenobamate = "NC(=O)O[C@@H](Cn1ncnn1)c1ccccc1Cl"
    enantiomer = "NC(=O)O[C@H](Cn1ncnn1)c1ccccc1Cl"
    assert SCHEDULE_V not in _rules_on(us, cenobamate, date(2020, 3, 9))
    assert SCHEDULE_V in _rules_on(us, cenobamate, date(2020, 3, 10))
    assert SCHEDULE_V in _rules_on(us, cenobamate, TODAY)
    assert SCHEDULE_V not in _rules_on(us, enantiomer, TODAY)


def test_lasmiditan_is_schedule_v_from_31_january_2020(us):
    """85 FR 5557 (interim final rule): places lasmiditan (2,4,6-trifluoro-N-(6-(1-methylpiperidine-4-carbonyl)
    pyridine-2-yl-benzamide, as printed) in schedule V; "The effective date of this rulemaking is January 31, 2020";
    kept by the final rule 86 FR 27803."""
    lasmiditan = "CN1CCC(CC1)C(=O)c1cccc(NC(=O)c2c(F)cc(F)cc2F)n1"
    assert SCHEDULE_V not in _rules_on(us, lasmiditan, date(2020, 1, 30))
    assert SCHEDULE_V in _rules_on(us, lasmiditan, date(2020, 1, 31))
    assert SCHEDULE_V in _rules_on(us, lasmiditan, TODAY)


# Second sweep of the 2015-2022 actions: the dates on which entries of the March 2022 eCFR text came into force,
# from the DATES of the orders read (the temporary order's where one preceded the permanent listing).
DATED_ENTRIES = [
    # 81 FR 22023: AH-7921 (3,4-dichloro-N-[(1-dimethylamino)cyclohexylmethyl]benzamide), "Effective May 16, 2016"
    ("AH-7921", "CN(C)C1(CNC(=O)c2ccc(Cl)c(Cl)c2)CCCCC1", date(2016, 5, 16)),
    # 80 FR 5042: AB-CHMINACA, temporary final order "effective January 30, 2015"
    ("AB-CHMINACA", "CC(C)C(NC(=O)c1nn(CC2CCCCC2)c2ccccc12)C(N)=O", date(2015, 1, 30)),
    # 82 FR 49504: tetrahydrofuranyl fentanyl (N-(1-phenethylpiperidin-4-yl)-N-phenyltetrahydrofuran-2-carboxamide),
    # temporary scheduling order "effective October 26, 2017"
    ("tetrahydrofuranyl fentanyl", "O=C(C1CCCO1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", date(2017, 10, 26)),
    # 82 FR 17119: 5F-ADB (methyl 2-(1-(5-fluoropentyl)-1H-indazole-3-carboxamido)-3,3-dimethylbutanoate),
    # "effective on April 10, 2017"; made permanent by 85 FR 4211
    ("5F-ADB", "COC(=O)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(C)(C)C", date(2017, 4, 10)),
    # 84 FR 15505: 5F-MDMB-PICA (methyl 2-(1-(5-fluoropentyl)-1H-indole-3-carboxamido)-3,3-dimethylbutanoate),
    # "effective April 16, 2019"
    ("5F-MDMB-PICA", "COC(=O)C(NC(=O)c1cn(CCCCCF)c2ccccc12)C(C)(C)C", date(2019, 4, 16)),
]


@pytest.mark.parametrize(("name", "smiles", "start"), DATED_ENTRIES, ids=[d[0] for d in DATED_ENTRIES])
def test_schedule_i_entries_start_on_the_effective_date_read(us, name, smiles, start):
    assert SCHEDULE_I not in _rules_on(us, smiles, date.fromordinal(start.toordinal() - 1)), name
    assert SCHEDULE_I in _rules_on(us, smiles, start), name
    assert SCHEDULE_I in _rules_on(us, smiles, TODAY), name


def test_norfentanyl_is_schedule_ii_from_18_may_2020(us):
    """85 FR 21320: designates N-phenyl-N-(piperidin-4-yl)propionamide (norfentanyl) an immediate precursor of fentanyl
    and controls it in schedule II; "This rulemaking becomes effective May 18, 2020"."""
    norfentanyl = "CCC(=O)N(c1ccccc1)C1CCNCC1"
    assert "us-csa-schedule-ii" not in _rules_on(us, norfentanyl, date(2020, 5, 17))
    assert "us-csa-schedule-ii" in _rules_on(us, norfentanyl, date(2020, 5, 18))
    assert "us-csa-schedule-ii" in _rules_on(us, norfentanyl, TODAY)


def test_lemborexant_is_schedule_iv_from_7_april_2020(us):
    """85 FR 19387 (interim final rule): places lemborexant, "(1R,2S)-2-[(2,4-dimethylpyrimidin-5-yl)oxymethyl]-2-(3-
    fluorophenyl)-N-(5-fluoropyridin-2-yl)cyclopropane-1-carboxamide", in schedule IV; "The effective date of this
    rulemaking is April 7, 2020"."""
    lemborexant = "Cc1ncc(OC[C@@]2(c3cccc(F)c3)C[C@H]2C(=O)Nc2ccc(F)cn2)c(C)n1"  # OPSIN, printed name
    assert "us-csa-schedule-iv" not in _rules_on(us, lemborexant, date(2020, 4, 6))
    assert "us-csa-schedule-iv" in _rules_on(us, lemborexant, date(2020, 4, 7))
    assert "us-csa-schedule-iv" in _rules_on(us, lemborexant, TODAY)


def test_older_temporary_orders_date_their_permanent_entries(us):
    """78 FR 28735: XLR11 ([1-(5-fluoro-pentyl)-1H-indol-3-yl](2,2,3,3-tetramethylcyclopropyl)methanone), temporary
    final order "effective on May 16, 2013", made permanent by 81 FR 29142; 78 FR 68716: 25I-NBOMe
    (2-(4-iodo-2,5-dimethoxyphenyl)-N-(2-methoxybenzyl)ethanamine), "effective November 15, 2013"."""
    xlr11 = "CC1(C)C(C(=O)c2cn(CCCCCF)c3ccccc23)C1(C)C"
    nbome_25i = "COc1ccccc1CNCCc1cc(OC)c(I)cc1OC"
    for smiles, start in ((xlr11, date(2013, 5, 16)), (nbome_25i, date(2013, 11, 15))):
        assert SCHEDULE_I not in _rules_on(us, smiles, date.fromordinal(start.toordinal() - 1)), smiles
        assert SCHEDULE_I in _rules_on(us, smiles, start), smiles


def test_2_methyl_ap_237_is_schedule_i_from_15_april_2024(us):
    """89 FR 18793 places 1-(2-methyl-4-(3-phenylprop-2-en-1-yl)piperazin-1-yl)butan-1-one (2-methyl AP-237),
    "including its optical and geometric isomers", in schedule I; the correction 90 FR 23437 states "The placement of
    2-methyl AP-237 under schedule I was effective on April 15, 2024"."""
    ap237_2me = "CCCC(=O)N1CCN(CC=Cc2ccccc2)CC1C"
    one_isomer = "CCCC(=O)N1CCN(C/C=C/c2ccccc2)C[C@@H]1C"
    assert SCHEDULE_I not in _rules_on(us, ap237_2me, date(2024, 4, 14))
    assert SCHEDULE_I in _rules_on(us, ap237_2me, date(2024, 4, 15))
    assert SCHEDULE_I in _rules_on(us, one_isomer, TODAY)


def test_methiopropamine_is_schedule_i_today(us):
    """87 FR 75470 (final rule, 9 December 2022): places N-methyl-1-(thiophen-2-yl)propan-2-amine (methiopropamine)
    "including its salts, isomers, and salts of isomers" in schedule I (its effective date was not read)."""
    assert SCHEDULE_I in _rules_on(us, "CNC(C)Cc1cccs1", TODAY)


def test_4_fluoroamphetamine_is_schedule_i_from_17_february_2026(us):
    """FR Doc. 2026-00633 (final rule on the proposal 90 FR 23477 to place 4-fluoroamphetamine, 1-(4-fluorophenyl)
    propan-2-amine, "including its salts, isomers, and salts of isomers", in schedule I): effective 17 February 2026
    in the Federal Register record."""
    four_fa = "CC(N)Cc1ccc(F)cc1"
    assert SCHEDULE_I not in _rules_on(us, four_fa, date(2026, 2, 16))
    assert SCHEDULE_I in _rules_on(us, four_fa, date(2026, 2, 17))
    assert SCHEDULE_I in _rules_on(us, "C[C@@H](N)Cc1ccc(F)cc1", TODAY)


# Third sweep (5 December 2026). 84 FR 34291 (FR Doc. 2019-15184) temporarily places the six synthetic cathinones of
# 1308.11(h)(42)-(47) in schedule I, "effective July 18, 2019, until July 18, 2021"; 86 FR 37672 extends the order,
# "effective July 18, 2021 and expires on July 18, 2022" unless a final rule takes effect earlier; the final rule FR Doc.
# 2022-11740 (1 June 2022) "permanently places" them, the controls "will continue to apply". Structures: OPSIN's reading
# of the chemical names the order prints.
CATHINONES_2019 = [
    ("N-ethylhexedrone", "2-(ethylamino)-1-phenylhexan-1-one", "CCCCC(NCC)C(=O)c1ccccc1"),
    ("alpha-PHP", "1-phenyl-2-(pyrrolidin-1-yl)hexan-1-one", "CCCCC(N1CCCC1)C(=O)c1ccccc1"),
    ("4-MEAP", "2-(ethylamino)-1-(4-methylphenyl)pentan-1-one", "CCCC(NCC)C(=O)c1ccc(C)cc1"),
    ("MPHP", "1-(4-methylphenyl)-2-(pyrrolidin-1-yl)hexan-1-one", "CCCCC(N1CCCC1)C(=O)c1ccc(C)cc1"),
    ("PV8", "1-phenyl-2-(pyrrolidin-1-yl)heptan-1-one", "CCCCCC(N1CCCC1)C(=O)c1ccccc1"),
    ("4-chloro-alpha-PVP", "1-(4-chlorophenyl)-2-(pyrrolidin-1-yl)pentan-1-one", "CCCC(N1CCCC1)C(=O)c1ccc(Cl)cc1"),
]


@pytest.mark.parametrize(("name", "printed", "smiles"), CATHINONES_2019, ids=[c[0] for c in CATHINONES_2019])
def test_the_2019_cathinones_are_schedule_i_from_18_july_2019_without_a_gap(us, name, printed, smiles):
    assert not {SCHEDULE_I, TEMPORARY} & _rules_on(us, smiles, date(2019, 7, 17)), name
    assert TEMPORARY in _rules_on(us, smiles, date(2019, 7, 18)), name
    # the last day of the extended order and the permanent placement that "continues" the controls
    for on in (date(2021, 7, 18), date(2022, 7, 17), TODAY):
        assert {SCHEDULE_I, TEMPORARY} & _rules_on(us, smiles, on), (name, on)


def test_the_printed_cathinone_names_are_the_encoded_structures():
    """The six (h) entries of us_csa.toml carry the chemical names 84 FR 34291 prints, and their structures are
    OPSIN's reading of those names (structure_from = "opsin")."""
    import os
    import tempfile
    import tomllib

    from py2opsin import py2opsin

    rules = tomllib.loads((RULES_DIR / "us_csa.toml").read_text(encoding="utf-8"))["rule"]
    temporary = next(r for r in rules if r["id"] == TEMPORARY)
    by_name = {s.get("systematic_name"): s for s in temporary["substances"]}
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as private:
        os.chdir(private)
        try:
            parsed = py2opsin([c[1] for c in CATHINONES_2019])
        finally:
            os.chdir(here)
    for (name, printed, smiles), opsin_smiles in zip(CATHINONES_2019, parsed, strict=True):
        assert opsin_smiles, printed
        entry = by_name[printed]
        assert entry["structure_from"] == "opsin", name
        assert identify(entry["smiles"]).inchikey == identify(opsin_smiles).inchikey == identify(smiles).inchikey, name


def test_doi_and_doc_were_not_schedule_i_when_proposed_again(us):
    """88 FR 86278 (13 December 2023) proposes placing 2,5-dimethoxy-4-iodoamphetamine (DOI) and 2,5-dimethoxy-4-
    chloroamphetamine (DOC) in schedule I: "If finalized, this action would impose the regulatory controls"; no final
    rule was found. Structures: OPSIN's reading of the two printed names."""
    doi = "COc1cc(CC(C)N)c(OC)cc1I"
    doc = "COc1cc(CC(C)N)c(OC)cc1Cl"
    for smiles in (doi, doc):
        assert not {SCHEDULE_I, TEMPORARY} & _rules_on(us, smiles, date(2023, 12, 13)), smiles


def test_bromazolam_and_2_fdck_were_not_schedule_i_on_their_notices_of_intent(us):
    """FR Doc. 2025-22763 (DATES: December 15, 2025) gives notice of intent to temporarily schedule 8-bromo-1-methyl-6-
    phenyl-4H-benzo[f][1,2,4]triazolo[4,3-a][1,4]diazepine (bromazolam): "When it is issued, the temporary scheduling
    order will impose" the schedule I controls; FR Doc. 2026-00954 (DATES: January 20, 2026) the same for 2-(2-
    fluorophenyl)-2-(methylamino)cyclohexan-1-one (2-FDCK). The temporary orders themselves were not found."""
    bromazolam = "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2"
    fdck = "CNC1(c2ccccc2F)CCCCC1=O"
    assert not {SCHEDULE_I, TEMPORARY} & _rules_on(us, bromazolam, date(2025, 12, 15))
    assert not {SCHEDULE_I, TEMPORARY} & _rules_on(us, fdck, date(2026, 1, 20))


def test_fenfluramine_was_schedule_iv_before_its_removal_was_published(us):
    """FR Doc. 2022-27400 (87 FR 78857, 23 December 2022) removes N-ethyl-alpha-methyl-3-(trifluoromethyl)
    phenethylamine (fenfluramine) "including its salts, isomers, and salts of isomers" from the schedules: "Prior to the
    effective date of this rule, fenfluramine was a schedule IV controlled substance". The effective date was not read;
    the day before publication is asserted here, the answers after the removal in test_us_2026b.py."""
    fenfluramine = "CCNC(C)Cc1cccc(C(F)(F)F)c1"
    dexfenfluramine = "CCN[C@@H](C)Cc1cccc(C(F)(F)F)c1"
    for smiles in (fenfluramine, dexfenfluramine):
        assert "us-csa-schedule-iv" in _rules_on(us, smiles, date(2022, 12, 22)), smiles


def test_metonitazene_is_schedule_i_by_the_name_its_final_order_prints(us):
    """88 FR 56466 (FR Doc. 2023-17778, final order, 18 August 2023) is "permanently placing N,N-diethyl-2-(2-(4-
    methoxybenzyl)-5-nitro-1H-benzimidazol-1-yl)ethan-1-amine (metonitazene), including its isomers, esters, ethers,
    salts" in schedule I; its effective date was not read, so only today's answer is asserted. The schedule I entry's
    structure is OPSIN's reading of that name."""
    import tomllib

    printed = "N,N-diethyl-2-(2-(4-methoxybenzyl)-5-nitro-1H-benzimidazol-1-yl)ethan-1-amine"
    metonitazene = "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2cc([N+](=O)[O-])ccc21"
    assert SCHEDULE_I in _rules_on(us, metonitazene, TODAY)
    rules = tomllib.loads((RULES_DIR / "us_csa.toml").read_text(encoding="utf-8"))["rule"]
    schedule_i = next(r for r in rules if r["id"] == SCHEDULE_I)
    entry = next(s for s in schedule_i["substances"] if s["name"] == "Metonitazene")
    assert entry["systematic_name"] == printed and entry["structure_from"] == "opsin"
    assert identify(entry["smiles"]).inchikey == identify(metonitazene).inchikey


def test_xylazine_was_not_schedule_iii_when_the_senate_bill_to_add_it_was_reported(us):
    """S. 545 (Combating Illicit Xylazine Act), as reported in the Senate on 15 April 2026, amends 21 U.S.C. 812(c)
    Schedule III by adding "any material, compound, mixture, or preparation which contains any quantity of xylazine":
    on that day xylazine (N-(2,6-dimethylphenyl)-5,6-dihydro-4H-1,3-thiazin-2-amine) was not in Schedule III. No
    enactment was found, so no later date is asserted."""
    xylazine = "Cc1cccc(C)c1NC1=NCCCS1"
    assert not _rules_on(us, xylazine, date(2026, 4, 15))


# 21 CFR 1308.13(f) (sources/us_21cfr1308_13.txt): "Anabolic steroids. ... containing any quantity of the following
# substances, including its salts, esters and ethers"; 70 FR 74653: "Effective January 20, 2005 ... these substances
# and their salts, esters and ethers are Schedule III controlled substances". Structures: the printed parent (its
# OPSIN parse in us_csa.toml) with the 17-hydroxy acylated by the acid the medicine's name gives.
STEROID_ESTERS = [
    ("testosterone cypionate", "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2OC(=O)CCC1CCCC1"),
    ("testosterone enanthate", "CCCCCCC(=O)O[C@H]1CC[C@H]2[C@@H]3CCC4=CC(=O)CC[C@]4(C)[C@H]3CC[C@]12C"),
    ("testosterone undecanoate", "CCCCCCCCCCC(=O)O[C@H]1CC[C@H]2[C@@H]3CCC4=CC(=O)CC[C@]4(C)[C@H]3CC[C@]12C"),
    ("nandrolone decanoate", "CCCCCCCCCC(=O)O[C@H]1CC[C@H]2[C@@H]3CCC4=CC(=O)CC[C@@H]4[C@H]3CC[C@]12C"),
    ("trenbolone acetate", "CC(=O)O[C@H]1CC[C@H]2[C@@H]3CCC4=CC(=O)CCC4=C3C=C[C@]12C"),
    ("boldenone undecylenate", "C=CCCCCCCCCC(=O)O[C@H]1CC[C@H]2[C@@H]3CCC4=CC(=O)C=C[C@]4(C)[C@H]3CC[C@]12C"),
]


@pytest.mark.parametrize(("name", "smiles"), STEROID_ESTERS, ids=[s[0] for s in STEROID_ESTERS])
def test_esters_of_listed_anabolic_steroids_are_schedule_iii(us, name, smiles):
    result = us.classify(identify(smiles), jurisdictions=["US"], as_of=date(2026, 12, 5)).results["US"]
    assert result.matches, f"{name}: an ester of a 1308.13(f) steroid must be controlled"
    assert {m.list for m in result.matches} == {"Schedule III"}, name


def test_the_steroid_ester_clause_does_not_reach_an_estrogen_ester(us):
    """Estradiol is not among the substances 1308.13(f) lists: its valerate is not an ester of a listed steroid."""
    estradiol_valerate = "CCCCC(=O)O[C@H]1CC[C@H]2[C@@H]3CCc4cc(O)ccc4[C@H]3CC[C@]12C"
    assert not _rules_on(us, estradiol_valerate, date(2026, 12, 5))
