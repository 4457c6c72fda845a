"""Pictures of molecules: SVG of molecules and rule cores with the matched atoms highlighted (the
web pages), and PNG of a structure (alert e-mails and CAP ``<resource>``s, since mail clients
show PNG far more reliably than SVG).

Pure RDKit (rdMolDraw2D, its Cairo backend for PNG); the service decides how to serve them.
"""

from __future__ import annotations

import functools
from typing import Iterable

from rdkit import Chem
from rdkit.Chem import rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D

from chemistry.rulebook import parse_smarts

__all__ = ["PNG_HEIGHT", "PNG_WIDTH", "png_of_smiles", "svg_of_smarts", "svg_with_highlight"]

PNG_WIDTH, PNG_HEIGHT = 300, 200


def _draw(mol: Chem.Mol, *, width: int, height: int, atoms=(), bonds=(), prepare: bool = True) -> str:
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    options = drawer.drawOptions()
    options.addAtomIndices = False  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    options.clearBackground = False  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    if prepare:
        rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol, highlightAtoms=list(atoms), highlightBonds=list(bonds))
    else:
        drawer.DrawMolecule(mol, highlightAtoms=list(atoms), highlightBonds=list(bonds))
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def svg_with_highlight(
    mol: Chem.Mol,
    atoms: Iterable[int],
    bonds: Iterable[int] | None = None,
    *,
    width: int = 400,
    height: int = 300,
) -> str:
    """An SVG of ``mol`` with ``atoms`` highlighted.

    When ``bonds`` is None, every bond between two highlighted atoms is highlighted too, which is
    what a core match (``CoreExplanation.atoms``) needs.
    """
    atom_list = sorted(set(atoms))
    n_atoms = mol.GetNumAtoms()
    outside = [i for i in atom_list if not 0 <= i < n_atoms]
    if outside:
        raise ValueError(f"atom indices {outside} are outside the molecule (0..{n_atoms - 1})")
    if bonds is None:
        chosen = set(atom_list)
        bond_list = [
            b.GetIdx() for b in mol.GetBonds() if b.GetBeginAtomIdx() in chosen and b.GetEndAtomIdx() in chosen
        ]
    else:
        bond_list = sorted(set(bonds))
    picture = Chem.Mol(mol)
    if not picture.GetNumConformers():
        rdDepictor.Compute2DCoords(picture)
    return _draw(picture, width=width, height=height, atoms=atom_list, bonds=bond_list)


def svg_of_smarts(smarts: str, *, width: int = 400, height: int = 300) -> str:
    """An SVG of a core SMARTS (query atoms drawn with their map numbers as position labels)."""
    query = parse_smarts(smarts)
    query.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(query)
    rdDepictor.Compute2DCoords(query)
    return _draw(query, width=width, height=height, prepare=False)


@functools.lru_cache(maxsize=1024)
def png_of_smiles(smiles: str) -> bytes | None:
    """The structure as a PNG of PNG_WIDTH x PNG_HEIGHT pixels, or None when the SMILES cannot be
    parsed. Drawn once per structure per process (an alert goes to many subscribers)."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    drawer = rdMolDraw2D.MolDraw2DCairo(PNG_WIDTH, PNG_HEIGHT)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    png: bytes = drawer.GetDrawingText()
    return png
