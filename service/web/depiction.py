"""A matched structure drawn with each part of the definition in its own colour, for the legend.

chemistry.depict highlights one set of atoms in one colour; the answer page needs a colour per
part (core, each substituent position), so that the legend can say which atoms matched what.
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem import rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = (
    (0.90, 0.62, 0.0),
    (0.34, 0.71, 0.91),
    (0.0, 0.62, 0.45),
    (0.80, 0.47, 0.65),
    (0.94, 0.89, 0.26),
    (0.0, 0.45, 0.70),
    (0.84, 0.37, 0.0),
)


def hex_colour(colour: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in colour)


def svg_of_parts(mol: Chem.Mol, parts: list[list[int]], *, width: int = 400, height: int = 300) -> str:
    """``parts[i]`` drawn in PALETTE[i]; an atom in several parts takes the first one's colour."""
    picture = Chem.Mol(mol)
    if not picture.GetNumConformers():
        rdDepictor.Compute2DCoords(picture)
    atom_colours: dict[int, tuple[float, float, float]] = {}
    for index, atoms in enumerate(parts):
        for atom in atoms:
            if 0 <= atom < picture.GetNumAtoms():
                atom_colours.setdefault(atom, PALETTE[index % len(PALETTE)])
    bond_colours = {}
    for bond in picture.GetBonds():
        begin, end = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        if begin in atom_colours and end in atom_colours and atom_colours[begin] == atom_colours[end]:
            bond_colours[bond.GetIdx()] = atom_colours[begin]
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    # rdkit-stubs type every property setter's value as the options object itself
    drawer.drawOptions().clearBackground = False  # type: ignore[assignment]
    rdMolDraw2D.PrepareAndDrawMolecule(
        drawer,
        picture,
        highlightAtoms=list(atom_colours),
        highlightAtomColors=atom_colours,
        highlightBonds=list(bond_colours),
        highlightBondColors=bond_colours,
    )
    drawer.FinishDrawing()
    return drawer.GetDrawingText()
