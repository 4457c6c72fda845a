"""GET /v1/instruments (and the same facts on /v1/groups): every encoded instrument, how far it is
consolidated, and how many entries it holds."""

from __future__ import annotations

import re

from chemistry.rulebook import load_rulebook

CONSOLIDATION = re.compile(r"^(consolidated to \d{4}-\d{2}-\d{2}|consolidation date not recorded)$")


def test_every_rule_is_listed_once_under_its_act_with_its_entries(client, authority):
    response = client.get("/v1/instruments", headers=authority.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["rulebook_version"]) == 64
    rules = {rule.id: rule for rule in load_rulebook()}
    listed = [r for item in body["items"] for r in item["rules"]]
    assert sorted(r["rule_id"] for r in listed) == sorted(rules)
    for item in body["items"]:
        assert {rules[r["rule_id"]].citation.act for r in item["rules"]} == {item["act"]}
        assert {rules[r["rule_id"]].jurisdiction for r in item["rules"]} == {item["jurisdiction"]}
        assert item["entries"] == sum(r["entries"] for r in item["rules"])
        assert CONSOLIDATION.match(item["consolidation"])
        dates = [r["consolidated_to"] for r in item["rules"]]
        assert item["consolidated_to"] == (None if None in dates else min(dates))
    for entry in listed:
        rule = rules[entry["rule_id"]]
        assert CONSOLIDATION.match(entry["consolidation"])
        if rule.kind == "group":
            assert entry["entries"] == len(rule.cores)
        else:
            assert entry["entries"] == len(rule.substances) + len(rule.file_substances())
    register = next(r for r in listed if r["rule_id"] == "de-amg-medicines")
    assert register["controls"] is False and register["entries"] >= 1500
    assert register["consolidation"].startswith("consolidated to ")


def test_filters_by_jurisdiction_and_date(client, authority):
    de = client.get("/v1/instruments", params={"jurisdiction": "DE"}, headers=authority.headers).json()["items"]
    assert de and {item["jurisdiction"] for item in de} == {"DE"}
    assert any("NpSG" in item["act"] or "Neue-psychoaktive-Stoffe" in item["act"] for item in de)
    before = client.get(
        "/v1/instruments", params={"jurisdiction": "DE", "in_force_on": "2010-01-01"}, headers=authority.headers
    ).json()["items"]
    rules_before = {r["rule_id"] for item in before for r in item["rules"]}
    assert not any(rule_id.startswith("de-npsg") for rule_id in rules_before)  # the NpSG dates from 2016
    assert client.get("/v1/instruments", params={"jurisdiction": "de"}, headers=authority.headers).status_code == 422


def test_groups_carry_consolidation_and_entries(client, authority):
    items = client.get("/v1/groups", params={"jurisdiction": "DE"}, headers=authority.headers).json()["items"]
    for item in items:
        assert CONSOLIDATION.match(item["consolidation"])
        assert item["entries"] >= 1
    register = next(i for i in items if i["id"] == "de-amg-medicines")
    assert register["controls"] is False and register["entries"] >= 1500
    detail = client.get("/v1/groups/de-amg-medicines", headers=authority.headers).json()
    assert detail["substances_file"] == "data/approved_medicines.csv"


def test_who_may_list_instruments(client, reporter, authority, regulator, admin):
    for caller in (reporter, authority, regulator):
        assert client.get("/v1/instruments", headers=caller.headers).status_code == 200
    assert client.get("/v1/instruments", headers=admin.headers).status_code == 403  # as /v1/groups
    assert client.get("/v1/instruments").status_code == 401


def test_the_openapi_schema_has_the_instruments_route(client):
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/v1/instruments"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/InstrumentPage")
    assert {"consolidated_to", "consolidation", "entries", "rules"} <= set(
        spec["components"]["schemas"]["InstrumentRead"]["properties"]
    )
