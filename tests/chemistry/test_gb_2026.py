"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: the December 2026 audit fixes (gb_named.toml).

Each expectation comes from the instrument as read (chemistry/rules/sources/gb_mda_schedule2.txt names the
source of every row): the stereoisomer exception of Part I, SI 2011/744 (tapentadol, amineptine, "after
'Sufentanil'", "after 'Alprazolam'"), and the 2018 Order placing gabapentin and pregabalin in Class C from
1 April 2019.

The 5 December 2026 checks ([searched-2026-12-05] in gb_mda_schedule2.txt): cannabinol derivatives by SI 2003/3201
(Class A to Class C on 29 January 2004) and the Designation Order 2015 (still controlled drugs, class not stated);
methoxetamine by SI 2012/980 (temporary class drug from 5 April 2012), s. 2A(6) and the Explanatory Memorandum to
SI 2013/239 (Class B from 26 February 2013); the parts of the arylcyclohexylamine (SI 2013/239) and piperazine
(SI 2009/3209) clauses that were read, with their commencement dates.

The audit of 5 December 2026 (rows 13-24): O-desmethyltramadol by SI 2013/239 art. 3 (Class B, 26 February 2013); the
LSD-related compounds, AMT, 5-MeO-DALT and AH-7921 by Home Office Circular 001/2015 (SI 2014/3271, Class A, 7 January
2015); 5-/6-APB and their N-methyl derivatives by the Home Office release of 10 June 2014 and the ACMD letters
(SI 2014/1106, Class B); 2-DPMP by the Minister on the draft SI 2012/1390 and Circular 014/2012 (Class B, 13 June 2012).
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)
DEXTROMETHORPHAN = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(OC)cc13"  # (+)-3-methoxy-17-methylmorphinan
LEVOMETHORPHAN = "COc1ccc2c(c1)[C@@]13CCCC[C@H]1[C@@H](C2)N(C)CC3"  # its enantiomer
RACEMETHORPHAN = "COc1ccc2c(c1)C13CCCCC1C(C2)N(C)CC3"  # stereochemistry not given
DEXTRORPHAN = "CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(O)cc13"
LEVORPHANOL = "CN1CC[C@]23CCCC[C@H]2[C@H]1Cc1ccc(O)cc13"
TAPENTADOL = "CC[C@@H](c1cccc(O)c1)[C@@H](C)CN(C)C"
SUFENTANIL = "CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1"
AMINEPTINE = "O=C(O)CCCCCCNC1c2ccccc2CCc2ccccc21"
ALPRAZOLAM = "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1)=NC2"
GABAPENTIN = "NCC1(CC(=O)O)CCCCC1"
PREGABALIN = "CC(C)C[C@H](CN)CC(=O)O"
RAC_PREGABALIN = "CC(C)CC(CN)CC(=O)O"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _gb(classifier, smiles, day=TODAY):
    return classifier.classify(smiles, jurisdictions=["GB"], as_of=day).results["GB"]


def _rules(result) -> set[str]:
    return {m.rule_id for m in result.matches}


def _class_c() -> list[dict]:
    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        return next(r for r in tomllib.load(handle)["rule"] if r["id"] == "gb-mda-class-c")["substances"]


# --- Part I's stereoisomer paragraph: "not being dextromethorphan or dextrorphan" ---------------------


@pytest.mark.parametrize("smiles", [DEXTROMETHORPHAN, DEXTRORPHAN], ids=["dextromethorphan", "dextrorphan"])
def test_the_excepted_dextro_forms_are_not_class_a(classifier, smiles):
    assert "gb-mda-class-a" not in _rules(_gb(classifier, smiles))


@pytest.mark.parametrize(
    ("smiles", "entry"),
    [(LEVOMETHORPHAN, "Levomethorphan"), (LEVORPHANOL, "Levorphanol")],
    ids=["levomethorphan", "levorphanol"],
)
def test_the_levo_forms_stay_class_a(classifier, smiles, entry):
    result = _gb(classifier, smiles)
    assert [(m.rule_id, m.substance, m.matched_on) for m in result.matches] == [("gb-mda-class-a", entry, "inchikey")]


