"""Reading a laboratory's file of detections (CSV or SDF) into report items, one per row.

Plain functions, no HTTP: ``POST /v1/reports:upload``, the web pages and ``varsel reports upload``
read files the same way. Each row becomes an item the batch route would accept (the fields of
``BatchItem``), or a problem saying why the row could not be read at all; validating the items is
the intake's job, row by row, exactly as for a batch.

Which column feeds which report field:

- by default a column named like a report field (``sample_type``, ``country``, ``sampled_on``,
  ...; case and spaces do not matter), with ``smiles``, ``inchi`` and ``molfile`` read as
  ``structure`` and ``name`` as ``substance_name``; in an SDF the structure is each record's
  Molfile and its title line is the ``substance_name`` unless a data field gives one;
- a ``mapping`` ({report field: column or SDF data field}) overrides that, and ``defaults``
  ({report field: value}) fills fields no column gives (a file from one laboratory, all sampled in
  one country);
- ``techniques`` may hold several, separated by ``;``, ``,`` or ``|``; ``quantity_value`` and
  ``quantity_unit`` make the ``quantity``;
- columns and SDF data fields that feed no report field are kept: they are appended to the
  report's ``context``, one ``name: value`` line each, so nothing a laboratory sent is lost.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from rdkit import Chem, RDLogger

from service.problems import Problem

FileFormat = Literal["csv", "sdf"]

# The fields a row may give (ReportCreate's, the quantity split in two, and an idempotency key).
REPORT_FIELDS = (
    "structure",
    "structure_format",
    "substance_name",
    "sample_type",
    "country",
    "region",
    "sampled_on",
    "techniques",
    "confidence",
    "quantity_value",
    "quantity_unit",
    "purity_percent",
    "context",
    "organisation",
    "idempotency_key",
)
_ALIASES = {"smiles": "structure", "inchi": "structure", "molfile": "structure", "name": "substance_name"}
_TECHNIQUE_SEPARATORS = re.compile(r"\s*[;,|]\s*")
SDF_TITLE = "_Name"  # RDKit's name for a record's title line, usable in a mapping
MAX_CONTEXT = 10_000  # ReportCreate.context's limit
_KEPT_HEADING = "Fields of the uploaded file that are not report fields:"


@dataclass(slots=True)
class UploadRow:
    """One row of a file: where it is (``line 3``, ``record 2``), and its report item or why it
    could not be read."""

    source: str
    item: dict[str, Any] = field(default_factory=dict)
    problem: Problem | None = None


def detect_format(filename: str | None, content_type: str | None = None) -> FileFormat:
    name = (filename or "").lower()
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if name.endswith((".sdf", ".sd", ".mol")) or media in ("chemical/x-mdl-sdfile", "chemical/x-mdl-molfile"):
        return "sdf"
    if name.endswith((".csv", ".txt")) or media in ("text/csv", "application/csv"):
        return "csv"
    raise Problem(
        422,
        "validation",
        f"cannot tell the file's format from its name {filename!r}: upload a .csv or .sdf file, "
        "or give format (csv or sdf)",
        errors=[{"in": "body", "pointer": "#/file", "field": "file", "detail": "a .csv or .sdf file"}],
    )


def check_mapping(mapping: dict[str, Any] | None, *, what: str = "mapping") -> dict[str, Any]:
    """The mapping (or defaults) with its report fields checked; a Problem names any unknown one."""
    mapping = dict(mapping or {})
    unknown = [name for name in mapping if name not in REPORT_FIELDS]
    if unknown:
        raise Problem(
            422,
            "validation",
            f"{what}: unknown report field(s) {', '.join(map(repr, unknown))}; known: {', '.join(REPORT_FIELDS)}",
            errors=[
                {
                    "in": "body",
                    "pointer": f"#/{what}/{name}",
                    "field": f"{what}.{name}",
                    "detail": f"not a report field; known: {', '.join(REPORT_FIELDS)}",
                }
                for name in unknown
            ],
        )
    if what == "mapping":
        bad = [name for name, column in mapping.items() if not isinstance(column, str) or not column.strip()]
        if bad:
            raise Problem(
                422,
                "validation",
                f"mapping: give each field a column name ({', '.join(bad)})",
                errors=[
                    {
                        "in": "body",
                        "pointer": f"#/mapping/{name}",
                        "field": f"mapping.{name}",
                        "detail": "a column or SDF data field name",
                    }
                    for name in bad
                ],
            )
    return mapping


def parse_upload(
    data: bytes, *, fmt: FileFormat, mapping: dict[str, str] | None = None, defaults: dict[str, Any] | None = None
) -> list[UploadRow]:
    """Every row of the file, in order. Raises Problem if the file as a whole cannot be read."""
    mapping, defaults = check_mapping(mapping), check_mapping(defaults, what="defaults")
    text = _decode(data)
    return (
        parse_sdf(text, mapping=mapping, defaults=defaults)
        if fmt == "sdf"
        else parse_csv(text, mapping=mapping, defaults=defaults)
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Problem(
            422,
            "validation",
            f"the file is not UTF-8 text (byte {error.start} cannot be read); save it as UTF-8 and upload it again",
            errors=[{"in": "body", "pointer": "#/file", "field": "file", "detail": "UTF-8 text"}],
        ) from None


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def parse_csv(text: str, *, mapping: dict[str, str], defaults: dict[str, Any]) -> list[UploadRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c for c in (reader.fieldnames or []) if c is not None]
    if not columns:
        raise Problem(
            422,
            "validation",
            "the CSV file has no header row naming its columns",
            errors=[{"in": "body", "pointer": "#/file", "field": "file", "detail": "a header row"}],
        )
    _check_columns_exist(mapping, columns)
    rows = []
    for number, record in enumerate(reader, 2):
        values = {name: (value or "").strip() for name, value in record.items() if name is not None}
        if not any(values.values()):
            continue  # an empty line (spreadsheets add them at the end)
        source = f"line {reader.line_num or number}"
        rows.append(_row(source, values, mapping=mapping, defaults=defaults))
    return rows


def parse_sdf(text: str, *, mapping: dict[str, str], defaults: dict[str, Any]) -> list[UploadRow]:
    """Records of an SD file: RDKit splits them and reads their data fields (as text, exactly)."""
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, sanitize=False, removeHs=False, strictParsing=False)
    rows = []
    seen_fields: set[str] = set()
    logger = RDLogger.logger()
    logger.setLevel(RDLogger.CRITICAL)  # a broken record is reported on its row, not on stderr
    try:
        for index in range(len(supplier)):
            source = f"record {index + 1}"
            record = supplier.GetItemText(index)
            mol = supplier[index]
            if mol is None:
                rows.append(
                    UploadRow(
                        source,
                        problem=Problem(
                            422,
                            "invalid-structure",
                            f"{source}: RDKit could not read this record's Molfile",
                            errors=[
                                {
                                    "in": "body",
                                    "pointer": "#/structure",
                                    "field": "structure",
                                    "detail": "not a readable Molfile (V2000 or V3000)",
                                }
                            ],
                        ),
                    )
                )
                continue
            values = {name: mol.GetProp(name).strip() for name in mol.GetPropNames()}
            seen_fields |= set(values)
            molfile = _molfile(record)
            values = {SDF_TITLE: mol.GetProp(SDF_TITLE).strip() if mol.HasProp(SDF_TITLE) else "", **values}
            rows.append(_row(source, values, mapping=mapping, defaults=defaults, molfile=molfile))
    finally:
        logger.setLevel(RDLogger.WARNING)
    if rows:
        _check_columns_exist({k: v for k, v in mapping.items() if v != SDF_TITLE}, sorted(seen_fields))
    return rows


def _molfile(record: str) -> str:
    """The record's Molfile exactly as sent: up to and including its ``M  END`` line."""
    lines = record.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if line.startswith("M  END")), len(lines) - 1)
    return "".join(lines[: end + 1])


