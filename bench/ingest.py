"""Ingest benchmark: a real uvicorn server on loopback, a load generator in another process.

For each database (SQLite always; PostgreSQL when one answers, or VARSEL_BENCH_POSTGRES_URL):
a fresh, migrated database; `varsel serve` in its own process; a client process POSTs detection
reports built from shared/data/psychoactives.csv with bounded concurrency, as single reports and
as batches of 500. A baseline is measured in the same run against the same server: GET /healthz
at the same concurrency, the HTTP stack's own ceiling on this machine.

    .venv/bin/python bench/ingest.py [--singles 3000] [--batches 20] [--concurrency 8]

Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the repository's verbatim copy of shared/data/psychoactives.csv (see service/seed/README.md)
CSV = ROOT / "service" / "seed" / "psychoactives.csv"

SAMPLE_TYPES = ["seizure", "test_purchase", "collected_sample", "biological_nonfatal", "wastewater", "drug_checking"]
COUNTRIES = ["DK", "DE", "SE", "NL", "FR", "PL", "GB", "ES"]


def build_reports(n: int, seed: int = 7, *, unique_spellings: bool = False) -> list[dict]:
    """Reports cycling through the reference list. With ``unique_spellings`` every structure is
    a new random SMILES of the same molecule: the same substances, but no input string twice,
    so nothing is served from the identity cache."""
    rng = random.Random(seed)
    rows = [r for r in csv.DictReader(CSV.open()) if r["name"] != "Nitrous"]
    if unique_spellings:
        from rdkit import Chem, rdBase

        rdBase.SeedRandomNumberGenerator(seed)
        mols = [Chem.MolFromSmiles(r["smiles"]) for r in rows]
    today = dt.date.today()
    out = []
    for i in range(n):
        row = rows[i % len(rows)]
        structure = row["smiles"]
        if unique_spellings:
            structure = Chem.MolToSmiles(mols[i % len(rows)], doRandom=True)
        out.append(
            {
                "structure": structure,
                "substance_name": row["name"],
                "sample_type": rng.choice(SAMPLE_TYPES),
                "country": rng.choice(COUNTRIES),
                "sampled_on": (today - dt.timedelta(days=rng.randrange(0, 365))).isoformat(),
                "techniques": rng.sample(["GC-MS", "LC-HRMS", "NMR", "FTIR"], 2),
                "confidence": rng.choice(["confirmed", "tentative"]),
                "purity_percent": round(rng.uniform(5, 99), 1),
            }
        )
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- client process ----------------------------------------------------------------------------


async def _drive(url: str, key: str, requests: list[tuple[str, str, dict | None]], concurrency: int) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    failures: dict[int | str, int] = {}  # by status code, or by exception name
    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                method, path, body = queue.get_nowait()
                start = time.perf_counter()
                try:
                    response = await client.request(method, path, json=body)
                except httpx.HTTPError as error:  # counted, never fatal: the table says how many
                    failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 400 or (body and "items" in body and response.json()["rejected"]):
                    failures[response.status_code] = failures.get(response.status_code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"latencies": latencies, "elapsed": elapsed, "failures": failures}


async def _drive_raw(url: str, key: str, requests: list[tuple[str, str, dict | None]], concurrency: int) -> dict:
    """The same load as _drive, from a lean HTTP/1.1 client: one keep-alive connection per slot,
    every request encoded before the clock starts, responses read by Content-Length. It costs
    the client a few tens of microseconds a request where httpx costs over a millisecond, so the
    figures are the server's and not the load generator's (httpx stays available: --client httpx)."""
    host, port = url.removeprefix("http://").split(":")
    encoded = []
    for method, path, body in requests:
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        encoded.append((head.encode() + payload, body is not None and "items" in body))
    latencies: list[float] = []
    failures: dict = {}
    position = 0

    async def worker() -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while position < len(encoded):
                request, is_batch = encoded[position]
                position += 1
                start = time.perf_counter()
                try:
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head[9:12])
                    found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                    assert found is not None, head  # the service always sends Content-Length
                    length = int(found.group(1))
                    content = await reader.readexactly(length)
                except (OSError, asyncio.IncompleteReadError) as error:  # counted, never fatal
                    failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                latencies.append(time.perf_counter() - start)
                if status >= 400 or (is_batch and json.loads(content)["rejected"]):
                    failures[status] = failures.get(status, 0) + 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"latencies": latencies, "elapsed": time.perf_counter() - start, "failures": failures}


def _client_main(url, key, requests, concurrency, results, client="raw") -> None:  # noqa: ANN001 - multiprocessing target
    drive = _drive_raw if client == "raw" else _drive
    results.put(asyncio.run(drive(url, key, requests, concurrency)))


def run_client(url: str, key: str, requests: list, concurrency: int, client: str = "raw") -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_client_main, args=(url, key, requests, concurrency, results, client))
    process.start()
    outcome = results.get()
    process.join()
    return outcome


# --- server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> str:
    """Migrate, then create one reporter organisation; returns its key."""
    from sqlmodel import Session

    from service.auth.models import Role
    from service.db import make_engine
    from service.organisations import service as organisations
    from service.organisations.models import OrganisationCreate
    from service.schema import upgrade

    upgrade(url)
    engine = make_engine(url, pool_size=1)
    with Session(engine, expire_on_commit=False) as session:
        org = organisations.create(
            session, data=OrganisationCreate(name="Bench lab", kind="forensic_lab", country="DK"), principal=None
        )
        key = organisations.issue_key(session, organisation=org, role=Role.reporter, label="bench", principal=None)
    engine.dispose()
    return key.key


def start_server(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "VARSEL_DATABASE_URL": url, "VARSEL_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def postgres_url() -> str | None:
    url = os.environ.get("VARSEL_BENCH_POSTGRES_URL") or os.environ.get("VARSEL_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    except OSError:
        return None


def fresh_postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from service.db import make_engine, normalise_url

    name = f"varsel_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url, pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False), drop


# --- the run -----------------------------------------------------------------------------------


def measure(backend: str, url: str, args: argparse.Namespace) -> list[dict]:
    key = prepare_database(url)
    server, base = start_server(url, args.workers)
    rows = []
    try:
        singles = build_reports(args.singles)
        baseline = run_client(base, key, [("GET", "/healthz", None)] * args.singles, args.concurrency, args.client)
        rows.append(summarise(backend, "baseline: GET /healthz", baseline, per_request=1))
        outcome = run_client(
            base, key, [("POST", "/v1/reports", body) for body in singles], args.concurrency, args.client
        )
        rows.append(
            summarise(
                backend,
                "single POST /v1/reports",
                outcome,
                per_request=1,
                target="≥300/s, p95 ≤50 ms" if backend == "sqlite" else "",
            )
        )
        cold = [("POST", "/v1/reports", body) for body in build_reports(args.singles, seed=3, unique_spellings=True)]
        outcome = run_client(base, key, cold, args.concurrency, args.client)
        rows.append(summarise(backend, "single POST, no repeated input", outcome, per_request=1))
        batch_reports = build_reports(args.batches * 500, seed=11)
        batches = [
            ("POST", "/v1/reports:batch", {"items": batch_reports[i : i + 500]})
            for i in range(0, len(batch_reports), 500)
        ]
        outcome = run_client(base, key, batches, args.batch_concurrency, args.client)
        rows.append(summarise(backend, "batch of 500 /v1/reports:batch", outcome, per_request=500, target="≥2000/s"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return rows


def summarise(backend: str, mode: str, outcome: dict, *, per_request: int, target: str = "") -> dict:
    lat = outcome["latencies"] or [float("nan")]
    row = {
        "backend": backend,
        "mode": mode,
        "requests": len(outcome["latencies"]),
        "reports": len(outcome["latencies"]) * per_request,
        "per_s": len(outcome["latencies"]) * per_request / outcome["elapsed"],
        "p50": percentile(lat, 0.50) * 1000,
        "p95": percentile(lat, 0.95) * 1000,
        "p99": percentile(lat, 0.99) * 1000,
        "failed": sum(outcome["failures"].values()),
        "target": target,
    }
    print(
        f"  measured {backend} {mode}: {row['per_s']:.0f}/s p95 {row['p95']:.1f} ms, failures {outcome['failures']}",
        file=sys.stderr,
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--singles", type=int, default=3000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch-concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: a lean HTTP/1.1 client (default) or httpx.AsyncClient",
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += measure("sqlite", f"sqlite:///{tmp}/bench.db", args)
    pg = None if args.sqlite_only else postgres_url()
    if pg:
        url, drop = fresh_postgres(pg)
        try:
            rows += measure("postgresql", url, args)
        finally:
            drop()

    print(
        f"\nIngest benchmark — {os.cpu_count()} cores, concurrency {args.concurrency} (batches: "
        f"{args.batch_concurrency}), uvicorn workers {args.workers}, {args.client} client, reports from {CSV.name}\n"
    )
    header = (
        f"{'backend':<11} {'mode':<32} {'reqs':>6} {'reports':>8} {'reports/s':>10} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'failed':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['backend']:<11} {r['mode']:<32} {r['requests']:>6} {r['reports']:>8} {r['per_s']:>10.0f} "
            f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['failed']:>6}  {r['target']}"
        )
    by = {(r["backend"], r["mode"]): r for r in rows}
    print()
    for backend in dict.fromkeys(r["backend"] for r in rows):
        base, single = by[(backend, "baseline: GET /healthz")], by[(backend, "single POST /v1/reports")]
        print(
            f"{backend}: single POST throughput is {single['per_s'] / base['per_s']:.2f}x the /healthz baseline "
            f"({single['per_s']:.0f} vs {base['per_s']:.0f} requests/s)"
        )


if __name__ == "__main__":
    main()