def test_the_racemate_is_racemethorphan(classifier):
    result = _gb(classifier, RACEMETHORPHAN)
    assert ("Racemethorphan", "inchikey") in {(m.substance, m.matched_on) for m in result.matches}
    assert _rules(result) == {"gb-mda-class-a"}


# --- SI 2011/744 (made 16 March 2011, in force on the twelfth day after: 28 March 2011) ----------------


def test_tapentadol_is_class_a_from_28_march_2011(classifier):
    (match,) = _gb(classifier, TAPENTADOL, date(2011, 3, 28)).matches
    assert (match.rule_id, match.substance, match.in_force_from) == ("gb-mda-class-a", "Tapentadol", date(2011, 3, 28))
    assert _gb(classifier, TAPENTADOL, date(2011, 3, 27)).status == "not_controlled"


def test_amineptine_is_class_c_from_28_march_2011(classifier):
    assert _rules(_gb(classifier, AMINEPTINE, date(2011, 3, 28))) == {"gb-mda-class-c"}
    assert _rules(_gb(classifier, AMINEPTINE)) == {"gb-mda-class-c"}  # no longer only "inferred" by treaty
    assert _gb(classifier, AMINEPTINE, date(2011, 3, 27)).status == "not_controlled"


def test_the_places_of_the_2011_insertions_are_listed(classifier):
    # "after 'Sufentanil.'" (Part 1) and "after 'Alprazolam'" (Part 3): both are in the Schedule, date not read
    (sufentanil,) = _gb(classifier, SUFENTANIL).matches
    assert (sufentanil.rule_id, sufentanil.substance, sufentanil.date_recorded) == (
        "gb-mda-class-a",
        "Sufentanil",
        False,
    )
    (alprazolam,) = _gb(classifier, ALPRAZOLAM).matches
    assert (alprazolam.rule_id, alprazolam.substance) == ("gb-mda-class-c", "Alprazolam")
    entry = next(e for e in _class_c() if e["name"] == "Alprazolam")
    assert "SI 2011/744 art. 4" in entry["source"] and not entry["source"].startswith("Misuse of Drugs Regulations")


# --- gabapentin and pregabalin: Class C from 1 April 2019 ------------------------------------------------


@pytest.mark.parametrize(
    "smiles", [GABAPENTIN, PREGABALIN, RAC_PREGABALIN], ids=["gabapentin", "pregabalin", "rac-pregabalin"]
)
def test_gabapentinoids_are_class_c_from_1_april_2019(classifier, smiles):
    assert _rules(_gb(classifier, smiles, date(2019, 4, 1))) == {"gb-mda-class-c"}
    assert _gb(classifier, smiles, date(2019, 3, 31)).status == "not_controlled"


def test_gabapentinoid_entries_say_what_was_not_read():
    entries = [e for e in _class_c() if e["name"].startswith(("Gabapentin", "Pregabalin"))]
    assert len(entries) == 2
    for entry in entries:
        assert entry["in_force_from"] == date(2019, 4, 1)
        assert "Order's text not read" in entry["source"] and "SI 2018/1383" in entry["source"]


# --- the Misuse of Drugs Act 1971 (Amendment) Order 2012 (SI 2012/1390, in force 13 June 2012) --------------

PHENAZEPAM = "O=C1CN=C(c2ccccc2Cl)c2cc(Br)ccc2N1"
PIPRADROL = "OC(c1ccccc1)(c1ccccc1)C1CCCCN1"


def test_phenazepam_is_class_c_from_13_june_2012(classifier):
    (match,) = _gb(classifier, PHENAZEPAM, date(2012, 6, 13)).matches
    assert (match.rule_id, match.substance, match.in_force_from) == ("gb-mda-class-c", "Phenazepam", date(2012, 6, 13))
    assert _gb(classifier, PHENAZEPAM, date(2012, 6, 12)).status == "not_controlled"


