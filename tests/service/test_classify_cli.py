"""`varsel classify FILE`: .smi, .csv and .sdf in; CSV or JSON out; bad records reported per row."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from rdkit import Chem

from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"


def _csv(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_smi_to_csv_reports_bad_rows_and_goes_on(tmp_path, capsys):
    source = tmp_path / "seized.smi"
    source.write_text(f"# a comment\n{MEPHEDRONE} mephedrone\nC1CC broken\n\nc1ccccc1\tbenzene\n")
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "classify",
                "--shipped-only",
                str(source),
                "--output",
                str(out),
                "--jobs",
                "1",
                "--jurisdictions",
                "DK,US",
                "-q",
            ]
        )
        == 0
    )
    rows = _csv(out)
    assert [r["record"] for r in rows] == ["line 2", "line 3", "line 5"]
    assert rows[0]["name"] == "mephedrone" and rows[0]["DK_status"] == "controlled_by_group"
    assert rows[0]["DK_rules"] == "dk-bek-cathinones" and rows[0]["US_status"] == "controlled_by_name"
    assert "unclosed ring" in rows[1]["error"] and rows[1]["DK_status"] == ""
    assert rows[2]["name"] == "benzene" and rows[2]["DK_status"] == "undetermined"
    assert "GB_status" not in rows[0]
    assert "3 record(s), 1 could not be read" in capsys.readouterr().err


def test_csv_with_name_column_to_json_as_of_a_date(tmp_path):
    source = tmp_path / "list.csv"
    source.write_text(f"Name,SMILES,note\nmephedrone,{MEPHEDRONE},x\nnothing,,y\n")
    out = tmp_path / "out.json"
    assert (
        main(
            [
                "classify",
                "--shipped-only",
                str(source),
                "-o",
                str(out),
                "--jobs",
                "1",
                "--as-of",
                "2012-07-03",
                "--jurisdictions",
                "DK",
                "-q",
            ]
        )
        == 0
    )
    rows = json.loads(out.read_text())
    assert rows[0]["name"] == "mephedrone" and rows[0]["results"]["DK"]["status"] == "undetermined"
    assert rows[1]["error"] == "the structure is empty"


def test_sdf_with_a_broken_record(tmp_path):
    good = Chem.MolFromSmiles(MEPHEDRONE)
    good.SetProp("_Name", "mephedrone")
    broken = "broken\n  RDKit\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0 nonsense\nM  END\n"
    source = tmp_path / "seized.sdf"
    source.write_text(Chem.MolToMolBlock(good) + "$$$$\n" + broken + "$$$$\n")
    out = tmp_path / "out.csv"
    assert main(["classify", "--shipped-only", str(source), "-o", str(out), "--jobs", "1", "-q"]) == 0
    rows = _csv(out)
    assert rows[0]["name"] == "mephedrone" and rows[0]["DK_status"] == "controlled_by_group"
    assert rows[0]["input"] == ""  # a Molfile is not echoed into a CSV cell
    assert rows[1]["record"] == "record 2" and rows[1]["error"]


def test_input_errors_exit_2(tmp_path, capsys):
    assert main(["classify", "--shipped-only", str(tmp_path / "missing.smi")]) == 2
    other = tmp_path / "list.txt"
    other.write_text("C\n")
    assert main(["classify", "--shipped-only", str(other)]) == 2
    no_smiles = tmp_path / "list.csv"
    no_smiles.write_text("name\nx\n")
    assert main(["classify", "--shipped-only", str(no_smiles), "--jobs", "1", "-q"]) == 2
    ok = tmp_path / "ok.smi"
    ok.write_text("C\n")
    assert main(["classify", "--shipped-only", str(ok), "--jurisdictions", "XX"]) == 2
    assert "no 'smiles' column" in capsys.readouterr().err


def test_two_worker_processes_give_the_same_rows_in_order(tmp_path):
    structures = [MEPHEDRONE, "C1CC", "CC(N)Cc1ccccc1", "c1ccc2[nH]ccc2c1"] * 50
    source = tmp_path / "many.smi"
    source.write_text("\n".join(f"{s} n{i}" for i, s in enumerate(structures)) + "\n")
    single, double = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["classify", "--shipped-only", str(source), "-o", str(single), "--jobs", "1", "-q"]) == 0
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "classify",
            "--shipped-only",
            str(source),
            "-o",
            str(double),
            "--jobs",
            "2",
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert "mol/s" in finished.stderr or "%|" in finished.stderr  # the progress bar, on stderr
    assert _csv(single) == _csv(double) and len(_csv(double)) == 200
