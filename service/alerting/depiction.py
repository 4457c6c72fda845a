"""PNG drawings of substances for alert e-mails and CAP ``<resource>``s.

chemistry/depict.py draws SVG for the web pages; mail clients show PNG far more reliably than
SVG, so alerts draw PNG with RDKit's Cairo backend. Drawn once per structure per process.
"""

from __future__ import annotations

import functools

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

WIDTH, HEIGHT = 300, 200


@functools.lru_cache(maxsize=1024)
def png_of_smiles(smiles: str) -> bytes | None:
    """The structure as a PNG, or None when the SMILES cannot be parsed."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    drawer = rdMolDraw2D.MolDraw2DCairo(WIDTH, HEIGHT)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()
