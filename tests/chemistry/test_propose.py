"""Proposed group definitions: capture the family, never a reference medicine unflagged."""

from datetime import date

import pytest
from nps_series import all_series, psychoactives

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.propose import Proposal, default_screen, propose_group, virtual_analogues
from chemistry.rulebook import Rule, Rulebook

AS_OF = date(2025, 1, 1)
SERIES = all_series()
OPIOID_MEDICINES = {"fentanyl", "sufentanil", "remifentanil", "alfentanil", "carfentanil"}


@pytest.fixture(scope="module")
def registry():
    return [(name, smiles) for name, smiles in psychoactives().items() if name != "Nitrous"]


@pytest.fixture(scope="module")
def proposals(registry):
    return {
        # virtual analogues are counted for one series only: that pass dominates the run time
        name: propose_group(
            name, list(members.items()), registry=registry, as_of=AS_OF, count_virtual=name == "cathinones"
        )
        for name, members in SERIES.items()
    }


SAFE_SERIES = [name for name in SERIES if name != "fentanyls"]


@pytest.mark.parametrize("series", SAFE_SERIES)
def test_proposal_captures_its_members_and_no_reference_compound(proposals, series):
    proposal: Proposal = proposals[series]
    assert proposal.coverage.members_missed == ()
    assert len(proposal.coverage.members_captured) == len(SERIES[series])
    assert proposal.coverage.reference_captured == ()
    assert proposal.safe and proposal.offenders == ()


@pytest.mark.parametrize("series", list(SERIES))
def test_proposal_is_a_valid_draft_rule(proposals, series):
    rule = proposals[series].rule
    assert isinstance(rule, Rule) and rule.kind == "group"
    assert rule.jurisdiction == "XX" and rule.list_ == "draft"
    assert rule.notes is not None and "MACHINE-PROPOSED" in rule.notes
    assert {e.name for e in rule.must_match} == set(proposals[series].coverage.members_captured)
    assert len(rule.must_not_match) >= 2
    # the JSON shape a regulator's draft has (FORMAT.md) validates back into the same rule
    assert Rule.model_validate(proposals[series].as_dict()) == rule


def test_a_family_holding_a_medicine_is_flagged_with_it(proposals):
    # Fentanyl is both a registry substance of the family and an approved medicine: the proposal
    # must not be offered as is, even after narrowing to the observed substituents.
    proposal = proposals["fentanyls"]
    assert not proposal.safe
    assert proposal.generalisation == "observed"
    assert "fentanyl" in proposal.offenders
    assert set(proposal.offenders) <= OPIOID_MEDICINES


def test_a_generalisation_that_reaches_a_medicine_is_narrowed():
    # Acetyl- and butyrylfentanyl: "alkyl up to C3" on the amide would capture fentanyl (ethyl),
    # so the proposal falls back to the observed acyl groups, which do not.
    members = [(n, SERIES["fentanyls"][n]) for n in ("Acetylfentanyl", "Butyrfentanyl", "Valerylfentanyl")]
    proposal = propose_group("fam-acyl-fentanyls", members, as_of=AS_OF, count_virtual=False)
    assert proposal.generalisation == "observed"
    assert proposal.safe, proposal.offenders
    assert proposal.rule.notes is not None
    assert "Observed" in proposal.rule.notes or "observed" in proposal.rule.notes


def test_cathinone_proposal_reaches_a_registry_relative_and_virtual_analogues(proposals):
    coverage = proposals["cathinones"].coverage
    assert "NEP" in coverage.registry_captured  # N-ethylpentedrone, not one of the series members
    assert "Bupropion" not in coverage.registry_captured
    assert 0 < coverage.virtual_captured <= coverage.virtual_analogues


def test_proposal_positions_follow_the_observed_variation(proposals):
    core = proposals["cathinones"].rule.cores[0]
    ring = next(p for p in core.positions if p.name.startswith("ring"))
    labels = {spec.class_ for spec in ring.allowed}
    assert "halogen" in labels and "alkyl" in labels  # 4-CMC/brephedrone; mephedrone/3,4-DMMC
    assert ring.max == 2  # 3,4-DMMC carries two


def test_virtual_analogues_are_deterministic_and_exclude_the_inputs():
    mephedrone = identify(SERIES["cathinones"]["Mephedrone"])
    first = virtual_analogues([mephedrone.mol])
    assert first == virtual_analogues([mephedrone.mol])
    assert mephedrone.smiles not in first
    assert identify("CNC(C)C(=O)c1ccc(C)c(F)c1").smiles in first  # 3-fluoro-mephedrone
    assert identify("CN(C)C(C)C(=O)c1ccc(C)cc1").smiles in first  # N-methyl
    assert identify("CNC(C)C(=O)c1ccccc1").smiles in first  # 4-methyl back to H


def test_screen_reference_set_is_large_and_parsed_once():
    screen = default_screen()
    assert len(screen.reference) >= 150
    assert default_screen() is screen
    names = {c.name for c in screen.reference}
    assert {"bupropion", "ephedrine", "fentanyl", "melatonin", "diazepam"} <= names


def test_screen_keeps_legal_negatives_apart_from_controlled_ones():
    names = {c.name.lower() for c in default_screen().legal_negatives}
    # bupropion: named exclusion of the UK cathinone clause (SI 2010/1207), an authorised medicine
    assert "bupropion" in names
    # 25I-NBOMe: outside the 2C clause (a must_not_match there) but banned by the UK N-benzyl
    # phenethylamine clause (2014) and UN 1971 Schedule I, so a group may well reach it
    assert not any("25i-nbome" in n for n in names)


