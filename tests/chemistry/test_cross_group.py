"""Cross-group exclusion (`excluded_by_cores_of`): NpSG Anlage 1 Nr. 1, last sentence.

2024 wording (github.com/thunderquack/bundestag_gesetze n/npsg/index.md at
1b1dd8161a6c96e726701440a9730f04d31a699c), 2025 wording (github.com/habibhaidari1/gesetze
n/npsg/index.md at 48332e5c883a30fdb6ef0378e6e4c245def788b0, "2 bis 9" for "2 bis 7"):

    "Nicht von der Stoffgruppe Nummer 1 erfasst werden Stoffe, die zwar eine Definition dieser
    Stoffgruppe erfüllen, jedoch zugleich eine in den Stoffgruppendefinitionen der Nummern 2 bis 7
    genannte Kern- oder Grundstruktur besitzen und von der Stoffgruppendefinition der jeweiligen
    Nummer nicht erfasst werden."

The first tests use small made-up rules (jurisdiction "ZZ") to pin the mechanism; the last ones ask
the shipped NpSG rules what the sentence says about particular compounds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chemistry.classify import Classifier, RuleMatch, Undetermined
from chemistry.classify.cross_group import CrossGroup
from chemistry.identity import identify
from chemistry.rulebook import Rule, Rulebook, RulebookError, load_rulebook

REASON = "test act, Nr. 1, last sentence: not in Nr. 1 with the core of another number that does not capture it"

# N-C-C-phenyl, anything on N, C1, C2 (the phenyl carries nothing): "Nr. 1"
PHENETHYL_CORE = {
    "id": "phenethylamine",
    "smarts": "[NX3:1][CX4:2][CX4:3]c1ccccc1",
    "positions": [
        {"name": "N", "atoms": [1], "allowed": ["any"]},
        {"name": "C1", "atoms": [2], "allowed": ["any"]},
        {"name": "C2", "atoms": [3], "allowed": ["any"]},
    ],
}
# cyclohexan-1-amine, anything on N and C1, nothing on the other ring carbons: "Nr. 6"
CYCLOHEXYLAMINE_CORE = {
    "id": "cyclohexylamine",
    "smarts": "[NX3:1][CX4:2]1[CX4][CX4][CX4][CX4][CX4]1",
    "positions": [
        {"name": "N", "atoms": [1], "allowed": ["any"]},
        {"name": "C1", "atoms": [2], "allowed": ["any"]},
    ],
}
# a monosubstituted benzene, anything on the substituted carbon
PHENYL_CORE = {"id": "phenyl", "smarts": "[c:1]1ccccc1", "positions": [{"name": "C", "atoms": [1], "allowed": ["any"]}]}
ABSENT_CORE = {"id": "absent", "smarts": "[SX2:1]C#N", "positions": [{"name": "S", "atoms": [1], "allowed": ["any"]}]}

CAPTURED_BY_B = "C(Cc1ccccc1)NC1CCCCC1"  # N-(2-phenylethyl)cyclohexan-1-amine: B's ring is bare
NOT_CAPTURED_BY_B = "C(Cc1ccccc1)NC1CCCC(C)C1"  # a methyl on a ring carbon B leaves unsubstituted
WITHOUT_B_CORE = "CNC(C)Cc1ccccc1"


def _group(rule_id: str, cores: list[dict], **extra: Any) -> dict:
    rule = {
        "id": rule_id,
        "kind": "group",
        "title": f"test group {rule_id}",
        "jurisdiction": "ZZ",
        "list": "Anlage",
        "citation": {"act": "test act", "part": rule_id, "reference": "test"},
        "in_force_from": date(2020, 1, 1),
        "notes": "made-up rule for the engine tests",
        "cores": cores,
    }
    rule.update(extra)
    return rule


def _named(rule_id: str, smiles: str) -> dict:
    return {
        "id": rule_id,
        "kind": "named",
        "title": "test register",
        "jurisdiction": "ZZ",
        "list": "Anlage I",
        "citation": {"act": "test narcotics act", "part": "Anlage I", "reference": "test"},
        "in_force_from": date(2020, 1, 1),
        "substances": [{"name": "listed compound", "smiles": smiles, "source": "made up"}],
    }


def _classifier(*rules: dict) -> Classifier:
    return Classifier(Rulebook(rules=tuple(Rule.model_validate(rule) for rule in rules)))


def _answer(classifier: Classifier, smiles: str, on: date = date(2023, 1, 1)):
    return classifier.classify(identify(smiles), jurisdictions=["ZZ"], as_of=on).results["ZZ"]


def _a(*targets: Any, rule_id: str = "zz-a") -> dict:
    return _group(rule_id, [PHENETHYL_CORE], excluded_by_cores_of=list(targets), excluded_by_cores_reason=REASON)


# --- the mechanism ------------------------------------------------------------------------------


def test_set_aside_when_the_listed_rule_has_its_core_and_does_not_capture():
    answer = _answer(_classifier(_a("zz-b"), _group("zz-b", [CYCLOHEXYLAMINE_CORE])), NOT_CAPTURED_BY_B)
    assert answer.status == "not_controlled"
    assert answer.matches == ()
    (aside,) = answer.set_aside
    assert (aside.match.rule_id, aside.by) == ("zz-a", ("zz-b",))
    assert aside.reason.startswith(REASON)
    assert "it has the core of zz-b" in aside.reason and "does not capture it" in aside.reason
    assert [miss.rule_id for miss in answer.near_misses] == ["zz-b"]


def test_kept_when_the_listed_rule_captures_the_compound():
    answer = _answer(_classifier(_a("zz-b"), _group("zz-b", [CYCLOHEXYLAMINE_CORE])), CAPTURED_BY_B)
    assert {m.rule_id for m in answer.matches} == {"zz-a", "zz-b"}
    assert answer.set_aside == ()


def test_kept_without_the_listed_rules_core():
    answer = _answer(_classifier(_a("zz-b"), _group("zz-b", [CYCLOHEXYLAMINE_CORE])), WITHOUT_B_CORE)
    assert [m.rule_id for m in answer.matches] == ["zz-a"]
    assert answer.set_aside == ()


def test_a_listed_rule_set_aside_by_precedence_still_captures():
    # B's definition is fulfilled; that a register takes precedence over B (yields_to) does not
    # make the compound "not captured by B" (DMT: inside Nr. 5.1, a BtMG substance)
    classifier = _classifier(
        _a("zz-b"),
        _group("zz-b", [CYCLOHEXYLAMINE_CORE], yields_to=["zz-register"], yields_reason="test precedence"),
        _named("zz-register", CAPTURED_BY_B),
    )
    answer = _answer(classifier, CAPTURED_BY_B)
    assert {m.rule_id for m in answer.matches} == {"zz-a", "zz-register"}
    assert [(s.match.rule_id, s.by) for s in answer.set_aside] == [("zz-b", ("zz-register",))]


def test_only_the_named_cores_of_a_listed_rule_count():
    both = _group("zz-b", [ABSENT_CORE, CYCLOHEXYLAMINE_CORE])
    only_absent = _classifier(_a({"rule": "zz-b", "cores": ["absent"]}), both)
    assert [m.rule_id for m in _answer(only_absent, NOT_CAPTURED_BY_B).matches] == ["zz-a"]
    with_cyclohexylamine = _classifier(_a({"rule": "zz-b", "cores": ["cyclohexylamine"]}), both)
    assert [s.by for s in _answer(with_cyclohexylamine, NOT_CAPTURED_BY_B).set_aside] == [("zz-b",)]


def test_a_rule_whose_own_match_is_set_aside_does_not_capture():
    # C lists A, A lists B: A is decided first; its match does not count, so C gives way to A's core
    classifier = _classifier(
        _a("zz-b"),
        _group("zz-b", [CYCLOHEXYLAMINE_CORE]),
        _group("zz-c", [PHENYL_CORE], excluded_by_cores_of=["zz-a"], excluded_by_cores_reason=REASON),
    )
    answer = _answer(classifier, NOT_CAPTURED_BY_B)
    by = {s.match.rule_id: s.by for s in answer.set_aside}
    assert by == {"zz-a": ("zz-b",), "zz-c": ("zz-a",)}
    assert "its own match is set aside" in next(s.reason for s in answer.set_aside if s.match.rule_id == "zz-c")


def test_the_listed_rule_is_read_as_of_the_same_day():
    # B applies from 2022; an identical core of an older rule (not listed) is in force before
    later_b = _group("zz-b", [CYCLOHEXYLAMINE_CORE], in_force_from=date(2022, 1, 1))
    old_b = _group("zz-b-old", [CYCLOHEXYLAMINE_CORE], in_force_to=date(2021, 12, 31))
    classifier = _classifier(_a("zz-b"), later_b, old_b)
    before = _answer(classifier, NOT_CAPTURED_BY_B, date(2021, 6, 1))
    assert [m.rule_id for m in before.matches] == ["zz-a"] and before.set_aside == ()
    after = _answer(classifier, NOT_CAPTURED_BY_B, date(2022, 6, 1))
    assert after.matches == () and [(s.match.rule_id, s.by) for s in after.set_aside] == [("zz-a", ("zz-b",))]


def test_an_undecided_listed_rule_makes_the_match_undetermined_not_a_control():
    rulebook = Rulebook(
        rules=(Rule.model_validate(_a("zz-b")), Rule.model_validate(_group("zz-b", [CYCLOHEXYLAMINE_CORE])))
    )
    match = RuleMatch("zz-a", "group", "test", "ZZ", "Anlage", {}, date(2020, 1, 1), None)
    cut_off = Undetermined("zz-b", "evaluation stopped")
    kept, excluded, unsure = CrossGroup(rulebook).apply([match], [], [cut_off], {}, date(2023, 1, 1))
    assert kept == [] and excluded == ()
    assert [u.rule_id for u in unsure] == ["zz-a"]
    assert "not known" in unsure[0].reason and "zz-b" in unsure[0].reason


# --- load-time validation -----------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, date)):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _load(tmp_path: Path, *rules: dict) -> Rulebook:
    text = "\n".join("[[rule]]\n" + "\n".join(f"{k} = {_toml_value(v)}" for k, v in rule.items()) for rule in rules)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rulebook([path])


def test_the_shipped_listings_load(tmp_path):
    rulebook = _load(tmp_path, _a("zz-b"), _group("zz-b", [CYCLOHEXYLAMINE_CORE]))
    assert rulebook.rule("zz-a").excluded_by_cores_of == ["zz-b"]


@pytest.mark.parametrize(
    ("listed", "others", "message"),
    [
        (["zz-nowhere"], [], "no rule with id 'zz-nowhere'"),
        (["zz-register"], [_named("zz-register", CAPTURED_BY_B)], "is a named rule"),
        (["yy-b"], [{**_group("yy-b", [CYCLOHEXYLAMINE_CORE]), "jurisdiction": "YY"}], "one jurisdiction"),
        ([{"rule": "zz-b", "cores": ["nonesuch"]}], [_group("zz-b", [CYCLOHEXYLAMINE_CORE])], "has no core 'nonesuch'"),
    ],
)
def test_a_listed_rule_must_be_a_group_of_the_same_jurisdiction_with_those_cores(tmp_path, listed, others, message):
    with pytest.raises(RulebookError) as caught:
        _load(tmp_path, _a(*listed), *others)
    (problem,) = caught.value.problems
    assert (problem.rule_id, problem.field) == ("zz-a", "excluded_by_cores_of[0]")
    assert message in problem.message


def test_listings_must_not_go_round_in_a_circle(tmp_path):
    with pytest.raises(RulebookError) as caught:
        _load(tmp_path, _a("zz-b"), _a("zz-a", rule_id="zz-b"))
    assert {(p.rule_id, p.field) for p in caught.value.problems} == {
        ("zz-a", "excluded_by_cores_of"),
        ("zz-b", "excluded_by_cores_of"),
    }
    assert all("circle" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"excluded_by_cores_of": ["zz-a"], "excluded_by_cores_reason": REASON}, "its own cores"),
        ({"excluded_by_cores_of": ["zz-b"]}, "'excluded_by_cores_reason' is required"),
        ({"excluded_by_cores_of": ["zz-b", "zz-b"], "excluded_by_cores_reason": REASON}, "names a rule twice"),
        ({"excluded_by_cores_reason": REASON}, "without 'excluded_by_cores_of'"),
    ],
)
def test_the_rule_itself_is_checked(tmp_path, extra, message):
    with pytest.raises(RulebookError) as caught:
        _load(tmp_path, _group("zz-a", [PHENETHYL_CORE], **extra), _group("zz-b", [CYCLOHEXYLAMINE_CORE]))
    assert any(p.rule_id == "zz-a" and message in p.message for p in caught.value.problems)


# --- the shipped NpSG rules ---------------------------------------------------------------------

NR1_2024 = "de-npsg-phenethylamines-2024"
NR1_2025 = "de-npsg-phenethylamines-2025"
DAY_2024 = date(2025, 1, 1)  # the 2024 wording ("Nummern 2 bis 7")
DAY_2025 = date(2026, 5, 1)  # the 2025 wording ("Nummern 2 bis 9")


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier(load_rulebook())


def _de(classifier: Classifier, smiles: str, on: date):
    return classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=on).results["DE"]


# (compound, SMILES, the day, the Nr. 1 rule, the rule of the other Nummer whose core it has and
# which does not capture it) - each inside Nr. 1 by 1.2 a/b but for the last sentence
OUT_OF_NR_1 = [
    (
        "1,2-diphenylcyclohexan-1-amine (Nr. 6: 2-phenyl not an Rn)",
        "NC1(c2ccccc2)CCCCC1c1ccccc1",
        DAY_2024,
        NR1_2024,
        "de-npsg-arylcyclohexylamines-2024",
    ),
    (
        "1,2-diphenylcyclohexan-1-amine (Nr. 6: 2-phenyl not an Rn)",
        "NC1(c2ccccc2)CCCCC1c1ccccc1",
        DAY_2025,
        NR1_2025,
        "de-npsg-arylcyclohexylamines-2025",
    ),
    (
        "N-(2-phenylethyl)-2-(1H-indol-3-yl)acetamide (2.1: no side chain)",
        "O=C(Cc1c[nH]c2ccccc12)NCCc1ccccc1",
        DAY_2024,
        NR1_2024,
        "de-npsg-cannabimimetics-modular-2024",
    ),
    (
        "N-(2-phenylethyl)-2-(1H-indol-3-yl)acetamide (2.1: no side chain)",
        "O=C(Cc1c[nH]c2ccccc12)NCCc1ccccc1",
        DAY_2025,
        NR1_2025,
        "de-npsg-cannabimimetics-modular-2025",
    ),
    (
        "1-(2-phenylethyl)-nordazepam (Nr. 3: R5 list)",
        "O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1CCc1ccccc1",
        DAY_2024,
        NR1_2024,
        "de-npsg-benzodiazepines-2024",
    ),
    (
        "1-(2-phenylethyl)-nordazepam (Nr. 3: R5 list)",
        "O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1CCc1ccccc1",
        DAY_2025,
        NR1_2025,
        "de-npsg-benzodiazepines-2025",
    ),
    (
        "N-[2-(indol-3-yl)ethyl]-2-phenylethanamine (5.1 a)",
        "C(Cc1ccccc1)NCCc1c[nH]c2ccccc12",
        DAY_2024,
        NR1_2024,
        "de-npsg-tryptamines-2024",
    ),
    (
        "N-[2-(indol-3-yl)ethyl]-2-phenylethanamine (5.1 a)",
        "C(Cc1ccccc1)NCCc1c[nH]c2ccccc12",
        DAY_2025,
        NR1_2025,
        "de-npsg-tryptamines-2025",
    ),
    (
        "3,3-diphenyl-N-(2-phenylethyl)propan-1-amine (8 c)",
        "C(Cc1ccccc1)NCCC(c1ccccc1)c1ccccc1",
        DAY_2025,
        NR1_2025,
        "de-npsg-diphenylpropylamines-2025",
    ),
    (
        "1-benzyl-N,3-diphenylpiperidin-4-amine (Nr. 9: C3 phenyl)",
        "c1ccc(cc1)NC1CCN(Cc2ccccc2)CC1c1ccccc1",
        DAY_2025,
        NR1_2025,
        "de-npsg-aminobenzylpiperidines-2025",
    ),
]


@pytest.mark.parametrize(
    ("name", "smiles", "day", "nr1", "other"), OUT_OF_NR_1, ids=[f"{c[0]}-{c[2]}" for c in OUT_OF_NR_1]
)
def test_a_compound_the_other_nummer_does_not_capture_is_not_in_nr_1(shipped, name, smiles, day, nr1, other):
    answer = _de(shipped, smiles, day)
    assert nr1 not in {m.rule_id for m in answer.matches}
    by = {s.match.rule_id: s.by for s in answer.set_aside}
    assert by.get(nr1) == (other,), (name, by)
    assert other not in {m.rule_id for m in answer.matches}


def test_the_answer_quotes_the_sentence_of_the_wording_in_force(shipped):
    smiles = "NC1(c2ccccc2)CCCCC1c1ccccc1"
    for day, nr1, numbers in ((DAY_2024, NR1_2024, "Nummern 2 bis 7"), (DAY_2025, NR1_2025, "Nummern 2 bis 9")):
        (aside,) = [s for s in _de(shipped, smiles, day).set_aside if s.match.rule_id == nr1]
        assert f"{numbers} genannte Kern- oder Grundstruktur besitzen" in aside.reason
        assert "de-npsg-arylcyclohexylamines" in aside.reason


def test_the_sentence_is_new_in_2024(shipped):
    # 1,2-diphenylcyclohexan-1-amine: inside Nr. 1 by 1.2 b (C1-phenyl, C1-C2 in a six-membered
    # ring); the 2021 wording had no last sentence, so it was in Nr. 1 until 26 June 2024
    smiles = "NC1(c2ccccc2)CCCCC1c1ccccc1"
    before = _de(shipped, smiles, date(2024, 6, 26))
    assert "de-npsg-phenethylamines" in {m.rule_id for m in before.matches}
    after = _de(shipped, smiles, date(2024, 6, 27))
    assert after.status == "not_controlled"
    assert [s.match.rule_id for s in after.set_aside] == [NR1_2024]


def test_nr_8_counts_only_from_the_2025_wording(shipped):
    # the 2024 sentence names Nummern 2 bis 7: there was no Nr. 8
    smiles = "C(Cc1ccccc1)NCCC(c1ccccc1)c1ccccc1"
    assert NR1_2024 in {m.rule_id for m in _de(shipped, smiles, DAY_2024).matches}
    assert NR1_2025 in {s.match.rule_id for s in _de(shipped, smiles, DAY_2025).set_aside}


@pytest.mark.parametrize(
    ("name", "smiles", "other"),
    [
        (
            "N-(2-phenylethyl)-1-phenylcyclohexan-1-amine",
            "C(Cc1ccccc1)NC1(c2ccccc2)CCCCC1",
            "de-npsg-arylcyclohexylamines",
        ),
        (
            "2-(1-pentyl-1H-indol-3-yl)-N-(2-phenylethyl)acetamide",
            "CCCCCn1cc(CC(=O)NCCc2ccccc2)c2ccccc21",
            "de-npsg-cannabimimetics-modular",
        ),
    ],
)
def test_a_compound_the_other_nummer_captures_stays_in_nr_1(shipped, name, smiles, other):
    for day, year in ((DAY_2024, "2024"), (DAY_2025, "2025")):
        answer = _de(shipped, smiles, day)
        assert {f"de-npsg-phenethylamines-{year}", f"{other}-{year}"} <= {m.rule_id for m in answer.matches}, name
        assert answer.set_aside == ()


def test_dmt_is_in_nr_1_and_nr_5_1_from_2025_and_both_yield_to_the_btmg(shipped):
    # 1.1 (2025): indol-3-yl is a Strukturelement A; DMT has the 5.1 Grundstruktur and 5.1
    # captures it, so the last sentence does not take it out of Nr. 1; § 1 Abs. 2 NpSG sets both
    # aside (BtMG Anlage I)
    answer = _de(shipped, "CN(C)CCc1c[nH]c2ccccc12", DAY_2025)
    by = {s.match.rule_id: s.by for s in answer.set_aside}
    assert by[NR1_2025] == ("de-btmg-anlage-i",)
    assert by["de-npsg-tryptamines-2025"] == ("de-btmg-anlage-i",)


def test_a_tryptamine_inside_5_1_is_named_under_nr_1_from_2025_only(shipped):
    # MiPT (N-methyl-N-isopropyltryptamine): inside 5.1 a; indol-3-yl is an A only in the 2025 wording
    smiles = "CC(C)N(C)CCc1c[nH]c2ccccc12"
    assert {m.rule_id for m in _de(shipped, smiles, DAY_2024).matches} == {"de-npsg-tryptamines-2024"}
    assert {m.rule_id for m in _de(shipped, smiles, DAY_2025).matches} == {NR1_2025, "de-npsg-tryptamines-2025"}


def test_tryptamine_excluded_from_5_1_by_name_is_out_of_nr_1_too(shipped):
    # 5.1: "Ausgenommen hiervon sind Tryptamin, ... Serotonin und Melatonin": the 5.1 core, not
    # captured by 5.1, so not in Nr. 1 (which it would fulfil from 2025: indol-3-yl A, NH2)
    answer = _de(shipped, "NCCc1c[nH]c2ccccc12", DAY_2025)
    assert answer.status == "not_controlled"
    assert [(s.match.rule_id, s.by) for s in answer.set_aside] == [(NR1_2025, ("de-npsg-tryptamines-2025",))]