def test_pipradrol_is_class_c_by_name_date_not_recorded(classifier):
    (match,) = _gb(classifier, PIPRADROL).matches
    assert (match.rule_id, match.substance, match.date_recorded) == ("gb-mda-class-c", "Pipradrol", False)


# --- cannabinol derivatives: SI 2003/3201 (in force 29 January 2004) and after ------------------------------

THC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)[C@@H]1CCC(C)=C[C@@H]21"  # delta-9-THC, a tetrahydro derivative of cannabinol
THCV = "CCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)=CC21"  # its 3-propyl homologue
CANNABINOL = "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2"


@pytest.mark.parametrize("smiles", [THC, THCV], ids=["THC", "THCV"])
def test_cannabinol_derivatives_leave_class_a_for_class_c_on_29_january_2004(classifier, smiles):
    # art. 2(2): "Cannabinol derivatives" deleted from Part I; art. 2(4): inserted in Part III; art. 1: 29 January 2004
    assert _rules(_gb(classifier, smiles, date(2004, 1, 28))) == {"gb-mda-cannabinol-derivatives-class-a"}
    assert _rules(_gb(classifier, smiles, date(2004, 1, 29))) == {"gb-mda-cannabinol-derivatives-class-c"}


def test_cannabinol_by_name_moves_from_part_i_to_part_iii(classifier):
    before = {(m.rule_id, m.substance) for m in _gb(classifier, CANNABINOL, date(2004, 1, 28)).matches}
    after = {(m.rule_id, m.substance) for m in _gb(classifier, CANNABINOL, date(2004, 1, 29)).matches}
    assert ("gb-mda-class-a", "Cannabinol, except where contained in cannabis or cannabis resin") in before
    assert ("gb-mda-class-c", "Cannabinol") in after
    assert not any(rule == "gb-mda-class-a" for rule, _ in after)


@pytest.mark.parametrize("day", [date(2015, 5, 31), TODAY], ids=["designation-order-2015", "today"])
@pytest.mark.parametrize("smiles", [THC, THCV, CANNABINOL], ids=["THC", "THCV", "cannabinol"])
def test_cannabinol_and_its_derivatives_stay_controlled_drugs(classifier, smiles, day):
    # SI 2015/704 Sch. 1 Part 1 para 1(a) designates "Cannabinol" and "Cannabinol derivatives not being dronabinol
    # or its stereoisomers" as controlled drugs (s. 7(4)); it does not say their class, and neither does this test
    assert _gb(classifier, smiles, day).status.startswith("controlled")


def test_the_class_c_period_ends_on_25_january_2009_with_the_inference_said(classifier):
    # the end date is SI 2008/3130's day (cannabis to Class B, 26 January 2009); that the same Order moved
    # cannabinol derivatives is inferred (secondary sources for the class), and the rules must say so
    rule = classifier.rulebook.rule("gb-mda-cannabinol-derivatives-class-c")
    assert rule.in_force_to == date(2009, 1, 25)
    after = classifier.rulebook.rule("gb-mda-cannabinol-derivatives-class-b")
    assert after.in_force_from == date(2009, 1, 26)
    assert "INFERRED, NOT READ, for the day" in after.notes and "was not read" in after.notes


# --- methoxetamine: SI 2012/980 (temporary class drug) and SI 2013/239 (Class B) ------------------------------

METHOXETAMINE = "CCNC1(CCCCC1=O)c1cccc(OC)c1"


def test_methoxetamine_was_no_class_a_b_or_c_drug_before_the_2012_order(classifier):
    # SI 2012/980: "None of the substances specified in article 2(a) to (e) of this Order is a Class A drug, a Class B
    # drug or a Class C drug"; the Order came into force on 5 April 2012
    assert _gb(classifier, METHOXETAMINE, date(2012, 4, 4)).status == "not_controlled"


@pytest.mark.parametrize("day", [date(2012, 4, 5), date(2013, 2, 25)], ids=["first-day", "last-day"])
def test_methoxetamine_is_a_temporary_class_drug_until_the_2013_order(classifier, day):
    (match,) = _gb(classifier, METHOXETAMINE, day).matches
    assert match.rule_id == "gb-mda-tcdo-2012-methoxetamine"
    assert classifier.rulebook.rule(match.rule_id).list_.startswith("Temporary class drug")


