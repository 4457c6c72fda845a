"""Legal definitions of controlled substances, read from data files and validated.

Rule files live in ``chemistry/rules/*.toml``; their format is documented in
``chemistry/rules/FORMAT.md``. This module only reads and checks them; ``chemistry/classify/``
compiles and applies them. A regulator's draft posted as JSON is validated by the same model:
``Rule.model_validate(payload)``.

Every error names the file, the rule id, the field and, for SMARTS and SMILES, the offending
string with RDKit's reason, so that whoever wrote the rule can fix it without reading Python.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from rdkit import Chem

# Private helpers of identity.py: one way to turn RDKit's log into a reason a person can read.
from chemistry.identity import StructureError, collect_rdkit_messages, identify, rdkit_reason

__all__ = [
    "RULES_DIR",
    "SUBSTITUENT_CLASSES",
    "Citation",
    "Core",
    "CoresOf",
    "Caveat",
    "Example",
    "Exclusion",
    "ForbidPattern",
    "cross_group_problems",
    "cross_group_targets",
    "Limits",
    "NamedSubstance",
    "JurisdictionInfo",
    "Position",
    "RegisterEntry",
    "RingSystem",
    "RingSystemOption",
    "Rule",
    "Rulebook",
    "RulebookError",
    "RuleProblem",
    "SubstituentSpec",
    "expand_core",
    "load_jurisdictions",
    "load_rulebook",
    "read_substances_file",
    "parse_smarts",
    "precedence_problems",
]

CHEMISTRY_DIR = Path(__file__).parent
RULES_DIR = CHEMISTRY_DIR / "rules"
# Per jurisdiction: its name and what the encoded instruments cannot decide (FORMAT.md). Not a
# rule file: the loader skips it.
JURISDICTIONS_FILE = RULES_DIR / "jurisdictions.toml"

# The vocabulary of substituent classes the engine understands (FORMAT.md, "Substituent
# classes"). chemistry/classify/vocabulary.py implements each one; a test checks the two lists agree.
SUBSTITUENT_CLASSES: frozenset[str] = frozenset(
    {
        "alkyl",
        "cycloalkyl",
        "cycloalkylmethyl",
        "cycloalkylethyl",
        "alkenyl",
        "alkynyl",
        "haloalkyl",
        "halogen",
        "hydroxyalkyl",
        "cyanoalkyl",
        "hydroxy",
        "alkoxy",
        "alkylthio",
        "alkylenedioxy",
        "alkylene",
        "ring_closure",
        "ring_system_closure",
        "amino",
        "nitro",
        "cyano",
        "ether",
        "ester",
        "hydroxy_ether_or_ester",
        "acyl",
        "aryl",
        "ring",
        "oxo",
        "univalent",
        "any",
    }
)

# Bounds on regulators' SMARTS. RDKit's matcher has no time-out, so the cost of one match is
# bounded by the size and recursion of the query (here) and by maxMatches (chemistry/classify/bounds.py).
MAX_SMARTS_CHARS = 1000
MAX_QUERY_ATOMS = 80
MAX_RECURSIVE_SMARTS = 8
MAX_RECURSION_DEPTH = 2
MAX_RING_SYSTEM_EXPANSIONS = 64

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
Jurisdiction = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2})$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- SMARTS / SMILES checks ------------------------------------------------------------------


def _recursion_depth(smarts: str) -> tuple[int, int]:
    """(number of recursive `$(` groups, deepest nesting of them)."""
    count = depth = deepest = 0
    stack: list[bool] = []  # for every open parenthesis: does it open a recursive SMARTS?
    i = 0
    while i < len(smarts):
        ch = smarts[i]
        if ch == "$" and i + 1 < len(smarts) and smarts[i + 1] == "(":
            count += 1
            depth += 1
            deepest = max(deepest, depth)
            stack.append(True)
            i += 2
            continue
        if ch == "(":
            stack.append(False)
        elif ch == ")" and stack:
            if stack.pop():
                depth -= 1
        i += 1
    return count, deepest


def parse_smarts(smarts: str) -> Chem.Mol:
    """Parse one SMARTS within the bounds above; ValueError says what is wrong and RDKit's reason."""
    if len(smarts) > MAX_SMARTS_CHARS:
        raise ValueError(f"SMARTS {smarts[:60]!r}... has {len(smarts)} characters; at most {MAX_SMARTS_CHARS}")
    recursive, depth = _recursion_depth(smarts)
    if recursive > MAX_RECURSIVE_SMARTS or depth > MAX_RECURSION_DEPTH:
        raise ValueError(
            f"SMARTS {smarts!r} has {recursive} recursive $(...) groups nested {depth} deep; "
            f"at most {MAX_RECURSIVE_SMARTS} groups nested {MAX_RECURSION_DEPTH} deep are accepted"
        )
    with collect_rdkit_messages() as messages:
        query = Chem.MolFromSmarts(smarts)
    if query is None:
        raise ValueError(f"invalid SMARTS {smarts!r}: {rdkit_reason(messages, 'RDKit could not parse it')}")
    if query.GetNumAtoms() == 0:
        raise ValueError(f"SMARTS {smarts!r} has no atoms")
    if query.GetNumAtoms() > MAX_QUERY_ATOMS:
        raise ValueError(f"SMARTS {smarts!r} has {query.GetNumAtoms()} atoms; at most {MAX_QUERY_ATOMS} are accepted")
    return query


def _check_smarts(value: str) -> str:
    parse_smarts(value)
    return value


def _check_smiles(value: str) -> str:
    try:
        identify(value, fmt="smiles")
    except StructureError as exc:
        raise ValueError(f"SMILES {value!r} is not a usable structure: {exc.message}") from None
    return value


