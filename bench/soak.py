"""Memory soak: does the API's and the worker's RSS level off under a steady stream of reports?

A real `varsel serve` and `varsel worker` on a fresh SQLite database (demo seed), and a client
posting reports at a fixed rate, half of them new substances (generated analogues, each
structure new to the registry) and half repeats of the reference list. RSS of each process is
read from /proc every --sample seconds. The baseline, measured in the same run, is a first
phase of repeats only: with no new substance nothing should grow.

    .venv/bin/python bench/soak.py [--minutes 10] [--baseline-minutes 1] [--rate 20]

Prints a table of RSS over time and the growth per phase; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classify import generate_analogues  # noqa: E402
from ingest import build_reports, free_port  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the mixed phase")
    parser.add_argument("--baseline-minutes", type=float, default=1.0, help="repeats-only phase first")
    parser.add_argument("--rate", type=float, default=20.0, help="reports per second")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between RSS samples")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="varsel-soak-"))
    env = {
        **os.environ,
        "VARSEL_DATABASE_URL": f"sqlite:///{tmp / 'soak.db'}",
        "VARSEL_DEMO_KEYS_FILE": str(tmp / "keys.txt"),
        "VARSEL_LOG_LEVEL": "warning",
    }
    cli = [sys.executable, "-m", "service.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    keys = dict(line.rsplit(": ", 1) for line in (tmp / "keys.txt").read_text().splitlines())
    reporter_key = next(v for k, v in keys.items() if k.startswith("reporter"))

    port = free_port()
    api = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen([*cli, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)

    total_new = int(args.minutes * 60 * args.rate / 2) + 10
    new_structures = iter(generate_analogues(total_new, seed=99))
    repeats = build_reports(2000, seed=3)
    rng = random.Random(5)
    counts = {"sent": 0, "new": 0, "errors": 0}
    samples: list[tuple[float, str, float, float, int]] = []
    phase = ["baseline"]
    started = time.monotonic()

    def sampler() -> None:
        while phase[0] != "done":
            samples.append((time.monotonic() - started, phase[0], rss_mb(api.pid), rss_mb(worker.pid), counts["new"]))
            time.sleep(args.sample)

    threading.Thread(target=sampler, daemon=True).start()
    headers = {"Authorization": f"Bearer {reporter_key}"}
    today = dt.date.today().isoformat()
    try:
        with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
            for name, minutes, new_share in (("baseline", args.baseline_minutes, 0.0), ("mixed", args.minutes, 0.5)):
                phase[0] = name
                end = time.monotonic() + minutes * 60
                tick = time.monotonic()
                while time.monotonic() < end:
                    if rng.random() < new_share:
                        body = {
                            "structure": next(new_structures),
                            "sample_type": "seizure",
                            "country": "DK",
                            "sampled_on": today,
                            "techniques": ["GC-MS"],
                            "confidence": "tentative",
                        }
                        counts["new"] += 1
                    else:
                        body = repeats[counts["sent"] % len(repeats)]
                    if http.post("/v1/reports", json=body).status_code >= 400:
                        counts["errors"] += 1
                    counts["sent"] += 1
                    tick += 1 / args.rate
                    time.sleep(max(0.0, tick - time.monotonic()))
        samples.append((time.monotonic() - started, phase[0], rss_mb(api.pid), rss_mb(worker.pid), counts["new"]))
    finally:
        phase[0] = "done"
        api.terminate()
        worker.terminate()
        api.wait(30)
        worker.wait(30)

    print(
        f"\nsoak: {counts['sent']} reports ({counts['new']} new substances, {counts['errors']} errors) "
        f"at {args.rate:g}/s; SQLite\n"
    )
    print(f"{'t (s)':>7} {'phase':<9} {'API MB':>8} {'worker MB':>10} {'new subst.':>11}")
    for t, name, a, w, n in samples:
        print(f"{t:7.0f} {name:<9} {a:8.1f} {w:10.1f} {n:11d}")
    mixed = [s for s in samples if s[1] == "mixed"]
    base = [s for s in samples if s[1] == "baseline"]
    if base and len(mixed) >= 3:
        thirds = [mixed[: len(mixed) // 3], mixed[len(mixed) // 3 : 2 * len(mixed) // 3], mixed[2 * len(mixed) // 3 :]]
        print("\ngrowth per phase (MB): first sample to last")
        print(f"  baseline (repeats only): API {base[-1][2] - base[0][2]:+.1f}, worker {base[-1][3] - base[0][3]:+.1f}")
        for i, part in enumerate(thirds, 1):
            if len(part) >= 2:
                print(
                    f"  mixed, third {i}: API {part[-1][2] - part[0][2]:+.1f}, worker {part[-1][3] - part[0][3]:+.1f} "
                    f"({part[-1][4] - part[0][4]} new substances)"
                )


if __name__ == "__main__":
    main()
