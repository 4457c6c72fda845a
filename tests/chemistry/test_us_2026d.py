"""US answers added on 6 December 2026 (sixth sweep): bromazolam and 2-FDCK temporary listings, the permanent listings
of MDMB-4en-PINACA, the other 2023 synthetic cannabinoids and 3-MeO-PCP, the 2023-2025 specific fentanyl-related
substances of 21 CFR 1308.11(b), the 2026 temporary listings (h)(88)-(95), and the nitazenes asked about.

The listings were read only in a secondary source (a record-by-record copy of the eCFR part 1308, verified 21 September
2026: referencesource.org, GitHub copy joelp22-maker/referencesource-data); the Federal Register orders that made them
were not found. So no in-force day is asserted: each expectation is the lower bound taken from a text that was read (a
notice of intent plus the thirty days of 21 U.S.C. 811(h)(1), a proposed rule, a temporary order, or the March 2022 eCFR
version), the day before it, and today. Sources and searches: chemistry/rules/sources/us_21cfr1308_amendments.txt
("Sixth sweep"). Structures below are drawn by hand from the printed names, not taken from the rule file.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import NOT_RECORDED, RULES_DIR, load_rulebook

TODAY = date(2026, 12, 6)
SCHEDULE_I = "us-csa-schedule-i"
TEMPORARY = "us-csa-schedule-i-temporary"
FRS_CLASS = "us-csa-fentanyl-related-substances"


@pytest.fixture(scope="module")
def us() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "us.toml", RULES_DIR / "us_csa.toml"]))


@pytest.fixture(scope="module")
def csa():
    return load_rulebook([RULES_DIR / "us_csa.toml"])


def _result(classifier: Classifier, smiles: str, on: date):
    return classifier.classify(identify(smiles), jurisdictions=["US"], as_of=on).results["US"]


def _rules_on(classifier: Classifier, smiles: str, on: date) -> set[str]:
    return {m.rule_id for m in _result(classifier, smiles, on).matches}


def _entry(rulebook, rule_id: str, smiles: str, name: str):
    key = identify(smiles).inchikey.split("-")[0]
    found = [
        s
        for s in rulebook.rule(rule_id).substances
        if s.smiles and identify(s.smiles).inchikey.split("-")[0] == key and s.name == name
    ]
    assert len(found) == 1, (rule_id, name, [s.name for s in found])
    return found[0]


# --- bromazolam and 2-FDCK: temporary listings (h)(86) and (h)(87) --------------------------------------------------

# "8-bromo-1-methyl-6-phenyl-4H-benzo[f][1,2,4]triazolo[4,3-a][1,4]diazepine": alprazolam with Br for Cl.
BROMAZOLAM = "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2"
# "2-(2-fluorophenyl)-2-(methylamino)cyclohexan-1-one": ketamine with F for Cl.
FDCK = "CNC1(c2ccccc2F)CCCCC1=O"

TEMPORARY_CASES = [
    # notice of intent FR Doc. 2025-22763, 15 December 2025 + 30 days
    ("Bromazolam", BROMAZOLAM, "2778", date(2026, 1, 14)),
    # notice of intent FR Doc. 2026-00954, 20 January 2026 + 30 days
    ("2-Fluorodeschloroketamine", FDCK, "7284", date(2026, 2, 19)),
]


@pytest.mark.parametrize(("name", "smiles", "code", "not_before"), TEMPORARY_CASES, ids=[c[0] for c in TEMPORARY_CASES])
def test_temporary_listing_from_the_lower_bound(us, name, smiles, code, not_before):
    """A temporary order may not be issued before thirty days from its notice of intent (21 U.S.C. 811(h)(1)); the
    order's own DATES were not read, so from that day the answer is Schedule I (temporary) with the date not recorded,
    and before it no US listing answers."""
    assert _rules_on(us, smiles, date.fromordinal(not_before.toordinal() - 1)) == set()
    for on in (not_before, TODAY):
        result = _result(us, smiles, on)
        assert {m.rule_id for m in result.matches} == {TEMPORARY}
        assert not result.matches[0].date_recorded


@pytest.mark.parametrize(("name", "smiles", "code", "not_before"), TEMPORARY_CASES, ids=[c[0] for c in TEMPORARY_CASES])
def test_temporary_entry_keeps_what_was_not_read(csa, name, smiles, code, not_before):
    entry = _entry(csa, TEMPORARY, smiles, name)
    assert entry.in_force_from == NOT_RECORDED
    assert entry.not_before == not_before
    assert entry.in_force_to is None
    assert f"Code Number {code}" in entry.source and "secondary" in entry.source
    assert entry.structure_from == "opsin"


# --- the 2023 synthetic cannabinoids and 3-MeO-PCP: permanent listings in (d) -----------------------------------------

MDMB_4EN_PINACA = "COC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C"
FOUR_F_MDMB_BUTICA = "COC(=O)C(NC(=O)c1cn(CCCCF)c2ccccc12)C(C)(C)C"
ADB_4EN_PINACA = "NC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C"
FIVE_F_EDMB_PICA = "CCOC(=O)C(NC(=O)c1cn(CCCCCF)c2ccccc12)C(C)(C)C"
MMB_FUBICA = "COC(=O)C(NC(=O)c1cn(Cc2ccc(F)cc2)c2ccccc12)C(C)C"
CUMYL_PEGACLONE = "CCCCCn1c2ccccc2c2c1ccn(C(C)(C)c1ccccc1)c2=O"
THREE_MEO_PCP = "COc1cccc(C2(N3CCCCC3)CCCCC2)c1"

PERMANENT_CASES = [
    # the temporary order 88 FR 86040 (12 December 2023) placed it in (h): the (d) listing is later
    ("MDMB-4en-PINACA", MDMB_4EN_PINACA, "7090", date(2023, 12, 12)),
    # proposed by 90 FR 58174 (16 December 2025); a final rule follows its proposal
    ("4F-MDMB-BUTICA", FOUR_F_MDMB_BUTICA, "7091", date(2025, 12, 16)),
    ("ADB-4en-PINACA", ADB_4EN_PINACA, "7092", date(2025, 12, 16)),
    ("5F-EDMB-PICA", FIVE_F_EDMB_PICA, "7094", date(2025, 12, 16)),
    ("MMB-FUBICA", MMB_FUBICA, "7095", date(2025, 12, 16)),
    # the extension 90 FR 57542 (effective 12 December 2025) runs "until the permanent scheduling action is completed"
    ("CUMYL-PEGACLONE", CUMYL_PEGACLONE, "7093", date(2025, 12, 12)),
    # proposed by 90 FR 24370 (FR Doc. 2025-10503, signed 2 June 2025)
    ("3-Methoxyphencyclidine", THREE_MEO_PCP, "7457", date(2025, 6, 2)),
]


@pytest.mark.parametrize(("name", "smiles", "code", "not_before"), PERMANENT_CASES, ids=[c[0] for c in PERMANENT_CASES])
def test_permanent_listing_from_the_lower_bound(us, name, smiles, code, not_before):
    before = _rules_on(us, smiles, date.fromordinal(not_before.toordinal() - 1))
    assert SCHEDULE_I not in before
    today = _result(us, smiles, TODAY)
    permanent = [m for m in today.matches if m.rule_id == SCHEDULE_I]
    assert len(permanent) == 1 and not permanent[0].date_recorded
    assert SCHEDULE_I in _rules_on(us, smiles, not_before)


@pytest.mark.parametrize(("name", "smiles", "code", "not_before"), PERMANENT_CASES, ids=[c[0] for c in PERMANENT_CASES])
def test_permanent_entry_keeps_what_was_not_read(csa, name, smiles, code, not_before):
    entry = _entry(csa, SCHEDULE_I, smiles, name)
    assert entry.in_force_from == NOT_RECORDED
    assert entry.not_before == not_before
    assert f"Code Number {code}" in entry.source and "secondary" in entry.source


def test_three_meo_pcp_was_not_a_us_listing_before_the_proposal(us):
    """Before this entry no US rule answered 3-MeO-PCP (only the 2025 proposal had been read)."""
    assert _rules_on(us, THREE_MEO_PCP, date(2025, 6, 1)) == set()


# --- specific fentanyl-related substances listed after March 2022 ------------------------------------------------------

FENTANYLS = [
    ("beta-Methylacetyl fentanyl", "CC(=O)N(c1ccccc1)C1CCN(CC(C)c2ccccc2)CC1", "9868"),
    ("2',5'-Dimethoxyfentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2cc(OC)ccc2OC)CC1", "9861"),
    ("3-Furanyl fentanyl", "O=C(c1ccoc1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "9860"),
    ("Isovaleryl fentanyl", "CC(C)CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "9862"),
    ("meta-Fluorofuranyl fentanyl", "O=C(c1ccco1)N(c1cccc(F)c1)C1CCN(CCc2ccccc2)CC1", "9871"),
    ("ortho-Chlorofentanyl", "CCC(=O)N(c1ccccc1Cl)C1CCN(CCc2ccccc2)CC1", "9828"),
    ("ortho-Fluorofuranyl fentanyl", "O=C(c1ccco1)N(c1ccccc1F)C1CCN(CCc2ccccc2)CC1", "9863"),
    ("ortho-Methylcyclopropyl fentanyl", "Cc1ccccc1N(C(=O)C1CC1)C1CCN(CCc2ccccc2)CC1", "9849"),
    ("para-Chlorofentanyl", "CCC(=O)N(c1ccc(Cl)cc1)C1CCN(CCc2ccccc2)CC1", "9818"),
    ("para-Fluoro valeryl fentanyl", "CCCCC(=O)N(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1", "9870"),
    ("para-Methoxyfuranyl fentanyl", "COc1ccc(cc1)N(C(=O)c1ccco1)C1CCN(CCc2ccccc2)CC1", "9859"),
    ("para-Methylcyclopropyl fentanyl", "Cc1ccc(cc1)N(C(=O)C1CC1)C1CCN(CCc2ccccc2)CC1", "9865"),
    ("Tetrahydrothiofuranyl fentanyl", "O=C(C1CCCS1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "9869"),
]


@pytest.mark.parametrize(("name", "smiles", "code"), FENTANYLS, ids=[f[0] for f in FENTANYLS])
def test_specific_fentanyl_listing_after_the_march_2022_ecfr(us, name, smiles, code):
    """Not in the eCFR version of 15 March 2022: until then the class of fentanyl-related substances (83 FR 5188,
    6 February 2018) answers; from then the specific listing (date not recorded) answers and the class, which applies
    only "unless listed in another schedule", is set aside."""
    assert _rules_on(us, smiles, date(2018, 2, 5)) == set()
    assert _rules_on(us, smiles, date(2022, 3, 14)) == {FRS_CLASS}
    result = _result(us, smiles, TODAY)
    assert {m.rule_id for m in result.matches} == {SCHEDULE_I}
    assert FRS_CLASS in {s.match.rule_id for s in result.set_aside}
    assert not result.matches[0].date_recorded


@pytest.mark.parametrize(("name", "smiles", "code"), FENTANYLS, ids=[f[0] for f in FENTANYLS])
def test_specific_fentanyl_entry(csa, name, smiles, code):
    entry = _entry(csa, SCHEDULE_I, smiles, name)
    assert entry.structure_from == "opsin"
    assert entry.not_before == date(2022, 3, 15)
    assert f"Code Number {code}" in entry.source


# --- nitazenes (question 3) ---------------------------------------------------------------------------------------------

ETONITAZEPYNE = "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"
PROTONITAZEPYNE = "CCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"
METONITAZEPYNE = "COc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"
N_DESETHYL_ISOTONITAZENE = "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21"
N_N_DIMETHYLAMINO_ETONITAZENE = "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(C)C)cc1"
N_DESETHYL_METONITAZENE = "CCNCCn1c(Cc2ccc(OC)cc2)nc2cc([N+](=O)[O-])ccc21"
PROTODESNITAZENE = "CCCOc1ccc(Cc2nc3ccccc3n2CCN(CC)CC)cc1"


def test_etonitazepyne_permanent_from_89_fr_25514(us):
    """89 FR 25514 (final order, effective 11 April 2024) adds it as 1308.11(b)(70) and ends (h)(55)."""
    assert _rules_on(us, ETONITAZEPYNE, date(2024, 4, 10)) == {TEMPORARY}
    assert _rules_on(us, ETONITAZEPYNE, date(2024, 4, 11)) == {SCHEDULE_I}
    assert _rules_on(us, ETONITAZEPYNE, TODAY) == {SCHEDULE_I}


@pytest.mark.parametrize("smiles", [PROTONITAZEPYNE, METONITAZEPYNE], ids=["protonitazepyne", "metonitazepyne"])
def test_pyrrolidino_nitazenes_permanent_from_11_february_2026(us, smiles):
    """Temporary from 15 August 2025 (90 FR 39314); permanent from 11 February 2026 (FR Doc. 2026-00362)."""
    assert _rules_on(us, smiles, date(2025, 8, 14)) == set()
    assert _rules_on(us, smiles, date(2025, 8, 15)) == {TEMPORARY}
    assert _rules_on(us, smiles, date(2026, 2, 10)) == {TEMPORARY}
    assert _rules_on(us, smiles, date(2026, 2, 11)) == {SCHEDULE_I}
    assert _rules_on(us, smiles, TODAY) == {SCHEDULE_I}


def test_n_desethyl_isotonitazene_permanent_from_22_january_2026(us):
    """Temporary from 29 July 2024 (89 FR 60817); permanent from 22 January 2026 (90 FR 59969)."""
    assert _rules_on(us, N_DESETHYL_ISOTONITAZENE, date(2024, 7, 28)) == set()
    assert _rules_on(us, N_DESETHYL_ISOTONITAZENE, date(2026, 1, 21)) == {TEMPORARY}
    assert _rules_on(us, N_DESETHYL_ISOTONITAZENE, TODAY) == {SCHEDULE_I}


def test_n_n_dimethylamino_etonitazene_temporary_from_15_october_2025(us):
    """FR Doc. 2025-19542: effective 15 October 2025 until 15 October 2027."""
    assert _rules_on(us, N_N_DIMETHYLAMINO_ETONITAZENE, date(2025, 10, 14)) == set()
    assert _rules_on(us, N_N_DIMETHYLAMINO_ETONITAZENE, date(2025, 10, 15)) == {TEMPORARY}
    assert _rules_on(us, N_N_DIMETHYLAMINO_ETONITAZENE, TODAY) == {TEMPORARY}


@pytest.mark.parametrize(
    "smiles", [N_DESETHYL_METONITAZENE, PROTODESNITAZENE], ids=["N-desethyl metonitazene", "protodesnitazene"]
)
def test_nitazenes_not_listed_by_name(us, smiles):
    """No Federal Register order naming either was found, and the eCFR copy of September 2026 (secondary) lists neither;
    Varsel answers no US listing (the Analogue Act is a caveat, not a listing). If an order is found, change this."""
    assert _rules_on(us, smiles, TODAY) == set()


# --- temporary listings (h)(88)-(95) of 2026, orders not read -----------------------------------------------------------

# Drawn from the printed names (stereo left out: each entry matches every stereoisomer).
NEW_TEMPORARY = [
    ("O-Desmethyltramadol", "CN(C)CC1CCCCC1(O)c1cccc(O)c1", "9667", date(2025, 8, 26)),
    (
        "Mitragynine pseudoindoxyl",
        "CCC1CN2CCC3(Nc4cccc(OC)c4C3=O)C2CC1C(=COC)C(=O)OC",
        "9672",
        date(2025, 8, 26),
    ),
    ("MGM-15", "CCC1CN2CCC3(O)C(Nc4cccc(OC)c43)C2CC1C(=COC)C(=O)OC", "9673", date(2025, 8, 26)),
    ("MGM-16", "CCC1CN2CCC3(O)C(Nc4ccc(F)c(OC)c43)C2CC1C(=COC)C(=O)OC", "9674", date(2025, 8, 26)),
    ("5,6-Dichloro brorphine", "CC(c1ccc(Br)cc1)N1CCC(CC1)N1C(=O)Nc2cc(Cl)c(Cl)cc21", "9097", date(2025, 8, 27)),
    ("5,6-Dichloro desmethylchlorphine", "O=C1Nc2cc(Cl)c(Cl)cc2N1C1CCN(Cc2ccc(Cl)cc2)CC1", "9096", date(2025, 8, 27)),
    ("Cychlorphine", "CC(c1ccc(Cl)cc1)N1CCC(CC1)N1C(=O)N(CCC#N)c2ccccc21", "9094", date(2025, 8, 27)),
    ("Spirochlorphine", "CC(c1ccc(Cl)cc1)N1CCC2(CC1)N(c1ccccc1)CNC2=O", "9093", date(2025, 8, 27)),
]


@pytest.mark.parametrize(("name", "smiles", "code", "not_before"), NEW_TEMPORARY, ids=[c[0] for c in NEW_TEMPORARY])
def test_2026_temporary_listings_from_the_statutory_bound(us, csa, name, smiles, code, not_before):
    """The eCFR copy lists them in (h) with an expiry of 26/27 August 2028; a temporary order runs at most two years
    plus one year's extension, so none can have applied before 26/27 August 2025. Before that no US rule answers; from
    it, and today, Schedule I (temporary) with the date not recorded."""
    assert _rules_on(us, smiles, date.fromordinal(not_before.toordinal() - 1)) == set()
    for on in (not_before, TODAY):
        result = _result(us, smiles, on)
        assert {m.rule_id for m in result.matches} == {TEMPORARY}
        assert not result.matches[0].date_recorded
    entry = next(
        s
        for s in csa.rule(TEMPORARY).substances
        if s.smiles and identify(s.smiles).inchikey.split("-")[0] == identify(smiles).inchikey.split("-")[0]
    )
    assert entry.in_force_from == NOT_RECORDED and entry.not_before == not_before
    assert f"Code Number {code}" in entry.source and entry.structure_from == "opsin"


# --- the 2019 cathinones: permanent listings (d)(94)-(99) ----------------------------------------------------------------

CATHINONES = [
    ("N-Ethylhexedrone", "CCCCC(NCC)C(=O)c1ccccc1"),
    ("alpha-Pyrrolidinohexanophenone", "CCCCC(N1CCCC1)C(=O)c1ccccc1"),
    ("4-Methyl-alpha-ethylaminopentiophenone", "CCCC(NCC)C(=O)c1ccc(C)cc1"),
    ("4'-Methyl-alpha-pyrrolidinohexiophenone", "CCCCC(N1CCCC1)C(=O)c1ccc(C)cc1"),
    ("alpha-Pyrrolidinoheptaphenone", "CCCCCC(N1CCCC1)C(=O)c1ccccc1"),
    ("4'-Chloro-alpha-pyrrolidinovalerophenone", "CCCC(N1CCCC1)C(=O)c1ccc(Cl)cc1"),
]


@pytest.mark.parametrize(("name", "smiles"), CATHINONES, ids=[c[0] for c in CATHINONES])
def test_2019_cathinones_temporary_then_permanent(us, name, smiles):
    """Temporary from 18 July 2019 (84 FR 34291), extended until 18 July 2022 at the latest (86 FR 37672: 'expires on
    July 18, 2022', or on the effective date of a final rule if earlier); the final rule FR Doc. 2022-11740 was
    published 1 June 2022 (its DATES not read). So: temporary only before 1 June 2022, both from then to 18 July 2022
    (end and start not recorded), the permanent listing alone after it."""
    assert _rules_on(us, smiles, date(2019, 7, 17)) == set()
    assert _rules_on(us, smiles, date(2022, 5, 31)) == {TEMPORARY}
    assert _rules_on(us, smiles, date(2022, 6, 1)) == {TEMPORARY, SCHEDULE_I}
    assert _rules_on(us, smiles, date(2022, 7, 18)) == {TEMPORARY, SCHEDULE_I}
    assert _rules_on(us, smiles, date(2022, 7, 19)) == {SCHEDULE_I}
    result = _result(us, smiles, TODAY)
    assert {m.rule_id for m in result.matches} == {SCHEDULE_I}
    assert not result.matches[0].date_recorded


def test_2019_cathinone_temporary_end_is_an_upper_bound(csa):
    entries = [s for s in csa.rule(TEMPORARY).substances if s.in_force_to == date(2022, 7, 18)]
    assert len(entries) == 6
    assert all(not s.in_force_to_recorded for s in entries)