Smarts = Annotated[str, Field(min_length=1)]


# --- models ----------------------------------------------------------------------------------


class Citation(_Model):
    act: NonEmpty
    part: NonEmpty
    reference: NonEmpty
    url: str | None = None
    amended_by: list[NonEmpty] = []


class Example(_Model):
    """A structure the rule must (or must not) capture, and where that expectation comes from."""

    name: NonEmpty
    smiles: NonEmpty
    source: NonEmpty
    # The legal answer is right but the engine cannot give it yet: the example's test is a
    # strict xfail that turns into a failure once the engine handles it (say why here).
    engine_gap: NonEmpty | None = None
    # must_match only: the compound is inside the definition, but the rule does not apply
    # because this rule (one of the rule's `yields_to`) takes precedence.
    set_aside_by: Slug | None = None

    _smiles = field_validator("smiles")(_check_smiles)


class Exclusion(_Model):
    """A substance the legal text takes out of the group by name."""

    name: NonEmpty
    smiles: NonEmpty
    reason: NonEmpty

    _smiles = field_validator("smiles")(_check_smiles)


# How an entry's structure was obtained (FORMAT.md, "Named entries"). A law that defines an entry
# by plant or preparation ("Cannabis", "coca leaf", "opium") names no single structure: such an
# entry has no SMILES and is listed, counted and cited, but never matched by structure.
StructureSource = Literal["opsin", "reviewed", "formula", "plant", "preparation"]
NOT_RECORDED = "not recorded"


