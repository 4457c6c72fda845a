"""Rule files: validation a rule author can act on, dates in force, and the engine's answers.

Expected outputs come from the legal texts cited in chemistry/rules/gb.toml and dk.toml and from
chemistry (which atom is the nitrogen), never from running the engine.
"""

from __future__ import annotations

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
    SubstituentSpec,
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
    # Only the files this test is about, so that other rule files cannot change its answers
    # (gb_named.toml comes along: GB group rules yield to its Class A list).
    return Classifier(load_rulebook([RULES_DIR / "gb.toml", RULES_DIR / "gb_named.toml", RULES_DIR / "dk.toml"]))


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


def test_not_before_bounds_only_an_undated_entry():
    from chemistry.rulebook import NamedSubstance

    base = {"name": "x", "smiles": "CCO", "structure_from": "reviewed", "structure_note": "n", "source": "s"}
    ok = NamedSubstance.model_validate({**base, "in_force_from": "not recorded", "not_before": "2025-03-01"})
    assert ok.not_before is not None and not ok.date_recorded
    with pytest.raises(Exception) as caught:  # a recorded date needs no bound
        NamedSubstance.model_validate({**base, "in_force_from": "2025-03-12", "not_before": "2025-03-01"})
    assert "not_before bounds an entry" in str(caught.value)
    with pytest.raises(Exception) as caught:
        NamedSubstance.model_validate(
            {**base, "in_force_from": "not recorded", "not_before": "2025-03-01", "in_force_to": "2024-01-01"}
        )
    assert "before not_before" in str(caught.value)


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


# 5F-MDMB-PICA with an OH on the indole: a univalent substituent (2016 wording), but not one of
# "benzyl or phenyl ... alkyl, alkenyl, alkoxy, halide, haloalkyl or cyano" (SI 2019/1323).
HYDROXY_5F_MDMB_PICA = "COC(=O)C(NC(=O)c1cn(CCCCCF)c2cc(O)ccc12)C(C)(C)C"
MDMB_4EN_PINACA = "COC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C"


def test_the_2019_third_generation_wording_replaced_the_2016_wording(gb_dk):
    on_14_nov = gb_dk.classify(HYDROXY_5F_MDMB_PICA, jurisdictions=["GB"], as_of=date(2019, 11, 14))
    on_15_nov = gb_dk.classify(HYDROXY_5F_MDMB_PICA, jurisdictions=["GB"], as_of=date(2019, 11, 15))
    assert on_14_nov.matched_rule_ids("GB") == {"gb-mda-cannabinoids-2016"}
    assert on_15_nov.status("GB") == "not_controlled"
    (near,) = [n for n in on_15_nov.results["GB"].near_misses if n.rule_id == "gb-mda-cannabinoids-2019"]
    assert "O" in near.reason

    for day, rule_id in (
        (date(2019, 11, 14), "gb-mda-cannabinoids-2016"),
        (date(2019, 11, 15), "gb-mda-cannabinoids-2019"),
    ):
        assert gb_dk.classify(MDMB_4EN_PINACA, jurisdictions=["GB"], as_of=day).matched_rule_ids("GB") == {rule_id}


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


# --- precedence between instruments (yields_to), registers, per-substance stereo --------------


@pytest.fixture(scope="module")
def de_only() -> Classifier:
    return Classifier(load_rulebook([RULES_DIR / "de.toml", RULES_DIR / "de_btmg.toml"]))


def test_npsg_does_not_apply_to_btmg_substances(de_only):
    # § 1 Abs. 2 Nr. 1 NpSG: mephedrone is inside Anlage Nr. 1 but a BtMG substance
    # (Anlage I: "4-Methylmethcathinon (Mephedron)")
    result = de_only.classify(MEPHEDRONE, jurisdictions=["DE"], as_of=date(2022, 1, 1)).results["DE"]
    assert result.status == "controlled_by_name"
    assert {m.rule_id for m in result.matches} == {"de-btmg-anlage-i"}
    (aside,) = result.set_aside
    assert aside.match.rule_id == "de-npsg-phenethylamines"
    assert aside.by == ("de-btmg-anlage-i",)
    assert "§ 1 Abs. 2 NpSG" in aside.reason
    assert aside.match.explanation is not None  # the group match keeps its explanation


def test_npsg_does_not_apply_to_authorised_medicines(de_only):
    # bupropion: inside Nr. 1, an authorised medicine, not a BtMG substance: not controlled in DE
    result = de_only.classify(BUPROPION, jurisdictions=["DE"], as_of=date(2022, 1, 1)).results["DE"]
    assert result.status == "not_controlled"
    assert result.matches == ()
    assert [m.rule_id for m in result.notices] == ["de-amg-medicines"]
    assert [(s.match.rule_id, s.by) for s in result.set_aside] == [("de-npsg-phenethylamines", ("de-amg-medicines",))]