def test_methoxetamine_is_class_b_from_26_february_2013(classifier):
    # EM to SI 2013/239 para 2.1(ii): controlled as a Class B drug under Part 2; art. 1: the fourteenth day after
    # 12 February 2013; s. 2A(6)(b): temporary control ends when an Order in Council lists it in Schedule 2
    for day in (date(2013, 2, 26), TODAY):
        rules = _rules(_gb(classifier, METHOXETAMINE, day))
        assert "gb-mda-para-1d-methoxetamine" in rules
        assert "gb-mda-tcdo-2012-methoxetamine" not in rules
    assert classifier.rulebook.rule("gb-mda-para-1d-methoxetamine").list_ == "Class B"


# --- Part II paragraph 1(d) (SI 2013/239): modification (i), the part that was read -----------------------------

DESCHLOROKETAMINE = "CNC1(c2ccccc2)CCCCC1=O"  # 2-amino-2-phenylcyclohexanone, N-methyl: (i) "alkyl" at the nitrogen
THREE_MEO_PCP = "COc1cccc(c1)C1(CCCCC1)N1CCCCC1"
TWO_FDCK = "CNC1(CCCCC1=O)c1ccccc1F"


def test_deschloroketamine_is_class_b_under_paragraph_1d_from_26_february_2013(classifier):
    assert "gb-mda-arylcyclohexylamines" in _rules(_gb(classifier, DESCHLOROKETAMINE, date(2013, 2, 26)))
    assert classifier.rulebook.rule("gb-mda-arylcyclohexylamines").list_ == "Class B"
    assert _gb(classifier, DESCHLOROKETAMINE, date(2013, 2, 25)).status == "not_controlled"


@pytest.mark.parametrize(
    "smiles", [METHOXETAMINE, THREE_MEO_PCP, TWO_FDCK], ids=["methoxetamine", "3-MeO-PCP", "2-FDCK"]
)
def test_modification_i_alone_does_not_reach_a_substituted_phenyl_ring(classifier, smiles):
    # (i) speaks of the nitrogen only; what the clause says of the ring was not read, so the group does not answer
    assert "gb-mda-arylcyclohexylamines" not in _rules(_gb(classifier, smiles))


# --- Part III piperazines (SI 2009/3209, in force 23 December 2009): modification (i), the part that was read -------

BZP = "C1CN(CCN1)Cc1ccccc1"
MBZP = "CN1CCN(Cc2ccccc2)CC1"  # (i) alkyl at the second nitrogen of 1-benzylpiperazine
PHENYLPIPERAZINE = "C1CN(CCN1)c1ccccc1"
TFMPP = "FC(F)(F)c1cccc(c1)N1CCNCC1"
MEOPP = "COc1ccc(cc1)N1CCNCC1"
PFPP = "Fc1ccc(cc1)N1CCNCC1"
MCPP = "Clc1cccc(c1)N1CCNCC1"


@pytest.mark.parametrize("smiles", [BZP, MBZP], ids=["BZP", "MBZP"])
def test_benzylpiperazines_of_modification_i_are_class_c_from_23_december_2009(classifier, smiles):
    assert _rules(_gb(classifier, smiles, date(2009, 12, 23))) == {"gb-mda-piperazines"}
    assert _gb(classifier, smiles, date(2009, 12, 22)).status == "not_controlled"


def test_unmodified_1_phenylpiperazine_is_not_the_clause(classifier):
    # "structurally derived from ... 1-phenylpiperazine by modification": the parent itself is not named
    assert "gb-mda-piperazines" not in _rules(_gb(classifier, PHENYLPIPERAZINE))


@pytest.mark.parametrize("smiles", [TFMPP, MEOPP, PFPP], ids=["TFMPP", "MeOPP", "pFPP"])
def test_ring_substituted_phenylpiperazines_are_not_answered_by_modification_i(classifier, smiles):
    # their second nitrogen is free; (ii) "substitution in the aromatic ring to ..." was not read past those words
    assert "gb-mda-piperazines" not in _rules(_gb(classifier, smiles))


