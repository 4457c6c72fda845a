"""In Chromium, as a laboratory: upload a CSV with a column mapping, preview it, read the per-row
results (a bad row's error at its row), upload it again (nothing stored twice), see my reports."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_upload_a_csv_preview_it_and_read_each_rows_result(make_caller, open_page, sign_in, shoot, tmp_path):
    day = (dt.date.today() - dt.timedelta(days=4)).isoformat()
    csv_file = tmp_path / "detections.csv"
    csv_file.write_text(
        "Compound,name,sample_type,sampled_on,techniques,confidence,lab note\n"
        f"CNC(C)C(=O)c1ccc(C)cc1,mephedrone,seizure,{day},GC-MS;NMR,confirmed,bag 1\n"
        f"C1CC(,broken,seizure,{day},GC-MS,confirmed,bag 2\n"
        f"CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34,LSD,test_purchase,{day},LC-HRMS,tentative,blotter\n"
    )
    page = open_page()
    sign_in(page, make_caller("reporter").key)
    page.goto("/upload")
    page.get_by_label("CSV or SD file").set_input_files(str(csv_file))
    page.get_by_text("Column mapping and defaults").click()
    page.get_by_label("structure", exact=True).fill("Compound")
    page.get_by_label("country", exact=True).nth(1).fill("DK")  # the default, not the mapping
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview tbody tr")
    assert preview.count() == 3
    assert "CNC(C)C(=O)c1ccc(C)cc1" in preview.first.inner_text()
    shoot(page, "upload-preview")

    page.get_by_role("button", name="Upload").click()  # the file was kept from the preview
    assert page.get_by_test_id("upload-summary").inner_text() == "2 stored, 0 already stored (sent before), 1 rejected."
    rows = page.locator("#results tbody tr")
    assert [r.get_attribute("data-status") for r in rows.all()] == ["201", "422", "201"]
    assert "line 3" in rows.nth(1).inner_text() and rows.nth(1).locator(".error").inner_text()
    shoot(page, "upload-results")

    page.goto("/upload")
    page.get_by_label("CSV or SD file").set_input_files(str(csv_file))
    page.get_by_text("Column mapping and defaults").click()
    page.get_by_label("structure", exact=True).fill("Compound")
    page.get_by_label("country", exact=True).nth(1).fill("DK")
    page.get_by_role("button", name="Upload").click()
    assert page.get_by_test_id("upload-summary").inner_text() == "0 stored, 2 already stored (sent before), 1 rejected."

    page.get_by_role("link", name="My reports").click()
    assert page.locator("#reports tbody tr").count() == 2
    assert "mephedrone" in page.locator("#reports").inner_text()
    shoot(page, "my-reports")