def test_an_npsg_compound_on_no_list_stays_controlled_by_group(de_only):
    # N-ethylheptedrone: a cathinone on no list (N-ethylhexedrone, once used here, is BtMG Anlage II)
    n_ethylheptedrone = "CCCCCC(NCC)C(=O)c1ccccc1"
    result = de_only.classify(n_ethylheptedrone, jurisdictions=["DE"], as_of=date(2022, 1, 1)).results["DE"]
    assert result.status == "controlled_by_group"
    assert result.set_aside == () and result.notices == ()


def _named(rule_id: str, jurisdiction: str = "GB", **extra) -> dict:
    return {
        "id": rule_id,
        "kind": "named",
        "title": "t",
        "jurisdiction": jurisdiction,
        "list": "l",
        "in_force_from": "2000-01-01",
        "citation": {"act": "a", "part": "p", "reference": "r"},
        "substances": [{"name": "mephedrone", "smiles": MEPHEDRONE, "source": "test"}],
        **extra,
    }


def _load_dicts(tmp_path, rules: list[dict]):
    """Write rules as TOML (via a tiny writer: strings, lists, dicts, bools) and load them."""
    lines = []

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    for rule in rules:
        lines.append("[[rule]]")
        lines.extend(f"{k} = {value(v)}" for k, v in rule.items())
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_rulebook([path])


@pytest.mark.parametrize(
    ("yields_to", "other_jurisdiction", "message"),
    [
        (["gb-nowhere"], "GB", "no rule with id 'gb-nowhere'"),
        (["gb-named"], "DE", "precedence is between rules of one jurisdiction"),
    ],
)
def test_yields_to_must_name_a_rule_of_the_same_jurisdiction(tmp_path, yields_to, other_jurisdiction, message):
    group = _draft(id="gb-group", yields_to=yields_to, yields_reason="test provision")
    with pytest.raises(RulebookError) as caught:
        _load_dicts(tmp_path, [group, _named("gb-named", other_jurisdiction)])
    (problem,) = caught.value.problems
    assert (problem.rule_id, problem.field) == ("gb-group", "yields_to[0]")
    assert message in problem.message


def test_precedence_in_a_circle_is_refused(tmp_path):
    first = _draft(id="gb-first", yields_to=["gb-second"], yields_reason="r")
    second = _draft(id="gb-second", yields_to=["gb-first"], yields_reason="r")
    with pytest.raises(RulebookError) as caught:
        _load_dicts(tmp_path, [first, second])
    assert {p.rule_id for p in caught.value.problems} == {"gb-first", "gb-second"}
    assert all("circle" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"yields_to": ["gb-named"]}, "'yields_reason' is required"),
        ({"id": "gb-self", "yields_to": ["gb-self"], "yields_reason": "r"}, "cannot yield to itself"),
        ({"controls": False}, "named registers"),
        (
            {"must_match": [{"name": "m", "smiles": MEPHEDRONE, "source": "s", "set_aside_by": "gb-named"}]},
            "is not in yields_to",
        ),
    ],
)
def test_precedence_fields_are_validated(overrides, message):
    with pytest.raises(Exception) as caught:
        Rule.model_validate(_draft(**overrides))
    assert message in str(caught.value)


def test_a_register_controls_nothing_but_makes_groups_yield():
    group = Rule.model_validate(
        _draft(in_force_from="2000-01-01", yields_to=["gb-medicines"], yields_reason="medicines are outside the act")
    )
    register = Rule.model_validate(_named("gb-medicines", controls=False))
    result = Classifier(Rulebook((group, register))).classify(MEPHEDRONE, as_of=date(2020, 1, 1)).results["GB"]
    assert result.status == "not_controlled"
    assert [m.rule_id for m in result.notices] == ["gb-medicines"]
    assert [s.reason for s in result.set_aside] == ["medicines are outside the act"]


def test_per_substance_stereoisomer_flag_overrides_the_rule():
    s_cathinone, r_cathinone = "N[C@@H](C)C(=O)c1ccccc1", "N[C@H](C)C(=O)c1ccccc1"
    rule = _named("gb-one-isomer")
    rule["substances"] = [
        {"name": "(S)-cathinone", "smiles": s_cathinone, "source": "test", "stereoisomers_included": False},
        {"name": "methcathinone", "smiles": "CNC(C)C(=O)c1ccccc1", "source": "test"},
    ]
    classifier = Classifier(Rulebook((Rule.model_validate(rule),)))
    assert classifier.classify(s_cathinone, as_of=date(2020, 1, 1)).status("GB") == "controlled_by_name"
    assert classifier.classify(r_cathinone, as_of=date(2020, 1, 1)).status("GB") == "not_controlled"
    assert classifier.classify("CN[C@H](C)C(=O)c1ccccc1", as_of=date(2020, 1, 1)).status("GB") == "controlled_by_name"


