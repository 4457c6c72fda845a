"""Structure identity: parse, standardise to the parent, and name a substance.

A *substance* in Varsel is the standard InChIKey of its parent: the largest organic fragment,
cleaned up and neutralised, with its stereochemistry kept. A hydrochloride, its free base and an
InChI of either are therefore one substance; two enantiomers are two substances that share the
first (connectivity) block of their InChIKey.

Everything here is pure RDKit: no web, no database. Failures raise :class:`StructureError` with a
machine-readable ``code`` and RDKit's own reason, never a ``None`` that slips through.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from rdkit import Chem, rdBase
from rdkit.Chem import Descriptors, rdMolDescriptors
from rdkit.Chem.MolStandardize import rdMolStandardize

__all__ = [
    "Identity",
    "StructureError",
    "StructureFormat",
    "detect_format",
    "identify",
    "to_mol",
    "standardize_parent",
]

# Inputs larger than these are refused before RDKit sees them: a detection report describes one
# small molecule, and an unbounded Molfile or SMILES is a cheap way to tie up a worker.
MAX_STRUCTURE_CHARS = 100_000
MAX_HEAVY_ATOMS = 250


class StructureFormat(str, enum.Enum):
    smiles = "smiles"
    inchi = "inchi"
    molfile = "molfile"


class StructureError(ValueError):
    """A structure that cannot become a substance; ``code`` says which way it failed."""

    def __init__(self, code: str, message: str, *, fmt: StructureFormat | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fmt = fmt


@dataclass(frozen=True, slots=True)
class Identity:
    """What the registry stores about a standardised parent.

    ``mol`` is the parent as RDKit holds it; identities are cached and shared, so treat it as
    read-only (copy it with ``Chem.Mol(identity.mol)`` before changing anything).
    """

    inchikey: str
    inchi: str
    smiles: str
    formula: str
    monoisotopic_mass: float
    average_mass: float
    input_format: StructureFormat
    mol: Chem.Mol = field(compare=False, repr=False)

    @property
    def connectivity_key(self) -> str:
        """First InChIKey block: the skeleton shared by stereoisomers, used for grouping."""
        return self.inchikey.split("-", 1)[0]


# --- RDKit's reasons -------------------------------------------------------------------------
# RDKit reports why a parse failed only through its log. We route that log into Python logging
# once, and collect it per thread while a failed parse is repeated, so concurrent requests never
# see each other's messages.

_capture = threading.local()
_rdkit_logger = logging.getLogger("rdkit")


class _CaptureHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sink = getattr(_capture, "messages", None)
        if sink is not None:
            sink.append(record.getMessage())


rdBase.LogToPythonLogger()
_rdkit_logger.handlers[:] = [_CaptureHandler()]
_rdkit_logger.propagate = False
_rdkit_logger.setLevel(logging.WARNING)


@contextmanager
def collect_rdkit_messages() -> Iterator[list[str]]:
    messages: list[str] = []
    _capture.messages = messages
    try:
        yield messages
    finally:
        _capture.messages = None


def rdkit_reason(messages: list[str], fallback: str) -> str:
    lines = []
    for raw in messages:
        # RDKit prefixes each line with a [hh:mm:ss] stamp and repeats the SMILES with a caret.
        text = raw.split("] ", 1)[1] if raw.startswith("[") and "] " in raw else raw
        text = text.strip()
        if text.endswith(":") and len(text) < 10:
            continue  # a bare "ERROR:" header with nothing after it
        if text and not set(text) <= {"~", "^", " "} and text not in lines:
            lines.append(text)
    return "; ".join(lines[:3]) or fallback


# --- parsing ---------------------------------------------------------------------------------


def detect_format(text: str) -> StructureFormat:
    """Guess the notation: InChI by its prefix, Molfile by its END line, else SMILES."""
    stripped = text.strip()
    if stripped.startswith("InChI="):
        return StructureFormat.inchi
    if "M  END" in text or "V2000" in text or "V3000" in text:
        return StructureFormat.molfile
    return StructureFormat.smiles


# Bounds checked on the text, before RDKit sees it. RDKit's cost grows faster than linearly with
# the input (11,111 benzene fragments, under the character cap, took two minutes to parse and
# held the GIL all along), so the heavy-atom limit must bite before parsing, not after. The counts
# below never undercount a structure RDKit would accept: a SMILES heavy atom is an organic-subset
# symbol or a bracket atom other than hydrogen; a Molfile declares its atoms in its counts line;
# an InChI's formula layer lists them.
MAX_FRAGMENTS = 64
MAX_MOLFILE_ATOMS = 4 * MAX_HEAVY_ATOMS
MAX_RING_CLOSURES = 128  # ring-closure digits in a SMILES; each ring bond is written twice

_SMILES_BRACKET = re.compile(r"\[([^\]]*)\]")
_SMILES_ORGANIC = re.compile(r"Cl|Br|[BCNOSPFIbcnosp]")
_SMILES_RING_CLOSURE = re.compile(r"%\d\d|%\(\d+\)|\d")
_BRACKET_ELEMENT = re.compile(r"^\d*([A-Za-z][a-z]?)")
_INCHI_FORMULA_TERM = re.compile(r"([A-Z][a-z]?)(\d*)")
_MOLFILE_V3000_COUNTS = re.compile(r"^M  V30 COUNTS\s+(\d+)", re.MULTILINE)


def _too_large(what: str, count: int, limit: int, fmt: StructureFormat) -> StructureError:
    return StructureError("too_large", f"the structure has {what} {count}; at most {limit} are accepted", fmt=fmt)


def check_size_before_parsing(text: str, fmt: StructureFormat) -> None:
    """Refuse, from the text alone, a structure over the heavy-atom, fragment or ring limits.

    Raises StructureError(code="too_large"). Linear in the text and cheap next to parsing.
    """
    if fmt is StructureFormat.smiles:
        stripped = text.strip()
        brackets = _SMILES_BRACKET.findall(stripped)
        outside = _SMILES_BRACKET.sub("", stripped)
        heavy = len(_SMILES_ORGANIC.findall(outside))
        heavy += sum(1 for b in brackets if (m := _BRACKET_ELEMENT.match(b)) is None or m.group(1) != "H")
        fragments = outside.count(".") + 1
        closures = len(_SMILES_RING_CLOSURE.findall(outside))
    elif fmt is StructureFormat.inchi:
        formula = text.strip().split("/", 2)[1] if text.count("/") >= 1 else ""
        heavy = 0
        for part in formula.split("."):
            multiplier, body = re.fullmatch(r"(\d*)(.*)", part, re.S).group(1, 2)  # type: ignore[union-attr]  # always matches
            terms = sum(int(n or 1) for element, n in _INCHI_FORMULA_TERM.findall(body) if element != "H")
            heavy += terms * int(multiplier or 1)
        fragments = formula.count(".") + 1
        closures = 0
    else:
        lines = text.splitlines()
        v3000 = _MOLFILE_V3000_COUNTS.search(text)
        if v3000:
            heavy = int(v3000.group(1))
        else:
            counts = lines[3] if len(lines) > 3 else ""
            heavy = int(counts[:3]) if counts[:3].strip().isdigit() else 0
        fragments = closures = 0
        # the counts line includes explicit hydrogens: allow for them here, the exact heavy-atom
        # limit bites after parsing
        if heavy > MAX_MOLFILE_ATOMS:
            raise _too_large("this many atoms (hydrogens included):", heavy, MAX_MOLFILE_ATOMS, fmt)
        return
    if heavy > MAX_HEAVY_ATOMS:
        raise _too_large("at least this many heavy atoms:", heavy, MAX_HEAVY_ATOMS, fmt)
    if fragments > MAX_FRAGMENTS:
        raise _too_large("this many fragments:", fragments, MAX_FRAGMENTS, fmt)
    if closures > MAX_RING_CLOSURES:
        raise _too_large("this many ring-closure digits:", closures, MAX_RING_CLOSURES, fmt)


def _parse(text: str, fmt: StructureFormat) -> Chem.Mol | None:
    if fmt is StructureFormat.smiles:
        return Chem.MolFromSmiles(text.strip())
    if fmt is StructureFormat.inchi:
        return Chem.MolFromInchi(text.strip(), sanitize=True, removeHs=True)
    return Chem.MolFromMolBlock(text, sanitize=True, removeHs=True)


def to_mol(text: str, *, fmt: StructureFormat | str | None = None) -> tuple[Chem.Mol, StructureFormat]:
    """Parse SMILES, InChI or Molfile (V2000/V3000) into a sanitised RDKit molecule.

    Raises StructureError(code="empty" | "too_large" | "unparseable").
    """
    if text is None or not text.strip():
        raise StructureError("empty", "the structure is empty")
    if len(text) > MAX_STRUCTURE_CHARS:
        raise StructureError(
            "too_large", f"the structure has {len(text)} characters; at most {MAX_STRUCTURE_CHARS} are accepted"
        )
    if "\x00" in text:
        # RDKit's C++ parsers stop at a NUL and would read "CCO\x00junk" as ethanol
        raise StructureError("unparseable", "the structure contains a NUL character (\\u0000)")
    fmt = StructureFormat(fmt) if fmt is not None else detect_format(text)
    if fmt is StructureFormat.smiles and any(ch.isspace() for ch in text.strip()):
        # A SMILES ends at the first blank; what follows would be silently taken as a title.
        raise StructureError("unparseable", "a SMILES string cannot contain whitespace", fmt=fmt)
    check_size_before_parsing(text, fmt)
    with rdBase.BlockLogs():
        mol = _parse(text, fmt)
    if mol is None:
        # Parse again with the log captured: failures are rare, so the happy path stays quiet.
        with collect_rdkit_messages() as messages:
            _parse(text, fmt)
        raise StructureError("unparseable", rdkit_reason(messages, f"RDKit could not read this {fmt.value}"), fmt=fmt)
    if mol.GetNumAtoms() == 0:
        raise StructureError("empty", f"the {fmt.value} describes no atoms", fmt=fmt)
    if mol.GetNumHeavyAtoms() > MAX_HEAVY_ATOMS:
        raise StructureError(
            "too_large",
            f"the structure has {mol.GetNumHeavyAtoms()} heavy atoms; at most {MAX_HEAVY_ATOMS} are accepted",
            fmt=fmt,
        )
    return mol, fmt


# --- standardisation -------------------------------------------------------------------------
# Built once: these objects hold compiled transforms. rdMolStandardize.Cleanup() builds its
# Normalizer and Reionizer anew on every call, which doubled the cost of standardisation; the
# same steps, in the same order, from prebuilt objects give the same parent.
_metal_disconnector = rdMolStandardize.MetalDisconnector()
_normalizer = rdMolStandardize.Normalizer()
_reionizer = rdMolStandardize.Reionizer()
_fragment_chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
_uncharger = rdMolStandardize.Uncharger(canonicalOrder=True)


def _is_organic(mol: Chem.Mol) -> bool:
    return any(atom.GetAtomicNum() == 6 for atom in mol.GetAtoms())


# Non-metals: a molecule of these alone, with no carbon, is still a substance a law can name
# (nitrous oxide: UK Class C since 8 November 2023; NpSG Anlage 2 "Distickstoffmonoxid").
_NON_METALS = frozenset({1, 2, 5, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54})


def _is_inorganic_molecule(parent: Chem.Mol, whole: Chem.Mol) -> bool:
    """A parent of at least two non-metal atoms (N2O) from an input without any metal: not a salt,
    a lone ion or atom, or water."""
    return parent.GetNumHeavyAtoms() >= 2 and all(atom.GetAtomicNum() in _NON_METALS for atom in whole.GetAtoms())


def standardize_parent(mol: Chem.Mol) -> Chem.Mol:
    """Cleanup, keep the largest organic fragment, neutralise; stereochemistry is kept.

    A structure without carbon is accepted only as a molecule of two or more non-metal atoms from an
    input without metals (nitrous oxide, which laws name); otherwise (salts, metals, lone atoms or
    ions, water) StructureError(code="not_organic").
    """
    with rdBase.BlockLogs():
        cleaned = Chem.RemoveHs(mol)
        _metal_disconnector.DisconnectInPlace(cleaned)
        _normalizer.normalizeInPlace(cleaned)
        _reionizer.reionizeInPlace(cleaned)
        parent = _fragment_chooser.choose(cleaned)
        if not _is_organic(parent) and not _is_inorganic_molecule(parent, cleaned):
            raise StructureError(
                "not_organic",
                "the structure has no organic fragment (no carbon atom) and is not a molecule of non-metals",
            )
        parent = _uncharger.uncharge(parent)
        Chem.AssignStereochemistry(parent, cleanIt=True, force=True)
    return parent


# An entry holds the parent Mol: about 25 KB of RDKit memory for an NPS-sized molecule (measured:
# 2,000 distinct analogues, +49 MB RSS). 8,192 entries let every process grow by some 200 MB
# under a stream of new substances (bench/soak.py); 1,024 bound it at ~25 MB and still hold every
# substance of the reference list and the demo's repeat reports.
IDENTITY_CACHE_SIZE = 1024


def identify(text: str, *, fmt: StructureFormat | str | None = None) -> Identity:
    """Parse, standardise and name one structure as the registry identifies it.

    Laboratories report the same few substances over and over, written the same way by the same
    instrument software; the answer for an input string is cached (failures are not).
    """
    return _identify_cached(text, StructureFormat(fmt) if fmt is not None else None)


@functools.lru_cache(maxsize=IDENTITY_CACHE_SIZE)
def _identify_cached(text: str, fmt: StructureFormat | None) -> Identity:
    mol, fmt = to_mol(text, fmt=fmt)
    parent = standardize_parent(mol)
    with rdBase.BlockLogs():
        inchi = Chem.MolToInchi(parent)
    if not inchi:
        raise StructureError("unparseable", "no standard InChI could be computed for the parent", fmt=fmt)
    return Identity(
        inchikey=Chem.InchiToInchiKey(inchi),
        inchi=inchi,
        smiles=Chem.MolToSmiles(parent),
        formula=rdMolDescriptors.CalcMolFormula(parent),
        monoisotopic_mass=round(Descriptors.ExactMolWt(parent), 5),  # type: ignore[attr-defined]  # not in RDKit's stub
        average_mass=round(Descriptors.MolWt(parent), 3),  # type: ignore[attr-defined]
        input_format=fmt,
        mol=parent,
    )