def _check_columns_exist(mapping: dict[str, str], columns: list[str]) -> None:
    by_key = {_key(c) for c in columns}
    missing = {name: column for name, column in mapping.items() if _key(column) not in by_key}
    if missing:
        known = ", ".join(columns) or "none"
        raise Problem(
            422,
            "validation",
            f"mapping names columns the file does not have: "
            f"{', '.join(f'{k} <- {v!r}' for k, v in missing.items())}; the file has: {known}",
            errors=[
                {
                    "in": "body",
                    "pointer": f"#/mapping/{name}",
                    "field": f"mapping.{name}",
                    "detail": f"no column {column!r}; the file has: {known}",
                }
                for name, column in missing.items()
            ],
        )


def _row(
    source: str,
    values: dict[str, str],
    *,
    mapping: dict[str, str],
    defaults: dict[str, Any],
    molfile: str | None = None,
) -> UploadRow:
    by_key = {_key(name): name for name in values}
    taken: dict[str, str] = {}  # report field -> column it came from
    for name in values:
        report_field = _ALIASES.get(_key(name), _key(name))
        if report_field in REPORT_FIELDS and report_field not in mapping and report_field not in taken:
            taken[report_field] = name
    for report_field, column in mapping.items():
        if _key(column) in by_key:  # an SDF record may lack a data field others have
            taken[report_field] = by_key[_key(column)]
        else:
            taken.pop(report_field, None)
    fields: dict[str, Any] = {}
    for report_field, column in taken.items():
        if values[column]:
            fields[report_field] = values[column]
    if molfile is not None and "structure" not in mapping:
        fields["structure"] = molfile
        title_column = taken.get("substance_name")
        if title_column is None and values.get(SDF_TITLE):
            fields["substance_name"] = values[SDF_TITLE]
    used = set(taken.values()) | {SDF_TITLE}
    kept = {name: value for name, value in values.items() if name not in used and value}
    for report_field, value in defaults.items():
        fields.setdefault(report_field, value)
    return UploadRow(source, item=_item(fields, kept))