# --- oxo and continuous-chain limits ------------------------------------------------------------


def test_oxo_class_accepts_a_ketone_on_the_core_only():
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"] = [
        {
            "id": "arylcyclohexylamine",
            "smarts": "[NX3:1][CX4]1([C:2][C:2][C:2][C:2][C:2]1)c1ccccc1",
            "positions": [
                {"name": "nitrogen", "atoms": [1], "allowed": ["alkyl"]},
                {"name": "cyclohexyl", "atoms": [2], "allowed": ["oxo", "alkyl"]},
            ],
        }
    ]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    deschloroketamine = "CNC1(c2ccccc2)CCCCC1=O"
    four_oxo = "CNC1(c2ccccc2)CCC(=O)CC1"
    exocyclic_methylene = "CNC1(c2ccccc2)CCCCC1=C"  # =CH2 is not oxo and not alkyl
    on = date(2020, 1, 1)
    assert classifier.classify(deschloroketamine, as_of=on).status("GB") == "controlled_by_group"
    assert classifier.classify(four_oxo, as_of=on).status("GB") == "controlled_by_group"
    assert classifier.classify(exocyclic_methylene, as_of=on).status("GB") == "not_controlled"


@pytest.mark.parametrize(
    ("n_substituent", "chain", "captured"),
    [
        ("CCCCCCCCCC", 10, True),  # decyl: 10 chain atoms
        ("CCCCCCCCCCC", 11, False),  # undecyl: 11
        ("CCCCCCOCCCCc1ccccc1", 11, False),  # salmeterol's N-substituent: O counts, ring atoms do not
        ("CCOCCc1ccccc1", 5, True),
    ],
)
def test_max_chain_counts_the_longest_acyclic_path(n_substituent, chain, captured):
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][1] = {
        "name": "nitrogen",
        "atoms": [4],
        "allowed": ["alkyl"],
        "further": [{"class": "univalent", "max_chain": 10}],
    }
    draft["cores"][0]["positions"][1]["allowed"] = [{"class": "alkyl", "max_carbons": 1}]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    smiles = f"CN({n_substituent})C(C)C(=O)c1ccc(C)cc1"  # N-methyl (allowed) plus the chain (further)
    status = classifier.classify(smiles, as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, f"chain of {chain} atoms"


def test_chain_limits_are_validated_and_labelled():
    from chemistry.rulebook import SubstituentSpec

    with pytest.raises(Exception) as caught:
        SubstituentSpec.model_validate({"class": "univalent", "min_chain": 5, "max_chain": 3})
    assert "min_chain 5 is greater than max_chain 3" in str(caught.value)
    assert SubstituentSpec.model_validate({"class": "univalent", "max_chain": 10}).label == "univalent (chain 0-10)"


# --- "further substituted" on a listed group; ring sizes of ring closures ------------------------


def _cathinone_with_nitrogen(allowed, **position):
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][1] = {"name": "nitrogen", "atoms": [4], "allowed": allowed, **position}
    return Classifier(Rulebook((Rule.model_validate(draft),)))


@pytest.mark.parametrize(
    ("n_substituent", "captured"),
    [
        ("CCO", True),  # 2-hydroxyethyl: ethyl, further substituted with OH
        ("Cc1ccccc1OC", True),  # 2-methoxybenzyl alone on N: methyl further substituted with a ring
        ("CCCCCCCCCC", True),  # decyl: methyl + nonyl, chain 10
        ("CCCCCCCCCCC", False),  # undecyl: chain 11
        ("CCOCCCCCCCCC", False),  # chain of 12 through the ether oxygen
        ("CCF", False),  # fluorine is not among the elements
        ("c1ccccc1", False),  # phenyl: the attaching atom is no alkyl carbon
        ("C(=O)C", False),  # acetyl: the listed group must be alkyl, not acyl
    ],
)
def test_a_class_further_substituted_reads_the_listed_group_at_the_attachment(n_substituent, captured):
    classifier = _cathinone_with_nitrogen(
        [{"class": "alkyl", "max_carbons": 6, "substituted": True, "elements": ["C", "N", "O"], "max_chain": 10}]
    )
    status = classifier.classify(f"CC(N{n_substituent})C(=O)c1ccc(C)cc1", as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, n_substituent


def test_alkoxy_further_substituted_and_its_carbon_bound_on_the_listed_group():
    from chemistry.rulebook import SubstituentSpec

    spec = SubstituentSpec.model_validate({"class": "alkoxy", "max_carbons": 1, "substituted": True, "max_chain": 8})
    assert spec.label == "alkoxy (C1-C1) (substituted) (chain 0-8)"
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0]["allowed"] = [spec.model_dump(by_alias=True, exclude_none=True)]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    on = date(2020, 1, 1)
    assert classifier.classify("CNC(C)C(=O)c1ccc(OCCF)cc1", as_of=on).status("GB") == "controlled_by_group"
    assert classifier.classify("CNC(C)C(=O)c1ccc(OCCCCCCCC)cc1", as_of=on).status("GB") == "not_controlled"  # chain 9
    assert classifier.classify("CNC(C)C(=O)c1ccc(Oc2ccccc2)cc1", as_of=on).status("GB") == "not_controlled"  # phenoxy


