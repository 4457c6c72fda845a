"""A proposed group definition for a family, with its measured reach and a safety verdict.

From a family (see :mod:`chemistry.families`) this builds a draft ``kind = "group"`` rule in the
exact format of ``chemistry/rules/FORMAT.md`` (validated by :class:`chemistry.rulebook.Rule`):

1. **Core**: the family's maximum common substructure (whole rings only), every atom labelled
   with its own map number, element-typed and hydrogen-agnostic.
2. **Allowed variation**: every member is decomposed around that core *by the classification
   engine itself* (:class:`chemistry.classify.Classifier`), with a probe rule whose positions
   accept anything and report the most specific vocabulary class each substituent satisfies. We
   use the engine's decomposition rather than ``rdRGroupDecomposition`` on purpose: a proposal is
   judged later by the engine (FORMAT.md, "How the engine reads a core", steps 2–5), and RGD
   labels and symmetrises substituents by its own rules (one R label per attachment, bridging
   groups split), so variation read through RGD would not be the variation the rule allows.
3. **Generalisation**: observed substituents become vocabulary classes (a seen Br on the ring →
   any halogen there; a seen propyl → alkyl up to the longest chain seen), positions where no
   member varies stay closed, and each position allows at most as many substituents as a member
   carried there. Classes that would open the door to anything (acyl, aryl, ether, ester, "any")
   are never generalised: the exact observed groups are listed as named patterns instead.
4. **Reach**, measured with the same engine: members captured, other registry substances
   captured, every shipped ``must_not_match`` example captured, the reference medicines and
   common chemicals (``chemistry/data/reference_medicines.csv``) captured, and how many simple
   virtual analogues (ring H/F/Cl/Br/CH3/OCH3/CF3/ethyl swaps, N-alkyl homologues) it would catch.

A proposal that captures any reference compound, or a shipped ``must_not_match`` example that no
rule controls, is first retried with
only the substituents actually observed ("observed" generalisation); if that still captures one,
it is returned with ``safe=False`` and the offenders named, never as an offer.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal, Sequence

from rdkit import Chem, DataStructs, rdBase

from chemistry.classify import Classifier
from chemistry.families import DEFAULT_THRESHOLD, family_core, fingerprint
from chemistry.identity import Identity, StructureError, identify
from chemistry.rulebook import Rule, Rulebook, load_rulebook

__all__ = [
    "Coverage",
    "Proposal",
    "ReferenceCompound",
    "SafetyScreen",
    "default_screen",
    "propose_group",
    "reference_compounds",
    "virtual_analogues",
]

REFERENCE_CSV = Path(__file__).parent / "data" / "reference_medicines.csv"
# The register of authorised medicines (ChEMBL, chemistry/data/README.md) the NpSG rule reads:
# no proposal may capture one of them either.
APPROVED_MEDICINES_CSV = Path(__file__).parent / "data" / "approved_medicines.csv"
# A family smaller than this gets no proposal: one or two molecules say nothing about which
# variation a group definition should allow (a one-member "generalisation" is the molecule itself).
MIN_PROPOSAL_MEMBERS = 3
DRAFT_JURISDICTION = "XX"  # a user-assigned ISO 3166-1 code: never a real country's law
DRAFT_LIST = "draft"
# Tried in this order until one captures nothing it must not: "generalised" (every position in
# the law's own terms: classes with carbon and chain limits, and any other observed group as
# "a univalent group of these elements, at most this long"), "classes" (classes with limits, other
# groups exactly as observed), "observed" (only what was seen).
Generalisation = Literal["generalised", "classes", "observed"]
LADDER: tuple[Generalisation, ...] = ("generalised", "classes", "observed")

# Most specific first: the probe reports the first class a substituent satisfies.
_PROBE_CLASSES = (
    "halogen",
    "hydroxy",
    "nitro",
    "cyano",
    "alkyl",
    "haloalkyl",
    "alkenyl",
    "alkynyl",
    "cycloalkyl",
    "cycloalkylmethyl",
    "cycloalkylethyl",
    "alkoxy",
    "alkylthio",
    "alkylenedioxy",
    "alkylene",
    "amino",
    "acyl",
    "ester",
    "ether",
    "aryl",
    "ring_closure",
    "univalent",
    "any",
)
# Classes safe to generalise to: each names a small, chemically homogeneous set.
_CLASSES_WITHOUT_SIZE = frozenset({"halogen", "hydroxy", "nitro", "cyano"})
_CLASSES_WITH_CARBON_LIMIT = frozenset(
    {
        "alkyl",
        "haloalkyl",
        "alkenyl",
        "alkynyl",
        "cycloalkyl",
        "cycloalkylmethyl",
        "alkoxy",
        "alkylthio",
        "alkylenedioxy",
        "alkylene",
        "amino",
    }
)
# At most this many virtual analogues are classified per proposal (enumeration is cheap, the
# engine pass is not).
MAX_VIRTUAL_ANALOGUES = 3000
MAX_NAMED_PATTERN_ATOMS = 40  # a substituent bigger than this is no "variation" worth listing


# --- reference set and shipped negatives ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferenceCompound:
    name: str
    source: str
    identity: Identity


@lru_cache(maxsize=1)
def reference_compounds() -> tuple[ReferenceCompound, ...]:
    """Approved medicines and common chemicals no proposal may capture (parsed once): the
    reference list, then every authorised medicine of the register not already on it."""
    found: dict[str, ReferenceCompound] = {}
    with REFERENCE_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            compound = ReferenceCompound(row["name"], row["source"], identify(row["smiles"]))
            found.setdefault(compound.identity.inchikey, compound)
    with APPROVED_MEDICINES_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["parent_inchikey"] in found or not row["smiles"]:
                continue
            try:
                compound = ReferenceCompound(
                    row["name"], f"authorised medicine ({row['source_id']})", identify(row["smiles"])
                )
            except StructureError:
                continue
            found.setdefault(compound.identity.inchikey, compound)
    return tuple(found.values())


@dataclass(frozen=True)
class SafetyScreen:
    """What a proposal is screened against. Capturing any of these flags it: the reference
    medicines and common chemicals, and every shipped ``must_not_match`` example that no rule of
    the rulebook controls (bupropion, tryptophan, indometacin: compounds the law keeps legal).
    Shipped negatives that *are* controlled elsewhere (25I-NBOMe sits outside the 2C clause but
    is itself banned) are only reported in the coverage: reaching them is what a group is for.

    Build it once (standardising and classifying a few hundred structures) and reuse it.
    """

    reference: tuple[ReferenceCompound, ...]
    negatives: tuple[ReferenceCompound, ...]  # must_not_match examples of the shipped rulebook
    legal_negatives: tuple[ReferenceCompound, ...] = ()  # those of them no rule controls

    @classmethod
    def build(
        cls, *, rulebook: Rulebook | None = None, reference: Iterable[ReferenceCompound] | None = None
    ) -> SafetyScreen:
        book = rulebook if rulebook is not None else load_rulebook()
        negatives: dict[str, ReferenceCompound] = {}
        for rule in book.rules:
            for example in rule.must_not_match:
                found = identify(example.smiles)
                negatives.setdefault(
                    found.inchikey, ReferenceCompound(example.name, f"{rule.id} must_not_match", found)
                )
        engine = Classifier(book)
        legal = tuple(
            compound for compound in negatives.values() if not engine.classify(compound.identity).matched_rule_ids()
        )
        return cls(
            reference=tuple(reference) if reference is not None else reference_compounds(),
            negatives=tuple(negatives.values()),
            legal_negatives=legal,
        )


@lru_cache(maxsize=1)
def default_screen() -> SafetyScreen:
    return SafetyScreen.build()


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    members: int
    members_captured: tuple[str, ...]
    members_missed: tuple[str, ...]
    registry_captured: tuple[str, ...]  # registry substances outside the family it would capture
    negatives_captured: tuple[str, ...]  # shipped must_not_match examples it would capture
    reference_captured: tuple[str, ...]  # reference medicines / chemicals it would capture
    virtual_analogues: int
    virtual_captured: int
    # per jurisdiction of the rulebook consulted (``law``), what the proposal captures that no
    # rule of that jurisdiction controls today: registry substances by name, virtual analogues
    # counted; empty when no rulebook was given
    registry_newly_controlled: dict[str, tuple[str, ...]] = field(default_factory=dict)
    virtual_newly_controlled: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    family_id: str
    rule: Rule
    coverage: Coverage
    generalisation: Generalisation
    safe: bool
    offenders: tuple[str, ...] = field(default=())  # reference compounds it captures

    def as_dict(self) -> dict:
        """The rule as a JSON-able dict in the rule-file shape (dates as ISO strings)."""
        return self.rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


# --- core and probe ------------------------------------------------------------------------


@dataclass(frozen=True)
class _LabelledCore:
    smarts: str  # every atom carries a unique map number 1..n
    positions: tuple[tuple[str, tuple[int, ...]], ...]  # (name, map numbers): rings grouped, others alone


def _label_core(core_smarts: str) -> _LabelledCore:
    query = Chem.MolFromSmarts(core_smarts)
    if query is None:
        raise ValueError(f"core SMARTS {core_smarts!r} does not parse")
    for atom in query.GetAtoms():
        atom.SetAtomMapNum(atom.GetIdx() + 1)
    query.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(query)
    grouped: set[int] = set()
    positions: list[tuple[str, tuple[int, ...]]] = []
    for n, ring in enumerate(sorted(query.GetRingInfo().AtomRings(), key=lambda r: min(r))):
        free = tuple(sorted(i + 1 for i in ring if i not in grouped))
        if free:
            grouped.update(i - 1 for i in free)
            positions.append((f"ring {chr(ord('A') + n)}", free))
    for atom in query.GetAtoms():
        if atom.GetIdx() not in grouped:
            symbol = atom.GetSymbol() if atom.GetAtomicNum() else "*"
            positions.append((f"{symbol} {atom.GetIdx() + 1}", (atom.GetIdx() + 1,)))
    return _LabelledCore(Chem.MolToSmarts(query), tuple(positions))


def _rule(
    *,
    rule_id: str,
    title: str,
    notes: str,
    core: _LabelledCore,
    positions: list[dict],
    as_of: date,
    family_id: str,
    must_match: list[dict] | None = None,
    must_not_match: list[dict] | None = None,
    elements: list[str] | None = None,
) -> Rule:
    data = {
        "id": rule_id,
        "kind": "group",
        "title": title,
        "jurisdiction": DRAFT_JURISDICTION,
        "list": DRAFT_LIST,
        "in_force_from": as_of,
        "notes": notes,
        "citation": {
            "act": "Varsel machine-proposed group definition (no legal force)",
            "part": f"family {family_id}",
            "reference": "draft for review by a regulator",
        },
        "cores": [
            {
                "id": "family-core",
                "title": "maximum common substructure of the family",
                "smarts": core.smarts,
                "positions": positions,
            }
        ],
        "must_match": must_match or [],
        "must_not_match": must_not_match or [],
    }
    if elements:
        data["limits"] = {"elements": elements}
    return Rule.model_validate(data)


def _probe(core: _LabelledCore, members: Sequence[tuple[str, Identity]], as_of: date, family_id: str):
    """Decompose each member around the core with the engine; substituents seen per position."""
    probe = _rule(
        rule_id="xx-probe",
        title="probe",
        notes="accepts any substituent anywhere; used only to read substituents",
        core=core,
        positions=[
            {"name": name, "atoms": list(atoms), "allowed": list(_PROBE_CLASSES)} for name, atoms in core.positions
        ],
        as_of=as_of,
        family_id=family_id,
    )
    engine = Classifier(Rulebook(rules=(probe,)))
    seen: dict[str, list[tuple[str, str]]] = {}  # position -> [(class, substituent smiles)]
    per_member_counts: dict[str, list[int]] = {}
    decomposed: list[str] = []
    for name, identity in members:
        result = engine.classify(identity, jurisdictions=[DRAFT_JURISDICTION], as_of=as_of).results[DRAFT_JURISDICTION]
        explanation = result.matches[0].explanation if result.matches else None
        if explanation is None:
            continue
        decomposed.append(name)
        counts: dict[str, int] = {}
        for substituent in explanation.substituents:
            seen.setdefault(substituent.position, []).append((substituent.substituent_class, substituent.smiles))
            counts[substituent.position] = counts.get(substituent.position, 0) + 1
        for position, count in counts.items():
            per_member_counts.setdefault(position, []).append(count)
    return seen, {p: max(c) for p, c in per_member_counts.items()}, decomposed


def _carbons(smiles: str) -> int:
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    return sum(1 for atom in mol.GetAtoms() if atom.GetAtomicNum() == 6) if mol is not None else 0


def _chain(smiles: str) -> int:
    """The substituent's continuous chain as the rule format counts it (FORMAT.md, max_chain):
    heavy atoms on the longest path through atoms in no ring; the attachment '*' not counted."""
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    if mol is None:
        return 0
    mol.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(mol)
    chain = {a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() and not a.IsInRing()}
    best = 0
    for start in chain:  # substituents are small: a search from every atom is cheap
        seen, frontier, depth = {start}, [start], 0
        while frontier:
            depth += 1
            reached = []
            for i in frontier:
                for neighbour in mol.GetAtomWithIdx(i).GetNeighbors():
                    j = neighbour.GetIdx()
                    if j in chain and j not in seen:
                        seen.add(j)
                        reached.append(j)
            frontier = reached
        best = max(best, depth)
    return best


def _heavy(smiles: str) -> tuple[int, set[str]]:
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    atoms = [a for a in mol.GetAtoms() if a.GetAtomicNum() > 1] if mol is not None else []
    return len(atoms), {a.GetSymbol() for a in atoms}


def _allowed(observed: list[tuple[str, str]], generalisation: Generalisation) -> list[dict]:
    specs: list[dict] = []
    exact: dict[str, None] = {}
    by_class: dict[str, tuple[int, int]] = {}  # class -> (max carbons, max chain) seen
    for class_, smiles in observed:
        if generalisation != "observed" and class_ in _CLASSES_WITHOUT_SIZE:
            by_class.setdefault(class_, (0, 0))
        elif generalisation != "observed" and class_ in _CLASSES_WITH_CARBON_LIMIT:
            carbons, chain = by_class.get(class_, (0, 0))
            by_class[class_] = (max(carbons, _carbons(smiles)), max(chain, _chain(smiles)))
        else:
            exact[smiles] = None
    for class_, (carbons, chain) in sorted(by_class.items()):
        if class_ in _CLASSES_WITH_CARBON_LIMIT:
            specs.append({"class": class_, "max_carbons": carbons, "max_chain": chain})
        else:
            specs.append({"class": class_})
    single = [smiles for smiles in exact if smiles.count("*") == 1]
    if generalisation == "generalised" and single:
        # the way the NpSG words it: a group of these elements with a continuous chain of at
        # most N atoms (and no bigger than the biggest seen), wherever members differ
        sizes = [_heavy(smiles) for smiles in single]
        specs.append(
            {
                "class": "univalent",
                "max_heavy_atoms": max(n for n, _ in sizes) - 1,  # '*' is no atom
                "max_chain": max(_chain(smiles) for smiles in single),
                "elements": sorted(set().union(*(e for _, e in sizes)) - {"*"}),
            }
        )
        exact = {smiles: None for smiles in exact if smiles not in single}
    for smiles in exact:
        specs.append({"name": f"observed {smiles}", "smarts": smiles})
    return specs


# --- virtual analogues ---------------------------------------------------------------------

_RING_GROUPS = ("F", "Cl", "Br", "C", "OC", "C(F)(F)F", "CC")
_N_ALKYLS = ("C", "CC", "CCC")
_REMOVABLE_MAX_ATOMS = 4  # ring substituents up to CF3 / OCH2CH3 are swapped back to H


def _with_group(mol: Chem.Mol, atom_idx: int, group: Chem.Mol) -> Chem.Mol | None:
    combined = Chem.RWMol(Chem.CombineMols(mol, group))
    combined.AddBond(atom_idx, mol.GetNumAtoms(), Chem.BondType.SINGLE)
    anchor = combined.GetAtomWithIdx(atom_idx)
    if anchor.GetNumExplicitHs():
        anchor.SetNumExplicitHs(anchor.GetNumExplicitHs() - 1)
    try:
        Chem.SanitizeMol(combined)
    except Exception:
        return None
    return combined.GetMol()


def _without_group(mol: Chem.Mol, ring_atom: int, first: int) -> Chem.Mol | None:
    """Remove the acyclic substituent that starts at ``first`` (bonded to ``ring_atom``)."""
    piece, frontier = {first}, [first]
    while frontier:
        current = frontier.pop()
        for neighbour in mol.GetAtomWithIdx(current).GetNeighbors():
            j = neighbour.GetIdx()
            if j != ring_atom and j not in piece:
                if neighbour.IsInRing() or len(piece) >= _REMOVABLE_MAX_ATOMS:
                    return None
                piece.add(j)
                frontier.append(j)
    editable = Chem.RWMol(mol)
    for j in sorted(piece, reverse=True):
        editable.RemoveAtom(j)
    try:
        Chem.SanitizeMol(editable)
    except Exception:
        return None
    return editable.GetMol()


@lru_cache(maxsize=1)
def _group_mols() -> tuple[tuple[Chem.Mol, ...], tuple[Chem.Mol, ...]]:
    return (
        tuple(Chem.MolFromSmiles(s) for s in _RING_GROUPS),
        tuple(Chem.MolFromSmiles(s) for s in _N_ALKYLS),
    )


def virtual_analogues(mols: Iterable[Chem.Mol], *, limit: int = MAX_VIRTUAL_ANALOGUES) -> list[str]:
    """Simple one-step analogues of the given molecules, as canonical SMILES (members excluded).

    At each aromatic CH: F, Cl, Br, CH3, OCH3, CF3 or ethyl; each small acyclic ring substituent
    back to H; each N–H: methyl, ethyl or propyl. Deterministic order; at most ``limit``.
    """
    ring_groups, n_alkyls = _group_mols()
    sources = list(mols)
    known = {Chem.MolToSmiles(m) for m in sources}
    found: dict[str, None] = {}
    with rdBase.BlockLogs():
        for mol in sources:
            variants: list[Chem.Mol | None] = []
            for atom in mol.GetAtoms():
                idx = atom.GetIdx()
                if atom.GetIsAromatic() and atom.GetAtomicNum() == 6:
                    if atom.GetTotalNumHs() > 0:
                        variants.extend(_with_group(mol, idx, group) for group in ring_groups)
                    for neighbour in atom.GetNeighbors():
                        if not neighbour.IsInRing():
                            variants.append(_without_group(mol, idx, neighbour.GetIdx()))
                elif atom.GetAtomicNum() == 7 and not atom.GetIsAromatic() and atom.GetTotalNumHs() > 0:
                    variants.extend(_with_group(mol, idx, group) for group in n_alkyls)
            for variant in variants:
                if variant is None:
                    continue
                smiles = Chem.MolToSmiles(variant)
                if smiles not in known and smiles not in found:
                    found[smiles] = None
                    if len(found) >= limit:
                        return list(found)
    return list(found)


# --- the proposal --------------------------------------------------------------------------


def _captured(engine: Classifier, subjects: Iterable[tuple[str, Identity | Chem.Mol]], as_of: date) -> list[str]:
    names = []
    for name, subject in subjects:
        try:
            result = engine.classify(subject, jurisdictions=[DRAFT_JURISDICTION], as_of=as_of)
        except StructureError:
            continue
        if result.results[DRAFT_JURISDICTION].matches:
            names.append(name)
    return names


def _slug(family_id: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in family_id.lower()).strip("-")


def propose_group(
    family_id: str,
    members: Sequence[tuple[str, Chem.Mol | Identity | str]],
    *,
    core_smarts: str | None = None,
    registry: Iterable[tuple[str, Identity | Chem.Mol | str]] = (),
    screen: SafetyScreen | None = None,
    as_of: date | None = None,
    count_virtual: bool = True,
    law: Classifier | None = None,
) -> Proposal:
    """Draft a group definition for one family and measure what it would capture.

    ``members`` are (name, structure) pairs; ``core_smarts`` is the family core if already known
    (``FamilyIndex.core``), else it is computed. ``registry`` is the rest of the registry, for
    "which registered substances outside the family would this capture".
    """
    if len(members) < MIN_PROPOSAL_MEMBERS:
        raise ValueError(
            f"family {family_id} has {len(members)} member(s); a proposal needs at least "
            f"{MIN_PROPOSAL_MEMBERS}, or it would only restate the molecules"
        )
    as_of = as_of or datetime.now(timezone.utc).date()
    screen = screen or default_screen()
    identities = [(name, _as_identity(structure)) for name, structure in members]
    if core_smarts is None:
        core_smarts = family_core([identity.mol for _, identity in identities])
    if core_smarts is None:
        raise ValueError(f"family {family_id} has no common core of at least three atoms")
    core = _label_core(core_smarts)
    seen, max_counts, decomposed = _probe(core, identities, as_of, family_id)
    elements = sorted({atom.GetSymbol() for _, identity in identities for atom in identity.mol.GetAtoms()})
    member_keys = {identity.inchikey for _, identity in identities}
    registry_subjects = [
        (name, identity)
        for name, identity in ((n, _as_identity(s)) for n, s in registry)
        if identity.inchikey not in member_keys
    ]
    analogues = virtual_analogues([identity.mol for _, identity in identities]) if count_virtual else []

    legal_keys = {c.identity.inchikey for c in screen.legal_negatives}
    attempt: Proposal | None = None
    fallback: Proposal | None = None
    for generalisation in LADDER:
        positions = [
            {
                "name": name,
                "atoms": list(atoms),
                "allowed": _allowed(seen[name], generalisation),
                "max": max_counts[name],
            }
            for name, atoms in core.positions
            if name in seen
        ]
        draft = _rule(
            rule_id=f"xx-proposal-{_slug(family_id)}",
            title=f"Machine-proposed group for family {family_id}",
            notes=_notes(family_id, len(identities), generalisation),
            core=core,
            positions=positions,
            as_of=as_of,
            family_id=family_id,
            elements=elements,
        )
        engine = Classifier(Rulebook(rules=(draft,)))
        captured_members = _captured(engine, identities, as_of)
        reference_hits = _captured(engine, ((c.name, c.identity) for c in screen.reference), as_of)
        # a member that some rule lists as its negative but another rule controls (25I-NBOMe:
        # outside the 2C clause, inside the NBOMe one) is what this group is for; every other
        # shipped negative it reaches makes it unsafe, a member the law keeps legal included
        negative_hits = _captured(
            engine,
            (
                (c.name, c.identity)
                for c in screen.negatives
                if c.identity.inchikey not in member_keys or c.identity.inchikey in legal_keys
            ),
            as_of,
        )
        virtual_hits = _captured(engine, ((s, Chem.MolFromSmiles(s)) for s in analogues), as_of)
        registry_hits = _captured(engine, registry_subjects, as_of)
        newly_registry, newly_virtual = _newly_controlled(
            law,
            as_of,
            [(n, i) for n, i in identities if n in set(captured_members)]
            + [(n, i) for n, i in registry_subjects if n in set(registry_hits)],
            virtual_hits,
        )
        coverage = Coverage(
            members=len(identities),
            members_captured=tuple(captured_members),
            members_missed=tuple(name for name, _ in identities if name not in set(captured_members)),
            registry_captured=tuple(registry_hits),
            negatives_captured=tuple(negative_hits),
            reference_captured=tuple(reference_hits),
            virtual_analogues=len(analogues),
            virtual_captured=len(virtual_hits),
            registry_newly_controlled=newly_registry,
            virtual_newly_controlled=newly_virtual,
        )
        # Safe means none of: a reference medicine or chemical, an authorised medicine, a shipped
        # must_not_match example other than a member (whether or not another rule controls it: a
        # draft that reaches what a legal text deliberately left out needs a human), hence nothing
        # the law keeps legal. Members that are medicines still count (fentanyl).
        offenders = tuple(dict.fromkeys((*reference_hits, *negative_hits)))
        examples_in = [
            {"name": name, "smiles": identity.smiles, "source": f"member of family {family_id} (reported detection)"}
            for name, identity in identities
            if name in set(captured_members)
        ]
        examples_out = _nearest_uncaptured(screen, identities, set(offenders))
        final = Rule.model_validate(
            {**draft.model_dump(by_alias=True), "must_match": examples_in, "must_not_match": examples_out}
        )
        attempt = Proposal(family_id, final, coverage, generalisation, safe=not offenders, offenders=offenders)
        # a wider rung is taken only if it is safe and still captures every member the core fits
        if attempt.safe and len(captured_members) >= len(decomposed):
            return attempt
        if attempt.safe and fallback is None:
            fallback = attempt
    chosen = fallback or attempt
    if chosen is None:  # LADDER is a non-empty constant: every call tries at least one rung
        raise RuntimeError("no generalisation was tried")
    return chosen


def _newly_controlled(
    law: Classifier | None, as_of: date, registry: list[tuple[str, Identity]], virtual: list[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Of what the proposal captures, what each jurisdiction of ``law`` does not control yet."""
    if law is None:
        return {}, {}
    codes = list(law.rulebook.jurisdictions)

    def uncontrolled_in(subject: Identity | str) -> list[str]:
        try:
            found = law.classify(subject, as_of=as_of)
        except StructureError:
            return []
        return [code for code in codes if code in found.results and not found.results[code].matches]

    registry_out: dict[str, list[str]] = {code: [] for code in codes}
    for name, identity in registry:
        for code in uncontrolled_in(identity):
            registry_out[code].append(name)
    virtual_out = dict.fromkeys(codes, 0)
    for smiles in virtual:
        for code in uncontrolled_in(smiles):
            virtual_out[code] += 1
    return {code: tuple(names) for code, names in registry_out.items()}, virtual_out