def test_mcpp_is_class_c_by_name(classifier):
    assert ("gb-mda-class-c", "1-(3-chlorophenyl)piperazine") in {
        (m.rule_id, m.substance) for m in _gb(classifier, MCPP).matches
    }


# --- temporary class drug orders ------------------------------------------------------------------------------------


def test_no_encoded_temporary_class_drug_order_is_in_force_today(classifier):
    # s. 2A(6): a TCDO lapses after one year at most; the last ones found ended in 2017 (searched-2026-12-05 (5))
    temporary = [r for r in classifier.rulebook.rules if r.jurisdiction == "GB" and r.list_.startswith("Temporary")]
    assert [r.id for r in temporary] == ["gb-mda-tcdo-2012-methoxetamine"]
    assert all(r.in_force_to is not None and r.in_force_to < TODAY for r in temporary)


# --- the audit of 5 December 2026, rows 13-24: substances answered 'not controlled' ----------------------------------
# Expectations from the texts read (gb_mda_schedule2.txt [si2013-239], [hoc001-2015] and the notes of the gb.toml
# rules): the class each source states and the day each instrument came into force; the day before is checked too.

O_DESMETHYLTRAMADOL = "OC2(c1cc(O)ccc1)CCCCC2CN(C)C"
TRAMADOL = "COc1cccc(C2(O)CCCCC2CN(C)C)c1"


def _class_of(classifier, result) -> set[str]:
    return {classifier.rulebook.rule(m.rule_id).list_ for m in result.matches}


def test_o_desmethyltramadol_is_class_b_by_name_from_26_february_2013(classifier):
    # SI 2013/239 art. 2-3: Part 2 (Class B) para 1(a), "after 'Zipeprol', insert 2-((Dimethylamino)methyl)-1-(3-
    # hydroxyphenyl)cyclohexanol"; art. 1: the fourteenth day after 12 February 2013
    assert _gb(classifier, O_DESMETHYLTRAMADOL, date(2013, 2, 25)).status == "not_controlled"
    for day in (date(2013, 2, 26), TODAY):
        result = _gb(classifier, O_DESMETHYLTRAMADOL, day)
        assert result.status == "controlled_by_name"
        assert _class_of(classifier, result) == {"Class B"}
        assert {m.rule_id for m in result.matches} == {"gb-mda-class-b"}


def test_tramadol_stays_class_c_and_is_not_its_metabolite(classifier):
    # tramadol is the O-methyl ether: Class C by name from 10 June 2014 (EM to SI 2014/1106), never Class B here
    assert _class_of(classifier, _gb(classifier, TRAMADOL)) == {"Class C"}


LSD_RELATED = {
    "ALD-52": "O=C(n1cc2c3c(C4=C[C@@H](C(=O)N(CC)CC)CN([C@@H]4C2)C)cccc13)C",
    "AL-LAD": "[H][C@@]12Cc3c[nH]c4cccc(C1=C[C@@H](C(=O)N(CC)CC)CN2CC=C)c34",
    "ETH-LAD": "CCN(C([C@@H]1C=C2C3=CC=CC4=C3C(C[C@H]2N(CC)C1)=CN4)=O)CC",
    "PRO-LAD": "CCN(CC)C(=O)[C@@H]2C=C1c3cccc4[nH]cc(C[C@H]1N(C2)CCC)c34",
    "LSZ": "CN1C[C@@H](C=C2[C@H]1Cc1c[nH]c3c1c2ccc3)C(=O)N1[C@@H](C)C[C@@H]1C",
}


@pytest.mark.parametrize("name", sorted(LSD_RELATED))
def test_the_lsd_related_compounds_are_class_a_from_7_january_2015(classifier, name):
    # Circular 001/2015: SI 2014/3271 "classifies ... the LSD-related compounds commonly known as ALD-52, AL-LAD,
    # ETH-LAD, PRO-LAD and LSZ as Class A drugs", in force "at 00:01 on 7 January 2015"
    smiles = LSD_RELATED[name]
    assert _gb(classifier, smiles, date(2015, 1, 6)).status == "not_controlled"
    for day in (date(2015, 1, 7), TODAY):
        result = _gb(classifier, smiles, day)
        assert (("gb-mda-2015-lsd-related", name)) in {(m.rule_id, m.substance) for m in result.matches}
        assert _class_of(classifier, result) == {"Class A"}


