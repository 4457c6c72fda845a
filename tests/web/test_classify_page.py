"""The 'Is it controlled?' page through FastAPI's client: a name looked up in the registry, near
misses in one readable sentence each, and errors at their field."""

from __future__ import annotations

import re

LSD = "CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34"


def _signed_in(client, key: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)[1]
    client.post("/signin", data={"api_key": key, "csrf_token": token})
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/classify").text)[1]


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
    page = client.post("/classify", data={"structure": LSD, "csrf_token": csrf})
    items = re.findall(r"<li><strong>[^<]*</strong> \([A-Z]{2}\): (.*?)\n\s*<details>", page.text, flags=re.DOTALL)
    assert items, "LSD is a near miss of several tryptamine and cannabinoid clauses"
    full = re.findall(r'<p class="hint">(core .*?)</p></details>', page.text, flags=re.DOTALL)
    assert max(len(f) for f in full) > 700  # the reasons as the classifier words them
    for sentence in items:
        assert len(sentence) <= 245 and sentence.endswith((".", "…")), sentence


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
