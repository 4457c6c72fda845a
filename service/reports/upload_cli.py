"""`varsel reports upload FILE`: send a laboratory's CSV or SD file to a running Varsel.

It talks to the API over HTTP, as the laboratory it is: its key (role reporter) comes from the
environment (``VARSEL_API_KEY``, never the command line, where other users could read it), the
server from ``--url`` or ``VARSEL_API_URL``. A lab has a key and a URL, not the database, so this
is what a user expects; and the server does the checking, idempotency and alerts exactly as for
any other upload.

The file is sent in parts of ``--rows`` rows (each a complete CSV or SD file), so a file of any
size fits the server's body and batch limits and the progress bar moves as parts are answered.
Sending a file again is safe: each row is keyed by its content and replays instead of being stored
twice. stdout: one JSON line per row (``row``, ``status``, ``report_id`` or ``problem``); stderr:
the progress bar and a summary. Exit status 0 when every row was stored or replayed, 1 when a row
was rejected, 2 when the upload could not be made.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from service import __version__
from service.problems import Problem
from service.reports.upload import REPORT_FIELDS, detect_format, split_file

KEY_VARIABLE = "VARSEL_API_KEY"
URL_VARIABLE = "VARSEL_API_URL"
DEFAULT_ROWS_PER_PART = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a .csv (header row) or .sdf file, UTF-8")
    parser.add_argument("--url", help=f"the API's base URL (default ${URL_VARIABLE}, else http://127.0.0.1:8000)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read report FIELD from COLUMN (or SDF data field); repeat. Fields: " + ", ".join(REPORT_FIELDS),
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="FIELD's value where no column gives one, e.g. country=DK; repeat (techniques: several separated by ';')",
    )
    parser.add_argument("--format", choices=["csv", "sdf"], help="default: from the file name")
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS_PER_PART,
        metavar="N",
        help=f"rows per request (default {DEFAULT_ROWS_PER_PART}; at most the server's batch limit)",
    )


def _pairs(values: list[str], option: str) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} {value!r}: give FIELD=VALUE")
        pairs[name.strip()] = text.strip()
    return pairs


def run(args: argparse.Namespace) -> int:
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        print(f"error: set {KEY_VARIABLE} to a reporter's API key", file=sys.stderr)
        return 2
    if args.rows < 1:
        print("error: --rows must be at least 1", file=sys.stderr)
        return 2
    try:
        mapping = _pairs(args.map, "--map")
        defaults = _pairs(args.set, "--set")
        if isinstance(defaults.get("techniques"), str):
            defaults["techniques"] = [t.strip() for t in defaults["techniques"].split(";") if t.strip()]
        data = args.file.read_bytes()
        fmt = args.format or detect_format(args.file.name)
        parts = split_file(data, fmt=fmt, rows_per_part=args.rows)
    except OSError as error:
        print(f"error: {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except (ValueError, Problem) as error:
        print(f"error: {getattr(error, 'detail', error)}", file=sys.stderr)
        return 2
    if not parts:
        print(f"error: {args.file.name} holds no rows", file=sys.stderr)
        return 2
    url = (args.url or os.environ.get(URL_VARIABLE) or "http://127.0.0.1:8000").rstrip("/")
    form = {
        "format": fmt,
        **({"mapping": json.dumps(mapping)} if mapping else {}),
        **({"defaults": json.dumps(defaults)} if defaults else {}),
    }
    totals = {"stored": 0, "replayed": 0, "rejected": 0}
    upload_id = uuid.uuid4().hex[:12]
    headers = {"Authorization": f"Bearer {key}", "User-Agent": f"varsel-cli/{__version__}"}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(300.0, connect=10.0)) as client,
        tqdm(total=sum(p.rows for p in parts), unit="row", file=sys.stderr, desc=args.file.name) as progress,
    ):
        for number, part in enumerate(parts, 1):
            try:
                response = client.post(
                    "/v1/reports:upload",
                    data=form,
                    files={"file": (args.file.name, part.content)},
                    headers={"X-Request-ID": f"upload-{upload_id}-{number}"},
                )
            except httpx.HTTPError as error:
                progress.close()
                print(
                    f"error: {url}: {error}; the rows before {part.sources[0]} were sent, sending the file "
                    "again is safe",
                    file=sys.stderr,
                )
                return 2
            if response.status_code != 200:
                progress.close()
                print(f"error: {response.status_code}: {_detail(response)}", file=sys.stderr)
                return 2
            answer = response.json()
            for result in answer["results"]:
                row = part.sources[result["index"]]
                line: dict[str, Any] = {"row": row, "status": result["status"]}
                if result.get("report"):
                    line["report_id"] = result["report"]["id"]
                else:
                    line["problem"] = result["problem"]
                print(json.dumps(line), flush=True)
            for name in totals:
                totals[name] += answer[name]
            progress.update(part.rows)
    print(
        f"{args.file.name}: {totals['stored']} stored, {totals['replayed']} already there, "
        f"{totals['rejected']} rejected",
        file=sys.stderr,
    )
    return 1 if totals["rejected"] else 0


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:500]
