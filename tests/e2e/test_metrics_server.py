"""/metrics of `varsel serve --workers 2`: whichever process answers the scrape counts every
process's requests (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import ROOT, free_port

pytestmark = pytest.mark.e2e


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "varsel_http_requests_total"
                and sample.labels.get("route") == "/healthz"
                and sample.labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_every_scrape_of_a_multiprocess_server_counts_all_processes(database_url, admin):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(VARSEL_DATABASE_URL=database_url, VARSEL_LOG_LEVEL="warning")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not answer within 90 s"
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        headers = {**admin.headers, "Connection": "close"}
        before = healthz_count(httpx.get(f"{url}/metrics", headers=headers).text)
        for _ in range(40):  # new connections, spread over both processes by the kernel
            assert httpx.get(f"{url}/healthz", headers={"Connection": "close"}).status_code == 200
        scrapes = [healthz_count(httpx.get(f"{url}/metrics", headers=headers).text) for _ in range(6)]
        assert all(count - before == 40 for count in scrapes), (before, scrapes)
    finally:
        process.terminate()
        process.wait(timeout=60)