def test_ring_size_of_a_ring_closed_across_the_core():
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"].append({"name": "3-position", "atoms": [3], "allowed": ["alkyl"]})
    draft["cores"][0]["positions"][1].update(
        allowed=["alkyl", {"class": "ring_closure", "min_ring_size": 5, "max_ring_size": 6}], bridges_to=["3-position"]
    )
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    on = date(2020, 1, 1)
    assert classifier.classify("O=C(c1ccccc1)C1CCCN1C", as_of=on).status("GB") == "controlled_by_group"  # 5 atoms
    assert classifier.classify("O=C(c1ccccc1)C1CCCCN1C", as_of=on).status("GB") == "controlled_by_group"  # 6
    assert classifier.classify("O=C(c1ccccc1)C1CCCCCN1C", as_of=on).status("GB") == "not_controlled"  # 7
    assert classifier.classify("O=C(c1ccccc1)C1CCN1C", as_of=on).status("GB") == "not_controlled"  # 4
    with pytest.raises(Exception, match="min_ring_size 7 is greater than max_ring_size 5"):
        Rule.model_validate(
            {
                **draft,
                "cores": [
                    {
                        **draft["cores"][0],
                        "positions": [
                            {
                                "name": "n",
                                "atoms": [4],
                                "allowed": [{"class": "ring_closure", "min_ring_size": 7, "max_ring_size": 5}],
                            }
                        ],
                    }
                ],
            }
        )


def test_mass_of_one_substituent_and_of_a_position():
    """`max_mass` on a spec weighs the substituent itself (its atoms and their hydrogens); on a
    position, all its substituents together (NpSG 2.1.3 b: "gilt dann für die Summe der
    Brückenreste"). The masses below are worked out from IUPAC average atomic weights, not read
    from the engine: C 12.011, H 1.008, Br 79.904, I 126.904."""
    on = date(2020, 1, 1)
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0]["allowed"] = ["alkyl", {"class": "halogen", "max_mass": 100.0}]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    assert classifier.classify("CNC(C)C(=O)c1ccc(Br)cc1", as_of=on).status("GB") == "controlled_by_group"  # Br 79.9
    assert classifier.classify("CNC(C)C(=O)c1ccc(I)cc1", as_of=on).status("GB") == "not_controlled"  # I 126.9

    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0].update(allowed=["alkyl", "halogen"], max_mass=170.0)
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    # two bromines, 159.8 u together; a bromine and an iodine, 206.8 u; pentyl (C5H11) and ethyl
    # (C2H5) 71.1 + 29.1 = 100.2 u
    assert classifier.classify("CNC(C)C(=O)c1ccc(Br)c(Br)c1", as_of=on).status("GB") == "controlled_by_group"
    result = classifier.classify("CNC(C)C(=O)c1ccc(I)c(Br)c1", as_of=on).results["GB"]
    assert result.status == "not_controlled"
    assert "weigh 206.8 u together, more than the 170 u allowed" in result.near_misses[0].summary
    assert classifier.classify("CNC(C)C(=O)c1ccc(CCCCC)c(CC)c1", as_of=on).status("GB") == "controlled_by_group"


@pytest.mark.parametrize("bad", [0, -1.5, float("inf"), float("nan")])
def test_a_mass_limit_must_be_a_positive_number(bad):
    with pytest.raises(Exception, match="max_mass"):
        SubstituentSpec.model_validate({"class": "alkyl", "max_mass": bad})
    draft = _draft()
    draft["cores"][0]["positions"][0]["max_mass"] = bad
    with pytest.raises(Exception, match="max_mass"):
        Rule.model_validate(draft)


