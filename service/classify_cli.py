"""`varsel classify FILE`: classify every structure of a .smi, .csv or .sdf file.

Records are read lazily and classified in a pool of worker processes, each of which compiles the
rulebook once (the pool's initializer); results come back in input order and are written as CSV
or JSON while the run goes on. A record that cannot be read becomes a row with an ``error``
(RDKit's reason), never the end of the run. The progress bar and the summary go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tqdm import tqdm

if TYPE_CHECKING:
    from chemistry.classify import NearMiss

FORMATS = ("csv", "json")
CHUNK = 256  # records per task sent to a worker: enough to hide the IPC, small enough to balance


# --- reading ---------------------------------------------------------------------------------


class InputError(ValueError):
    pass


def _smi_records(path: Path) -> Iterator[tuple[str, str, str | None]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            structure, _, name = text.partition(" ") if " " in text else text.partition("\t")
            yield f"line {number}", structure, name.strip() or None


def _csv_records(path: Path) -> Iterator[tuple[str, str, str | None]]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        smiles = columns.get("smiles")
        if smiles is None:
            raise InputError(f"{path.name}: no 'smiles' column (columns: {', '.join(reader.fieldnames or [])})")
        name = columns.get("name")
        for number, row in enumerate(reader, 2):
            label = (row.get(name) or "").strip() if name else ""
            yield f"line {number}", (row.get(smiles) or "").strip(), label or None


def _sdf_records(path: Path) -> Iterator[tuple[str, str, str | None]]:
    """Molfile blocks split on '$$$$', so a broken record is reported with RDKit's reason, not skipped."""
    block: list[str] = []
    number = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("$$$$"):
                number += 1
                yield from _sdf_block(number, block)
                block = []
            else:
                block.append(line)
    if any(line.strip() for line in block):
        yield from _sdf_block(number + 1, block)


def _sdf_block(number: int, lines: list[str]) -> Iterator[tuple[str, str, str | None]]:
    end = next((i for i, line in enumerate(lines) if line.startswith("M  END")), len(lines) - 1)
    molfile = "".join(lines[: end + 1])
    title = lines[0].strip() if lines else ""
    yield f"record {number}", molfile, title or None


READERS = {".smi": _smi_records, ".smiles": _smi_records, ".csv": _csv_records, ".sdf": _sdf_records}


def read_records(path: Path) -> Iterator[tuple[str, str, str | None]]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path.name}: unknown input type; give a .smi, .csv or .sdf file")
    return reader(path)


def count_records(path: Path) -> int:
    with path.open(encoding="utf-8", errors="replace") as handle:
        if path.suffix.lower() == ".sdf":
            return sum(1 for line in handle if line.startswith("$$$$"))
        lines = sum(1 for line in handle if line.strip() and not line.startswith("#"))
        return lines - 1 if path.suffix.lower() == ".csv" else lines


# --- classifying (in the workers) ------------------------------------------------------------

_worker: dict[str, Any] = {}


def init_worker(
    jurisdictions: list[str] | None,
    as_of: dt.date,
    extra_rules: list[dict],
    near_misses: bool = True,
    incidental_near_misses: bool = False,
) -> None:
    """Compile the rulebook once per process: the shipped rules and the active drafts, as the
    API compiles them (service.classification.live): drafts in rule-id order, searched with the
    per-molecule deadline."""
    from chemistry.classify import Classifier
    from chemistry.rulebook import Rule, Rulebook, load_jurisdictions, load_rulebook

    shipped = load_rulebook()
    drafts = sorted((Rule.model_validate(body) for body in extra_rules), key=lambda rule: rule.id)
    sources = {**shipped.sources, **{rule.id: "draft" for rule in drafts}}
    classifier = Classifier(
        Rulebook(rules=shipped.rules + tuple(drafts), sources=sources), guarded_rules=[rule.id for rule in drafts]
    )
    partial = {code for code, info in load_jurisdictions().items() if not info.named_lists_encoded}
    _worker.update(
        classifier=classifier,
        jurisdictions=jurisdictions or list(classifier.rulebook.jurisdictions),
        as_of=as_of,
        near_misses=near_misses,
        incidental_near_misses=incidental_near_misses,
        partial=partial,
    )


