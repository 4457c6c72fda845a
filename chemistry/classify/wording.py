"""How a near miss is told: each failing requirement of a core match as the engine's technical
reason (unchanged wording, for those who want every detail) and as one plain sentence a
regulator can read, naming the part that fails, what was found there and what the definition
allows. Nothing here runs while classifying: a failure records what it needs, and both texts are
written when first read.

Relevance ("near" or "incidental"): a near miss counts its failing requirements (``failures``,
one per disallowed substituent, unmet minimum, exceeded maximum, extra ring bond or rule-wide
limit). It is *incidental* when more than one requirement fails and the substituents the
definition does not allow hold more heavy atoms than the rest of the molecule: the matched core
is then a fragment of a larger, different compound (the phenylalanine of an amino-acid-amide
cannabinoid read as a phenethylamine), not a compound one modification away from the law.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Sequence

from chemistry.classify.vocabulary import _CLASS_TESTS, _DESCRIBE_ORDER, describe_piece

if TYPE_CHECKING:
    from chemistry.classify.compiled import _CompiledCore, _CompiledPosition
    from chemistry.classify.pieces import _Piece
    from chemistry.classify.specs import _CompiledSpec

# a near miss with more failing requirements than this may be incidental (see the module text)
NEAR_MISS_MAX_FAILURES = 1
SUMMARY_MAX_CHARS = 200

_ASIDE = re.compile(r" \([^()]*\)")  # " (indole or replacement)"; not "2-(3-hydroxycyclohexyl)"
_ELEMENT_NAMES = {"C": "carbon", "N": "nitrogen", "O": "oxygen", "S": "sulfur"}
_ALKYL_NAMES = (
    "methyl",
    "ethyl",
    "propyl",
    "butyl",
    "pentyl",
    "hexyl",
    "heptyl",
    "octyl",
    "nonyl",
    "decyl",
    "undecyl",
    "dodecyl",
)


class _Failure:
    """One failing requirement of a core match: what is needed to write its reason (the
    engine's wording) and its plain summary, when either is first read."""

    __slots__ = ("kind", "piece", "position", "data")

    def __init__(self, kind: str, piece: _Piece | None = None, position: _CompiledPosition | None = None, data=None):  # noqa: ANN001
        self.kind = kind
        self.piece = piece
        self.position = position
        self.data = data

    @property
    def foreign_atoms(self) -> int:
        """Heavy atoms of a substituent the definition does not allow where it was found."""
        return len(self.piece.atoms) if self.piece is not None and self.kind != "too_few" else 0

    def reason(self) -> str:
        kind, piece, position, data = self.kind, self.piece, self.position, self.data
        if kind == "text":
            return data[0]
        if kind == "ring_bond":
            return f"an extra ring bond joins core atoms {data[0]} and {data[1]}"
        if kind == "unmodified":
            return f"the definition requires at least {data[0]} modification(s) of the core; found {data[1]}"
        assert piece is not None or kind in ("too_few", "too_many", "too_heavy", "too_many_rings")
        if kind == "closed":
            atom, element = data
            return (
                f"substituent {describe_piece(piece)} at core atom {atom} ({element}), where the definition allows none"  # type: ignore[arg-type]
            )
        if kind == "bridge":
            return f"substituent {describe_piece(piece)} bridges positions {' and '.join(sorted(data))}"  # type: ignore[arg-type]
        assert position is not None
        if kind == "not_allowed":
            return f"substituent at {position.name}: {describe_piece(piece)} is not an allowed {position.all_labels}"  # type: ignore[arg-type]
        if kind == "further_only":
            return (
                f"substituent at {position.name}: "
                f"{describe_piece(piece)} is allowed only as a further ({data}) substituent alongside "  # type: ignore[arg-type]
                f"{', '.join(s.label for s in position.allowed)}"
            )
        if kind == "too_few":
            return (
                f"{position.name} needs at least "
                f"{position.position.min} substituent(s) from {', '.join(s.label for s in position.allowed)}; "
                f"found {data}"
            )
        if kind == "too_many":
            return f"{position.name} allows at most {position.max} substituent(s); found {data}"
        if kind == "too_heavy":
            return f"the substituents at {position.name} weigh {data:.1f} u together; at most {position.max_mass:g} u allowed"
        if kind == "too_many_rings":
            return (
                f"the ring system at {position.name} has {data} fused rings; at most {position.max_fused_rings} allowed"
            )
        raise ValueError(kind)

    def summary(self, brief: bool = False) -> str:
        """The failing part and why, as the second half of one sentence ("..., but <this>");
        ``brief``: with fewer of the allowed kinds named, for a sentence that must be shorter."""
        kind, piece, position, data = self.kind, self.piece, self.position, self.data
        if kind == "text":
            return data[1]
        if kind == "ring_bond":
            return "an extra ring closes between two atoms of the core, which the definition does not allow"
        if kind == "unmodified":
            return f"it is the unmodified core, and the definition requires at least {data[0]} modification(s)"
        if kind == "closed":
            element = _ELEMENT_NAMES.get(data[1], data[1])
            return f"{_describe(piece)} sits on {_article(element)} atom of the core that the definition leaves unsubstituted"  # type: ignore[arg-type]
        if kind == "bridge":
            names = sorted({_place(n, brief=True) for n in data})
            joined = names[0] if len(names) == 1 else ", the ".join(names[:-1]) + " and the " + names[-1]
            return f"{_describe(piece)} joins the {joined}, which the definition does not allow"  # type: ignore[arg-type]
        assert position is not None
        where = _place(position.name)
        most = 2 if brief else 4
        if kind == "not_allowed":
            return _not_allowed(piece, position, where, most)  # type: ignore[arg-type]
        if kind == "further_only":
            kinds = _kinds(position.allowed, most)
            return f"the {where} carries only {_describe(piece)}, allowed only alongside {kinds}"  # type: ignore[arg-type]
        if kind == "too_few":
            need = position.position.min
            kinds = _kinds(position.allowed, most)
            if data == 0:
                return f"the {where} carries none of the required substituents ({kinds})"
            return f"the {where} carries {data} of the {need} required substituents ({kinds})"
        if kind == "too_many":
            allowed = "is" if position.max == 1 else "are"
            return f"the {where} carries {data} substituents; at most {position.max} {allowed} allowed"
        if kind == "too_heavy":
            return f"the substituents at the {where} weigh {data:.1f} u together, more than the {position.max_mass:g} u allowed"
        if kind == "too_many_rings":
            return f"the ring system of the {where} has {data} fused rings, more than the {position.max_fused_rings} allowed"
        raise ValueError(kind)


def rule_limit(reason: str, summary: str) -> _Failure:
    """A rule-wide requirement (mass, elements, forbidden feature, exclusion) that fails."""
    return _Failure("text", data=(reason, summary))


def _place(name: str, brief: bool = False) -> str:
    """A position's name as the sentence uses it: the name up to a colon ("nitrogen: a benzyl
    (...)" -> "nitrogen"), a long (or, ``brief``, any) aside in parentheses dropped, the clause
    reference kept when short."""
    name = name.split(": ", 1)[0]
    if brief or len(name) > 40:
        name = _ASIDE.sub("", name)
    return name


def _article(text: str) -> str:
    vowel = text[:1].lower() in "aeiou" and not text.lower().startswith("uni")
    return ("an " if vowel else "a ") + text


def _describe(piece: _Piece) -> str:
    """The substituent in plain words: "an undecyl group", "an acyl group (*C(N)=O)",
    "an acyl group of 17 atoms"."""
    if _CLASS_TESTS["alkyl"](piece):
        carbons = len(piece.atoms)
        if piece.longest_chain() == carbons and carbons <= len(_ALKYL_NAMES):
            return _article(f"{_ALKYL_NAMES[carbons - 1]} group")
        return f"a branched C{carbons} alkyl group"
    name = next((n for n in _DESCRIBE_ORDER if _CLASS_TESTS[n](piece)), None)
    # "univalent" and "ring closure" say how a group hangs, not what it is: the SMILES says more
    named = name is not None and name not in ("univalent", "ring_closure")
    what = _article(f"{name.replace('_', ' ')} group") if named else "a group"  # type: ignore[union-attr]
    smiles = piece.smiles()
    if len(smiles) <= 16:
        return f"{what} ({smiles})"
    return f"{what} of {len(piece.atoms)} atoms"


def _kinds(specs: Sequence[_CompiledSpec], most: int = 4) -> str:
    """The allowed kinds of substituent, by name, without their bounds."""
    names: list[str] = []
    for spec in specs:
        base = (spec.spec.name or spec.spec.class_ or "?").replace("_", " ")
        if base not in names:
            names.append(base)
    if len(names) > most:
        return ", ".join(names[:most]) + " or another listed group"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _span(low: int | None, high: int | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"{low}–{high} {unit}" if low != high else f"exactly {low} {unit}"
    if high is not None:
        return f"at most {high} {unit}"
    return f"at least {low} {unit}"


def _outside_bounds(spec: _CompiledSpec, piece: _Piece) -> list[str] | None:
    """When the spec's kind fits the piece and only its bounds do not: what is measured and what
    the spec allows ("a chain of 11 atoms", "3–7 atoms"), per bound that fails; else None."""
    from chemistry.classify.specs import _CompiledSpec as Compiled

    relaxed_spec = spec.spec.model_copy(
        update={
            "min_chain": None,
            "max_chain": None,
            "min_carbons": None,
            "max_carbons": None,
            "max_heavy_atoms": None,
            "min_ring_size": None,
            "max_ring_size": None,
        }
    )
    if relaxed_spec == spec.spec or not Compiled(relaxed_spec)._accepts(piece):
        return None
    found: list[str] = []
    if spec.min_chain is not None or spec.max_chain is not None:
        chain = piece.longest_chain()
        if (spec.min_chain is not None and chain < spec.min_chain) or (
            spec.max_chain is not None and chain > spec.max_chain
        ):
            found += [f"a chain of {chain} atoms", "a chain of " + _span(spec.min_chain, spec.max_chain, "atoms")]
    if not found and (spec.min_carbons is not None or spec.max_carbons is not None):
        carbons = piece.element_counts().get(6, 0)
        if (spec.min_carbons is not None and carbons < spec.min_carbons) or (
            spec.max_carbons is not None and carbons > spec.max_carbons
        ):
            found += [f"{carbons} carbon atoms", _span(spec.min_carbons, spec.max_carbons, "carbon atoms")]
    if not found and spec.max_heavy_atoms is not None and len(piece.atoms) > spec.max_heavy_atoms:
        found += [f"{len(piece.atoms)} atoms", _span(None, spec.max_heavy_atoms, "atoms")]
    if not found and (spec.min_ring_size is not None or spec.max_ring_size is not None):
        found += ["a ring of the wrong size", _span(spec.min_ring_size, spec.max_ring_size, "ring atoms")]
    return found or None


def _not_allowed(piece: _Piece, position: _CompiledPosition, where: str, most: int) -> str:
    what = _describe(piece)
    for spec in position.allowed:
        bounds = _outside_bounds(spec, piece)
        if bounds is not None:
            measured, allowed = bounds
            base = (spec.spec.name or spec.spec.class_ or "group").replace("_", " ")
            return f"the {where} is {what} ({measured}), where {_article(base)} with {allowed} is allowed"
    return f"the {where} carries {what}, which is not allowed there (allowed: {_kinds(position.allowed, most)})"


def core_words(title: str | None, core_id: str, ring_systems: dict[str, str]) -> tuple[str, str]:
    """The matched core in a few words (its title up to the first colon or parenthesis) and the
    ring systems that matched ("carbonyl or azacarbonyl, benzo")."""
    title = title or core_id
    label = _ASIDE.sub("", title.split(": ", 1)[0]).strip()
    if len(label) > 48 and " and " in label:
        label = label.split(" and ", 1)[0]
    if len(label) > 48:
        label = label[:48].rsplit(" ", 1)[0] + "…"
    return label, ", ".join(_ASIDE.sub("", option) for option in ring_systems.values())


def summarise(
    core: _CompiledCore | tuple[str | None, str, dict[str, str]], failures: Sequence[_Failure]
) -> Callable[[], str]:
    """One sentence for the near miss (written when first read): the core that matched, the
    first failing requirement, and how many others fail. ``core``: the compiled core, or its
    (title, id, ring systems)."""

    def sentence() -> str:
        if isinstance(core, tuple):
            words, rings = core_words(*core)
        else:
            words, rings = core_words(core.core.title, core.core.id, core.ring_systems)
        label = f"the core “{words}”"
        more = len(failures) - 1
        tail = f" (and {more} other requirement{'s' if more > 1 else ''} fail{'' if more > 1 else 's'})" if more else ""
        if not failures:
            return f"Matches {label}, but no reading of the match passes."
        full, brief = failures[0].summary(), failures[0].summary(brief=True)
        # the most informative wording that fits
        candidates = [f"Matches {label} ({rings}), but {full}{tail}." if rings else ""]
        candidates += [f"Matches {label}, but {full}{tail}.", f"Matches {label}, but {brief}{tail}."]
        candidates += [f"Matches the core, but {brief}{tail}.", f"Matches the core, but {brief}."]
        for text in candidates:
            if text and len(text) <= SUMMARY_MAX_CHARS:
                return text
        return candidates[-1][: SUMMARY_MAX_CHARS - 2].rsplit(" ", 1)[0] + " …"

    return sentence


def is_incidental(failures: Sequence[_Failure], heavy_atoms: int) -> bool:
    """More than one requirement fails and what the definition does not allow outweighs the
    rest of the molecule (see the module text)."""
    if len(failures) <= NEAR_MISS_MAX_FAILURES:
        return False
    foreign = sum(f.foreign_atoms for f in failures)
    return foreign > heavy_atoms - foreign
