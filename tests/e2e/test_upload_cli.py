"""`varsel reports upload FILE` against a real server: parts, progress, per-row lines, idempotency."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.e2e.conftest import ROOT
from tests.service.test_upload import (
    SDF_MAPPING,
    csv_file,
    lab_rows,
    reference_molecules,
    sd_file,
)

pytestmark = pytest.mark.e2e


def run_upload(server_url: str, key: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VARSEL_API_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "reports", "upload", *args, "--url", server_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def reports(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM report")).scalar_one()


def test_a_csv_file_goes_up_in_parts_and_again_without_duplicates(server, reporter, engine, tmp_path):
    rows = lab_rows(reference_molecules(5, skip=80))
    rows[3]["country"] = "ZZ"
    path = tmp_path / "detections.csv"
    path.write_bytes(csv_file(rows))

    first = run_upload(server.url, reporter.key, str(path), "--rows", "2")
    assert first.returncode == 1, first.stderr  # one row was rejected
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(line["row"], line["status"]) for line in lines] == [
        ("line 2", 201),
        ("line 3", 201),
        ("line 4", 201),
        ("line 5", 422),
        ("line 6", 201),
    ]
    assert lines[3]["problem"]["errors"][0]["pointer"] == "#/items/1/country"  # the 2nd row of the 2nd part
    assert "5/5" in first.stderr  # the progress bar reached the end
    assert "4 stored, 0 already there, 1 rejected" in first.stderr
    assert reports(engine) == 4

    second = run_upload(server.url, reporter.key, str(path), "--rows", "3")
    assert [json.loads(line)["status"] for line in second.stdout.splitlines()] == [200, 200, 200, 422, 200]
    assert reports(engine) == 4


def test_an_sd_file_with_a_mapping(server, reporter, engine, tmp_path):
    path = tmp_path / "seizures.sdf"
    path.write_bytes(sd_file(reference_molecules(3, skip=90)))
    mapping = [arg for field, column in SDF_MAPPING.items() for arg in ("--map", f"{field}={column}")]
    result = run_upload(server.url, reporter.key, str(path), *mapping)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["row"] for line in result.stdout.splitlines()] == ["record 1", "record 2", "record 3"]
    assert reports(engine) == 3


def test_without_a_key_or_with_a_wrong_one_nothing_is_sent(server, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(csv_file(lab_rows(reference_molecules(1))))
    env = {k: v for k, v in os.environ.items() if k != "VARSEL_API_KEY"}
    missing = subprocess.run(
        [sys.executable, "-m", "service.cli", "reports", "upload", str(path), "--url", server.url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 2 and "VARSEL_API_KEY" in missing.stderr
    wrong = run_upload(server.url, "vsl_0000_nope", str(path))
    assert wrong.returncode == 2 and "401" in wrong.stderr and "vsl_0000_nope" not in wrong.stderr