def test_a_proposal_that_reaches_a_negative_the_law_keeps_legal_is_flagged():
    from chemistry.propose import SafetyScreen

    screen = default_screen()
    only_legal_negatives = SafetyScreen(
        reference=(), negatives=screen.negatives, legal_negatives=screen.legal_negatives
    )
    # bupropion and three ring analogues (constructed): a family that holds the medicine itself
    members = [
        ("bupropion", "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1"),
        ("3-fluoro analogue", "CC(NC(C)(C)C)C(=O)c1cccc(F)c1"),
        ("3-bromo analogue", "CC(NC(C)(C)C)C(=O)c1cccc(Br)c1"),
        ("4-chloro analogue", "CC(NC(C)(C)C)C(=O)c1ccc(Cl)cc1"),
    ]
    proposal = propose_group("fam-bupropion-like", members, screen=only_legal_negatives, count_virtual=False)
    assert not proposal.safe
    assert any("bupropion" in name.lower() for name in proposal.offenders)


# --- issue 17: proposals a regulator can trust -------------------------------------------------


def test_no_proposal_for_a_family_of_fewer_than_three():
    members = list(SERIES["cathinones"].items())
    for size in (1, 2):
        with pytest.raises(ValueError, match="at least 3"):
            propose_group("fam-small", members[:size], as_of=AS_OF, count_virtual=False)
    assert propose_group("fam-three", members[:3], as_of=AS_OF, count_virtual=False).coverage.members == 3


SOLRIAMFETOL = "NC(=O)OC[C@H](N)Cc1ccccc1"  # an authorised medicine not on the reference list


def test_an_authorised_medicine_of_the_register_flags_a_proposal():
    from chemistry.propose import REFERENCE_CSV

    assert "solriamfetol" not in REFERENCE_CSV.read_text()
    members = [
        ("4-F", "NC(=O)OC[C@H](N)Cc1ccc(F)cc1"),
        ("4-Cl", "NC(=O)OC[C@H](N)Cc1ccc(Cl)cc1"),
        ("4-Me", "NC(=O)OC[C@H](N)Cc1ccc(C)cc1"),
        ("3-F", "NC(=O)OC[C@H](N)Cc1cccc(F)c1"),
    ]
    proposal = propose_group("fam-carbamates", members, as_of=AS_OF, count_virtual=False)
    engine = Classifier(Rulebook(rules=(proposal.rule,)))
    captures_it = engine.classify(identify(SOLRIAMFETOL), jurisdictions=["XX"], as_of=AS_OF).results["XX"].matches
    assert bool(captures_it) == ("solriamfetol" in proposal.offenders)
    assert proposal.safe == (not captures_it)
    if proposal.generalisation == "generalised":
        pytest.fail("the generalised draft (any halogen or alkyl on the ring, or none) reaches solriamfetol")


def _reaches(rule: Rule, compounds) -> set[str]:
    engine = Classifier(Rulebook(rules=(rule,)))
    return {
        c.name
        for c in compounds
        if engine.classify(c.identity, jurisdictions=[rule.jurisdiction], as_of=AS_OF)
        .results[rule.jurisdiction]
        .matches
    }


@pytest.mark.parametrize("series", list(SERIES))
def test_the_safe_flag_and_the_coverage_agree(proposals, series):
    """Measured again here, outside propose_group: the rule against every reference compound and
    authorised medicine and every shipped negative (members another rule controls aside)."""
    proposal = proposals[series]
    screen = default_screen()
    members = {identify(smiles).inchikey for smiles in SERIES[series].values()}
    legal = {c.identity.inchikey for c in screen.legal_negatives}
    reference = _reaches(proposal.rule, screen.reference)
    negatives = _reaches(
        proposal.rule,
        [c for c in screen.negatives if c.identity.inchikey not in members or c.identity.inchikey in legal],
    )
    assert set(proposal.coverage.reference_captured) == reference
    assert set(proposal.coverage.negatives_captured) == negatives
    assert proposal.safe == (not reference and not negatives)
    assert set(proposal.offenders) == reference | negatives


def test_the_proposal_says_what_it_would_newly_control_per_jurisdiction(registry):
    from chemistry.rulebook import load_rulebook

    law = Classifier(load_rulebook())
    members = list(SERIES["cathinones"].items())
    proposal = propose_group("cathinones", members, registry=registry, as_of=AS_OF, law=law)
    coverage = proposal.coverage
    structures = dict(registry) | dict(members)
    captured = [*coverage.members_captured, *coverage.registry_captured]
    assert set(coverage.registry_newly_controlled) == set(law.rulebook.jurisdictions)
    for code, names in coverage.registry_newly_controlled.items():
        expected = {
            n
            for n in captured
            if not law.classify(structures[n], jurisdictions=[code], as_of=AS_OF).results[code].matches
        }
        assert set(names) == expected, code
        assert 0 <= coverage.virtual_newly_controlled[code] <= coverage.virtual_captured
    # mephedrone is controlled by name nearly everywhere: never "newly controlled" in Denmark
    assert "Mephedrone" not in coverage.registry_newly_controlled["DK"]
    assert any(coverage.registry_newly_controlled.values())


@pytest.mark.parametrize("series", SAFE_SERIES)
def test_positions_carry_carbon_and_chain_limits_as_the_laws_do(proposals, series):
    from chemistry.propose import _CLASSES_WITH_CARBON_LIMIT

    for position in proposals[series].rule.cores[0].positions:
        for spec in position.allowed:
            if spec.class_ in _CLASSES_WITH_CARBON_LIMIT:
                assert spec.max_carbons is not None and spec.max_chain is not None, (position.name, spec)
            assert not (spec.name or "").startswith("observed") or proposals[series].generalisation != "generalised"