@pytest.mark.parametrize(
    "name, smiles",
    [("AMT", "NC(CC1=CNC2=C1C=CC=C2)C"), ("5-MeO-DALT", "C=CCN(CCC1=CNC2=C1C=C(OC)C=C2)CC=C")],
)
def test_amt_and_5_meo_dalt_are_class_a_from_7_january_2015(classifier, name, smiles):
    # Circular 001/2015: "the compounds captured by the extended definition of tryptamines, which now include
    # compounds commonly known as AMT and 5-MeO-DALT, as Class A drugs"; before it the 1977 wording did not reach them
    assert _gb(classifier, smiles, date(2015, 1, 6)).status == "not_controlled"
    result = _gb(classifier, smiles, date(2015, 1, 7))
    assert {(m.rule_id, m.substance) for m in result.matches} == {("gb-mda-2015-tryptamines-named", name)}
    assert _class_of(classifier, _gb(classifier, smiles)) == {"Class A"}


def test_the_extended_tryptamine_definition_is_not_guessed_beyond_the_named_two(classifier):
    # its wording was not read: an alpha-methyltryptamine the circular does not name stays unanswered by the encoding
    five_meo_amt = "COc1ccc2[nH]cc(CC(C)N)c2c1"
    assert _gb(classifier, five_meo_amt).status == "not_controlled"
    # what the 1977 wording captured stays captured after 7 January 2015 ("extended")
    assert "gb-mda-tryptamines" in _rules(_gb(classifier, "CN(C)CCc1c[nH]c2ccccc12"))


BENZOFURANS = {
    "5-APB": "CC(N)CC1=CC(C=CO2)=C2C=C1",
    "6-APB": "NC(C)CC1=CC(OC=C2)=C2C=C1",
    "5-MAPB": "CC(NC)CC1=CC(C=CO2)=C2C=C1",
    "6-MAPB": "CNC(C)Cc1ccc2ccoc2c1",
}


@pytest.mark.parametrize("name", sorted(BENZOFURANS))
def test_5_and_6_apb_and_their_n_methyl_derivatives_are_class_b_from_10_june_2014(classifier, name):
    # Home Office, 10 June 2014: "Benzofurans are now Class B drugs"; ACMD: "5- and 6-APB ... and their N-methyl
    # derivatives"; SI 2014/1106 art. 1: in force 10 June 2014 (the 2013 TCDO is not encoded)
    smiles = BENZOFURANS[name]
    assert _gb(classifier, smiles, date(2014, 6, 9)).status == "not_controlled"
    for day in (date(2014, 6, 10), TODAY):
        result = _gb(classifier, smiles, day)
        assert {m.rule_id for m in result.matches} == {"gb-mda-2014-benzofurans-named"}
        assert _class_of(classifier, result) == {"Class B"}


@pytest.mark.parametrize(
    "smiles",
    ["CC(N)Cc1ccc2OCCc2c1", "CC(N)Cc1ccc2[nH]ccc2c1"],
    ids=["5-APDB", "5-IT"],
)
def test_apdb_and_it_are_not_answered_without_the_permanent_text(classifier, smiles):
    # named only in the 2013 TCDO recommendation; that the 2014 Class B wording reaches them was not read
    assert "gb-mda-2014-benzofurans-named" not in _rules(_gb(classifier, smiles))


DESOXYPIPRADROL = "C1(C(C2NCCCC2)C3=CC=CC=C3)=CC=CC=C1"


