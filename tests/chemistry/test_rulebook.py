"""Rule files: validation a rule author can act on, dates in force, and the engine's answers.

Expected outputs come from the legal texts cited in chemistry/rules/gb.toml and dk.toml and from
chemistry (which atom is the nitrogen), never from running the engine.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from rdkit import Chem

from chemistry.classify import IMPLEMENTED_CLASSES, MAX_MATCHES_PER_CORE, Classifier
from chemistry.depict import svg_of_smarts, svg_with_highlight
from chemistry.identity import identify
from chemistry.rulebook import (
    MAX_QUERY_ATOMS,
    RULES_DIR,
    SUBSTITUENT_CLASSES,
    Rule,
    Rulebook,
    RulebookError,
    load_rulebook,
)

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
MEPHEDRONE_HCL = "CNC(C)C(=O)c1ccc(C)cc1.Cl"
MEPHEDRONE_CATION = "C[NH2+]C(C)C(=O)c1ccc(C)cc1.[Cl-]"
R_MEPHEDRONE = "CN[C@H](C)C(=O)c1ccc(C)cc1"
BUPROPION = "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1"
S_BUPROPION = "C[C@H](NC(C)(C)C)C(=O)c1cccc(Cl)c1"
BENZEDRONE = "CC(NCc1ccccc1)C(=O)c1ccc(C)cc1"
AM_1220 = "CN1CCCCC1Cn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"


def _draft(**overrides) -> dict:
    """A minimal valid group rule, as a regulator would POST it (JSON: dates as strings)."""
    rule = {
        "id": "xx-draft-cathinones",
        "kind": "group",
        "title": "Draft cathinone group",
        "jurisdiction": "GB",
        "list": "draft",
        "in_force_from": "2030-01-01",
        "notes": "A draft used by the tests.",
        "citation": {"act": "Draft act", "part": "Annex", "reference": "draft 1"},
        "cores": [
            {
                "id": "cathinone",
                "smarts": "[c]1[c:11][c:11][c:11][c:11][c:11]1[CX3](=[OX1])[CX4]([CX4:3])[NX3:4]",
                "positions": [
                    {"name": "phenyl ring", "atoms": [11], "allowed": ["alkyl", "halogen"]},
                    {"name": "nitrogen", "atoms": [4], "allowed": ["alkyl"]},
                ],
            }
        ],
        "must_match": [{"name": "mephedrone", "smiles": MEPHEDRONE, "source": "test"}],
    }
    rule.update(overrides)
    return rule


@pytest.fixture(scope="module")
def gb_dk() -> Classifier:
    # Only the files this test is about, so that other rule files cannot change its answers.
    return Classifier(load_rulebook([RULES_DIR / "gb.toml", RULES_DIR / "dk.toml"]))


# --- validation ------------------------------------------------------------------------------


def test_a_json_draft_validates():
    rule = Rule.model_validate(_draft())
    assert rule.in_force_from == date(2030, 1, 1)
    assert rule.cores[0].positions[0].allowed[0].class_ == "alkyl"


def test_bad_smarts_names_the_smarts_and_rdkit_reason():
    bad = _draft()
    bad["cores"][0]["smarts"] = "[c]1[c:11]cc(C(=O"
    with pytest.raises(Exception) as caught:
        Rule.model_validate(bad)
    text = str(caught.value)
    assert "[c]1[c:11]cc(C(=O" in text
    assert "SMARTS Parse Error" in text  # RDKit's own words


def test_unknown_field_is_refused():
    with pytest.raises(Exception) as caught:
        Rule.model_validate(_draft(penalty="prison"))
    assert "penalty" in str(caught.value)
    assert "Extra inputs are not permitted" in str(caught.value)


def test_unknown_substituent_class_lists_the_known_ones():
    bad = _draft()
    bad["cores"][0]["positions"][1]["allowed"] = ["benzyl"]
    with pytest.raises(Exception) as caught:
        Rule.model_validate(bad)
    assert "unknown substituent class 'benzyl'" in str(caught.value)
    assert "haloalkyl" in str(caught.value)


def test_in_force_to_before_in_force_from_is_refused():
    with pytest.raises(Exception) as caught:
        Rule.model_validate(_draft(in_force_to="2029-12-31"))
    assert "before in_force_from" in str(caught.value)


def test_position_with_map_numbers_missing_from_the_core_is_refused():
    bad = _draft()
    bad["cores"][0]["positions"][1]["atoms"] = [7]
    with pytest.raises(Exception) as caught:
        Rule.model_validate(bad)
    assert "none of which is in the core SMARTS" in str(caught.value)


def test_groups_need_notes():
    with pytest.raises(Exception) as caught:
        Rule.model_validate(_draft(notes=""))
    assert "'notes' is required" in str(caught.value)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


RULE_TOML = """
[[rule]]
id = "{id}"
kind = "named"
title = "t"
jurisdiction = "GB"
list = "l"
in_force_from = 2020-01-01
[rule.citation]
act = "a"
part = "p"
reference = "r"
[[rule.substances]]
name = "mephedrone"
smiles = "{smiles}"
source = "test"
"""


def test_duplicate_ids_across_files_name_both_files(tmp_path):
    first = _write(tmp_path / "a.toml", RULE_TOML.format(id="gb-x", smiles=MEPHEDRONE))
    second = _write(tmp_path / "b.toml", RULE_TOML.format(id="gb-x", smiles=MEPHEDRONE))
    with pytest.raises(RulebookError) as caught:
        load_rulebook([first, second])
    (problem,) = caught.value.problems
    assert (problem.file, problem.rule_id, problem.field) == ("b.toml", "gb-x", "id")
    assert "a.toml" in problem.message


def test_file_errors_name_file_rule_and_field(tmp_path):
    broken = _write(tmp_path / "zz.toml", RULE_TOML.format(id="gb-y", smiles="C1CC"))
    with pytest.raises(RulebookError) as caught:
        load_rulebook([broken])
    (problem,) = caught.value.problems
    assert problem.file == "zz.toml"
    assert problem.rule_id == "gb-y"
    assert problem.field == "substances[0].smiles"
    assert "C1CC" in problem.message


# --- bounds against pathological SMARTS --------------------------------------------------------


def test_oversized_query_is_refused():
    bad = _draft()
    bad["cores"][0]["smarts"] = "C" * (MAX_QUERY_ATOMS + 1)
    bad["cores"][0]["positions"] = []
    with pytest.raises(Exception) as caught:
        Rule.model_validate(bad)
    assert f"at most {MAX_QUERY_ATOMS}" in str(caught.value)


def test_deeply_recursive_smarts_is_refused():
    bad = _draft()
    bad["cores"][0]["smarts"] = "[$([#6]-[$([#6]-[$([#6]-[#6])])])]"
    bad["cores"][0]["positions"] = []
    with pytest.raises(Exception) as caught:
        Rule.model_validate(bad)
    assert "nested 3 deep" in str(caught.value)


def test_match_enumeration_is_capped():
    greedy = _draft(cores=[{"id": "any-chain", "smarts": "[#6]~[#6]~[#6]~[#6]"}], must_match=[])
    classifier = Classifier(Rulebook((Rule.model_validate(greedy),)))
    big_ring_system = identify("C1CC2CCC3CCC4CCC5CCC6CCC7CCC8CCCC9CCC(C1)C2C3C4C5C6C7C89").mol
    found = classifier.core_matches(big_ring_system)
    assert 0 < len(found["[#6]~[#6]~[#6]~[#6]"]) <= MAX_MATCHES_PER_CORE
    # and a full classification finishes with an answer rather than enumerating every mapping
    result = classifier.classify(big_ring_system, as_of=date(2030, 1, 1))
    assert result.results["GB"].status in {"controlled_by_group", "not_controlled"}


# --- dates in force ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jurisdiction", "day", "status"),
    [
        ("GB", date(2010, 1, 1), "not_controlled"),  # before SI 2010/1207
        ("GB", date(2010, 4, 15), "not_controlled"),
        ("GB", date(2010, 4, 16), "controlled_by_group"),  # the day it came into force
        ("GB", date(2010, 5, 1), "controlled_by_group"),
        ("DK", date(2012, 7, 3), "not_controlled"),  # group bans start 4 July 2012
        ("DK", date(2012, 7, 4), "controlled_by_group"),
    ],
)
def test_mephedrone_before_and_after_entry_into_force(gb_dk, jurisdiction, day, status):
    result = gb_dk.classify(identify(MEPHEDRONE), jurisdictions=[jurisdiction], as_of=day)
    assert result.status(jurisdiction) == status


def test_the_2013_cannabinoid_text_replaced_the_2009_text(gb_dk):
    before = gb_dk.classify(AM_1220, jurisdictions=["GB"], as_of=date(2013, 2, 25))
    after = gb_dk.classify(AM_1220, jurisdictions=["GB"], as_of=date(2013, 2, 26))
    assert before.status("GB") == "not_controlled"
    assert after.matched_rule_ids("GB") == {"gb-mda-cannabinoids-2013"}

    in_2012 = {r.id for r in gb_dk.rules_in_force(date(2012, 6, 1), ["GB"])}
    in_2014 = {r.id for r in gb_dk.rules_in_force(date(2014, 6, 1), ["GB"])}
    assert "gb-mda-cannabinoids-2009" in in_2012 and "gb-mda-cannabinoids-2013" not in in_2012
    assert "gb-mda-cannabinoids-2013" in in_2014 and "gb-mda-cannabinoids-2009" not in in_2014
    assert not {r.id for r in gb_dk.rules_in_force(date(2014, 6, 1), ["GB"])} & {"dk-bek-cathinones"}


# --- salts, charges, stereoisomers ----------------------------------------------------------------


@pytest.mark.parametrize("written", [MEPHEDRONE, MEPHEDRONE_HCL, MEPHEDRONE_CATION, R_MEPHEDRONE])
def test_salts_charged_forms_and_stereoisomers_are_captured(gb_dk, written):
    result = gb_dk.classify(identify(written), as_of=date(2020, 1, 1))
    assert result.matched_rule_ids("GB") == {"gb-mda-cathinones"}
    assert result.matched_rule_ids("DK") == {"dk-bek-cathinones"}


@pytest.mark.parametrize("written", [BUPROPION, S_BUPROPION, BUPROPION + ".Cl"])
def test_named_exclusion_covers_salts_and_stereoisomers(gb_dk, written):
    result = gb_dk.classify(identify(written), jurisdictions=["GB"], as_of=date(2020, 1, 1))
    assert result.status("GB") == "not_controlled"
    assert [n.reason for n in result.results["GB"].near_misses] == ["named exclusion: bupropion"]


def test_named_substances_and_the_stereoisomer_flag():
    s_methcathinone, r_methcathinone = "CN[C@@H](C)C(=O)c1ccccc1", "CN[C@H](C)C(=O)c1ccccc1"
    base = {
        "kind": "named",
        "title": "t",
        "jurisdiction": "GB",
        "list": "l",
        "in_force_from": "2000-01-01",
        "citation": {"act": "a", "part": "p", "reference": "r"},
        "substances": [{"name": "(S)-methcathinone", "smiles": s_methcathinone, "source": "test"}],
    }
    with_stereo = Rule.model_validate({**base, "id": "gb-all-stereo"})
    this_one_only = Rule.model_validate({**base, "id": "gb-one-stereo", "stereoisomers_included": False})
    classifier = Classifier(Rulebook((with_stereo, this_one_only)))
    same = classifier.classify(s_methcathinone, as_of=date(2020, 1, 1))
    mirror = classifier.classify(r_methcathinone, as_of=date(2020, 1, 1))
    assert same.matched_rule_ids("GB") == {"gb-all-stereo", "gb-one-stereo"}
    assert same.status("GB") == "controlled_by_name"
    assert mirror.matched_rule_ids("GB") == {"gb-all-stereo"}
    assert classifier.classify(s_methcathinone, as_of=date(1999, 12, 31)).status("GB") == "not_controlled"


# --- near misses and explanations ------------------------------------------------------------------


def test_near_miss_names_the_position_and_the_substituent(gb_dk):
    result = gb_dk.classify(BENZEDRONE, jurisdictions=["GB"], as_of=date(2020, 1, 1))
    assert result.status("GB") == "not_controlled"
    (near,) = result.results["GB"].near_misses
    assert near.rule_id == "gb-mda-cathinones"
    assert "substituent at nitrogen" in near.reason
    assert "*Cc1ccccc1" in near.reason  # the benzyl group, as found
    assert "not an allowed alkyl" in near.reason


def test_a_ring_from_the_nitrogen_onto_another_position_needs_bridges_to():
    alpha_pvp_ring_closed = "O=C(c1ccccc1)C1CCCN1C"  # 1-methyl-2-benzoylpyrrolidine: a ring from N onto C-3
    draft = _draft(in_force_from="2000-01-01")
    draft["cores"][0]["positions"].append({"name": "3-position", "atoms": [3], "allowed": ["alkyl"]})
    plain = Classifier(Rulebook((Rule.model_validate(draft),)))
    (near,) = plain.classify(alpha_pvp_ring_closed, as_of=date(2020, 1, 1)).results["GB"].near_misses
    assert "bridges positions 3-position and nitrogen" in near.reason
    draft["cores"][0]["positions"][1].update(allowed=["alkyl", "ring_closure"], bridges_to=["3-position"])
    bridged = Classifier(Rulebook((Rule.model_validate(draft),)))
    assert bridged.classify(alpha_pvp_ring_closed, as_of=date(2020, 1, 1)).status("GB") == "controlled_by_group"


def test_near_miss_for_a_mass_limit():
    draft = Rule.model_validate(_draft(limits={"max_parent_mass": 200}, in_force_from="2000-01-01"))
    classifier = Classifier(Rulebook((draft,)))
    light = classifier.classify(MEPHEDRONE, as_of=date(2020, 1, 1))  # C11H15NO, 177.2 u
    heavy = classifier.classify("CNC(C)C(=O)c1ccc(Br)cc1", as_of=date(2020, 1, 1))  # C10H12BrNO, 242.1 u
    assert light.status("GB") == "controlled_by_group"
    (near,) = heavy.results["GB"].near_misses
    assert near.reason == "core of xx-draft-cathinones matched; parent mass 242.1 u exceeds 200 u"


def test_explanation_maps_atoms_to_the_parts_of_the_definition(gb_dk):
    identity = identify(MEPHEDRONE)
    result = gb_dk.classify(identity, jurisdictions=["GB"], as_of=date(2020, 1, 1))
    (match,) = result.results["GB"].matches
    assert match.citation["reference"].startswith("SI 2010/1207")
    explanation = match.explanation
    parent = identity.mol
    (nitrogen,) = explanation.parts["nitrogen"]
    assert parent.GetAtomWithIdx(nitrogen).GetSymbol() == "N"
    assert len(explanation.parts["phenyl ring"]) == 5  # the five free ring carbons
    assert {parent.GetAtomWithIdx(i).GetSymbol() for i in explanation.parts["core"]} == {"C", "O"}
    found = {(s.position, s.substituent_class, s.smiles) for s in explanation.substituents}
    assert found == {("phenyl ring", "alkyl", "*C"), ("nitrogen", "alkyl", "*C")}
    # the 3-position methyl is part of the core, the 4-methyl and the N-methyl are substituents
    ring_methyl = next(s for s in explanation.substituents if s.position == "phenyl ring")
    (carbon,) = ring_methyl.atoms
    assert any(n.GetIdx() in explanation.parts["phenyl ring"] for n in parent.GetAtomWithIdx(carbon).GetNeighbors())


def test_ring_system_option_is_named_in_the_explanation(gb_dk):
    two_naphthoyl = "CCCCCn1cc(C(=O)c2ccc3ccccc3c2)c2ccccc21"
    result = gb_dk.classify(two_naphthoyl, jurisdictions=["GB"], as_of=date(2020, 1, 1))
    explanations = [m.explanation for m in result.results["GB"].matches]
    assert any(e.core_id == "naphthoylindole" and e.ring_systems == {"naphthyl": "2-naphthyl"} for e in explanations)


def test_jurisdictions_are_answered_separately(gb_dk):
    result = gb_dk.classify(MEPHEDRONE, as_of=date(2011, 6, 1))  # GB in force, DK not yet
    assert result.status("GB") == "controlled_by_group"
    assert result.status("DK") == "not_controlled"


def test_classify_accepts_a_mol_or_text(gb_dk):
    from_mol = gb_dk.classify(Chem.MolFromSmiles(MEPHEDRONE_HCL), as_of=date(2020, 1, 1))
    from_text = gb_dk.classify(MEPHEDRONE, as_of=date(2020, 1, 1))
    assert from_mol.inchikey == from_text.inchikey == "YELGFTGWJGBAQU-UHFFFAOYSA-N"
    assert from_mol.matched_rule_ids() == from_text.matched_rule_ids()


def test_vocabulary_in_format_and_engine_agree():
    assert IMPLEMENTED_CLASSES == SUBSTITUENT_CLASSES
    documented = (RULES_DIR / "FORMAT.md").read_text(encoding="utf-8")
    for name in SUBSTITUENT_CLASSES:
        assert f"| `{name}` |" in documented, name


# --- depiction -----------------------------------------------------------------------------------


def test_svgs(gb_dk):
    identity = identify(MEPHEDRONE)
    result = gb_dk.classify(identity, jurisdictions=["GB"], as_of=date(2020, 1, 1))
    atoms = result.results["GB"].matches[0].explanation.atoms
    svg = svg_with_highlight(identity.mol, atoms, width=300, height=200)
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg and "width='300px'" in svg
    assert "</svg>" in svg_of_smarts(gb_dk.rulebook.rule("gb-mda-cathinones").cores[0].smarts)
    with pytest.raises(ValueError):
        svg_with_highlight(identity.mol, [999])
