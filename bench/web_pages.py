"""Pages against the API calls behind them: does a page cost more than its API call plus rendering?

A real `varsel serve` on loopback with the demo data (`varsel seed-demo`, fresh SQLite); one
keep-alive client, one request at a time, alternating API call and page so both see the same
machine. For each pair: the API call with a bearer key, and the page with a signed-in session
cookie (and its CSRF token for the classify form). The ratio page/API is the figure to read:
the page adds the session lookup, the role check and the Jinja2 rendering (and, for classify,
one coloured depiction per matched group rule).

    .venv/bin/python bench/web_pages.py [--rounds 30]

Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import percentile, start_server

MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
MEPHEDRONE_KEY = "YELGFTGWJGBAQU-UHFFFAOYSA-N"


def _seed(url: str, keys_file: Path) -> dict[str, str]:
    from service.db import make_engine
    from service.schema import upgrade
    from service.seed.demo import seed_demo

    upgrade(url)
    keys = seed_demo(make_engine(url, pool_size=1), keys_file=keys_file)
    return {label.split(" ", 1)[0]: key for label, key in keys.items()}


def _sign_in(client: httpx.Client, key: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found is not None
    token = found[1]
    client.post("/signin", data={"api_key": key, "csrf_token": token})
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/classify").text)
    assert found is not None
    return found[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        keys = _seed(url, Path(tmp) / "keys.txt")
        process, base = start_server(url, 1)
        try:
            regulator = keys["regulator"]
            api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {regulator}"}, timeout=60)
            pages = httpx.Client(base_url=base, timeout=60, follow_redirects=True)
            csrf = _sign_in(pages, regulator)
            pairs = [
                (
                    "classify mephedrone, all jurisdictions",
                    lambda: api.post("/v1/classify", json={"structure": MEPHEDRONE}),
                    lambda: pages.post("/classify", data={"structure": MEPHEDRONE, "csrf_token": csrf}),
                ),
                (
                    "substance page / detail",
                    lambda: api.get(f"/v1/substances/{MEPHEDRONE_KEY}"),
                    lambda: pages.get(f"/substances/{MEPHEDRONE_KEY}"),
                ),
                (
                    "alerts inbox / list (100)",
                    lambda: api.get("/v1/alerts", params={"limit": 100}),
                    lambda: pages.get("/alerts"),
                ),
                (
                    "families / list (100)",
                    lambda: api.get("/v1/families", params={"limit": 100}),
                    lambda: pages.get("/families"),
                ),
            ]
            print(f"{'request':<40} {'API p50 ms':>11} {'page p50 ms':>12} {'page p90 ms':>12} {'page/API':>9}")
            for name, call_api, call_page in pairs:
                for call in (call_api, call_page):  # warm: the first of each compiles and caches
                    assert call().status_code == 200, name
                api_ms: list[float] = []
                page_ms: list[float] = []
                for _ in range(args.rounds):
                    for call, out in ((call_api, api_ms), (call_page, page_ms)):
                        started = time.perf_counter()
                        response = call()
                        out.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, (name, response.status_code)
                api_p50, page_p50 = statistics.median(api_ms), statistics.median(page_ms)
                print(
                    f"{name:<40} {api_p50:>11.1f} {page_p50:>12.1f} {percentile(page_ms, 0.9):>12.1f} "
                    f"{page_p50 / api_p50:>9.2f}"
                )
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
