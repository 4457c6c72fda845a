"""Classification as a service and as a command.

(1) POST /v1/classify latency against a real `varsel serve` on loopback (fresh migrated SQLite),
    one request at a time on a keep-alive connection: one compound repeated (mephedrone, with
    and without the SVG), and every structure of psychoactives.csv once (no identity cache).
    Baseline in the same run: GET /healthz, the HTTP stack's own floor.
(2) `varsel classify` throughput on generated analogues (bench/classify.py's generator) with
    --jobs 1 and --jobs 2: the classification rate the CLI reports, and the wall time of the
    whole command (interpreter, rulebook compilation and worker start included).

Targets: POST /v1/classify p50 <= 15 ms; the CLI on 2 cores >= 1.7 x its single-core rate.

    .venv/bin/python bench/classify_api.py [--requests 500] [--n 20000]

Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.classify import generate_analogues, read_psychoactives  # noqa: E402
from bench.ingest import percentile, prepare_database, start_server  # noqa: E402

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"


def _timed(client: httpx.Client, method: str, path: str, bodies: Sequence[dict | None]) -> list[float]:
    times = []
    for body in bodies:
        started = time.perf_counter()
        response = client.request(method, path, json=body)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return times


def bench_api(requests: int) -> list[tuple[str, list[float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        key = prepare_database(url)
        server, base = start_server(url, 1)
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
                one = {"structure": MEPHEDRONE}
                _timed(client, "POST", "/v1/classify", [one] * 50)  # warm up: compile, caches, connection
                _timed(client, "GET", "/healthz", [None] * 50)
                rows = [
                    ("GET /healthz (baseline)", _timed(client, "GET", "/healthz", [None] * requests)),
                    ("POST /v1/classify, one compound, SVG", _timed(client, "POST", "/v1/classify", [one] * requests)),
                    (
                        "POST /v1/classify, one compound, no SVG",
                        _timed(client, "POST", "/v1/classify", [{**one, "depict": False}] * requests),
                    ),
                ]
                distinct = [{"structure": s} for s in read_psychoactives()]
                rows.append(
                    (
                        f"POST /v1/classify, {len(distinct)} distinct, SVG",
                        _timed(client, "POST", "/v1/classify", distinct),
                    )
                )
        finally:
            server.terminate()
            server.wait(10)
    return rows


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(source: Path, jobs: int) -> tuple[float, float, float]:
    """(classification rate the CLI reports, wall time of the whole command, CPU seconds it used).

    The CPU seconds tell parallel overhead apart from a machine busy with other work: on idle
    cores, wall time is about CPU seconds / jobs."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "classify",
            "--shipped-only",
            str(source),
            "-o",
            os.devnull,
            "--jobs",
            str(jobs),
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    found = re.search(r"classified (\d+) record\(s\).* in ([\d.]+) s", done.stderr)
    assert found is not None, done.stderr
    return int(found.group(1)) / float(found.group(2)), wall, _children_cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--n", type=int, default=20000, help="generated analogues for the CLI")
    args = parser.parse_args(argv)

    print(f"POST /v1/classify, {args.requests} sequential requests, 1 uvicorn worker, SQLite")
    print(f"{'request':<44}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, times in bench_api(args.requests):
        print(
            f"{name:<44}{statistics.median(times):>9.2f}{percentile(times, 0.95):>9.2f}{statistics.fmean(times):>9.2f}"
        )
    print("target: POST /v1/classify p50 <= 15 ms\n")

    smiles = generate_analogues(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "analogues.smi"
        source.write_text("\n".join(smiles) + "\n")
        results = {jobs: run_cli(source, jobs) for jobs in (1, 2)}
    print(
        f"varsel classify, {len(smiles)} generated analogues, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} before the run"
    )
    print(f"{'jobs':<8}{'mol/s':>10}{'wall s':>9}{'cpu s':>9}{'rate vs 1':>11}{'wall vs 1':>11}")
    for jobs, (rate, wall, cpu) in results.items():
        print(
            f"{jobs:<8}{rate:>10.0f}{wall:>9.2f}{cpu:>9.2f}{rate / results[1][0]:>10.2f}x{results[1][1] / wall:>10.2f}x"
        )
    print("target: --jobs 2 >= 1.7 x --jobs 1 (rate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
