"""What the classifier answers: frozen result types, built through one checked constructor."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping

if TYPE_CHECKING:
    from chemistry.classify.pieces import _Piece


# "undetermined": nothing captured the compound, but some rule's evaluation ran out of the
# per-molecule budget (JurisdictionResult.undetermined says which); never read it as "not controlled".
Status = Literal["controlled_by_group", "controlled_by_name", "not_controlled", "undetermined"]


@dataclass(frozen=True)
class SubstituentFound:
    position: str
    substituent_class: str  # the label of the allowed class it satisfied
    atoms: tuple[int, ...]  # parent atom indices
    _piece: "_Piece" = field(compare=False, repr=False)

    @cached_property
    def smiles(self) -> str:
        """The substituent, '*' where it is attached to the core (written when first read)."""
        return self._piece.smiles()


@dataclass(frozen=True)
class CoreExplanation:
    core_id: str
    core_title: str | None
    ring_systems: dict[str, str]  # placeholder -> option that matched
    parts: dict[str, tuple[int, ...]]  # labelled part of the core -> parent atom indices
    substituents: tuple[SubstituentFound, ...]

    @property
    def atoms(self) -> tuple[int, ...]:
        return tuple(sorted({i for part in self.parts.values() for i in part}))


@dataclass(frozen=True)
class RuleMatch:
    rule_id: str
    kind: str
    title: str
    jurisdiction: str
    list: str
    citation: Mapping[str, Any]  # read-only, shared by every match of the rule
    in_force_from: date
    in_force_to: date | None
    explanation: CoreExplanation | None = None  # groups
    substance: str | None = None  # named rules: the name under which it is listed
    # "unspecified_stereo": a stereo-specific named entry, and the structure gave no stereochemistry
    matched_on: Literal[
        "inchikey", "connectivity", "unspecified_stereo", "positional_isomer", "ester_or_ether", "structure"
    ] = "structure"
    # False for a named entry added on a date the encoder could not establish: in_force_from is
    # then the instrument's own date, and the answer must say "date not recorded".
    date_recorded: bool = True
    # False for a named entry whose removal took effect on a day the encoder could not establish:
    # in_force_to is then the latest day it can have applied, and the answer says "end date not recorded".
    end_recorded: bool = True


@dataclass(frozen=True)
class NearMiss:
    """A group rule whose core matches but which does not capture the compound.

    ``failures``: how many requirements of the definition fail (a disallowed substituent, an unmet
    minimum, an exceeded maximum, an extra ring bond, a rule-wide limit), for the reading of the
    match that fails fewest. ``incidental``: more than one requirement fails and the substituents
    the definition does not allow outweigh the rest of the molecule, so the matched core is a
    fragment of a different compound (chemistry/classify/wording.py); answers meant to be read
    leave these out by default. Both texts are written when first read."""

    rule_id: str
    _reason: str | Callable[[], str] = field(compare=False, repr=False)
    failures: int = 1
    incidental: bool = False
    _summary: str | Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def reason(self) -> str:
        """Why the rule does not capture the compound, in full technical detail (written when
        first read: describing a substituent writes its SMILES, which costs more than finding it)."""
        return self._reason() if callable(self._reason) else self._reason

    @cached_property
    def summary(self) -> str:
        """One sentence a regulator can read: the core that matched, the part that fails and
        what the definition allows there (under ~200 characters; written when first read)."""
        if self._summary is None:
            return self.reason
        return self._summary() if callable(self._summary) else self._summary

    def __repr__(self) -> str:
        return (
            f"NearMiss(rule_id={self.rule_id!r}, failures={self.failures!r}, "
            f"incidental={self.incidental!r}, reason={self.reason!r})"
        )


@dataclass(frozen=True)
class SetAside:
    """A rule whose definition captures the compound but which does not apply: another rule of
    the same jurisdiction takes precedence (its ``yields_to``), e.g. § 1 Abs. 2 NpSG for a BtMG
    substance or an authorised medicine."""

    match: RuleMatch
    by: tuple[str, ...]  # ids of the rules that take precedence and matched
    reason: str  # the provision giving precedence (the rule's yields_reason)


@dataclass(frozen=True)
class Undetermined:
    rule_id: str
    reason: str


@dataclass(frozen=True)
class JurisdictionResult:
    jurisdiction: str
    status: Status
    matches: tuple[RuleMatch, ...]  # rules that apply and capture the compound
    near_misses: tuple[NearMiss, ...]
    set_aside: tuple[SetAside, ...] = ()
    # matches of registers that control nothing by themselves (controls = false), e.g. a list of
    # authorised medicines: shown because they can make other rules yield
    notices: tuple[RuleMatch, ...] = ()
    # group rules whose evaluation was cut off by the per-molecule budget: the answer cannot say
    # whether they capture the compound
    undetermined: tuple[Undetermined, ...] = ()


@dataclass(frozen=True)
class Classification:
    inchikey: str
    smiles: str
    as_of: date
    results: dict[str, JurisdictionResult]

    def status(self, jurisdiction: str) -> Status:
        return self.results[jurisdiction].status

    def matched_rule_ids(self, jurisdiction: str | None = None) -> set[str]:
        chosen = [self.results[jurisdiction]] if jurisdiction else self.results.values()
        return {m.rule_id for result in chosen for m in result.matches}


def _constructor(cls):
    """Build instances of a frozen result dataclass from every field's value, in field order.

    The generated ``__init__`` of a frozen dataclass sets each field through
    ``object.__setattr__``; filling the instance's ``__dict__`` in one step gives the same object
    (same fields, equality, hash and repr) for a fraction of the work. Only for classes without
    ``__post_init__`` or other logic in ``__init__``."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    names = tuple(f.name for f in fields(cls))
    new = object.__new__
    set_attribute = object.__setattr__

    def make(*values):
        instance = new(cls)
        # strict: a missing or extra value raises ValueError
        set_attribute(instance, "__dict__", dict(zip(names, values, strict=True)))
        return instance

    make.__name__ = f"make_{cls.__name__}"
    return make


_new_substituent = _constructor(SubstituentFound)
_new_explanation = _constructor(CoreExplanation)
_new_rule_match = _constructor(RuleMatch)
_new_near_miss = _constructor(NearMiss)
_new_jurisdiction_result = _constructor(JurisdictionResult)
_new_classification = _constructor(Classification)
