"""POST /v1/reports:upload with real files: a CSV and an SD file (written by RDKit) of molecules
from the shared reference list, answered row by row, idempotent per row, SDF data fields kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from rdkit import Chem

from chemistry.identity import identify

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "service" / "seed" / "psychoactives.csv"
SAMPLED = (dt.date.today() - dt.timedelta(days=5)).isoformat()


def reference_molecules(count: int, *, skip: int = 0) -> list[tuple[str, str]]:
    """(name, SMILES) of real psychoactives, each readable by RDKit."""
    with REFERENCE.open(encoding="utf-8") as handle:
        rows = [(r["name"], r["smiles"]) for r in csv.DictReader(handle) if r.get("smiles")]
    chosen = [(name, smiles) for name, smiles in rows if Chem.MolFromSmiles(smiles) is not None]
    return chosen[skip : skip + count]


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def lab_rows(molecules: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {
            "SMILES": smiles,
            "Name": name,
            "Sample Type": "seizure",
            "country": "dk",
            "sampled_on": SAMPLED,
            "techniques": "GC-MS; NMR",
            "confidence": "confirmed",
            "lab_id": f"L-{i}",
        }
        for i, (name, smiles) in enumerate(molecules)
    ]


def sd_file(molecules: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = Chem.SDWriter(out)
    for i, (name, smiles) in enumerate(molecules):
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        for field, value in (
            ("SAMPLE", "test_purchase"),
            ("COUNTRY", "SE"),
            ("SAMPLED", SAMPLED),
            ("METHODS", "LC-HRMS|NMR"),
            ("CERTAINTY", "tentative"),
            ("PURITY", "87.5"),
            ("LAB_ID", f"SE-{i:04d}"),
            ("BATCH", "0012"),
        ):
            mol.SetProp(field, value)
        writer.write(mol)
    writer.close()
    return out.getvalue().encode()


SDF_MAPPING = {
    "sample_type": "SAMPLE",
    "country": "COUNTRY",
    "sampled_on": "SAMPLED",
    "techniques": "METHODS",
    "confidence": "CERTAINTY",
    "purity_percent": "PURITY",
}


def upload(client, caller, content: bytes, filename: str, **form: object):
    data = {name: json.dumps(value) if isinstance(value, dict) else value for name, value in form.items()}
    return client.post("/v1/reports:upload", files={"file": (filename, content)}, data=data, headers=caller.headers)


def report_count(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM report")).scalar_one()


def test_a_csv_file_is_filed_row_by_row_and_a_second_upload_stores_nothing(client, reporter, engine):
    molecules = reference_molecules(6)
    content = csv_file(lab_rows(molecules))
    first = upload(client, reporter, content, "detections.csv")
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["stored"], answer["replayed"], answer["rejected"]) == (6, 0, 0)
    assert [r["row"] for r in answer["results"]] == [f"line {n}" for n in range(2, 8)]
    for result, (name, smiles) in zip(answer["results"], molecules):
        report = result["report"]
        assert result["status"] == 201
        assert report["structure"] == smiles and report["substance_name"] == name
        assert report["substance"]["inchikey"] == identify(smiles).inchikey
        assert report["country"] == "DK" and report["techniques"] == ["GC-MS", "NMR"]
        assert report["sample_type"] == "seizure"
        assert f"lab_id: L-{molecules.index((name, smiles))}" in report["context"]
    assert report_count(engine) == 6

    second = upload(client, reporter, content, "detections.csv").json()
    assert (second["stored"], second["replayed"], second["rejected"]) == (0, 6, 0)
    assert [r["report"]["id"] for r in second["results"]] == [r["report"]["id"] for r in answer["results"]]
    assert report_count(engine) == 6

    # the same file with one more row: only the new row is stored
    longer = csv_file(lab_rows(reference_molecules(7)))
    third = upload(client, reporter, longer, "detections.csv").json()
    assert (third["stored"], third["replayed"]) == (1, 6)
    assert report_count(engine) == 7


def test_a_bad_row_is_refused_alone(client, reporter, engine):
    rows = lab_rows(reference_molecules(3))
    rows[1]["country"] = "UK"
    rows[2]["SMILES"] = "C1CC(N"  # an unclosed ring and branch
    answer = upload(client, reporter, csv_file(rows), "detections.csv").json()
    assert (answer["stored"], answer["rejected"]) == (1, 2)
    statuses = {r["row"]: (r["status"], r["problem"]) for r in answer["results"]}
    status, problem = statuses["line 3"]
    assert status == 422 and problem["errors"][0]["pointer"] == "#/items/1/country"
    assert "did you mean GB?" in problem["errors"][0]["detail"]
    status, problem = statuses["line 4"]
    assert status == 422 and problem["type"] == "/problems/invalid-structure"
    assert report_count(engine) == 1


def test_an_sd_file_is_read_with_its_data_fields_kept(client, reporter, engine):
    molecules = reference_molecules(4, skip=20)
    content = sd_file(molecules)
    answer = upload(client, reporter, content, "seizures.sdf", mapping=SDF_MAPPING)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["stored"], body["rejected"]) == (4, 0)
    assert [r["row"] for r in body["results"]] == ["record 1", "record 2", "record 3", "record 4"]
    for i, (result, (name, smiles)) in enumerate(zip(body["results"], molecules)):
        report = result["report"]
        assert report["substance_name"] == name  # the record's title
        assert report["structure_format"] == "molfile" and report["structure"].rstrip().endswith("M  END")
        assert report["substance"]["inchikey"] == identify(smiles).inchikey
        assert (report["sample_type"], report["country"], report["confidence"]) == ("test_purchase", "SE", "tentative")
        assert report["techniques"] == ["LC-HRMS", "NMR"] and report["purity_percent"] == 87.5
        # data fields that are no report field are kept, as sent (not read as numbers)
        assert f"LAB_ID: SE-{i:04d}" in report["context"] and "BATCH: 0012" in report["context"]
    again = upload(client, reporter, content, "seizures.sdf", mapping=SDF_MAPPING).json()
    assert (again["stored"], again["replayed"]) == (0, 4)
    assert report_count(engine) == 4


def test_an_unreadable_sd_record_is_refused_alone(client, reporter):
    good = sd_file(reference_molecules(2, skip=40)).decode()
    first, second = good.split("$$$$\n")[:2]
    broken = first.replace("V2000", "V9999", 1)
    answer = upload(client, reporter, f"{broken}$$$$\n{second}$$$$\n".encode(), "two.sdf", mapping=SDF_MAPPING).json()
    assert [(r["row"], r["status"]) for r in answer["results"]] == [("record 1", 422), ("record 2", 201)]


def test_defaults_fill_what_no_column_gives(client, reporter):
    rows = [{"smiles": smiles, "name": name} for name, smiles in reference_molecules(2, skip=60)]
    answer = upload(
        client,
        reporter,
        csv_file(rows),
        "short.csv",
        defaults={
            "country": "no",
            "sample_type": "seizure",
            "sampled_on": SAMPLED,
            "techniques": ["GC-MS"],
            "confidence": "confirmed",
        },
    ).json()
    assert answer["stored"] == 2
    assert {r["report"]["country"] for r in answer["results"]} == {"NO"}


@pytest.mark.parametrize(
    "form, detail",
    [
        ({"mapping": {"colour": "SMILES"}}, "unknown report field(s) 'colour'"),
        ({"mapping": {"structure": "Smiles string"}}, "the file has: SMILES, Name"),
        ({"mapping": "[1, 2]"}, "mapping must be a JSON object"),
        ({"defaults": {"shade": "x"}}, "defaults: unknown report field(s) 'shade'"),
    ],
)
def test_a_mapping_that_cannot_apply_is_refused_as_a_whole(client, reporter, engine, form, detail):
    response = upload(client, reporter, csv_file(lab_rows(reference_molecules(1))), "d.csv", **form)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert report_count(engine) == 0


def test_files_the_upload_cannot_read(client, reporter, app):
    assert upload(client, reporter, b"\xff\xfe\x00bad", "d.csv").json()["detail"].startswith("the file is not UTF-8")
    assert "format" in upload(client, reporter, b"a,b\n1,2\n", "d.xlsx").json()["detail"]
    assert upload(client, reporter, b"structure,country\n", "d.csv").json()["detail"] == "the file holds no rows"
    app.state.settings.max_batch_items = 2
    too_many = upload(client, reporter, csv_file(lab_rows(reference_molecules(3))), "d.csv")
    assert too_many.status_code == 422 and "at most 2 rows" in too_many.json()["detail"]


def test_who_may_upload_and_how(client, reporter, authority):
    content = csv_file(lab_rows(reference_molecules(1)))
    assert upload(client, authority, content, "d.csv").status_code == 403
    assert (
        client.post(
            "/v1/reports:upload", content=content, headers={**reporter.headers, "Content-Type": "text/csv"}
        ).status_code
        == 415
    )
    missing = client.post("/v1/reports:upload", data={"format": "csv"}, headers=reporter.headers)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