def test_desoxypipradrol_is_class_b_from_13_june_2012(classifier):
    # Lords Hansard 20 March 2012: 2-DPMP "sufficiently harmful to warrant class B control"; Circular 014/2012:
    # implementation date 13 June 2012
    assert _gb(classifier, DESOXYPIPRADROL, date(2012, 6, 12)).status == "not_controlled"
    for day in (date(2012, 6, 13), TODAY):
        result = _gb(classifier, DESOXYPIPRADROL, day)
        assert {m.rule_id for m in result.matches} == {"gb-mda-2012-desoxypipradrol"}
        assert _class_of(classifier, result) == {"Class B"}


def test_ah_7921_is_class_a_from_7_january_2015(classifier):
    # Circular 001/2015: SI 2014/3271 "classifies ... the synthetic opioid AH-7921 as a Class A drug"
    ah_7921 = "CN(C)C1(CNC(=O)c2ccc(Cl)c(Cl)c2)CCCCC1"
    assert _gb(classifier, ah_7921, date(2015, 1, 6)).status == "not_controlled"
    assert _class_of(classifier, _gb(classifier, ah_7921, date(2015, 1, 7))) == {"Class A"}


# Audit of 5 December 2026 (medicines): SI 1996/1300 art. 1 "shall come into force on 1st September 1996"; art. 2(2)(b)
# adds to paragraph 1 of Part III (Class C) the sub-paragraph "(b) Atamestane. ... Nandrolone. ... Testosterone. ..."
TESTOSTERONE = "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2O"
NANDROLONE = "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@H]43)[C@@H]1CC[C@@H]2O"


# the further rows of 1(b) whose medicine has a ChEMBL structure (drawn here independently of the rule file)
STEROIDS_1B = {
    "testosterone": TESTOSTERONE,
    "nandrolone": NANDROLONE,
    "methyltestosterone": "CC12CCC(=O)C=C1CCC1C2CCC2(C)C1CCC2(C)O",
    "stanozolol": "CC12Cc3c[nH]nc3CC1CCC1C2CCC2(C)C1CCC2(C)O",
    "prasterone": "CC12CCC(O)CC1=CCC1C2CCC2(C)C(=O)CCC12",
    "oxandrolone": "CC12COC(=O)CC1CCC1C2CCC2(C)C1CCC2(C)O",
}


@pytest.mark.parametrize("smiles", list(STEROIDS_1B.values()), ids=list(STEROIDS_1B))
def test_named_anabolic_steroids_are_class_c_from_1_september_1996(classifier, smiles):
    assert _gb(classifier, smiles, date(1996, 8, 31)).status == "not_controlled"
    for day in (date(1996, 9, 1), date(2026, 12, 5)):
        result = _gb(classifier, smiles, day)
        assert result.status == "controlled_by_name"
        assert _rules(result) == {"gb-mda-class-c"}
        assert _class_of(classifier, result) == {"Class C"}


def test_an_unlisted_steroid_is_not_guessed_into_the_named_list(classifier):
    # the generic clause 1(c) is not encoded: estradiol (a 17-hydroxyestrane without the 3-one) is no row of 1(b)
    estradiol = "C[C@]12CC[C@@H]3c4ccc(O)cc4CC[C@H]3[C@@H]1CC[C@@H]2O"
    assert "gb-mda-class-c" not in _rules(_gb(classifier, estradiol))


def test_nitrous_oxide_is_class_c_from_8_november_2023():
    # Home Office Circular 006/2023: SI 2023/1091 classifies nitrous oxide as Class C (Part III
    # para 1(a)), in force at 00.01 on 8 November 2023
    from datetime import date

    from chemistry.classify import Classifier
    from chemistry.identity import identify

    classifier = Classifier()
    nitrous_oxide = identify("N#[N+][O-]")
    before = classifier.classify(nitrous_oxide, jurisdictions=["GB"], as_of=date(2023, 11, 7)).results["GB"]
    after = classifier.classify(nitrous_oxide, jurisdictions=["GB"], as_of=date(2023, 11, 8)).results["GB"]
    assert before.status == "not_controlled"
    assert after.status == "controlled_by_name"
    assert [(m.rule_id, m.list) for m in after.matches] == [("gb-mda-2023-nitrous-oxide", "Class C")]