class NamedSubstance(_Model):
    # the name as printed in the instrument (INN, common name, or the printed chemical name)
    name: NonEmpty
    # the systematic (chemical) name as printed in the instrument, where it prints one
    systematic_name: NonEmpty | None = None
    smiles: NonEmpty | None = None
    # "opsin": the SMILES is OPSIN's parse of systematic_name (a test re-derives it); "reviewed":
    # OPSIN disagrees or cannot parse, and structure_note says why the stored one is right;
    # "formula": the law defines the entry by a formula or class; "plant"/"preparation": no structure.
    structure_from: StructureSource | None = None
    structure_note: NonEmpty | None = None
    source: NonEmpty
    # the instrument (and its date) that put the entry on the list, e.g. "CND decision 58/1 (2015)"
    added_by: NonEmpty | None = None
    aliases: list[NonEmpty] = []
    # The date the entry came into force. Absent: the rule's own in_force_from (the entry was in the
    # instrument as first enacted). "not recorded": the entry was added later on a date the
    # encoder could not establish; the answer says "date not recorded" rather than guess one.
    in_force_from: date | Literal["not recorded"] | None = None
    # With in_force_from "not recorded": the earliest day the entry can have applied (e.g. the first
    # day of the month of the CND session that decided it). Before it the entry does not answer;
    # from it on the answer still says "date not recorded", since the day itself was not read.
    not_before: date | None = None
    in_force_to: date | None = None
    # False: the entry's removal was read but not the day it took effect; in_force_to is then the
    # latest day the entry can have applied (an upper bound), and the answer says "end date not
    # recorded" rather than show the bound as the day control ended.
    in_force_to_recorded: bool = True
    # Overrides the rule's flag for this entry: a schedule that lists one stereoisomer by name
    # ("(+)-lysergide", "dexamfetamine") is matched on the full InChIKey.
    stereoisomers_included: bool | None = None
    # The entry also covers its positional isomers (21 CFR 1300.01, "isomer" as used in 1308.11(d)):
    # same molecular formula, same ring systems, same functional groups each as far from the ring
    # system as in the entry (FORMAT.md says what this reading leaves out). Answered with
    # matched_on = "positional_isomer", and only when no named entry of the jurisdiction lists the
    # compound itself ("unless listed in another schedule").
    positional_isomers: bool = False
    # With a rule's `esters_and_ethers` clause of kind only_flagged: this entry's listing covers its
    # esters and ethers (21 CFR 1308.11(b): "any of the following opiates, including their isomers,
    # esters, ethers ..."). FORMAT.md, "esters_and_ethers".
    esters_and_ethers: bool = False

    @property
    def date_recorded(self) -> bool:
        return self.in_force_from != NOT_RECORDED

    @property
    def start(self) -> date | None:
        """The entry's own start date, or None (the rule's date, or not recorded)."""
        return self.in_force_from if isinstance(self.in_force_from, date) else None

    @field_validator("smiles")
    @classmethod
    def _smiles_usable(cls, value: str | None) -> str | None:
        return None if value is None else _check_smiles(value)

    @model_validator(mode="after")
    def _consistent(self) -> NamedSubstance:
        start = self.start
        if start and self.in_force_to and self.in_force_to < start:
            raise ValueError(f"in_force_to {self.in_force_to} is before in_force_from {start}")
        if self.not_before is not None and self.in_force_from != NOT_RECORDED:
            raise ValueError('not_before bounds an entry whose in_force_from is "not recorded"; give the date instead')
        if not self.in_force_to_recorded and self.in_force_to is None:
            raise ValueError(
                "in_force_to_recorded = false bounds an in_force_to: give the latest day the entry can have applied"
            )
        if self.not_before and self.in_force_to and self.in_force_to < self.not_before:
            raise ValueError(f"in_force_to {self.in_force_to} is before not_before {self.not_before}")
        structureless = self.structure_from in ("plant", "preparation")
        if structureless and self.smiles is not None:
            raise ValueError(f"structure_from = {self.structure_from!r} entries carry no SMILES")
        if not structureless and self.smiles is None:
            raise ValueError('\'smiles\' is required unless structure_from is "plant" or "preparation"')
        if self.structure_from == "opsin" and self.systematic_name is None:
            raise ValueError('structure_from = "opsin" needs the systematic_name OPSIN parsed')
        if self.structure_from == "reviewed" and self.structure_note is None:
            raise ValueError('structure_from = "reviewed" needs a structure_note saying why')
        return self


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One row of a named rule's ``substances_file``: a large register (thousands of authorised
    medicines) read with its parents' InChIKeys precomputed, so that loading it costs a CSV parse
    rather than a standardisation per row (a test re-derives every key from its SMILES).

    It reads like a :class:`NamedSubstance` that was in the instrument from the rule's own date.
    """

    name: str
    smiles: str
    inchikey: str  # standard InChIKey of the standardised parent (chemistry.identity.identify)
    source: str
    aliases: tuple[str, ...] = ()

    in_force_from = None
    in_force_to = None
    in_force_to_recorded = True
    not_before = None
    start = None
    date_recorded = True
    stereoisomers_included = None
    structure_from = None


_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
SUBSTANCES_FILE_COLUMNS = ("name", "smiles", "parent_inchikey", "source_id")


def read_substances_file(relative: str) -> tuple[RegisterEntry, ...]:
    """The entries of a ``substances_file`` (path relative to ``chemistry/``), read once per
    process and content; ValueError lists every bad row (line number, column, value)."""
    path = CHEMISTRY_DIR / relative
    stat = path.stat()
    return _read_substances_file(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_substances_file(path: Path, _mtime_ns: int, _size: int) -> tuple[RegisterEntry, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SUBSTANCES_FILE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {missing}; needs {list(SUBSTANCES_FILE_COLUMNS)}")
        entries, errors = [], []
        seen: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            name, smiles, key = ((row.get(c) or "").strip() for c in ("name", "smiles", "parent_inchikey"))
            if not name or not smiles:
                errors.append(f"line {line}: 'name' and 'smiles' are required")
                continue
            if not _INCHIKEY.match(key):
                errors.append(f"line {line}: parent_inchikey {key!r} is not a standard InChIKey")
                continue
            if key in seen:
                errors.append(f"line {line}: parent_inchikey {key} repeats line {seen[key]} (one row per parent)")
                continue
            seen[key] = line
            aliases = tuple(a.strip() for a in (row.get("also_listed_as") or "").split(";") if a.strip())
            source = f"{path.name}, {row['source_id'].strip()}" if row.get("source_id") else path.name
            entries.append(RegisterEntry(name, smiles, key, source, aliases))
    if errors:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        raise ValueError(f"{path.name}: {len(errors)} bad row(s): {shown}")
    return tuple(entries)


def _check_substances_file(value: str | None) -> str | None:
    if value is None:
        return None
    relative = Path(value)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".csv":
        raise ValueError(
            f'substances_file {value!r} must be a .csv path inside chemistry/, e.g. "data/approved_medicines.csv"'
        )
    if not (CHEMISTRY_DIR / relative).is_file():
        raise ValueError(f"substances_file {value!r}: no such file under chemistry/")
    return value


class ForbidPattern(_Model):
    name: NonEmpty
    smarts: Smarts
    reason: NonEmpty

    _smarts = field_validator("smarts")(_check_smarts)


class SubstituentSpec(_Model):
    """One allowed kind of substituent: a vocabulary class, or a named pattern with `*` attachments."""

    class_: str | None = Field(default=None, alias="class")
    name: str | None = None
    smarts: str | None = None
    min_carbons: int | None = Field(default=None, ge=0)
    max_carbons: int | None = Field(default=None, ge=0)
    max_heavy_atoms: int | None = Field(default=None, ge=1)
    # "durchgehende Kette von maximal n Atomen (ohne Wasserstoff; Ringatome nicht einbezogen)":
    # the longest path of heavy atoms outside rings anywhere in the substituent.
    min_chain: int | None = Field(default=None, ge=0)
    max_chain: int | None = Field(default=None, ge=0)
    # Named patterns only: "whether or not substituted with univalent substituents" - the
    # pattern must cover the attachment and may leave atoms over, each leftover group hanging on
    # the pattern's atoms by one single bond (4-fluorobenzyl for "benzyl").
    substituted: bool = False
    # Narrows `substituted`: each leftover group must be one of these (classes or named
    # patterns, read as a substituent of the pattern atom it hangs on): "further substituted to
    # any extent with alkyl, alkenyl, alkoxy, halide, haloalkyl or cyano substituents"
    # (SI 2019/1323). Implies `substituted`.
    substituted_with: list[SubstituentSpec] | None = None
    # What may hang anywhere on the listed group ("Kohlenstoffkette bis C12 ... kann mit Fluor,
    # Chlor, Brom, Iod und Trialkylsilylgruppen substituiert sein"; "Alkoxy- (bis C5) ... mit
    # Alkyloxy- (Alkylrest bis C4) ... substituiert"). Read top-down from the attachment: every
    # largest group hanging by one single bond outside a ring that one of these accepts is set
    # aside; the class or pattern, `substituted`/`substituted_with` and the carbon bounds read what
    # remains (the listed group at its largest); the other bounds read the whole substituent.
    carrying: list[SubstituentSpec] | None = None
    # Heavy-atom elements the whole substituent may contain ("weiterhin mit ... Kohlenstoff,
    # Wasserstoff, Stickstoff und Sauerstoff substituiert"), element symbols.
    elements: list[str] | None = None
    # Elements the substituent's ring atoms may be, its substituents' atoms in no ring not counted
    # ("Die Ringatome ... können aus den Atomen Kohlenstoff, Sauerstoff und Schwefel bestehen",
    # while the ring may carry a nitro group or a trimethylsilyl).
    ring_elements: list[str] | None = None
    # Ring closures across the core (a substituent bonded to two or more different core atoms):
    # every smallest ring through the substituent and those core atoms has this many atoms
    # ("Diese Ringsysteme dürfen vier bis sechs Atome umfassen").
    min_ring_size: int | None = Field(default=None, ge=3)
    max_ring_size: int | None = Field(default=None, ge=3)
    # The ring sizes bound a ring closed on one core atom too (a spiro ring on C1, a ring through
    # the sulfonamide nitrogen): where the text's limit reaches such rings, and only there (NpSG
    # 1.2 a limits the rings the nitrogen closes with parts of B, not a pyrrolidine on it).
    measure_one_atom_rings: bool = False
    # "Die Seitenkette darf eine maximale Molekülmasse von 300 u aufweisen" (NpSG 2.1.4): the mass
    # of the substituent itself, u, its atoms and their hydrogens (average atomic masses, as the
    # rule-wide max_parent_mass), the bond(s) to the core not counted as a hydrogen.
    max_mass: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @field_validator("substituted_with", "carrying", mode="before")
    @classmethod
    def _leftover_strings_are_classes(cls, value: Any) -> Any:
        return [_as_spec(item) for item in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _class_or_pattern(self) -> SubstituentSpec:
        if self.min_chain is not None and self.max_chain is not None and self.min_chain > self.max_chain:
            raise ValueError(f"min_chain {self.min_chain} is greater than max_chain {self.max_chain}")
        if (self.class_ is None) == (self.smarts is None):
            raise ValueError("give either 'class' (a vocabulary class) or 'smarts' (a named pattern), not both")
        if self.substituted_with is not None:
            if not self.substituted_with:
                raise ValueError("'substituted_with' needs at least one class or pattern (or leave it out)")
        if self.carrying is not None and not self.carrying:
            raise ValueError("'carrying' needs at least one class or pattern (or leave it out)")
        if self.elements is not None and (not self.elements or not all(_is_element(e) for e in self.elements)):
            raise ValueError(f"'elements' must be element symbols such as 'C', 'N', 'Cl'; got {self.elements!r}")
        if self.ring_elements is not None and (
            not self.ring_elements or not all(_is_element(e) for e in self.ring_elements)
        ):
            raise ValueError(
                f"'ring_elements' must be element symbols such as 'C', 'O', 'S'; got {self.ring_elements!r}"
            )
        if (self.min_ring_size or 0) > (self.max_ring_size or 10**6):
            raise ValueError(f"min_ring_size {self.min_ring_size} is greater than max_ring_size {self.max_ring_size}")
        if self.measure_one_atom_rings and self.min_ring_size is None and self.max_ring_size is None:
            raise ValueError("'measure_one_atom_rings' needs 'min_ring_size' or 'max_ring_size'")
        if self.class_ is not None and self.class_ not in SUBSTITUENT_CLASSES:
            raise ValueError(
                f"unknown substituent class {self.class_!r}; known classes: {', '.join(sorted(SUBSTITUENT_CLASSES))}"
            )
        if self.smarts is not None:
            if not self.name:
                raise ValueError("a substituent pattern needs a 'name' (e.g. '2-(4-morpholinyl)ethyl')")
            query = parse_smarts(self.smarts)
            if not any(_is_attachment_atom(atom) for atom in query.GetAtoms()):
                raise ValueError(f"substituent pattern {self.smarts!r} has no '*' attachment atom")
        return self

    @property
    def label(self) -> str:
        base = self.name or self.class_ or "?"
        if self.min_carbons is not None or self.max_carbons is not None:
            lo = self.min_carbons if self.min_carbons is not None else 1
            hi = self.max_carbons if self.max_carbons is not None else ""
            base += f" (C{lo}-C{hi})" if hi != "" else f" (C{lo}+)"
        if self.substituted_with:
            base += f" (substituted with {', '.join(item.label for item in self.substituted_with)})"
        elif self.substituted:
            base += " (substituted)"
        if self.carrying:
            base += f" (carrying {', '.join(item.label for item in self.carrying)})"
        if self.elements:
            base += f" (of {', '.join(self.elements)})"
        if self.ring_elements:
            base += f" (ring atoms {', '.join(self.ring_elements)})"
        if self.min_ring_size is not None or self.max_ring_size is not None:
            base += f" (ring of {self.min_ring_size or 3}-{self.max_ring_size or ''} atoms)"
        if self.min_chain is not None or self.max_chain is not None:
            lo = self.min_chain if self.min_chain is not None else 0
            base += f" (chain {lo}-{self.max_chain})" if self.max_chain is not None else f" (chain {lo}+)"
        if self.max_mass is not None:
            base += f" (at most {self.max_mass:g} u)"
        return base


def _is_element(symbol: object) -> bool:
    if not isinstance(symbol, str) or not symbol[:1].isupper():
        return False
    try:
        return Chem.GetPeriodicTable().GetAtomicNumber(symbol) > 0
    except RuntimeError:
        return False


def _is_attachment_atom(atom: Chem.Atom) -> bool:
    return atom.GetSmarts() in ("*", "[*]", "[#0]")


def _as_spec(value: Any) -> Any:
    return {"class": value} if isinstance(value, str) else value


SpecList = list[SubstituentSpec]


class Position(_Model):
    """Labelled core atoms (by map number) and what may be attached there."""

    name: NonEmpty
    atoms: list[Annotated[int, Field(ge=1, le=999)]] = Field(min_length=1)
    # Empty only with `bridge_allowed`: a position that takes nothing but a ring closed from it onto
    # its `bridges_to` ("fusion of ring A with a heterocyclic system" through C3).
    allowed: SpecList = []
    further: SpecList = []
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)
    # Other positions (by name) a substituent of this position may also be bonded to: a ring
    # closing from here onto them ("ring closure of the nitrogen with C1") counts as one
    # substituent of this position.
    bridges_to: list[NonEmpty] = []
    # What such a ring-closing substituent may be, when the text says it apart from what a
    # substituent here may be (NpSG Anlage 1 Nr. 6 b: the R3 ring systems carry halogen, hydroxy,
    # alkyl ... "einschließlich der chemischen Verbindungen, bei denen Substitutionen ... zu einem
    # Ringschluss mit dem Cyclohexylring führen"). Empty: it is read against `allowed`.
    bridge_allowed: SpecList = []
    # The substituents found here weigh at most this much together, u (each weighed as
    # SubstituentSpec.max_mass says): "Die Molekülmassenbeschränkung von insgesamt 400 u gilt dann
    # für die Summe der Brückenreste" (NpSG 2.1.3 b).
    max_mass: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    # The fused ring system the position's ring atoms belong to (rings sharing a bond with them, and
    # rings sharing a bond with those) has at most this many rings: "bizyklische oder trizyklische
    # Systeme" (NpSG Anlage 1 Nr. 1.1, 2025), where the annelated rings are substituents here.
    max_fused_rings: int | None = Field(default=None, ge=1)

    @field_validator("allowed", "further", "bridge_allowed", mode="before")
    @classmethod
    def _strings_are_classes(cls, value: Any) -> Any:
        return [_as_spec(item) for item in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _bridges_are_named(self) -> Position:
        if self.bridge_allowed and not self.bridges_to:
            raise ValueError(f"position {self.name!r}: 'bridge_allowed' needs 'bridges_to' (the positions bridged to)")
        if not self.allowed and not self.bridge_allowed:
            raise ValueError(f"position {self.name!r}: 'allowed' may be empty only with 'bridge_allowed'")
        return self


class RingSystemOption(_Model):
    name: NonEmpty
    smarts: str  # may be empty: the placeholder is then dropped (e.g. "no CH2 link")


class RingSystem(_Model):
    placeholder: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
    options: list[RingSystemOption] = Field(min_length=1)


class Core(_Model):
    id: Slug
    title: str | None = None
    smarts: Smarts
    positions: list[Position] = []
    ring_systems: list[RingSystem] = []

    @model_validator(mode="after")
    def _expansions_are_valid(self) -> Core:
        placeholders = set(re.findall(r"\{([a-z_][a-z0-9_]*)\}", self.smarts))
        declared = {ring.placeholder for ring in self.ring_systems}
        if placeholders != declared:
            raise ValueError(
                f"placeholders in the SMARTS {sorted(placeholders)} and ring_systems {sorted(declared)} differ"
            )
        n_expansions = 1
        for ring in self.ring_systems:
            n_expansions *= len(ring.options)
        if n_expansions > MAX_RING_SYSTEM_EXPANSIONS:
            raise ValueError(
                f"the ring systems expand to {n_expansions} SMARTS; at most {MAX_RING_SYSTEM_EXPANSIONS} per core"
            )
        names = {position.name for position in self.positions}
        if len(names) != len(self.positions):
            raise ValueError("position names repeat within the core")
        for position in self.positions:
            unknown = [name for name in position.bridges_to if name not in names or name == position.name]
            if unknown:
                raise ValueError(
                    f"position {position.name!r}: bridges_to names {unknown}, which are not other positions of this core"
                )
        seen: dict[int, str] = {}
        for position in self.positions:
            for number in position.atoms:
                if number in seen:
                    raise ValueError(f"map number {number} is in positions {seen[number]!r} and {position.name!r}")
                seen[number] = position.name
        for labels, smarts in expand_core(self):
            where = f" (ring systems {labels})" if labels else ""
            query = parse_smarts(smarts)  # raises with RDKit's reason
            present = {atom.GetAtomMapNum() for atom in query.GetAtoms()}
            for position in self.positions:
                if not any(number in present for number in position.atoms):
                    raise ValueError(
                        f"position {position.name!r} lists map numbers {position.atoms}, "
                        f"none of which is in the core SMARTS {smarts!r}{where}"
                    )
        return self


class Limits(_Model):
    max_parent_mass: float | None = Field(default=None, gt=0)
    elements: list[str] | None = None
    max_heavy_atoms: int | None = Field(default=None, ge=1)
    max_atoms: dict[str, Annotated[int, Field(ge=0)]] = {}
    min_substituents: int = Field(default=0, ge=0)

    @field_validator("elements")
    @classmethod
    def _known_elements(cls, value: list[str] | None) -> list[str] | None:
        table = Chem.GetPeriodicTable()
        for symbol in value or []:
            try:
                if table.GetAtomicNumber(symbol) <= 0:
                    raise ValueError
            except (RuntimeError, ValueError):
                raise ValueError(f"unknown element symbol {symbol!r}") from None
        return value

    @field_validator("max_atoms")
    @classmethod
    def _known_keys(cls, value: dict[str, int]) -> dict[str, int]:
        cls._known_elements(list(value))
        return value


class CoresOf(_Model):
    """Some cores of a group rule, named by their ids (an entry of ``excluded_by_cores_of``)."""

    rule: Slug
    cores: list[Slug] = Field(min_length=1)


def cross_group_targets(rule: Rule) -> list[tuple[str, list[str] | None]]:
    """(rule id, core ids or None for all its cores) for each entry of ``excluded_by_cores_of``."""
    return [
        (entry, None) if isinstance(entry, str) else (entry.rule, entry.cores) for entry in rule.excluded_by_cores_of
    ]


class EstersAndEthers(_Model):
    """A schedule's extension of its listing to the esters and ethers of what it lists ("the esters
    and ethers, unless appearing in another Schedule, of the drugs in this Schedule"). The rule that
    carries it answers for them; FORMAT.md, "esters_and_ethers"."""

    # the provision, quoted
    text: NonEmpty
    # whose esters and ethers: named rules of the same jurisdiction (empty: this rule's own entries).
    # BtMG Anlage II: "die Ester, Ether ... der in dieser Anlage sowie die Ester und Ether der in
    # Anlage III aufgeführten Stoffe"
    of: list[Slug] = []
    # only entries marked `esters_and_ethers = true` (a schedule whose paragraphs differ)
    only_flagged: bool = False
    # entries (by name as listed) whose esters and ethers are excepted ("ausgenommen GHB")
    except_: list[NonEmpty] = Field(default=[], alias="except")
    # the day the clause itself came into force, where that is later than the listing (the US Anabolic
    # Steroid Control Act of 2004 put the esters and ethers of the listed steroids in Schedule III from
    # 20 January 2005); absent: the clause is as old as each entry's listing
    in_force_from: date | None = None


class Rule(_Model):
    """One legal text: a group (generic) definition or a list of named substances."""

    id: Slug
    kind: Literal["group", "named"]
    title: NonEmpty
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^([A-Z]{2})$")]
    list_: NonEmpty = Field(alias="list")
    citation: Citation
    in_force_from: date
    in_force_to: date | None = None
    # The date up to which the encoded text follows the instrument's amendments: the answer names
    # it ("consolidated to ..."), or says "consolidation date not recorded" when absent.
    consolidated_to: date | None = None
    stereoisomers_included: bool = True
    # kind = "named" only: the stereoisomers an entry covers do not include one that a named rule
    # of the jurisdiction lists by its own structure ("unless otherwise provided"); the provision,
    # quoted. Such a match is shown set aside with it (FORMAT.md, "stereoisomers_except_listed").
    stereoisomers_except_listed: NonEmpty | None = None
    # kind = "named" only: false for a register that controls nothing by itself (authorised
    # medicines); its matches are reported as notices and can make other rules yield.
    controls: bool = True
    # Precedence between instruments: where any of these rules (same jurisdiction) matches, this
    # rule does not apply ("§ 1 Abs. 2 NpSG", "unless listed in another schedule").
    yields_to: list[Slug] = []
    yields_reason: NonEmpty | None = None
    # Cross-group exclusion (NpSG Anlage 1 Nr. 1, last sentence): where the compound has the core of
    # one of these group rules (same jurisdiction, in force that day) and that rule does not capture
    # it, this rule's match does not count; applied by chemistry/classify/cross_group.py.
    # An entry is a rule id (all its cores) or { rule = "<id>", cores = ["<core id>", ...] } (only
    # those cores are that rule's Kern-/Grundstruktur; FORMAT.md, "excluded_by_cores_of").
    excluded_by_cores_of: list[Slug | CoresOf] = []
    excluded_by_cores_reason: NonEmpty | None = None
    notes: str | None = None
    cores: list[Core] = []
    limits: Limits = Limits()
    forbid: list[ForbidPattern] = []
    exclusions: list[Exclusion] = []
    must_match: list[Example] = []
    must_not_match: list[Example] = []
    substances: list[NamedSubstance] = []
    # kind = "named" only: a CSV (path relative to chemistry/) of further entries, for registers
    # too large for TOML; see FORMAT.md, "substances_file".
    substances_file: str | None = None
    # kind = "named" only: the listing extends to the esters and ethers of listed substances
    esters_and_ethers: EstersAndEthers | None = None

    _substances_file = field_validator("substances_file")(_check_substances_file)

    @model_validator(mode="after")
    def _kind_specific(self) -> Rule:
        if self.in_force_to is not None and self.in_force_to < self.in_force_from:
            raise ValueError(f"in_force_to {self.in_force_to} is before in_force_from {self.in_force_from}")
        if self.yields_to and not self.yields_reason:
            raise ValueError("'yields_reason' is required with 'yields_to': cite the provision that gives precedence")
        if self.id in self.yields_to:
            raise ValueError("a rule cannot yield to itself")
        if self.stereoisomers_except_listed is not None and (self.kind != "named" or not self.stereoisomers_included):
            raise ValueError("'stereoisomers_except_listed' is for named rules that include stereoisomers")
        if self.excluded_by_cores_of:
            if not self.excluded_by_cores_reason:
                raise ValueError(
                    "'excluded_by_cores_reason' is required with 'excluded_by_cores_of': cite the provision that excludes"
                )
            if self.kind != "group":
                raise ValueError("'excluded_by_cores_of' is for group rules only")
            named = [target for target, _ in cross_group_targets(self)]
            if self.id in named:
                raise ValueError("a rule cannot be excluded by its own cores")
            if len(set(named)) != len(named):
                raise ValueError(f"'excluded_by_cores_of' names a rule twice: {named}")
        elif self.excluded_by_cores_reason:
            raise ValueError("'excluded_by_cores_reason' without 'excluded_by_cores_of'")
        if self.esters_and_ethers is not None and (self.kind != "named" or not self.controls):
            raise ValueError("'esters_and_ethers' is for named rules that control (kind = \"named\")")
        if not self.controls and self.kind != "named":
            raise ValueError("'controls = false' is for named registers (kind = \"named\") only")
        for example in self.must_match:
            if example.set_aside_by is not None and example.set_aside_by not in self.yields_to:
                raise ValueError(
                    f"must_match {example.name!r}: set_aside_by {example.set_aside_by!r} is not in yields_to {self.yields_to}"
                )
        for example in self.must_not_match:
            if example.set_aside_by is not None:
                raise ValueError(f"must_not_match {example.name!r}: set_aside_by belongs to must_match examples")
        if self.kind == "group":
            problems = []
            if not (self.notes and self.notes.strip()):
                problems.append(
                    "'notes' is required: say what the legal wording means that the encoding cannot express"
                )
            if not self.cores:
                problems.append("a group needs at least one entry in 'cores'")
            if self.substances or self.substances_file:
                problems.append("'substances' and 'substances_file' belong to kind = \"named\"")
            if problems:
                raise ValueError("; ".join(problems))
        else:
            extra = [
                name
                for name in ("cores", "forbid", "exclusions", "must_match", "must_not_match")
                if getattr(self, name)
            ]
            if extra:
                raise ValueError(f"kind = \"named\" takes 'substances' only, not {extra}")
            if not self.substances and not self.substances_file:
                raise ValueError("a named rule needs at least one entry in 'substances' (or a 'substances_file')")
        ids = [core.id for core in self.cores]
        if len(ids) != len(set(ids)):
            raise ValueError(f"core ids repeat: {ids}")
        return self

    def in_force(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_to is None or on <= self.in_force_to)

    def file_substances(self) -> tuple[RegisterEntry, ...]:
        """The entries of ``substances_file`` (none without one); read once per process."""
        return read_substances_file(self.substances_file) if self.substances_file else ()

    @property
    def entry_count(self) -> int:
        """Named rules: the substances listed (inline and in the file); groups: their cores."""
        if self.kind == "named":
            return len(self.substances) + len(self.file_substances())
        return len(self.cores)


def expand_core(core: Core) -> list[tuple[dict[str, str], str]]:
    """Every SMARTS a core stands for, with the ring-system option chosen for each placeholder."""
    if not core.ring_systems:
        return [({}, core.smarts)]
    expansions = []
    for choice in itertools.product(*(ring.options for ring in core.ring_systems)):
        smarts = core.smarts
        labels = {}
        for ring, option in zip(core.ring_systems, choice):
            smarts = smarts.replace("{" + ring.placeholder + "}", option.smarts)
            labels[ring.placeholder] = option.name
        expansions.append((labels, smarts))
    return expansions


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong in a rule file, addressed so that a person can find and fix it."""

    file: str
    rule_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        rule = f"rule {self.rule_id!r}" if self.rule_id else "file"
        return f"{self.file}: {rule}: {self.field or '(rule)'}: {self.message}"


