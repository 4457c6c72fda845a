"""One X-Request-ID from a laboratory's report to the webhooks it caused, across real processes:
`varsel serve` logs the request under it, `varsel worker` logs the deliveries under it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.conftest import ROOT, free_port, start_server

pytestmark = pytest.mark.e2e


def json_lines(path) -> list[dict]:
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_request_id_is_found_in_the_api_log_and_in_the_worker_log(
    database_url, reporter, authority, report_body, receiver, tmp_path
):
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    env = {
        **os.environ,
        "VARSEL_DATABASE_URL": database_url,
        "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VARSEL_LOG_LEVEL": "info",
        "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
        "VARSEL_WORKER_HTTP_PORT": str(free_port()),
    }
    server = start_server(database_url, extra_env={"VARSEL_LOG_LEVEL": "info", "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true"})
    with worker_log.open("w") as worker_err:
        worker = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=worker_err,
        )
    try:
        subscribed = httpx.post(
            f"{server.url}/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers, timeout=30
        )
        assert subscribed.status_code == 201, subscribed.text
        filed = httpx.post(
            f"{server.url}/v1/reports",
            json=report_body(),
            headers={**reporter.headers, "X-Request-ID": "lab-7f3a-0042"},
            timeout=30,
        )
        assert filed.status_code == 201 and filed.headers["x-request-id"] == "lab-7f3a-0042"
        deadline = time.monotonic() + 60
        while not receiver.requests:
            assert worker.poll() is None, worker_log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no webhook within 60 s"
            time.sleep(0.2)
        deadline = time.monotonic() + 30
        while not any(line.get("request_id") == "lab-7f3a-0042" for line in json_lines(worker_log)):
            assert time.monotonic() < deadline, worker_log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.process.terminate()
        server.process.wait(timeout=30)
        assert server.process.stderr is not None  # started with stderr=PIPE
        api_log.write_bytes(server.process.stderr.read())

    (attempted,) = [line for line in json_lines(worker_log) if line.get("request_id") == "lab-7f3a-0042"]
    assert attempted["event"] == "deliveries attempted" and attempted["delivered"] == len(receiver.requests)
    requests = [
        line for line in json_lines(api_log) if line.get("request_id") == "lab-7f3a-0042" and line["event"] == "request"
    ]
    assert [(line["route"], line["status"]) for line in requests] == [("/v1/reports", 201)]
    everything = api_log.read_text() + worker_log.read_text()
    assert reporter.key not in everything and authority.key not in everything
