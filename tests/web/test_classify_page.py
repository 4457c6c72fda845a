"""The 'Is it controlled?' page through FastAPI's client: a name looked up in the registry, near
misses in one readable sentence each, and errors at their field."""

from __future__ import annotations

import html
import re

UNDECYL_JWH = "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"
FIVE_F_APP_PINACA = "NC(=O)C(Cc1ccccc1)NC(=O)c1nn(CCCCCF)c2ccccc12"


def _signed_in(client, key: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found is not None
    token = found[1]
    client.post("/signin", data={"api_key": key, "csrf_token": token})
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/classify").text)
    assert found is not None
    return found[1]


def test_a_name_known_to_the_registry_is_classified(client, reporter, regulator, report_body):
    assert client.post("/v1/reports", headers=reporter.headers, json=report_body()).status_code == 201
    csrf = _signed_in(client, regulator.key)
    page = client.post(
        "/classify", data={"name": "Mephedrone Hydrochloride", "jurisdictions": "DK", "csrf_token": csrf}
    )
    assert page.status_code == 200
    assert "Answer for Mephedrone Hydrochloride" in page.text
    assert 'data-jurisdiction="DK"' in page.text and "controlled by group" in page.text
    unknown = client.post("/classify", data={"name": "no such drug", "csrf_token": csrf})
    assert unknown.status_code == 422 and 'id="name_error"' in unknown.text and 'id="answer"' not in unknown.text


def test_near_misses_read_as_one_short_sentence_with_the_full_reason_behind_it(client, regulator):
    csrf = _signed_in(client, regulator.key)
    # the undecyl analogue of JWH-018: NpSG 2.1.4 (2024 wording) allows a side chain of 3-10 atoms, it has 11
    page = client.post(
        "/classify", data={"structure": UNDECYL_JWH, "jurisdictions": "DE", "as_of": "2025-01-01", "csrf_token": csrf}
    )
    items = re.findall(
        r'<li><strong>([^<]*)</strong> \(([A-Z]{2})\): <span class="near-miss-summary">(.*?)</span>\s*'
        r'<details><summary>Full reason</summary><p class="hint">(.*?)</p></details>',
        page.text,
        flags=re.DOTALL,
    )
    assert len(items) == 1, page.text
    title, code, sentence, full = items[0]
    assert code == "DE" and "Cannabimimetika" in title
    sentence = html.unescape(sentence)
    assert len(sentence) <= 200 and sentence.endswith(".") and "…" not in sentence
    assert "side chain" in sentence and "11 atoms" in sentence and "3–10" in sentence
    assert len(html.unescape(full)) > 500  # every allowed class, as the classifier words the reason
    assert 'id="near_misses_left_out"' not in page.text


def test_incidental_phenethylamine_cores_are_left_out_and_counted(client, regulator):
    csrf = _signed_in(client, regulator.key)
    page = client.post(
        "/classify",
        data={"structure": FIVE_F_APP_PINACA, "jurisdictions": ["DE", "GB"], "as_of": "2025-01-01", "csrf_token": csrf},
    )
    assert page.status_code == 200
    near = re.search(r'<ul id="near_misses">(.*?)</ul>', page.text, flags=re.DOTALL)
    assert near is None or "henethylamin" not in near[1]  # neither the NpSG nor the MDA phenethylamine clauses
    left_out = re.search(r'<p class="hint" id="near_misses_left_out">(.*?)</p>', page.text, flags=re.DOTALL)
    assert left_out, page.text
    assert "1 in DE" in left_out[1] and "2 in GB" in left_out[1] and "incidental" in left_out[1]


def test_an_unknown_jurisdiction_or_date_is_shown_at_its_field(client, regulator):
    csrf = _signed_in(client, regulator.key)
    page = client.post("/classify", data={"structure": "CCO", "jurisdictions": "XX", "csrf_token": csrf})
    assert page.status_code == 422 and "no rules for jurisdiction &#39;XX&#39;" in page.text
    page = client.post("/classify", data={"structure": "CCO", "as_of": "2024-13-45", "csrf_token": csrf})
    assert (
        page.status_code == 422
        and 'id="as_of"' in page.text
        and 'aria-invalid="true" class="field-error">' in page.text
    )


def test_an_end_read_only_as_a_bound_is_shown_as_such(client, regulator):
    # fenfluramine left Schedule IV (87 FR 78857) on a day not read, by 16 April 2023 at the latest
    csrf = _signed_in(client, regulator.key)
    page = client.post(
        "/classify",
        data={
            "structure": "CCNC(C)Cc1cccc(C(F)(F)F)c1",
            "jurisdictions": "US",
            "as_of": "2023-01-15",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "end date not recorded" in text and "2023-04-16" in text
    assert "<br>until 2023-04-16" not in text  # the bound is not shown as the end date
