"""Generated requests against the real server: Schemathesis reads /openapi.json and sends what
the schema allows and what it does not, as a laboratory and as an authority (the roles that write
reports and subscriptions), on SQLite and, with VARSEL_TEST_POSTGRES_URL, on PostgreSQL.

Two checks: no answer is a server error, and every documented answer matches its schema. The run
is bounded: a few examples per operation and a time budget per role (VARSEL_SCHEMATHESIS_SECONDS,
30 by default), so each database takes about 80 seconds. The seed is fixed, so a finding
can be replayed; set VARSEL_SCHEMATHESIS_SEED to explore further.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,response_schema_conformance"
BUDGET_SECONDS = int(os.environ.get("VARSEL_SCHEMATHESIS_SECONDS", "30"))
SEED = os.environ.get("VARSEL_SCHEMATHESIS_SEED", "20261203")
# what each role may do; the other operations would only answer 403
TAGS = {
    "reporter": ("reports", "classification"),
    "authority": ("reports", "substances", "subscriptions", "alerts", "families"),
}


def _seed_reports(url: str, headers: dict[str, str], body: dict) -> None:
    """A few reports (and so substances and alerts) for the read operations to find."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for extra in (
            {},
            {"quantity": {"value": 2.5, "unit": "g"}, "purity_percent": 40, "region": "Aarhus"},
            {"sample_type": "biological_fatal", "country": "SE"},
        ):
            response = http.post("/v1/reports", json={**body, **extra}, headers=headers)
            assert response.status_code == 201, response.text


def _run(url: str, key: str, tags: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "8",
        "--max-time",
        str(BUDGET_SECONDS),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--generation-database",
        "none",
        "--no-color",
        "--header",
        f"Authorization: Bearer {key}",
        *[arg for tag in tags for arg in ("--include-tag", tag)],
    ]
    # schemathesis_hooks.py next to this file: a generator for the SD-file part of the upload
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")]))
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUDGET_SECONDS + 120)


def test_generated_requests_get_no_server_error_and_documented_answers(
    server, make_caller, report_body, tmp_path: Path
):
    reporter = make_caller("reporter")
    _seed_reports(server.url, reporter.headers, report_body())
    callers = {"reporter": reporter, "authority": make_caller("authority")}
    failures = []
    for role, tags in TAGS.items():  # one server for both roles: its start costs as much as a run
        run = _run(server.url, callers[role].key, tags, tmp_path)
        if run.returncode != 0:
            failures.append(f"--- as {role}:\n{run.stdout[-20000:]}\n{run.stderr[-3000:]}")
    assert not failures, "schemathesis found problems\n" + "\n".join(failures)