def _status(code: str, status: str) -> str:
    """As the API answers: 'not captured' where a jurisdiction's named schedules are not encoded
    (service.classification.service.to_response) is 'undetermined'."""
    return "undetermined" if status == "not_controlled" and code in _worker.get("partial", ()) else status


def classify_record(record: tuple[str, str, str | None]) -> dict[str, Any]:
    from chemistry.identity import StructureError, identify

    where, structure, name = record
    row: dict[str, Any] = {
        "record": where,
        "name": name,
        "input": structure if "\n" not in structure else None,
        "inchikey": None,
        "smiles": None,
        "error": None,
        "results": {},
    }
    try:
        identity = identify(structure)
        result = _worker["classifier"].classify(
            identity, jurisdictions=_worker["jurisdictions"], as_of=_worker["as_of"]
        )
    except StructureError as error:
        row["error"] = error.message
        return row
    except Exception as error:  # noqa: BLE001 - one odd record must not end a run of a million
        row["error"] = f"{type(error).__name__}: {error}"
        return row
    row["inchikey"], row["smiles"] = result.inchikey, result.smiles
    row["results"] = {
        code: {"status": _status(code, found.status), "rules": sorted({m.rule_id for m in found.matches})}
        for code, found in result.results.items()
    }
    if _worker["near_misses"]:  # JSON only: writing a near miss's texts costs more than finding it
        for code, found in result.results.items():
            row["results"][code].update(near_miss_rows(found.near_misses, _worker["incidental_near_misses"]))
    return row


def near_miss_rows(near_misses: Sequence[NearMiss], incidental: bool) -> dict[str, Any]:
    """As POST /v1/classify answers them (service.classification.service.near_miss_reads): the one-
    sentence summary, the failing requirements counted, the full reason; a near miss whose matched
    core is incidental (a fragment of a different compound) is left out and counted in
    near_misses_left_out unless --incidental-near-misses asks for it (then it is flagged)."""
    shown = [n for n in near_misses if incidental or not n.incidental]
    return {
        "near_misses": [
            {
                "rule_id": n.rule_id,
                "summary": n.summary,
                "failures": n.failures,
                "incidental": n.incidental,
                "reason": n.reason,
            }
            for n in shown
        ],
        "near_misses_left_out": len(near_misses) - len(shown),
    }


# --- writing ---------------------------------------------------------------------------------


class CsvWriter:
    def __init__(self, out: IO[str], jurisdictions: list[str]):
        self.jurisdictions = jurisdictions
        self.writer = csv.writer(out)
        self.writer.writerow(
            ["record", "name", "input", "inchikey", "smiles", "error"]
            + [f"{j}_{what}" for j in jurisdictions for what in ("status", "rules")]
        )

    def write(self, row: dict[str, Any]) -> None:
        cells = [
            row["record"],
            row["name"] or "",
            row["input"] or "",
            row["inchikey"] or "",
            row["smiles"] or "",
            row["error"] or "",
        ]
        for code in self.jurisdictions:
            found = row["results"].get(code)
            cells += [found["status"], ";".join(found["rules"])] if found else ["", ""]
        self.writer.writerow(cells)

    def close(self) -> None:
        pass


