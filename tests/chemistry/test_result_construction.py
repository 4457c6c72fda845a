"""The classifier builds its frozen result objects through ``chemistry.classify.results._constructor``
(filling ``__dict__`` in one step instead of the dataclass ``__init__``). Those objects must be
indistinguishable from ones the dataclass builds: equal, same hash and repr, still frozen."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.classify import results as classify
from chemistry.rulebook import load_rulebook

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"


@pytest.fixture(scope="module")
def classification():
    return Classifier(load_rulebook()).classify(MEPHEDRONE, as_of=date(2025, 1, 1))


def _walk(value):  # noqa: ANN001, ANN202
    """Every dataclass instance inside a classification."""
    if dataclasses.is_dataclass(value):
        yield value
        for field in dataclasses.fields(value):
            yield from _walk(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _walk(item)


def _hash(value):  # noqa: ANN001, ANN202
    try:
        return hash(value)
    except TypeError as unhashable:
        return str(unhashable)


def test_fast_built_results_equal_what_the_dataclass_builds(classification):
    seen = {type(obj) for obj in _walk(classification)}
    # mephedrone is controlled by group and by name somewhere, with explanations and substituents
    assert {
        classify.Classification,
        classify.JurisdictionResult,
        classify.RuleMatch,
        classify.CoreExplanation,
        classify.SubstituentFound,
    } <= seen
    for obj in _walk(classification):
        rebuilt = type(obj)(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
        assert rebuilt == obj and repr(rebuilt) == repr(obj)
        assert _hash(rebuilt) == _hash(obj)  # both hash alike, or neither does (a dict field)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, None)


def test_a_missing_or_extra_value_is_refused():
    make = classify._constructor(classify.NearMiss)
    n = len(dataclasses.fields(classify.NearMiss))
    with pytest.raises(ValueError):
        make(*range(n - 1))
    with pytest.raises(ValueError):
        make(*range(n + 1))


def test_a_class_with_post_init_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError):
        classify._constructor(Checked)
