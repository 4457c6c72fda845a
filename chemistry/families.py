"""Families of reported substances: incremental placement, full reclustering, and family cores.

A *family* is a cluster of registered substances that are close on ECFP4 (Morgan radius 2, 2048
bits) or that share a polycyclic Bemis–Murcko scaffold. Families are the raw material for a
proposed group definition (see :mod:`chemistry.propose`).

Two ways to build them:

* :meth:`FamilyIndex.assign` places ONE new substance among everything registered, without
  reclustering: one bulk Tanimoto pass in C over all fingerprints, then a decision. This is what
  runs on every detection report.
* :func:`recluster` recomputes every family from scratch with Butina's algorithm, for admins who
  changed the threshold or want to undo the order-dependence of incremental placement.

Thresholds (ECFP4, 2048 bits), chosen on the real series of ``tests/chemistry/nps_series.py``
(psychoactives.csv plus written analogues: 72 substances in 7 series of 5 chemical classes):

* ``DEFAULT_THRESHOLD = 0.45``. Every member's nearest neighbour inside its series sits at
  Tanimoto 0.62 or more (medians 0.69–0.85); the nearest neighbour in an *unrelated* class never
  exceeds 0.30 (fentanyl vs. a pyrrolidinophenone 0.30, NBOMe vs. naphthoylindole 0.23, nitazene
  vs. fentanyl 0.25). 0.45 sits in the middle of that gap. The only links above it across series
  are chemically real (hexedrone–α-PHP 0.52: both cathinones; AM-2201–STS-135 0.53: both
  1-(5-fluoropentyl)indoles). From 0.35 to 0.50 incremental placement gives identical families on
  these series; at 0.55 the cathinones split (10 of 15 in the largest family). On the whole CSV,
  0.45 keeps NBOMes with the 2C-x phenethylamines (the same legal group); 0.50 separates them.
* ``DEFAULT_SCAFFOLD_THRESHOLD = 0.30``: a substance that shares a *distinctive* generic scaffold
  (fused/spiro ring system, or at least three rings) with a family joins it at this lower
  similarity: on the CSV this files 5-MeO-DALT with the tryptamines, 6-APDB with the benzofurans,
  naloxone with the morphinans. Two rings on a linker never count: phenylcyclohexane is shared by
  pethidine, tramadol and phencyclidine.

Incremental placement is single-linkage (it joins the family of the nearest member), so it can
chain where Butina, which demands similarity to a centroid, splits: that is why an admin recluster
exists.

Everything here is pure RDKit + numpy: no database, no web. State round-trips through plain data
(:meth:`FamilyIndex.to_state` / :meth:`FamilyIndex.from_state`) so the service can persist it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Sequence

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFingerprintGenerator, rdFMCS
from rdkit.Chem.Scaffolds import MurckoScaffold

__all__ = [
    "Assignment",
    "Family",
    "FamilyIndex",
    "DEFAULT_THRESHOLD",
    "DEFAULT_SCAFFOLD_THRESHOLD",
    "DEFAULT_MIN_SHARED",
    "FINGERPRINT_BITS",
    "FINGERPRINT_RADIUS",
    "butina_clusters",
    "family_core",
    "is_trivial_core",
    "modular_class",
    "family_name",
    "fingerprint",
    "generic_scaffold",
    "recluster",
]

DEFAULT_THRESHOLD = 0.45
DEFAULT_SCAFFOLD_THRESHOLD = 0.30
FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048
STATE_FORMAT = "varsel.families/1"

# MCS is exponential in the worst case; a family core is a hint for a human, so a bounded answer
# found in two seconds beats an exact one found in two minutes.
MCS_TIMEOUT_SECONDS = 2
# The core of a big family is computed on a deterministic sample: MCS time grows with the number
# of molecules, and twenty spread-out members already pin the common part down.
MCS_SAMPLE_SIZE = 20
# A cached core is recomputed once membership has changed by this fraction (small families:
# on every change), so a busy family does not rerun MCS on each report.
CORE_REFRESH_FRACTION = 0.2
CORE_ALWAYS_REFRESH_BELOW = 10
NEAREST_COUNT = 5

# Built once: constructing a generator per molecule costs more than the fingerprint itself.
_FP_GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS)


def fingerprint(mol: Chem.Mol) -> DataStructs.ExplicitBitVect:
    """ECFP4-like Morgan bit fingerprint (radius 2, 2048 bits) from the shared generator."""
    return _FP_GENERATOR.GetFingerprint(mol)


def generic_scaffold(mol: Chem.Mol) -> str:
    """Canonical SMILES of the generic Bemis–Murcko scaffold (all atoms C, all bonds single).

    Acyclic molecules have no scaffold and give "".
    """
    return scaffold_of(mol)[0]


def scaffold_of(mol: Chem.Mol) -> tuple[str, bool]:
    """Generic scaffold and whether it is *distinctive* enough to place a substance on its own.

    Distinctive means a fused or spiro ring system (indole, benzofuran, morphinan, purine) or at
    least three rings. A lone ring or two rings on a linker (phenylcyclohexane, diphenylmethane)
    is shared by tramadol, pethidine and phencyclidine alike, so it says nothing about family.
    """
    with rdBase.BlockLogs():
        core = MurckoScaffold.GetScaffoldForMol(mol)
        if core.GetNumAtoms() == 0:
            return "", False
        rings = core.GetRingInfo()
        fused = any(rings.NumAtomRings(atom.GetIdx()) > 1 for atom in core.GetAtoms())
        distinctive = fused or rings.NumRings() >= 3
        return Chem.MolToSmiles(MurckoScaffold.MakeScaffoldGeneric(core)), distinctive


# Joining a family takes more than fingerprint similarity: the newcomer and the member it is
# nearest to must share a meaningful part (a ring system plus linker, see is_trivial_core) that
# covers at least this fraction of the newcomer's heavy atoms. ECFP4 Tanimoto counts atom
# environments, so a large molecule that carries a typical NPS fragment (a pentyl-indole, a
# fluorophenyl ketone) can reach 0.45 while sharing only that fragment. The default, 0.5, is
# measured in bench/families.py --quality on psychoactives.csv: see the README's table.
DEFAULT_MIN_SHARED = 0.5
# Above this Tanimoto two substances are analogues whatever their MCS: no MCS is computed.
SURE_SIMILARITY = 0.7
PAIR_MCS_TIMEOUT_SECONDS = 1
# Families tried, best first, before the newcomer founds its own.
MAX_CANDIDATE_FAMILIES = 3

# A core must be shared by at least this fraction of the members it is computed on. With every
# member required (1.0), one outlier the similarity chain let in (melatonin among 40 tryptamines,
# a thiophene among amphetamines) shrinks the core to a benzene ring or a bare chain. 0.75: on
# psychoactives.csv every family of three or more then has a ring-system-plus-linker core (see
# bench/families.py --quality), and the members outside it are few and named by the API.
DEFAULT_CORE_SHARE = 0.75
# A core needs this many acyclic atoms next to a single ring to say more than "a benzene".
MIN_LINKER_ATOMS = 2


# Synthetic cannabinoids by their modular parts, the way the generic clauses describe them (NpSG
# group 3: an indole or indazole core, a bridge at its 3-position, a head group, and the N1 side
# chain that varies; UK 2009/2013/2016 alike): the class is core + linker + head group, the tail
# is free. Checked in this order (the naphthoyl pattern before the benzoyl one it contains). A
# synthetic cannabinoid joins only a family of its own class.
_AZOLE_N1 = "c1[c,n]n([#6])c2ccccc12"  # the 3-position first: indole (C2) or indazole (N2)
_MODULAR = [
    ("indole/indazole-3-carboxamides", f"[#6;!R](=O)([NX3]){_AZOLE_N1}"),
    ("indole/indazole-3-carboxylates", f"[#6;!R](=O)(O[#6]){_AZOLE_N1}"),
    ("3-naphthoylindoles/indazoles", f"[#6;!R](=O)(c1cccc2ccccc12){_AZOLE_N1}"),
    ("3-phenylacetylindoles/indazoles", f"[#6;!R](=O)([CH2]c1ccccc1){_AZOLE_N1}"),
    ("3-benzoylindoles/indazoles", f"[#6;!R](=O)(c1ccccc1){_AZOLE_N1}"),
    ("3-(cycloalkanoyl)indoles/indazoles", f"[#6;!R](=O)([#6;R;!a]){_AZOLE_N1}"),
]
_MODULAR_QUERIES = [(name, Chem.MolFromSmarts(smarts)) for name, smarts in _MODULAR]


def modular_class(mol: Chem.Mol) -> str | None:
    """The synthetic-cannabinoid class of ``mol`` by core, linker and head group (e.g.
    "indazole-3-carboxamides"), or None for anything else."""
    for name, query in _MODULAR_QUERIES:
        if mol.HasSubstructMatch(query):
            return name
    return None


def is_trivial_core(smarts: str | None) -> bool:
    """True for no core, a bare chain (no ring), or a single ring with less than a linker on it.

    A meaningful core is a ring system plus the linker the members share: indole-3-ethylamine,
    phenyl-2-aminopropan-1-one, fused ring systems. Benzene, toluene, ethylbenzene or ``CCCCCF``
    say nothing about a family.
    """
    if not smarts:
        return True
    query = Chem.MolFromSmarts(smarts)
    if query is None:
        return True
    query.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(query)
    rings = query.GetRingInfo()
    if rings.NumRings() == 0:
        return True
    if rings.NumRings() > 1:
        return False
    in_ring = {i for ring in rings.AtomRings() for i in ring}
    return query.GetNumAtoms() - len(in_ring) < MIN_LINKER_ATOMS + 1  # + the ring's own substituent atom


def family_core(
    mols: Sequence[Chem.Mol], *, timeout: int = MCS_TIMEOUT_SECONDS, share: float = DEFAULT_CORE_SHARE
) -> str | None:
    """SMARTS of the maximum common substructure of ``mols`` (whole rings only), or None.

    Rings match rings only and only complete rings are kept, so a core never contains half an
    indole. A timed-out search still returns the best core found so far. When what *every*
    member shares is trivial (:func:`is_trivial_core`), the core is what at least ``share`` of
    them share; if that too is trivial there is no core (None), never a lone ring or a chain.
    """
    if not mols:
        return None
    if len(mols) == 1:
        return Chem.MolToSmarts(mols[0])
    # aromatic C and N compared alike: an indole and an indazole share their bicycle ([#6,#7] at
    # N2); where every member has the same element the core says that element
    core = _mcs_aromatic_cn(mols, timeout=timeout)
    if is_trivial_core(core) and len(mols) >= 3 and share < 1.0:
        core = _mcs(mols, timeout=timeout, threshold=share)
    return None if is_trivial_core(core) else core


_AROMATIC_CN = 200  # isotope label shared by aromatic C and N during the search


def _mcs_aromatic_cn(mols: Sequence[Chem.Mol], *, timeout: int) -> str | None:
    """The MCS of every member with aromatic carbon and nitrogen compared alike; each such core
    atom becomes the elements the members actually have there (``[#6,#7]`` or one of them)."""
    copies = []
    for mol in mols:
        copy = Chem.Mol(mol)
        for atom in copy.GetAtoms():
            aromatic_cn = atom.GetIsAromatic() and atom.GetAtomicNum() in (6, 7)
            atom.SetIsotope(_AROMATIC_CN if aromatic_cn else atom.GetAtomicNum())
        copies.append(copy)
    with rdBase.BlockLogs():
        result = rdFMCS.FindMCS(
            copies,
            timeout=timeout,
            ringMatchesRingOnly=True,
            completeRingsOnly=True,
            atomCompare=rdFMCS.AtomCompare.CompareIsotopes,
            bondCompare=rdFMCS.BondCompare.CompareOrder,
        )
        if not result.smartsString or result.numAtoms < 3:
            return None
        query = Chem.MolFromSmarts(result.smartsString)
        elements: list[set[int]] = [set() for _ in range(query.GetNumAtoms())]
        for copy in copies:
            match = copy.GetSubstructMatch(query)
            if not match:
                return None
            for q, m in enumerate(match):
                elements[q].add(copy.GetAtomWithIdx(m).GetAtomicNum())
    tokens = iter(range(query.GetNumAtoms()))

    def element(found: re.Match) -> str:
        return "[" + ",".join(f"#{z}" for z in sorted(elements[next(tokens)]))

    smarts = re.sub(r"\[\d+\*", element, result.smartsString)
    return _without_ring_fragments(smarts.replace(",#", ",#"))


def _mcs(mols: Sequence[Chem.Mol], *, timeout: int, threshold: float) -> str | None:
    with rdBase.BlockLogs():
        result = rdFMCS.FindMCS(
            list(mols),
            timeout=timeout,
            threshold=threshold,
            ringMatchesRingOnly=True,
            completeRingsOnly=True,
            atomCompare=rdFMCS.AtomCompare.CompareElements,
            bondCompare=rdFMCS.BondCompare.CompareOrder,
        )
    if not result.smartsString or result.numAtoms < 3:
        return None
    return _without_ring_fragments(result.smartsString)


def shared_fraction(newcomer: Chem.Mol, member: Chem.Mol, *, timeout: int = PAIR_MCS_TIMEOUT_SECONDS) -> float:
    """The share of ``newcomer``'s heavy atoms in a meaningful common part with ``member``
    (whole rings only); 0.0 when what they share is trivial (a lone ring, a chain)."""
    core = _mcs([newcomer, member], timeout=timeout, threshold=1.0)
    if is_trivial_core(core):
        return 0.0
    return Chem.MolFromSmarts(core).GetNumAtoms() / max(1, newcomer.GetNumAtoms())


def _without_ring_fragments(smarts: str) -> str | None:
    """Drop atoms the MCS marks as ring atoms but that close no ring in the core.

    FindMCS with completeRingsOnly still keeps a lone ring atom at the junction to a ring that
    differs between members (the C3 of an indole vs. an indazole); as a core atom it would make
    the rest of that ring a "substituent" bonded twice to one atom. The largest piece left is kept.
    """
    query = Chem.MolFromSmarts(smarts)
    query.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(query)
    rings = query.GetRingInfo()
    dangling = [
        atom.GetIdx()
        for atom in query.GetAtoms()
        if "&R" in atom.GetSmarts().replace("&!R", "") and rings.NumAtomRings(atom.GetIdx()) == 0
    ]
    if not dangling:
        return smarts
    editable = Chem.RWMol(query)
    for idx in sorted(dangling, reverse=True):
        editable.RemoveAtom(idx)
    pieces = Chem.GetMolFrags(editable.GetMol(), asMols=True, sanitizeFrags=False)
    largest = max(pieces, key=lambda piece: piece.GetNumAtoms(), default=None)
    if largest is None or largest.GetNumAtoms() < 3:
        return None
    return Chem.MolToSmarts(largest)


def family_id_for(founder_key: str) -> str:
    """Deterministic family id: a digest of the founding member's key (order-independent of the rest)."""
    return "fam-" + hashlib.sha256(founder_key.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one substance was placed."""

    family_id: str
    is_new_family: bool
    nearest: list[tuple[str, float]]  # (key, Tanimoto), most similar first, the substance itself excluded
    scaffold: str
    reason: str  # "similarity", "scaffold", "new", or "already_registered"


@dataclass(slots=True)
class Family:
    family_id: str
    founder: str
    members: list[str] = field(default_factory=list)
    core_smarts: str | None = None
    core_member_count: int = 0  # membership size when core_smarts was computed

    def core_is_stale(self) -> bool:
        size = len(self.members)
        if size == self.core_member_count:
            return False
        if size < CORE_ALWAYS_REFRESH_BELOW or self.core_member_count == 0:
            return True
        return abs(size - self.core_member_count) >= CORE_REFRESH_FRACTION * self.core_member_count


class FamilyIndex:
    """Registered substances with their fingerprints, scaffolds and family memberships.

    Not thread-safe: the service serialises writes (one assignment at a time) as it does for the
    registry itself.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        scaffold_threshold: float = DEFAULT_SCAFFOLD_THRESHOLD,
        mcs_timeout: int = MCS_TIMEOUT_SECONDS,
        min_shared: float = DEFAULT_MIN_SHARED,
        modular: bool = True,
    ) -> None:
        if not 0.0 <= min_shared <= 1.0:
            raise ValueError(f"min_shared must lie in [0, 1], not {min_shared}")
        if not 0.0 < threshold <= 1.0 or not 0.0 < scaffold_threshold <= threshold:
            raise ValueError(
                f"thresholds must satisfy 0 < scaffold_threshold ({scaffold_threshold}) <= threshold ({threshold}) <= 1"
            )
        self.threshold = threshold
        self.scaffold_threshold = scaffold_threshold
        self.mcs_timeout = mcs_timeout
        self.min_shared = min_shared
        self.modular = modular  # False: synthetic cannabinoids are placed like anything else (bench baseline)
        self._keys: list[str] = []
        self._position: dict[str, int] = {}
        self._fps: list[DataStructs.ExplicitBitVect] = []
        self._smiles: list[str] = []
        self._scaffolds: list[str] = []
        self._distinctive: list[bool] = []
        self._modular: list[str | None] = []
        self._modular_families: dict[str, dict[str, int]] = {}
        self._family_of: list[str] = []
        self._families: dict[str, Family] = {}
        self._family_positions: dict[str, list[int]] = {}
        self._scaffold_families: dict[str, dict[str, int]] = {}

    # --- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._position

    def family_of(self, key: str) -> str:
        return self._family_of[self._position[key]]

    def families(self) -> dict[str, list[str]]:
        """Family id → member keys in registration order."""
        return {fid: list(family.members) for fid, family in self._families.items()}

    def family(self, family_id: str) -> Family:
        return self._families[family_id]

    def member_smiles(self, family_id: str) -> list[str]:
        return [self._smiles[self._position[key]] for key in self._families[family_id].members]

    def similarities(self, mol: Chem.Mol) -> np.ndarray:
        """Tanimoto of ``mol`` against every registered substance, in registration order."""
        if not self._fps:
            return np.zeros(0)
        return np.asarray(DataStructs.BulkTanimotoSimilarity(fingerprint(mol), self._fps))

    # --- writing ---------------------------------------------------------------------------

    def assign(self, key: str, mol: Chem.Mol) -> Assignment:
        """Register one substance and place it in a family, without touching other memberships.

        Joins the family of its most similar member when that Tanimoto ≥ ``threshold``; otherwise
        the family that shares its polycyclic generic scaffold and holds a member ≥
        ``scaffold_threshold``; otherwise founds a new family. Registering a key twice returns its
        existing placement.
        """
        fp = fingerprint(mol)
        scaffold, distinctive = scaffold_of(mol)
        if key in self._position:
            position = self._position[key]
            sims = np.asarray(DataStructs.BulkTanimotoSimilarity(fp, self._fps))
            sims[position] = -1.0
            return Assignment(self._family_of[position], False, self._nearest(sims), scaffold, "already_registered")

        sims = np.asarray(DataStructs.BulkTanimotoSimilarity(fp, self._fps)) if self._fps else np.zeros(0)
        nearest = self._nearest(sims)
        modular = modular_class(mol) if self.modular else None
        chosen, reason = self._choose_family(sims, scaffold if distinctive else "", mol, modular)
        is_new = chosen is None
        family_id = chosen if chosen is not None else family_id_for(key)
        if is_new:
            self._families[family_id] = Family(family_id=family_id, founder=key)
            self._family_positions[family_id] = []
        self._append(key, fp, Chem.MolToSmiles(mol), scaffold, family_id, distinctive=distinctive, modular=modular)
        return Assignment(family_id, is_new, nearest, scaffold, "new" if is_new else reason)

    def _choose_family(
        self, sims: np.ndarray, scaffold: str, mol: Chem.Mol | None = None, modular: str | None = None
    ) -> tuple[str | None, str]:
        if sims.size == 0:
            return None, "new"
        if modular is not None:
            # a synthetic cannabinoid joins the family of its own class, or founds one
            return self._best_of(self._modular_families.get(modular), sims, self.scaffold_threshold, "modular")
        if sims.max() >= self.threshold:
            joined = self._similar_family(sims, mol)
            if joined is not None:
                return joined, "similarity"
        if scaffold:
            return self._best_of(self._scaffold_families.get(scaffold), sims, self.scaffold_threshold, "scaffold")
        return None, "new"

    def _best_of(
        self, candidates: dict[str, int] | None, sims: np.ndarray, floor: float, reason: str
    ) -> tuple[str | None, str]:
        if not candidates:
            return None, "new"
        # Highest similarity wins; the alphabetically first family id breaks a tie.
        best_score, best_family = min(
            (-float(sims[self._family_positions[family_id]].max()), family_id) for family_id in candidates
        )
        return (best_family, reason) if -best_score >= floor else (None, "new")

    def _similar_family(self, sims: np.ndarray, mol: Chem.Mol | None) -> str | None:
        """The family of the most similar member that shares a meaningful part with ``mol``
        (``min_shared``); families are tried by their best member, at most a few."""
        above = np.flatnonzero(sims >= self.threshold)
        order = above[np.lexsort((above, -sims[above]))]  # most similar first, then first registered
        tried: set[str] = set()
        for position in order.tolist():
            family_id = self._family_of[position]
            if family_id in tried or self._modular[position] is not None:
                continue
            tried.add(family_id)
            if mol is None or self.min_shared <= 0.0 or sims[position] >= SURE_SIMILARITY:
                return family_id
            member = Chem.MolFromSmiles(self._smiles[position])
            if member is not None and shared_fraction(mol, member) >= self.min_shared:
                return family_id
            if len(tried) >= MAX_CANDIDATE_FAMILIES:
                break
        return None

    def _nearest(self, sims: np.ndarray, count: int = NEAREST_COUNT) -> list[tuple[str, float]]:
        valid = sims.size
        if valid == 0:
            return []
        count = min(count, valid)
        top = np.argpartition(-sims, count - 1)[:count]
        ordered = sorted(top.tolist(), key=lambda i: (-sims[i], i))
        return [(self._keys[i], round(float(sims[i]), 4)) for i in ordered if sims[i] >= 0.0]

    def _append(
        self,
        key: str,
        fp,
        smiles: str,
        scaffold: str,
        family_id: str,
        *,
        distinctive: bool,
        modular: str | None | Literal[False] = False,
    ) -> None:
        position = len(self._keys)
        self._keys.append(key)
        self._position[key] = position
        self._fps.append(fp)
        self._smiles.append(smiles)
        self._scaffolds.append(scaffold)
        self._distinctive.append(distinctive)
        if modular is False:  # not given (a reloaded or reclustered index): read it off the structure
            parsed = Chem.MolFromSmiles(smiles) if self.modular else None
            modular = modular_class(parsed) if parsed is not None else None
        self._modular.append(modular)
        if modular is not None:
            per_class = self._modular_families.setdefault(modular, {})
            per_class[family_id] = per_class.get(family_id, 0) + 1
        self._family_of.append(family_id)
        self._families[family_id].members.append(key)
        self._family_positions[family_id].append(position)
        if distinctive:
            per_family = self._scaffold_families.setdefault(scaffold, {})
            per_family[family_id] = per_family.get(family_id, 0) + 1

    # --- cores -----------------------------------------------------------------------------

    def core(self, family_id: str) -> str | None:
        """Family core SMARTS (MCS), cached and recomputed only when membership changed enough."""
        family = self._families[family_id]
        if family.core_is_stale():
            family.core_smarts = family_core(self._core_sample(family), timeout=self.mcs_timeout)
            family.core_member_count = len(family.members)
        return family.core_smarts

    def _core_sample(self, family: Family) -> list[Chem.Mol]:
        keys = sorted(family.members)
        if len(keys) > MCS_SAMPLE_SIZE:
            step = len(keys) / MCS_SAMPLE_SIZE
            keys = [keys[int(i * step)] for i in range(MCS_SAMPLE_SIZE)]
        return [Chem.MolFromSmiles(self._smiles[self._position[key]]) for key in keys]

    # --- persistence -----------------------------------------------------------------------

    def to_state(self, *, include_fingerprints: bool = True) -> dict[str, Any]:
        """Plain JSON-able data: per substance its family; per family its founder and core.

        Fingerprints are optional: without them :meth:`from_state` recomputes them from SMILES
        (about 0.1 ms each).
        """
        members = []
        for position, key in enumerate(self._keys):
            row = {
                "key": key,
                "family_id": self._family_of[position],
                "smiles": self._smiles[position],
                "scaffold": self._scaffolds[position],
                "distinctive_scaffold": self._distinctive[position],
            }
            if include_fingerprints:
                row["fingerprint"] = self._fps[position].ToBase64()
            members.append(row)
        return {
            "format": STATE_FORMAT,
            "threshold": self.threshold,
            "scaffold_threshold": self.scaffold_threshold,
            "min_shared": self.min_shared,
            "fingerprint": {"kind": "morgan", "radius": FINGERPRINT_RADIUS, "bits": FINGERPRINT_BITS},
            "families": [
                {
                    "family_id": family.family_id,
                    "founder": family.founder,
                    "core_smarts": family.core_smarts,
                    "core_member_count": family.core_member_count,
                }
                for family in self._families.values()
            ],
            "members": members,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FamilyIndex:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown family state format {state.get('format')!r}; expected {STATE_FORMAT!r}")
        fp_spec = state.get("fingerprint", {})
        same_fingerprint = fp_spec.get("radius") == FINGERPRINT_RADIUS and fp_spec.get("bits") == FINGERPRINT_BITS
        index = cls(
            threshold=state["threshold"],
            scaffold_threshold=state["scaffold_threshold"],
            min_shared=state.get("min_shared", DEFAULT_MIN_SHARED),
        )
        for row in state["families"]:
            index._families[row["family_id"]] = Family(
                family_id=row["family_id"],
                founder=row["founder"],
                core_smarts=row.get("core_smarts"),
                core_member_count=row.get("core_member_count", 0),
            )
            index._family_positions[row["family_id"]] = []
        for row in state["members"]:
            if same_fingerprint and row.get("fingerprint"):
                fp = DataStructs.ExplicitBitVect(FINGERPRINT_BITS)
                fp.FromBase64(row["fingerprint"])
            else:
                fp = fingerprint(Chem.MolFromSmiles(row["smiles"]))
            if row["family_id"] not in index._families:
                raise ValueError(f"member {row['key']!r} names unknown family {row['family_id']!r}")
            index._append(
                row["key"],
                fp,
                row["smiles"],
                row["scaffold"],
                row["family_id"],
                distinctive=row["distinctive_scaffold"],
            )
        return index


# --- full reclustering -------------------------------------------------------------------------


def _bit_matrix(fps: Sequence[DataStructs.ExplicitBitVect]) -> np.ndarray:
    """Fingerprints as a 0/1 float32 matrix (one row each); sums of up to 2^24 bits are exact."""
    nbits = fps[0].GetNumBits() if fps else 0
    matrix = np.zeros((len(fps), nbits), dtype=np.float32)
    for row, fp in enumerate(fps):
        matrix[row, list(fp.GetOnBits())] = 1.0
    return matrix


def _neighbour_counts(fps: Sequence[DataStructs.ExplicitBitVect], *, threshold: float, block: int = 2048) -> np.ndarray:
    """How many other fingerprints each one reaches at Tanimoto >= threshold.

    All-pairs intersections are one matrix product per block of rows (BLAS, on every core)
    instead of n bulk calls that each build a list of Python floats; the ratio is then taken in
    float64 exactly as RDKit does (intersection / (a + b - intersection)), so the counts, and
    therefore the clusters, are those of BulkTanimotoSimilarity.
    """
    n = len(fps)
    counts = np.zeros(n, dtype=np.int64)
    if n < 2:
        return counts
    bits = _bit_matrix(fps)
    on = bits.sum(axis=1).astype(np.float64)
    for start in range(0, n, block):
        stop = min(n, start + block)
        shared = (bits[start:stop] @ bits.T).astype(np.float64)
        union = on[start:stop, None] + on[None, :] - shared
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = np.where(union > 0, shared / union, 0.0)
        hits = sims >= threshold
        hits[np.arange(stop - start), np.arange(start, stop)] = False  # not its own neighbour
        counts[start:stop] = hits.sum(axis=1)
    return counts


def butina_clusters(
    fps: Sequence[DataStructs.ExplicitBitVect],
    *,
    threshold: float,
    accept: Callable[[int, int, float], bool] | None = None,
) -> list[list[int]]:
    """Butina (Taylor–Butina sphere exclusion) on Tanimoto ≥ ``threshold``; centroid first.

    Same clusters as ``rdkit.ML.Cluster.Butina.ClusterData`` with ``reordering=False`` (ties in
    neighbour count go to the higher index, as there), but in O(n) memory: RDKit's version
    wants the full lower-triangle distance list, 2·10⁸ Python floats for 20,000 substances. Here a
    first pass counts neighbours with one C-level bulk Tanimoto per row, and a second pass runs one
    bulk Tanimoto per centroid.

    ``accept(centroid, candidate, similarity)``, when given, may refuse a candidate within the
    threshold (it stays unclustered and may found or join a later cluster): this is how
    :func:`recluster` applies the membership rule of incremental placement (``min_shared``).
    """
    n = len(fps)
    fps = list(fps)
    counts = _neighbour_counts(fps, threshold=threshold)
    order = np.lexsort((-np.arange(n), -counts))  # most neighbours first, then highest index (as RDKit)
    cluster_of = np.full(n, -1, dtype=np.int64)
    clusters: list[list[int]] = []
    for centroid in order.tolist():
        if cluster_of[centroid] >= 0:
            continue
        if counts[centroid] == 0:
            members = np.array([centroid])
        else:
            sims = np.asarray(DataStructs.BulkTanimotoSimilarity(fps[centroid], fps))
            members = np.flatnonzero((sims >= threshold) & (cluster_of < 0))
            if accept is not None:
                members = np.array(
                    [m for m in members.tolist() if m == centroid or accept(centroid, m, float(sims[m]))],
                    dtype=np.int64,
                )
        cluster_of[members] = len(clusters)
        rest = sorted(int(m) for m in members if m != centroid)
        clusters.append([centroid, *rest])
    return clusters


def recluster(
    items: Iterable[tuple[str, Chem.Mol]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    scaffold_threshold: float = DEFAULT_SCAFFOLD_THRESHOLD,
    min_shared: float = DEFAULT_MIN_SHARED,
) -> FamilyIndex:
    """Rebuild every family from scratch with Butina; returns a fresh index to replace the live one.

    Each cluster's id derives from its centroid's key, so the same substances and threshold give
    the same ids whatever the input order. Members are stored centroid first. Synthetic
    cannabinoids are not clustered by similarity: each modular class (:func:`modular_class`) is
    one family, founded by its first key, as incremental placement groups them.

    A substance within the threshold of a centroid joins its cluster only if it shares a
    meaningful part with the centroid covering at least ``min_shared`` of its heavy atoms (or is
    closer than ``SURE_SIMILARITY``): the rule incremental placement applies to a newcomer and
    its nearest member, so that a recluster does not take in what placement keeps out.
    """
    keys: list[str] = []
    smiles: list[str] = []
    fps: list = []
    scaffolds: list[tuple[str, bool]] = []
    modular: list[str | None] = []
    seen: set[str] = set()
    for key, mol in items:
        if key in seen:
            continue
        seen.add(key)
        keys.append(key)
        smiles.append(Chem.MolToSmiles(mol))
        fps.append(fingerprint(mol))
        scaffolds.append(scaffold_of(mol))
        modular.append(modular_class(mol))
    # Order-independence: cluster in key order, so ties resolve the same way for any input order.
    order = sorted((i for i in range(len(keys)) if modular[i] is None), key=keys.__getitem__)
    clusters = [
        [order[i] for i in cluster]
        for cluster in butina_clusters(
            [fps[i] for i in order],
            threshold=threshold,
            accept=_shares_enough([smiles[i] for i in order], min_shared) if min_shared > 0.0 else None,
        )
    ]
    by_class: dict[str, list[int]] = {}
    for i in sorted(range(len(keys)), key=keys.__getitem__):
        name = modular[i]
        if name is not None:
            by_class.setdefault(name, []).append(i)
    clusters += [by_class[name] for name in sorted(by_class)]
    index = FamilyIndex(threshold=threshold, scaffold_threshold=scaffold_threshold, min_shared=min_shared)
    for positions in clusters:
        founder = keys[positions[0]]
        family_id = family_id_for(founder)
        index._families[family_id] = Family(family_id=family_id, founder=founder)
        index._family_positions[family_id] = []
        for p in positions:
            scaffold, distinctive = scaffolds[p]
            index._append(keys[p], fps[p], smiles[p], scaffold, family_id, distinctive=distinctive, modular=modular[p])
    return index


def _shares_enough(smiles: Sequence[str], min_shared: float) -> Callable[[int, int, float], bool]:
    """Butina's ``accept`` for :func:`recluster`: the membership rule of
    :meth:`FamilyIndex._similar_family`, the candidate in the newcomer's place."""
    parsed: dict[int, Chem.Mol | None] = {}

    def mol(position: int) -> Chem.Mol | None:
        if position not in parsed:
            parsed[position] = Chem.MolFromSmiles(smiles[position])
        return parsed[position]

    def accept(centroid: int, candidate: int, similarity: float) -> bool:
        if similarity >= SURE_SIMILARITY:
            return True
        newcomer, member = mol(candidate), mol(centroid)
        return newcomer is not None and member is not None and shared_fraction(newcomer, member) >= min_shared

    return accept


# --- names -------------------------------------------------------------------------------------

# Ring systems a reader knows by name, keyed by their canonical SMILES as cut out of a member.
_RING_SYSTEM_NAMES = {
    "c1ccccc1": "benzene",
    "c1ccc2[nH]ccc2c1": "indole",
    "c1ccc2ccccc2c1": "naphthalene",
    "c1ccc2[nH]ncc2c1": "indazole",
    "c1ccc2occc2c1": "benzofuran",
    "c1ccc2c(c1)OCO2": "1,3-benzodioxole",
    "C1CCNCC1": "piperidine",
    "C1CCNC1": "pyrrolidine",
    "C1CCCCC1": "cyclohexane",
    "c1ccsc1": "thiophene",
    "c1ccc2[nH]cnc2c1": "benzimidazole",
    "c1ccc2ncnc2c1": "benzimidazole",
    "c1ccc2ncccc2c1": "quinoline",
    "C1C2CC3CC1CC(C2)C3": "adamantane",
    "c1ccc2c(c1)CCC2": "indane",
    "C1CNCCN1": "piperazine",
    "c1ccc2c(c1)CCO2": "2,3-dihydrobenzofuran",
    "C1CC1": "cyclopropane",
    "c1ccncc1": "pyridine",
    "C1COCCN1": "morpholine",
}
_INDAZOLE_N1 = Chem.MolFromSmarts("c1nn([#6])c2ccccc12")
_INDOLE_N1 = Chem.MolFromSmarts("c1cn([#6])c2ccccc12")


@dataclass(frozen=True, slots=True)
class FamilyName:
    name: str
    source: str  # "modular class", "legal group", "scaffold class" or "no core"


def family_name(mols: Sequence[Chem.Mol], core_smarts: str | None, groups: Sequence[Iterable[str]] = ()) -> FamilyName:
    """A readable name: the synthetic-cannabinoid class most members share; else the legal group
    that captures most members (``groups``: per member, the titles of the group rules that
    capture it), if it captures at least half; else the core's ring systems."""
    if not mols:
        return FamilyName("empty family", "no core")
    classes = [modular_class(mol) for mol in mols]
    top = Counter(c for c in classes if c).most_common(1)
    if top and top[0][1] * 2 >= len(mols):
        name = top[0][0]
        members = [mol for mol, c in zip(mols, classes) if c == name]
        if all(mol.HasSubstructMatch(_INDAZOLE_N1) for mol in members):
            name = name.replace("indole/indazole", "indazole").replace("indoles/indazoles", "indazoles")
        elif all(mol.HasSubstructMatch(_INDOLE_N1) for mol in members):
            name = name.replace("indole/indazole", "indole").replace("indoles/indazoles", "indoles")
        return FamilyName(f"{name}, N1 tail", "modular class")
    counts = Counter(title for titles in groups for title in set(titles))
    if counts:
        title, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        if count * 2 >= len(mols):
            return FamilyName(title, "legal group")
    if core_smarts is None:
        return FamilyName("no shared core", "no core")
    rings = _core_ring_systems(mols[0], core_smarts)
    if not rings:
        return FamilyName("no shared core", "no core")
    return FamilyName(" + ".join(rings) + " core with linker", "scaffold class")


def _core_ring_systems(mol: Chem.Mol, core_smarts: str) -> list[str]:
    """Names (or SMILES) of the ring systems of ``mol`` that the core covers, in atom order."""
    query = Chem.MolFromSmarts(core_smarts)
    match = set(mol.GetSubstructMatch(query)) if query is not None else set()
    if not match:
        return []
    rings = [set(ring) for ring in mol.GetRingInfo().AtomRings() if set(ring) <= match]
    systems: list[set[int]] = []
    for ring in rings:
        joined = [s for s in systems if len(s & ring) >= 2]
        merged = set(ring).union(*joined)
        systems = [s for s in systems if s not in joined] + [merged]
    names = []
    for atoms in sorted(systems, key=min):
        smiles = Chem.MolFragmentToSmiles(mol, sorted(atoms), kekuleSmiles=False)
        fragment = _parse_ring_system(smiles)
        canonical = Chem.MolToSmiles(fragment) if fragment is not None else smiles
        names.append(_RING_SYSTEM_NAMES.get(canonical, canonical))
    return names


def _parse_ring_system(smiles: str) -> Chem.Mol | None:
    """A ring system cut out of a molecule: an aromatic N that lost its substituent gets its H."""
    with rdBase.BlockLogs():
        found = Chem.MolFromSmiles(smiles)
        if found is not None:
            return found
        for at in [i for i, ch in enumerate(smiles) if ch == "n"]:
            found = Chem.MolFromSmiles(smiles[:at] + "[nH]" + smiles[at + 1 :])
            if found is not None:
                return found
    return None