class JsonWriter:
    """A JSON array, written one element at a time."""

    def __init__(self, out: IO[str], jurisdictions: list[str]):
        self.out = out
        self.first = True
        out.write("[")

    def write(self, row: dict[str, Any]) -> None:
        self.out.write(("\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n")


# --- the command -----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, help=".smi (SMILES [name]), .csv (a 'smiles' column; 'name' if present) or .sdf"
    )
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from --output's suffix, else csv)")
    parser.add_argument("--output", "-o", type=Path, help="write here instead of stdout")
    parser.add_argument("--jurisdictions", help="comma-separated, e.g. DK,DE (default: all)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="apply the law of this date (default: today, UTC)")
    parser.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--database-url",
        help="the database whose active drafts join the shipped rules, as in the API (default: VARSEL_DATABASE_URL)",
    )
    parser.add_argument(
        "--shipped-only",
        action="store_true",
        help="the shipped rule files alone: no database, no drafts (answers may differ from the API's)",
    )
    parser.add_argument(
        "--with-drafts", action="store_true", help=argparse.SUPPRESS
    )  # the default now; kept for scripts
    parser.add_argument(
        "--incidental-near-misses",
        action="store_true",
        help="JSON: also list the near misses whose matched core is only a fragment of a different compound "
        "(flagged 'incidental'); by default they are left out and counted in near_misses_left_out, as the API does",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


class RulebookError(RuntimeError):
    pass


def live_draft_rules(database_url: str) -> tuple[list[dict], str]:
    """The bodies of the drafts active in the database, and the live rulebook's version as the
    API reports it (``rulebook_version``). Raises RulebookError when the database cannot be read:
    classifying without its drafts would answer differently from the API."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session, select

    from service.classification.live import compile_rulebook
    from service.classification.models import ClassificationDraft, DraftStatus
    from service.db import make_engine, normalise_url

    url = make_url(normalise_url(database_url))
    shown = url.render_as_string(hide_password=True)
    if (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).is_file()
    ):
        raise RulebookError(f"no database at {shown} (run 'varsel migrate', give --database-url, or --shipped-only)")
    engine = make_engine(database_url, pool_size=1)
    try:
        with Session(engine) as session:
            drafts = list(
                session.exec(
                    select(ClassificationDraft)
                    .where(ClassificationDraft.status == DraftStatus.active.value)
                    .order_by(ClassificationDraft.id)
                ).all()
            )
    except SQLAlchemyError as error:
        raise RulebookError(
            f"cannot read the active drafts from {shown}: {type(error).__name__} "
            "(is it migrated? give --database-url, or --shipped-only)"
        ) from None
    finally:
        engine.dispose()
    key = tuple((d.id, d.content_hash) for d in drafts)
    return [d.body for d in drafts], compile_rulebook(key, drafts).version


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"error: no such file {path}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    fmt = args.format or ("json" if args.output and args.output.suffix.lower() == ".json" else "csv")
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    extra: list[dict] = []
    if not args.shipped_only:
        from service.settings import get_settings

        try:
            extra, version = live_draft_rules(args.database_url or get_settings().database_url)
        except RulebookError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if not args.quiet:
            print(f"rulebook {version[:12]}: the shipped rules and {len(extra)} active draft(s)", file=sys.stderr)

    from chemistry.rulebook import load_rulebook  # validates the shipped rules before any worker starts

    known = sorted({r.jurisdiction for r in load_rulebook().rules} | {r["jurisdiction"] for r in extra})
    jurisdictions = (
        [j.strip().upper() for j in args.jurisdictions.split(",") if j.strip()] if args.jurisdictions else known
    )
    unknown = [j for j in jurisdictions if j not in known]
    if unknown:
        print(f"error: no rules for {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        records = read_records(path)
        total = count_records(path)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    out = args.output.open("w", encoding="utf-8", newline="") if args.output else sys.stdout
    writer = (JsonWriter if fmt == "json" else CsvWriter)(out, jurisdictions)
    started = time.perf_counter()
    done = failed = 0
    pool = None
    if args.jobs == 1:
        init_worker(jurisdictions, as_of, extra, fmt == "json", args.incidental_near_misses)
        results: Iterator[dict[str, Any]] = map(classify_record, records)
    else:
        # before the progress bar: tqdm's monitor thread must not be running when the pool forks
        pool = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn").Pool(
            args.jobs,
            initializer=init_worker,
            initargs=(jurisdictions, as_of, extra, fmt == "json", args.incidental_near_misses),
        )
        results = pool.imap(classify_record, records, chunksize=CHUNK)
    progress = tqdm(total=total, unit="mol", file=sys.stderr, disable=args.quiet, mininterval=0.5, dynamic_ncols=True)
    try:
        for row in results:
            writer.write(row)
            done += 1
            failed += row["error"] is not None
            progress.update()
        writer.close()
        if pool is not None:
            pool.close()
            pool.join()
    except InputError as error:  # a CSV without a smiles column surfaces when the first row is read
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        progress.close()
        if pool is not None:
            pool.terminate()
        if args.output:
            out.close()
    seconds = time.perf_counter() - started
    print(
        f"classified {done} record(s), {failed} could not be read, in {seconds:.2f} s "
        f"({done / seconds if seconds else 0:.0f}/s, {args.jobs} job(s))",
        file=sys.stderr,
    )
    return 0
