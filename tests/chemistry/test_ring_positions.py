"""Both ortho positions of the phenyl ring are ring positions like any other.

The British and Danish clauses take ring substitution "to any extent". An earlier encoding bonded
the side chain to a labelled ring atom and left one ortho carbon unlabelled, so a compound
substituted at both ortho carbons (2,6-) came out as not controlled. The expectations below are
read from the clauses' wording, not from the engine.
"""

from __future__ import annotations

from datetime import date

import pytest

from chemistry.classify import Classifier

AS_OF = date(2025, 1, 1)

# (name, SMILES, rule ids that must capture it)
ORTHO_DISUBSTITUTED = [
    # phenethylamine clause: "substitution in the ring to any extent with alkyl, alkoxy,
    # alkylenedioxy or halide substituents"
    ("2,6-dimethylamphetamine", "Cc1cccc(C)c1CC(C)N", {"gb-mda-phenethylamines", "dk-bek-phenethylamines"}),
    (
        "4-bromo-2,6-dimethoxyphenethylamine",
        "COc1cc(Br)cc(OC)c1CCN",
        {"gb-mda-phenethylamines", "dk-bek-phenethylamines"},
    ),
    # cathinone clause: "substitution in the phenyl ring to any extent with alkyl, alkoxy,
    # alkylenedioxy, haloalkyl or halide substituents"
    ("2,6-dimethylmethcathinone", "CNC(C)C(=O)c1c(C)cccc1C", {"gb-mda-cathinones", "dk-bek-cathinones"}),
    ("2,6-difluoromethcathinone", "CNC(C)C(=O)c1c(F)cccc1F", {"gb-mda-cathinones", "dk-bek-cathinones"}),
    # paragraph 1(f): an N-benzyl derivative of a sub-paragraph (c) compound
    (
        "N-(2-methoxybenzyl)-2,6-dimethoxyphenethylamine",
        "COc1cccc(OC)c1CCNCc1ccccc1OC",
        {"gb-mda-n-benzylphenethylamines"},
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


@pytest.mark.parametrize(("name", "smiles", "rules"), ORTHO_DISUBSTITUTED, ids=[c[0] for c in ORTHO_DISUBSTITUTED])
def test_both_ortho_positions_may_carry_listed_substituents(classifier, name, smiles, rules):
    result = classifier.classify(smiles, as_of=AS_OF)
    for rule_id in rules:
        jurisdiction = rule_id.split("-", 1)[0].upper()
        assert rule_id in result.matched_rule_ids(jurisdiction), (name, rule_id, result.results[jurisdiction])


def test_each_ring_labelling_is_evaluated_once(classifier, monkeypatch):
    """The ring read clockwise and anticlockwise labels the same atoms the same way once the side
    chain hangs on the unlabelled ipso carbon: one evaluation per rule, not two."""
    import chemistry.classify.evaluate as engine

    calls: list[str] = []
    evaluate = engine._evaluate_match

    def counting(core, match, facts):
        calls.append(core.rule.id)
        return evaluate(core, match, facts)

    monkeypatch.setattr(engine, "_evaluate_match", counting)
    classifier.classify("COc1cc(CCN)c(OC)cc1Br", as_of=AS_OF, jurisdictions=["GB"])  # 2C-B
    assert calls.count("gb-mda-n-benzylphenethylamines") == 1
