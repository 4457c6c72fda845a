"""Real NPS series for the family and proposal tests.

Members named in ``CSV_MEMBERS`` are looked up *by name* in psychoactives.csv
(third-party "psymol" list from PsychonautWiki; its pharmacology column is never used here).
``WRITTEN_MEMBERS`` are analogues reported to the EU Early Warning System, drawn here from their
published structures.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from rdkit import Chem

# Chemical classes: series of one class may share a family (a pyrrolidinophenone *is* a cathinone),
# series of different classes must never.
CLASS_OF_SERIES = {
    "cathinones": "cathinones",
    "pyrrolidinophenones": "cathinones",
    "nbomes": "phenethylamines",
    "fentanyls": "fentanyls",
    "nitazenes": "nitazenes",
    "naphthoylindoles": "synthetic_cannabinoids",
    "adamantyl_carboxamides": "synthetic_cannabinoids",
}

# the repository's verbatim copy of shared/data/psychoactives.csv (see service/seed/README.md)
PSYCHOACTIVES_CSV = Path(__file__).resolve().parents[2] / "service" / "seed" / "psychoactives.csv"

CSV_MEMBERS: dict[str, list[str]] = {
    "cathinones": [
        "Mephedrone",
        "Methcathinone",
        "3-MMC",
        "Pentedrone",
        "Buphedrone",
        "Hexedrone",
        "N-Ethylhexedrone",
        "ETH-CAT",
    ],
    "pyrrolidinophenones": ["A-PVP", "A-PHP", "MDPV", "MDPHP"],
    "nbomes": [
        "25C-NBOMe",
        "25D-NBOMe",
        "25I-NBOMe",
        "25N-NBOMe",
        "25E-NBOMe",
        "25H-NBOMe",
        "25P-NBOMe",
        "25iP-NBOMe",
        "25B-NBOH",
        "25C-NBOH",
        "25I-NBOH",
        "25E-NBOH",
    ],
    "fentanyls": ["Fentanyl", "Acetylfentanyl"],
    "nitazenes": ["Etazene"],
    "naphthoylindoles": ["JWH-018", "JWH-073", "THJ-018", "THJ-2201"],
    # Not "APICA": in the CSV that name carries an aminoindane phosphonic acid (a glutamate-receptor
    # ligand that shares the acronym), not the synthetic cannabinoid N-(1-adamantyl)-1-pentylindole-
    # 3-carboxamide.
    "adamantyl_carboxamides": ["STS-135", "5F-AKB48"],
}

WRITTEN_MEMBERS: dict[str, dict[str, str]] = {
    "cathinones": {
        "4-CMC": "CNC(C)C(=O)c1ccc(Cl)cc1",
        "3-CMC": "CNC(C)C(=O)c1cccc(Cl)c1",
        "4-MEC": "CCNC(C)C(=O)c1ccc(C)cc1",
        "Flephedrone": "CNC(C)C(=O)c1ccc(F)cc1",
        "Brephedrone": "CNC(C)C(=O)c1ccc(Br)cc1",
        "3,4-DMMC": "CNC(C)C(=O)c1ccc(C)c(C)c1",
        "4-MPD": "CCCC(NC)C(=O)c1ccc(C)cc1",
    },
    "pyrrolidinophenones": {
        "alpha-PPP": "CC(N1CCCC1)C(=O)c1ccccc1",
        "alpha-PBP": "CCC(N1CCCC1)C(=O)c1ccccc1",
        "4F-alpha-PVP": "CCCC(N1CCCC1)C(=O)c1ccc(F)cc1",
        "PV8": "CCCCCC(N1CCCC1)C(=O)c1ccccc1",
    },
    "nbomes": {
        "25B-NBOMe": "COc1ccccc1CNCCc1cc(OC)c(Br)cc1OC",
        "25T2-NBOMe": "CCSc1cc(OC)c(CCNCc2ccccc2OC)cc1OC",
        "25B-NBF": "COc1cc(CCNCc2ccccc2F)c(OC)cc1Br",
    },
    "fentanyls": {
        "Butyrfentanyl": "CCCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "Valerylfentanyl": "CCCCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "Furanylfentanyl": "O=C(c1ccco1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "Acrylfentanyl": "C=CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "Cyclopropylfentanyl": "O=C(C1CC1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "4-Fluoroisobutyrfentanyl": "CC(C)C(=O)N(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1",
        "para-Fluorofentanyl": "CCC(=O)N(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1",
        "Methoxyacetylfentanyl": "COCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "Ocfentanil": "COCC(=O)N(c1ccccc1F)C1CCN(CCc2ccccc2)CC1",
        "Tetrahydrofuranylfentanyl": "O=C(C1CCCO1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    },
    "nitazenes": {
        "Isotonitazene": "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Metonitazene": "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Etonitazene": "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Protonitazene": "CCN(CC)CCn1c(Cc2ccc(OCCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Butonitazene": "CCN(CC)CCn1c(Cc2ccc(OCCCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Etonitazepyne": "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1",
        "N-Desethylisotonitazene": "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Flunitazene": "CCN(CC)CCn1c(Cc2ccc(F)cc2)nc2ccccc21",
        "Clonitazene": "CCN(CC)CCn1c(Cc2ccc(Cl)cc2)nc2cc([N+](=O)[O-])ccc21",
        "Metodesnitazene": "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2ccccc21",
    },
    "naphthoylindoles": {
        "JWH-122": "CCCCCn1cc(C(=O)c2ccc(C)c3ccccc23)c2ccccc21",
        "JWH-019": "CCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        "JWH-081": "CCCCCn1cc(C(=O)c2ccc(OC)c3ccccc23)c2ccccc21",
        "JWH-210": "CCCCCn1cc(C(=O)c2ccc(CC)c3ccccc23)c2ccccc21",
        "AM-2201": "FCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
        "MAM-2201": "Cc1ccc(C(=O)c2cn(CCCCCF)c3ccccc23)c2ccccc12",
        "JWH-007": "CCCCCn1c(C)c(C(=O)c2cccc3ccccc23)c2ccccc21",
    },
    "adamantyl_carboxamides": {
        "AKB48": "CCCCCn1nc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21",
        "5Cl-AKB48": "ClCCCCCn1nc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21",
    },
}


@lru_cache(maxsize=1)
def psychoactives() -> dict[str, str]:
    """Name → SMILES from the shared CSV."""
    with PSYCHOACTIVES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["name"]: row["smiles"] for row in csv.DictReader(handle)}


def series(name: str) -> dict[str, str]:
    """Member name → SMILES for one series, CSV members first."""
    table = psychoactives()
    members = {member: table[member] for member in CSV_MEMBERS.get(name, [])}
    members.update(WRITTEN_MEMBERS.get(name, {}))
    return members


def all_series() -> dict[str, dict[str, str]]:
    return {name: series(name) for name in CSV_MEMBERS}


def mol(smiles: str) -> Chem.Mol:
    parsed = Chem.MolFromSmiles(smiles)
    assert parsed is not None, smiles
    return parsed