class RulebookError(ValueError):
    def __init__(self, problems: list[RuleProblem]):
        self.problems = problems
        super().__init__("invalid rule files:\n" + "\n".join(f"  - {p}" for p in problems))


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = "list" if part == "list_" else "class" if part == "class_" else str(part)
            path += ("." if path else "") + name
    return path


def problems_from_validation_error(exc: ValidationError, *, file: str, rule_id: str | None) -> list[RuleProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(RuleProblem(file, rule_id, _field_path(tuple(error["loc"])), message))
    return problems


@dataclass(frozen=True)
class Rulebook:
    """Every validated rule, with the file it came from."""

    rules: tuple[Rule, ...]
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]  # type: ignore[attr-defined]

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(sorted({rule.jurisdiction for rule in self.rules}))

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def _rules_from_file(path: Path, problems: list[RuleProblem]) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(RuleProblem(path.name, None, "", f"not valid TOML: {exc}"))
        return []
    unknown = set(data) - {"rule"}
    if unknown:
        problems.append(
            RuleProblem(
                path.name,
                None,
                ", ".join(sorted(unknown)),
                "unknown top-level key; a rule file holds [[rule]] tables only",
            )
        )
    rules = []
    for index, raw in enumerate(data.get("rule", [])):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            rules.append(Rule.model_validate(raw))
        except ValidationError as exc:
            problems.extend(problems_from_validation_error(exc, file=path.name, rule_id=rule_id or f"#{index + 1}"))
    return rules