def test_a_ring_on_one_core_atom_is_measured_only_where_the_spec_says_so():
    """min/max_ring_size bound rings closed across core atoms; `measure_one_atom_rings` extends them
    to a ring through one core atom (a spiro ring, a ring through the nitrogen). Ring sizes here
    are counted by hand: pyrrolidine 5, piperidine 6, azepane 7 (the nitrogen included)."""
    on = date(2020, 1, 1)
    pyrrolidine, piperidine, azepane = (
        "O=C(c1ccccc1)C(C)N1CCCC1",
        "O=C(c1ccccc1)C(C)N1CCCCC1",
        "O=C(c1ccccc1)C(C)N1CCCCCC1",
    )
    answers = {}
    for measured in (False, True):
        draft = _draft(in_force_from="2000-01-01", must_match=[])
        spec = {"class": "ring_closure", "min_ring_size": 5, "max_ring_size": 6}
        if measured:
            spec["measure_one_atom_rings"] = True
        draft["cores"][0]["positions"][1]["allowed"] = ["alkyl", spec]
        classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
        answers[measured] = [
            classifier.classify(smiles, as_of=on).status("GB") for smiles in (pyrrolidine, piperidine, azepane)
        ]
    assert answers[False] == ["controlled_by_group"] * 3  # a ring on the nitrogen alone is not measured
    assert answers[True] == ["controlled_by_group", "controlled_by_group", "not_controlled"]
    with pytest.raises(Exception, match="measure_one_atom_rings"):
        SubstituentSpec.model_validate({"class": "ring_closure", "measure_one_atom_rings": True})


def test_a_named_ring_through_one_core_atom():
    """A pattern whose '*' is bonded into a ring ("*1CCCC1") names a ring the core atom is part of:
    it reads a substituent bonded to that atom twice (NpSG 5.1: the nitrogen "Bestandteil eines
    Pyrrolidinyl-Ringsystems"). Without `substituted` it must cover the whole ring, nothing more."""
    on = date(2020, 1, 1)
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][1]["allowed"] = ["alkyl", {"name": "pyrrolidin-1-yl", "smarts": "*1CCCC1"}]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    assert classifier.classify("O=C(c1ccccc1)C(C)N1CCCC1", as_of=on).status("GB") == "controlled_by_group"
    assert classifier.classify("O=C(c1ccccc1)C(C)N1CCCC1C", as_of=on).status("GB") == "not_controlled"
    assert classifier.classify("O=C(c1ccccc1)C(C)N1CCCCC1", as_of=on).status("GB") == "not_controlled"
    assert classifier.classify("O=C(c1ccccc1)C(C)N1CCOC1", as_of=on).status("GB") == "not_controlled"
    assert classifier.classify("O=C(c1ccccc1)C(C)NC", as_of=on).status("GB") == "controlled_by_group"


def test_a_fused_ring_read_as_its_ring_atoms_and_what_hangs_on_it():
    """`ring_system_closure` is the ring system alone; `substituted_with` reads what hangs on it,
    `ring_elements` its ring atoms (NpSG 2.1.1 k: ring atoms C, O, S; only listed groups on it)."""
    on = date(2020, 1, 1)
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0]["allowed"] = [
        "halogen",
        {
            "class": "ring_system_closure",
            "ring_elements": ["C", "O"],
            "substituted_with": [{"class": "alkyl", "max_carbons": 1}],
        },
    ]
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))

    def status(smiles: str) -> str:
        return classifier.classify(smiles, as_of=on).status("GB")

    assert status("CNC(C)C(=O)c1ccc2OCCc2c1") == "controlled_by_group"  # 2,3-dihydrobenzofuran
    assert status("CNC(C)C(=O)c1ccc2OC(C)Cc2c1") == "controlled_by_group"  # a methyl on it: listed
    assert status("CNC(C)C(=O)c1ccc2OC(CC)Cc2c1") == "not_controlled"  # an ethyl: not listed
    assert status("CNC(C)C(=O)c1ccc2NCCc2c1") == "not_controlled"  # indoline: a ring nitrogen
    with pytest.raises(Exception, match="ring_elements"):
        SubstituentSpec.model_validate({"class": "ring_closure", "ring_elements": ["Xx"]})


def _ring_position_classifier(allowed: list) -> Classifier:
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0]["allowed"] = allowed
    return Classifier(Rulebook((Rule.model_validate(draft),)))


