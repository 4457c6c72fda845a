"""One rulebook everywhere (issue 17): `varsel classify` applies the drafts active in the
database, so the CLI and the API give the same answer for the same structure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from service.cli import main
from tests.service.test_drafts_api import AMINOINDANE, DRAFT, MDAI, approve, draft

ROOT = Path(__file__).resolve().parents[2]
STRUCTURES = {
    "MDAI": MDAI,
    "2-aminoindane": AMINOINDANE,
    "mephedrone": "CNC(C)C(=O)c1ccc(C)cc1",
    "fentanyl": "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    "benzene": "c1ccccc1",
}


def _api(client, caller) -> dict[str, dict[str, tuple[str, list[str]]]]:
    answers = {}
    for name, smiles in STRUCTURES.items():
        body = client.post("/v1/classify", json={"structure": smiles, "depict": False}, headers=caller.headers).json()
        answers[name] = {
            r["jurisdiction"]: (r["status"], sorted({m["rule_id"] for m in r["matches"]})) for r in body["results"]
        }
    return answers


def _cli_rows(path: Path) -> dict[str, dict[str, tuple[str, list[str]]]]:
    return {
        row["name"]: {code: (found["status"], found["rules"]) for code, found in row["results"].items()}
        for row in json.loads(path.read_text())
    }


def test_the_cli_and_the_api_agree_once_a_draft_is_active(
    client, regulator, make_caller, authority, database_url, tmp_path
):
    second = make_caller("regulator", org="Danish Health Authority, legal office", kind="regulator", country="DK")
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers).json()
    approve(client, second, created["id"])
    activated = client.post(f"/v1/drafts/{created['id']}:activate", headers=regulator.headers)
    assert activated.status_code == 200, activated.text

    source = tmp_path / "seized.smi"
    source.write_text("".join(f"{smiles} {name}\n" for name, smiles in STRUCTURES.items()))
    out = tmp_path / "out.json"
    assert (
        main(
            [
                "classify",
                str(source),
                "--database-url",
                database_url,
                "--format",
                "json",
                "-o",
                str(out),
                "--jobs",
                "1",
                "-q",
            ]
        )
        == 0
    )
    cli = _cli_rows(out)
    api = _api(client, authority)
    assert cli == api
    assert cli["MDAI"]["DK"] == ("controlled_by_group", [DRAFT["id"]])

    # the database from the settings, in a process of its own with two workers: the same rows
    env = {**os.environ, "VARSEL_DATABASE_URL": database_url}
    other = tmp_path / "other.json"
    finished = subprocess.run(
        [sys.executable, "-m", "service.cli", "classify", str(source), "-o", str(other), "--jobs", "2"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert "1 active draft(s)" in finished.stderr
    assert _cli_rows(other) == api

    # asked for the shipped rules alone, it says so and does not apply the draft
    shipped = tmp_path / "shipped.json"
    assert main(["classify", str(source), "--shipped-only", "-o", str(shipped), "--jobs", "1", "-q"]) == 0
    assert _cli_rows(shipped)["MDAI"]["DK"] == ("undetermined", [])


def test_an_inactive_draft_is_not_applied_by_the_cli(client, regulator, database_url, tmp_path):
    created = client.post("/v1/drafts", json=draft(), headers=regulator.headers)
    assert created.status_code == 201
    source = tmp_path / "one.smi"
    source.write_text(f"{MDAI} MDAI\n")
    out = tmp_path / "out.json"
    assert main(["classify", str(source), "--database-url", database_url, "-o", str(out), "--jobs", "1", "-q"]) == 0
    assert _cli_rows(out)["MDAI"]["DK"] == ("undetermined", [])


def test_a_database_that_cannot_be_read_is_an_error_not_a_silent_fallback(tmp_path, capsys):
    source = tmp_path / "one.smi"
    source.write_text(f"{MDAI} MDAI\n")
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"
    assert main(["classify", str(source), "--database-url", missing, "--jobs", "1", "-q"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists()
    empty = tmp_path / "empty.db"
    empty.touch()  # a file, but never migrated
    assert main(["classify", str(source), "--database-url", f"sqlite:///{empty}", "--jobs", "1", "-q"]) == 2
    assert "cannot read the active drafts" in capsys.readouterr().err
