"""Structures built to make RDKit work hard are refused from their text, and nobody else waits.

The probe: 11,111 benzene fragments (under the 100,000-character cap) took 119 s to be refused,
parsed on the event loop, and /healthz waited the same 119 s. The timeouts below are liveness
bounds (a stall of that kind trips them), not performance targets.
"""

from __future__ import annotations

import threading

import httpx
import pytest

pytestmark = pytest.mark.e2e

ADVERSARIAL = {
    "many benzene fragments": ".".join(["c1ccccc1"] * 11111),
    "one long chain": "C" * 60_000,
    "many bracket atoms": "[CH2]" * 15_000,
    "inchi with a huge formula": "InChI=1S/C90000H180002/c1-3-5",
    "molfile declaring 999 atoms": "\n  Varsel\n\n999  0  0  0  0  0  0  0  0  0999 V2000\n"
    + "    0.0000    0.0000    0.0000 C   0  0\n" * 999
    + "M  END\n",
}


@pytest.mark.parametrize("structure", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_structure_is_refused_while_healthz_answers(server, reporter, report_body, row_counts, structure):
    before = row_counts()
    health_failures: list[str] = []
    stop = threading.Event()

    def poll_health() -> None:
        with httpx.Client(base_url=server.url, timeout=2.0) as http:
            while not stop.is_set():
                try:
                    if http.get("/healthz").status_code != 200:
                        health_failures.append("status")
                except httpx.TimeoutException:
                    health_failures.append("timeout")

    poller = threading.Thread(target=poll_health)
    poller.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            for endpoint, body in (
                ("/v1/reports", report_body(structure=structure)),
                ("/v1/classify", {"structure": structure}),
            ):
                answer = http.post(endpoint, json=body, headers=reporter.headers)
                assert answer.status_code == 422, (endpoint, answer.status_code, answer.text[:300])
                assert answer.headers["content-type"] == "application/problem+json"
                assert "at most" in answer.text
    finally:
        stop.set()
        poller.join()
    assert not health_failures
    assert row_counts() == before
