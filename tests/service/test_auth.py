"""401 for who you are, 403 for what you may do: each boundary of each role."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.auth.models import ApiKey

PUBLIC = ["/healthz", "/readyz", "/docs", "/openapi.json"]


@pytest.mark.parametrize("path", PUBLIC)
def test_health_and_docs_need_no_key(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "headers, detail",
    [
        ({}, "no API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer"),
        ({"Authorization": "Bearer "}, "Bearer"),
        ({"Authorization": "Bearer vsl_0000000000000000_nope"}, "unknown or revoked"),
        ({"Authorization": "Bearer not-a-varsel-key"}, "unknown or revoked"),
    ],
)
def test_missing_or_bad_keys_are_401(client, headers, detail):
    response = client.get("/v1/reports", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_a_key_with_a_wrong_secret_is_401(client, reporter):
    key_id = reporter.key.split("_")[1]
    forged = {"Authorization": f"Bearer vsl_{key_id}_{'A' * 43}"}
    assert client.get("/v1/reports", headers=forged).status_code == 401


def test_a_revoked_key_is_401(client, admin, reporter):
    assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
    revoked = client.post(f"/v1/keys/{reporter.key_id}:revoke", headers=admin.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/v1/reports", headers=reporter.headers).status_code == 401


def test_keys_are_stored_hashed(client, engine, reporter):
    with Session(engine) as session:
        row = session.get(ApiKey, reporter.key_id)
    assert row is not None
    secret = reporter.key.split("_", 2)[2]
    assert secret not in row.secret_hash and len(row.secret_hash) == 64


# (role fixture, method, path, expected status) — 403 where the role may not, 2xx/4xx-not-403 where it may
BOUNDARIES = [
    ("authority", "post", "/v1/reports", 403),
    ("regulator", "post", "/v1/reports", 403),
    ("admin", "post", "/v1/reports", 403),
    ("authority", "post", "/v1/reports:batch", 403),
    ("admin", "get", "/v1/reports", 403),
    ("reporter", "get", "/v1/substances", 403),
    ("admin", "get", "/v1/substances", 403),
    ("authority", "get", "/v1/substances", 200),
    ("regulator", "get", "/v1/substances", 200),
    ("reporter", "post", "/v1/organisations", 403),
    ("authority", "post", "/v1/organisations", 403),
    ("regulator", "post", "/v1/organisations", 403),
    ("reporter", "get", "/v1/audit", 403),
    ("authority", "get", "/v1/audit", 403),
    ("regulator", "get", "/v1/audit", 200),
    ("admin", "get", "/v1/audit", 200),
    ("regulator", "get", "/v1/organisations", 200),
    ("reporter", "get", "/v1/organisations", 403),
]


@pytest.mark.parametrize("role, method, path, expected", BOUNDARIES, ids=[f"{r}-{m}-{p}" for r, m, p, _ in BOUNDARIES])
def test_role_boundaries(request, client, report_body, role, method, path, expected):
    caller = request.getfixturevalue(role)
    kwargs = {}
    if method == "post":
        kwargs["json"] = (
            {"items": [report_body()]}
            if path.endswith(":batch")
            else (
                report_body() if path == "/v1/reports" else {"name": "New lab", "kind": "forensic_lab", "country": "SE"}
            )
        )
    response = getattr(client, method)(path, headers=caller.headers, **kwargs)
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["type"] == "/problems/forbidden"


def test_admin_manages_organisations_and_keys_over_the_api(client, admin, report_body):
    org = client.post(
        "/v1/organisations",
        json={"name": "NFI Netherlands", "kind": "forensic_lab", "country": "nl"},
        headers=admin.headers,
    )
    assert org.status_code == 201 and org.json()["country"] == "NL"
    duplicate = client.post(
        "/v1/organisations",
        json={"name": "NFI Netherlands", "kind": "forensic_lab", "country": "NL"},
        headers=admin.headers,
    )
    assert duplicate.status_code == 409
    bad = client.post(
        "/v1/organisations", json={"name": "X lab", "kind": "bakery", "country": "NL"}, headers=admin.headers
    )
    assert bad.status_code == 422
    key = client.post(f"/v1/organisations/{org.json()['id']}/keys", json={"role": "reporter"}, headers=admin.headers)
    assert key.status_code == 201
    new_key = key.json()["key"]
    listed = client.get(f"/v1/organisations/{org.json()['id']}/keys", headers=admin.headers).json()
    assert [k["id"] for k in listed] == [key.json()["id"]] and "key" not in listed[0]
    report = client.post("/v1/reports", json=report_body(country="NL"), headers={"Authorization": f"Bearer {new_key}"})
    assert report.status_code == 201
    assert report.json()["organisation_id"] == org.json()["id"]
    audit = client.get("/v1/audit", headers=admin.headers).json()["items"]
    assert {"organisation.create", "key.create", "report.create"} <= {a["action"] for a in audit}
    assert new_key not in str(audit)