def _item(fields: dict[str, Any], kept: dict[str, str]) -> dict[str, Any]:
    item = dict(fields)
    techniques = item.get("techniques")
    if isinstance(techniques, str):
        item["techniques"] = [t for t in _TECHNIQUE_SEPARATORS.split(techniques) if t]
    value, unit = item.pop("quantity_value", None), item.pop("quantity_unit", None)
    if value is not None or unit is not None:
        item["quantity"] = {"value": value, "unit": unit}
    if kept:
        lines = "\n".join(f"{name}: {value}" for name, value in kept.items())
        context = "\n\n".join(part for part in (item.get("context"), f"{_KEPT_HEADING}\n{lines}") if part)
        if len(context) > MAX_CONTEXT:
            context = context[: MAX_CONTEXT - 1] + "…"
        item["context"] = context
    return item


# --- splitting a file into parts (the CLI sends a large file as several uploads) ---------------


@dataclass(slots=True)
class FilePart:
    """A piece of a file, itself a complete CSV (with the header) or SD file, and where its rows start."""

    content: bytes
    rows: int
    first_row: int  # 0-based position of its first row in the whole file
    sources: list[str]  # where each row is in the whole file: "line 7", "record 3"


def split_file(data: bytes, *, fmt: FileFormat, rows_per_part: int) -> list[FilePart]:
    text = _decode(data)
    return _split_sdf(text, rows_per_part) if fmt == "sdf" else _split_csv(text, rows_per_part)


def _split_csv(text: str, size: int) -> list[FilePart]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return []
    rows: list[tuple[str, list[str]]] = []
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append((f"line {reader.line_num}", record))
    parts = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(record for _, record in chunk)
        parts.append(FilePart(out.getvalue().encode(), len(chunk), start, [source for source, _ in chunk]))
    return parts


def _split_sdf(text: str, size: int) -> list[FilePart]:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, sanitize=False, removeHs=False, strictParsing=False)
    records = [supplier.GetItemText(i) for i in range(len(supplier))]
    parts = []
    for start in range(0, len(records), size):
        chunk = records[start : start + size]
        content = "".join(r if r.rstrip().endswith("$$$$") else r.rstrip("\n") + "\n$$$$\n" for r in chunk)
        parts.append(
            FilePart(content.encode(), len(chunk), start, [f"record {start + i + 1}" for i in range(len(chunk))])
        )
    return parts