def _nearest_uncaptured(screen: SafetyScreen, identities, offenders: set[str], count: int = 3) -> list[dict]:
    """The reference compounds most similar to the family that the proposal leaves out."""
    member_fps = [fingerprint(identity.mol) for _, identity in identities]
    scored = []
    for compound in screen.reference:
        if compound.name in offenders:
            continue
        best = max(DataStructs.BulkTanimotoSimilarity(fingerprint(compound.identity.mol), member_fps))
        scored.append((-best, compound.name, compound))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [
        {"name": c.name, "smiles": c.identity.smiles, "source": f"reference medicines/chemicals ({c.source})"}
        for _, _, c in scored[:count]
    ]


def _notes(family_id: str, size: int, generalisation: Generalisation) -> str:
    how = {
        "generalised": "Observed substituents were generalised the way the laws word them: vocabulary classes "
        "with carbon and chain limits (a halogen seen at a position allows any halogen; an alkyl "
        "chain allows alkyl up to the longest chain seen), and any other group seen as 'a "
        "univalent group of the elements seen, with a continuous chain no longer than seen'.",
        "classes": "Observed substituents were generalised to vocabulary classes with carbon and chain limits; "
        "other groups are allowed only as observed (the wider draft captured something it must not).",
        "observed": "Only the substituents actually observed are allowed (the generalised drafts captured a "
        "reference medicine, an authorised medicine or a shipped negative example).",
    }[generalisation]
    return (
        f"MACHINE-PROPOSED, NOT LAW. Drafted by Varsel from family {family_id} ({size} reported "
        f"substances; ECFP4 families at Tanimoto {DEFAULT_THRESHOLD}). The core is their maximum "
        f"common substructure (whole rings only); positions where no member varies are closed. {how} "
        "Each position allows at most as many substituents as one member carried there. The element "
        "whitelist is the members' elements. A regulator must review scope, stereoisomers, salts, "
        "mass limits and named exclusions before any use."
    )


def _as_identity(structure: Chem.Mol | Identity | str) -> Identity:
    if isinstance(structure, Identity):
        return structure
    if isinstance(structure, str):
        return identify(structure)
    return identify(Chem.MolToSmiles(structure))