@pytest.mark.parametrize(
    ("ring_substituent", "captured", "why"),
    [
        ("OCC", True, "ethoxy itself"),
        ("OCCOC", True, "2-methoxyethoxy: ethoxy (C2) carrying methoxy"),
        ("OCCCCCOCCCC", True, "5-butoxypentoxy: pentoxy (C5, the limit) carrying butoxy (C4, the limit)"),
        ("OCCCCCCOC", False, "6-methoxyhexoxy: hexoxy is C6, one more than the listed group allows"),
        ("OCCOCCCCC", False, "2-pentoxyethoxy: pentoxy is C5, not an alkyloxy of at most C4"),
        ("OCC(OC)OC", True, "2,2-dimethoxyethoxy: two carried groups on one carbon"),
        (
            "OCCOCCOC",
            False,
            "2-(2-methoxyethoxy)ethoxy: the carried group would itself carry one; 'the aforementioned groups' "
            "may be substituted, not their substituents",
        ),
        ("OCCF", True, "2-fluoroethoxy: a halogen is carried too"),
        ("OC(F)(F)F", True, "trifluoromethoxy: methoxy carrying three fluorines"),
        ("OCCCl", False, "2-chloroethoxy: only fluorine is listed here"),
        ("OCCO", False, "2-hydroxyethoxy: hydroxy is not listed"),
        ("OCC=C", False, "allyloxy: what remains is no alkoxy"),
        ("CCOC", False, "methoxyethyl: the listed group is alkoxy, bonded through its oxygen"),
    ],
)
def test_a_class_carrying_listed_groups_is_read_at_its_largest(ring_substituent, captured, why):
    """`carrying`: groups hanging anywhere on the listed group by a single bond are set aside,
    largest first, and the class and its carbon bound are read on what remains (NpSG Anlage 1
    Nr. 7 d, 2025: "Alkoxy- (bis C5) ... Die vorgenannten Atomgruppen können mit ... Fluor ...
    Alkyloxy- (Alkylrest bis C4) ... substituiert sein"). Carbon counts by hand."""
    classifier = _ring_position_classifier(
        [
            "alkyl",
            {
                "class": "alkoxy",
                "max_carbons": 5,
                "carrying": [{"class": "halogen", "elements": ["F"]}, {"class": "alkoxy", "max_carbons": 4}],
            },
        ]
    )
    status = classifier.classify(f"CNC(C)C(=O)c1ccc({ring_substituent})cc1", as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, why


@pytest.mark.parametrize(
    ("chain", "captured", "why"),
    [
        ("CCCC=C(F)F", True, "5,5-difluoropent-4-enyl: pentenyl (C5) once the fluorines are set aside"),
        ("CCCCC[Si](C)(C)C", True, "5-(trimethylsilyl)pentyl: pentyl carrying a trialkylsilyl"),
        ("C[Si](C)(C)C", True, "(trimethylsilyl)methyl"),
        ("CCCCCCCC=C", True, "non-8-enyl (C9) itself"),
        ("CCCCCCCCCC=C", False, "undec-10-enyl: C11, above the limit of 10"),
        ("CCCCCCCCCC(F)(F)F", True, "10,10,10-trifluorodecyl: decyl (C10) once the fluorines are set aside"),
        ("CCCCC(Cl)C", False, "a chlorine is not carried"),
        ("CCC#N", False, "a cyano is not carried"),
    ],
)
def test_a_carbon_chain_carrying_halogens_and_silyl_groups(chain, captured, why):
    """NpSG 2.3.2 c (2025) reads "Kohlenstoffkette bis C12 ... kann mit Fluor, Chlor, Brom, Iod und
    Trialkylsilylgruppen substituiert sein"; here with fluorine only and a bound of C10, so that
    each bound is crossed by the examples. Carbon counts by hand; the silyl's methyls are
    the silyl group's, not the chain's."""
    carried = [
        {"class": "halogen", "elements": ["F"]},
        {"name": "trialkylsilyl", "smarts": "*[Si]([CX4;!R])([CX4;!R])[CX4;!R]", "substituted_with": ["alkyl"]},
    ]
    classifier = _ring_position_classifier(
        [
            {"class": "alkyl", "max_carbons": 10, "carrying": carried},
            {"class": "alkenyl", "max_carbons": 10, "carrying": carried},
        ]
    )
    status = classifier.classify(f"CNC(C)C(=O)c1ccc({chain})cc1", as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, why


def test_carrying_is_validated_and_labelled():
    spec = SubstituentSpec.model_validate({"class": "alkoxy", "max_carbons": 5, "carrying": ["halogen"]})
    assert spec.label == "alkoxy (C1-C5) (carrying halogen)"
    with pytest.raises(Exception, match="'carrying' needs at least one"):
        SubstituentSpec.model_validate({"class": "alkoxy", "carrying": []})


@pytest.mark.parametrize(
    ("acyl", "captured", "why"),
    [
        ("C(=O)CC[Si](C)(C)C", True, "3-(trimethylsilyl)propanoyl: C=O and two carbons remain"),
        ("C(=O)C(C)C[Si](C)(C)C", True, "2-methyl-3-(trimethylsilyl)propanoyl: a branched alkyl"),
        ("C(=O)CCCCCC[Si](C)(C)C", True, "7-(trimethylsilyl)heptanoyl: C=O and six carbons, the limit"),
        ("C(=O)CCCCCCC[Si](C)(C)C", False, "8-(trimethylsilyl)octanoyl: C=O and seven carbons"),
        ("C(=O)[Si](C)(C)C", False, "(trimethylsilyl)carbonyl: no alkyl between carbonyl and silicon"),
        ("C(=O)CC[Si](CCCC)(CCCC)CCCC", True, "tributylsilyl: 12 carbons on silicon, the limit"),
        ("C(=O)CC[Si](CCCCC)(CCCC)CCCC", False, "13 carbons on silicon: the silyl is no carried group"),
    ],
)
def test_a_pattern_carrying_a_group_is_read_on_what_remains(acyl, captured, why):
    """NpSG Anlage 1 Nr. 5.1 d (2025): "(Trialkylsilyl)alkylcarbonylgruppe (Alkylreste bis C6,
    maximal zwölf C-Atome in den Trialkylresten insgesamt)", as an alkylcarbonyl pattern carrying
    the silyl: the pattern and its carbon bound (C=O + alkyl up to C6 = 7) read what remains.
    Carbon counts by hand."""
    classifier = _cathinone_with_nitrogen(
        [
            "alkyl",
            {
                "name": "(trialkylsilyl)alkylcarbonyl",
                "smarts": "*C(=O)[CX4;!R]",
                "substituted_with": ["alkyl"],
                "max_carbons": 7,
                "carrying": [
                    {
                        "name": "trialkylsilyl",
                        "smarts": "*[Si]([CX4;!R])([CX4;!R])[CX4;!R]",
                        "substituted_with": ["alkyl"],
                        "max_carbons": 12,
                    }
                ],
            },
        ]
    )
    status = classifier.classify(f"CC(N{acyl})C(=O)c1ccc(C)cc1", as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, why


def test_the_bounds_on_the_whole_substituent_count_the_carried_groups():
    """With `carrying`, chain, mass and element bounds read the whole substituent; only the class
    (or pattern) and the carbon bounds read what remains. 2-Methoxyethoxy: a chain of five heavy
    atoms (O-C-C-O-C) and five heavy atoms in all."""
    spec = {"class": "alkoxy", "max_carbons": 2, "carrying": [{"class": "alkoxy", "max_carbons": 1}]}
    on = date(2020, 1, 1)
    methoxyethoxy = "CNC(C)C(=O)c1ccc(OCCOC)cc1"
    assert _ring_position_classifier(["alkyl", spec]).classify(methoxyethoxy, as_of=on).status("GB") == (
        "controlled_by_group"
    )
    for bound in ({"max_chain": 4}, {"max_heavy_atoms": 4}, {"elements": ["C"]}):
        classifier = _ring_position_classifier(["alkyl", {**spec, **bound}])
        assert classifier.classify(methoxyethoxy, as_of=on).status("GB") == "not_controlled", bound
    classifier = _ring_position_classifier(["alkyl", {**spec, "max_chain": 5}])
    assert classifier.classify(methoxyethoxy, as_of=on).status("GB") == "controlled_by_group"


def test_a_bridge_is_read_against_its_own_list():
    """`bridge_allowed` on a position with `bridges_to`: a substituent bonded both here and to a
    bridged position is read against it, and only such a substituent (NpSG Anlage 1 Nr. 6 b: the
    ring system's "Substitutionen ... die zu einem Ringschluss mit dem Cyclohexylring führen").
    Ring sizes counted by hand: the alpha carbon, C3, the bridge atoms and the nitrogen."""
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"].append({"name": "3-position", "atoms": [3], "allowed": ["alkyl"]})
    draft["cores"][0]["positions"][1].update(
        allowed=["alkyl"],
        bridges_to=["3-position"],
        bridge_allowed=[{"class": "ring_closure", "min_ring_size": 5, "max_ring_size": 6, "elements": ["C"]}],
    )
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    on = date(2020, 1, 1)

    def status(smiles: str) -> str:
        return classifier.classify(smiles, as_of=on).status("GB")

    assert status("O=C(c1ccccc1)C1CCCN1C") == "controlled_by_group"  # a C2 bridge: pyrrolidine, 5
    assert status("O=C(c1ccccc1)C1CCCCN1C") == "controlled_by_group"  # C3 bridge: piperidine, 6
    assert status("O=C(c1ccccc1)C1CCCCCN1C") == "not_controlled"  # C4 bridge: azepane, 7
    assert status("O=C(c1ccccc1)C1COCN1C") == "not_controlled"  # an oxygen in the bridge
    # a ring on the nitrogen alone is no bridge: it is read against `allowed` (alkyl only)
    assert status("O=C(c1ccccc1)C(C)N1CCCC1") == "not_controlled"
    with pytest.raises(Exception, match="'bridge_allowed' needs 'bridges_to'"):
        Rule.model_validate(
            {
                **draft,
                "cores": [
                    {
                        **draft["cores"][0],
                        "positions": [
                            {"name": "n", "atoms": [4], "allowed": ["alkyl"], "bridge_allowed": ["ring_closure"]}
                        ],
                    }
                ],
            }
        )


def test_a_position_may_take_only_bridges():
    """`allowed = []` with `bridge_allowed`: the position takes a ring closed from it onto its
    `bridges_to` and nothing else (the UK steroid clause's "fusion of ring A with a heterocyclic
    system" through C3). Without `bridge_allowed` an empty list is refused: it would close the
    position while looking open."""
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"].append({"name": "3-position", "atoms": [3], "allowed": ["alkyl"]})
    draft["cores"][0]["positions"][1].update(
        allowed=[], bridges_to=["3-position"], bridge_allowed=[{"class": "ring_closure", "elements": ["C"]}]
    )
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    on = date(2020, 1, 1)

    def status(smiles: str) -> str:
        return classifier.classify(smiles, as_of=on).status("GB")

    assert status("O=C(c1ccccc1)C1CCCN1") == "controlled_by_group"  # a C3 bridge from N onto C3
    assert status("O=C(c1ccccc1)C(C)N") == "controlled_by_group"  # nothing on the nitrogen
    assert status("O=C(c1ccccc1)C(C)NC") == "not_controlled"  # a methyl on N alone: not a bridge
    positions = draft["cores"][0]["positions"]
    bare = {"name": "n", "atoms": [4], "allowed": []}
    with pytest.raises(Exception, match="'allowed' may be empty only with 'bridge_allowed'"):
        Rule.model_validate({**draft, "cores": [{**draft["cores"][0], "positions": [positions[0], bare]}]})


def test_the_fused_ring_system_of_a_position_is_capped():
    """`max_fused_rings` on a position: the ring system its ring atoms belong to has at most this
    many rings (NpSG Anlage 1 Nr. 1.1, 2025: "bizyklische oder trizyklische Systeme"); a ring closed
    through a core atom of another position is not part of it. Rings counted by hand: naphthalene
    2, anthracene and phenanthrene 3, pyrene 4."""
    draft = _draft(in_force_from="2000-01-01", must_match=[])
    draft["cores"][0]["positions"][0].update(allowed=["alkyl", "halogen", "ring_closure"], max_fused_rings=2)
    classifier = Classifier(Rulebook((Rule.model_validate(draft),)))
    on = date(2020, 1, 1)
    assert classifier.classify("CNC(C)C(=O)c1ccc2ccccc2c1", as_of=on).status("GB") == "controlled_by_group"
    result = classifier.classify("CNC(C)C(=O)c1ccc2cc3ccccc3cc2c1", as_of=on).results["GB"]
    assert result.status == "not_controlled"
    assert "has 3 fused rings, more than the 2 allowed" in result.near_misses[0].summary
    bad_position = {**draft["cores"][0]["positions"][0], "max_fused_rings": 0}
    with pytest.raises(Exception, match="max_fused_rings"):
        Rule.model_validate({**draft, "cores": [{**draft["cores"][0], "positions": [bad_position]}]})


@pytest.mark.parametrize(
    ("n_substituent", "captured", "why"),
    [
        ("CCO", True, "2-hydroxyethyl"),
        ("CO", True, "hydroxymethyl"),
        ("C(=O)C", False, "acetyl: its carbon has a C=O, it is no alkyl carbon and the oxygen no hydroxy"),
        ("C(=O)CC", False, "propanoyl"),
        ("CC=O", False, "formylmethyl: an aldehyde oxygen is no hydroxy"),
        ("CCC#N", True, "2-cyanoethyl (cyanoalkyl)"),
        ("C(=N)C", False, "an imine carbon is no alkyl carbon"),
    ],
)
def test_hydroxyalkyl_and_cyanoalkyl_read_sp3_carbons_and_a_real_hydroxy(n_substituent, captured, why):
    """An alkyl carbon has only single bonds, and a hydroxy is an O bonded once by a single bond: an
    acyl group attached through its carbonyl carbon was read as 'hydroxyalkyl' (found by the UK
    clause cases: SI 2013/239's "alkyl, alkenyl or hydroxyalkyl groups" took N-acetyl compounds)."""
    classifier = _cathinone_with_nitrogen(["hydroxyalkyl", "cyanoalkyl"])
    status = classifier.classify(f"CC(N{n_substituent})C(=O)c1ccc(C)cc1", as_of=date(2020, 1, 1)).status("GB")
    assert (status == "controlled_by_group") == captured, why