def load_rulebook(paths: Iterable[str | Path] | None = None) -> Rulebook:
    """Read and validate rule files (default: every ``chemistry/rules/*.toml``, in name order).

    Raises RulebookError listing every problem found, not only the first.
    """
    files = (
        sorted(Path(p) for p in paths)
        if paths is not None
        else sorted(p for p in RULES_DIR.glob("*.toml") if p != JURISDICTIONS_FILE)
    )
    problems: list[RuleProblem] = []
    rules: list[Rule] = []
    sources: dict[str, str] = {}
    for path in files:
        for rule in _rules_from_file(path, problems):
            if rule.id in sources:
                problems.append(
                    RuleProblem(path.name, rule.id, "id", f"duplicate rule id; already defined in {sources[rule.id]}")
                )
                continue
            try:
                rule.file_substances()  # read and checked now, so a bad row fails the load, not a request
            except ValueError as exc:
                problems.append(RuleProblem(path.name, rule.id, "substances_file", str(exc)))
                continue
            sources[rule.id] = path.name
            rules.append(rule)
    problems.extend(precedence_problems(rules, sources))
    problems.extend(cross_group_problems(rules, sources))
    if problems:
        raise RulebookError(problems)
    return Rulebook(rules=tuple(rules), sources=sources)


def precedence_problems(rules: Iterable[Rule], sources: dict[str, str] | None = None) -> list[RuleProblem]:
    """`yields_to` must name rules of the same jurisdiction, and precedence must not go round in a circle."""
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for rule in by_id.values():
        file = (sources or {}).get(rule.id, "(draft)")
        for index, target in enumerate(rule.yields_to):
            other = by_id.get(target)
            if other is None:
                problems.append(RuleProblem(file, rule.id, f"yields_to[{index}]", f"no rule with id {target!r}"))
            elif other.jurisdiction != rule.jurisdiction:
                problems.append(
                    RuleProblem(
                        file,
                        rule.id,
                        f"yields_to[{index}]",
                        f"{target!r} is a {other.jurisdiction} rule; precedence is between rules of one jurisdiction ({rule.jurisdiction})",
                    )
                )
        clause = rule.esters_and_ethers
        for index, target in enumerate(clause.of if clause is not None else ()):
            other = by_id.get(target)
            where = f"esters_and_ethers.of[{index}]"
            if other is None:
                problems.append(RuleProblem(file, rule.id, where, f"no rule with id {target!r}"))
            elif other.jurisdiction != rule.jurisdiction or other.kind != "named":
                problems.append(
                    RuleProblem(file, rule.id, where, f"{target!r} is not a named rule of {rule.jurisdiction}")
                )
    for rule in by_id.values():  # a cycle would make every rule in it give way to the others
        seen, stack = set(), list(rule.yields_to)
        while stack:
            current = stack.pop()
            if current == rule.id:
                problems.append(
                    RuleProblem(
                        (sources or {}).get(rule.id, "(draft)"),
                        rule.id,
                        "yields_to",
                        "precedence goes round in a circle back to this rule",
                    )
                )
                break
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            stack.extend(by_id[current].yields_to)
    return problems


