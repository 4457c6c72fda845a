"""Audit the register against an open list of approved drugs (chemistry/data/README.md, "Audit").

    python chemistry/data/audit_approved_medicines.py LIST.csv SMILES_COLUMN NAME_COLUMN [FILTER_COLUMN=VALUE]

Every row of LIST (a CSV, or TSV when the name ends in .tsv) is standardised to Varsel's parent and
classified for DE today; the script prints the rows that an NpSG rule captures without being set
aside (the "hits": an approved drug answered controlled by the NpSG), then a count of rows read,
rows refused by the standardisation, distinct parents and parents whose NpSG match is set aside.
The lists audited on 2026-12-06 are not in the repository (their licences are not those of the
register); the README names each one, its source and its licence, and
tests/chemistry/test_medicines_audit.py keeps the hits found and what was decided for each.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from chemistry.classify import Classifier  # noqa: E402
from chemistry.identity import StructureError, identify  # noqa: E402
from chemistry.rulebook import load_rulebook  # noqa: E402


def audit(path: Path, smiles_column: str, name_column: str, keep: tuple[str, str] | None = None) -> list[tuple]:
    classifier = Classifier(load_rulebook())
    delimiter = "\t" if path.suffix == ".tsv" else ","
    read = refused = set_aside = 0
    seen: set[str] = set()
    hits = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=delimiter):
            if keep is not None and row.get(keep[0]) != keep[1]:
                continue
            read += 1
            try:
                found = identify(row[smiles_column], fmt="smiles")
            except StructureError:
                refused += 1
                continue
            if found.inchikey in seen:
                continue
            seen.add(found.inchikey)
            result = classifier.classify(found.smiles, jurisdictions=["DE"]).results["DE"]
            npsg = [m.rule_id for m in result.matches if m.rule_id.startswith("de-npsg-")]
            if npsg:
                hits.append((row[name_column], found.inchikey, str(result.status), ",".join(npsg), found.smiles))
            elif any(s.match.rule_id.startswith("de-npsg-") for s in result.set_aside):
                set_aside += 1
    print(
        f"{path.name}: {read} rows, {refused} refused, {len(seen)} parents, {set_aside} with an NpSG match set aside, {len(hits)} hits"
    )
    for hit in hits:
        print(*hit, sep="\t")
    return hits


if __name__ == "__main__":
    condition = tuple(sys.argv[4].split("=", 1)) if len(sys.argv) > 4 else None
    audit(Path(sys.argv[1]), sys.argv[2], sys.argv[3], condition)  # type: ignore[arg-type]
