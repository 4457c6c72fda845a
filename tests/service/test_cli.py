"""The `varsel` command line, run as operators and scripts run it: a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

VARSEL = [sys.executable, "-m", "service.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(database_url: str, *args: str, tmp_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VARSEL_DATABASE_URL": database_url}
    if tmp_path is not None:
        env["VARSEL_DEMO_KEYS_FILE"] = str(tmp_path / "demo-keys.txt")
    return subprocess.run([*VARSEL, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_orgs_and_keys_lifecycle(database_url, app, report_body):
    created = run(
        database_url,
        "orgs",
        "create",
        "--name",
        "Statens Serum Institut",
        "--kind",
        "toxicology_lab",
        "--country",
        "dk",
    )
    assert created.returncode == 0, created.stderr
    org = json.loads(created.stdout)
    assert org["country"] == "DK" and org["kind"] == "toxicology_lab"

    key = run(database_url, "keys", "create", "--org", "Statens Serum Institut", "--role", "reporter")
    assert key.returncode == 0, key.stderr
    lines = key.stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"vsl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", lines[0])
    headers = {"Authorization": f"Bearer {lines[0]}"}
    with TestClient(app) as client:
        assert client.post("/v1/reports", json=report_body(), headers=headers).status_code == 201

    key_id = lines[0].split("_")[1]
    revoked = run(database_url, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    # Another process revoked it: the API trusts its last check for auth_cache_seconds at most.
    cache = app.state.principals
    cache.clock = lambda: time.monotonic() + cache.ttl + 0.001
    with TestClient(app) as client:
        assert client.get("/v1/reports", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "args, message",
    [
        (["orgs", "create", "--name", "X lab", "--kind", "forensic_lab", "--country", "UK"], "did you mean GB"),
        (["keys", "create", "--org", "nobody", "--role", "reporter"], "no organisation"),
        (["keys", "revoke", "0000"], "no API key"),
    ],
)
def test_cli_errors_are_explained_with_a_nonzero_exit(database_url, args, message):
    result = run(database_url, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout == ""


def test_seed_demo_is_idempotent_and_its_keys_work(database_url, app, tmp_path):
    first = run(database_url, "seed-demo", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run(database_url, "seed-demo", tmp_path=tmp_path)
    assert second.returncode == 0, second.stderr
    keys = dict(line.rsplit(": ", 1) for line in (tmp_path / "demo-keys.txt").read_text().splitlines())
    assert {label.split(" ")[0] for label in keys} == {"reporter", "admin", "authority", "regulator"}
    assert oct((tmp_path / "demo-keys.txt").stat().st_mode & 0o777) == "0o600"
    authority = next(v for k, v in keys.items() if k.startswith("authority"))
    with TestClient(app) as client:
        reports = client.get("/v1/reports", headers={"Authorization": f"Bearer {authority}"}).json()["items"]
        assert len(reports) == 5  # the second run added nothing
        found = client.get("/v1/substances", params={"q": "MDMA"}, headers={"Authorization": f"Bearer {authority}"})
        assert found.json()["items"], "the reference registry was seeded"


def test_migrate_on_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(url, "migrate")
    assert result.returncode == 0, result.stderr
    assert run(url, "migrate").returncode == 0  # again: nothing to do