def cross_group_problems(rules: Iterable[Rule], sources: dict[str, str] | None = None) -> list[RuleProblem]:
    """`excluded_by_cores_of` must name group rules of the same jurisdiction, and the exclusions
    must not go round in a circle (whether rule A captures would depend on itself)."""
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for rule in by_id.values():
        file = (sources or {}).get(rule.id, "(draft)")
        for index, (target, core_ids) in enumerate(cross_group_targets(rule)):
            other = by_id.get(target)
            field = f"excluded_by_cores_of[{index}]"
            unknown = sorted(set(core_ids or ()) - {core.id for core in other.cores}) if other is not None else []
            if other is None:
                problems.append(RuleProblem(file, rule.id, field, f"no rule with id {target!r}"))
            elif other.kind != "group":
                problems.append(
                    RuleProblem(file, rule.id, field, f"{target!r} is a named rule; only a group rule has cores")
                )
            elif other.jurisdiction != rule.jurisdiction:
                problems.append(
                    RuleProblem(
                        file,
                        rule.id,
                        field,
                        f"{target!r} is a {other.jurisdiction} rule; a cross-group exclusion is between rules of one jurisdiction ({rule.jurisdiction})",
                    )
                )
            elif unknown:
                problems.append(
                    RuleProblem(
                        file,
                        rule.id,
                        field,
                        f"{target!r} has no core {', '.join(map(repr, unknown))}; its cores: {[c.id for c in other.cores]}",
                    )
                )
    for rule in by_id.values():
        seen, stack = set(), [target for target, _ in cross_group_targets(rule)]
        while stack:
            current = stack.pop()
            if current == rule.id:
                problems.append(
                    RuleProblem(
                        (sources or {}).get(rule.id, "(draft)"),
                        rule.id,
                        "excluded_by_cores_of",
                        "the cross-group exclusions go round in a circle back to this rule",
                    )
                )
                break
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            stack.extend(target for target, _ in cross_group_targets(by_id[current]))
    return problems


# --- jurisdictions ---------------------------------------------------------------------------


class Caveat(_Model):
    """Something the law of a jurisdiction decides that the encoded structures cannot: an
    analogue or catch-all clause, preparations and quantity limits, a question of fact."""

    title: NonEmpty
    text: NonEmpty
    citation: NonEmpty | None = None


class JurisdictionInfo(_Model):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    name: NonEmpty
    # false where the jurisdiction's named schedules are not encoded (only some generic clause
    # is): "not captured" there says nothing about the substance, so alerts must not read it as
    # "uncontrolled" (an advisory "uncontrolled in CN" for mephedrone would be false).
    named_lists_encoded: bool = True
    # with named_lists_encoded = false: what is missing, in words a regulator can check ("lists C
    # and D of bilag 1 are not encoded"); the answer quotes it
    named_lists_gap: NonEmpty | None = None
    caveats: list[Caveat] = []


def load_jurisdictions(path: str | Path | None = None) -> dict[str, JurisdictionInfo]:
    """``chemistry/rules/jurisdictions.toml``: code -> name and caveats. RulebookError on a bad file."""
    path = Path(path) if path is not None else JURISDICTIONS_FILE
    if not path.exists():
        return {}
    problems: list[RuleProblem] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError([RuleProblem(path.name, None, "", f"not valid TOML: {exc}")]) from None
    unknown = set(data) - {"jurisdiction"}
    if unknown:
        problems.append(
            RuleProblem(
                path.name,
                None,
                ", ".join(sorted(unknown)),
                "unknown top-level key; this file holds [[jurisdiction]] tables only",
            )
        )
    found: dict[str, JurisdictionInfo] = {}
    for index, raw in enumerate(data.get("jurisdiction", [])):
        code = raw.get("code") if isinstance(raw, dict) else None
        try:
            info = JurisdictionInfo.model_validate(raw)
        except ValidationError as exc:
            problems.extend(problems_from_validation_error(exc, file=path.name, rule_id=code or f"#{index + 1}"))
            continue
        if info.code in found:
            problems.append(RuleProblem(path.name, info.code, "code", "jurisdiction listed twice"))
        found[info.code] = info
    if problems:
        raise RulebookError(problems)
    return found
