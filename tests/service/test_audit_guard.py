"""The audit log as evidence: no statement empties it, the application's database role cannot
switch its guards off, and what it records of a webhook URL gives away no credentials."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from service import cli
from service.app import create_app
from service.audit.redact import redact_url
from service.audit.service import record
from service.db import make_engine, normalise_url
from service.subscriptions import service as subscriptions_service

POSTGRES_URL = os.environ.get("VARSEL_TEST_POSTGRES_URL")


def _on_postgres(url: str) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no TRUNCATE and no roles")


# --- TRUNCATE ---------------------------------------------------------------------------------


def test_truncate_of_the_audit_log_is_refused(client, reporter, report_body, engine, database_url):
    _on_postgres(database_url)
    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one() > 0


# --- the application's role -------------------------------------------------------------------


@pytest.fixture
def app_role_url(database_url: str) -> Iterator[str]:
    """A login role made by `varsel db grant-app-role` on the test database, and its URL."""
    _on_postgres(database_url)
    role = f"varsel_app_{uuid.uuid4().hex[:8]}"
    assert cli.main(["db", "grant-app-role", "--role", role, "--url", database_url]) == 0
    # the test server trusts local connections, so the role needs no password here
    yield make_url(normalise_url(database_url)).set(username=role, password=None).render_as_string(hide_password=False)
    owner = make_engine(database_url, pool_size=1)
    with owner.begin() as connection:
        connection.execute(text(f'DROP OWNED BY "{role}"'))
        connection.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP TRIGGER audit_log_no_truncate ON audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_log DROP COLUMN detail",
        "TRUNCATE audit_log",
        "UPDATE audit_log SET action = 'tampered'",
        "DELETE FROM audit_log",
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN NULL; END $$",
        "CREATE TABLE intruder (id int)",
    ],
)
def test_the_application_role_cannot_touch_the_audit_guards(app_role_url, client, reporter, report_body, statement):
    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    app_engine = make_engine(app_role_url, pool_size=1)
    try:
        with pytest.raises(DBAPIError, match="must be owner|permission denied"):
            with app_engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        app_engine.dispose()


def test_the_application_role_writes_and_audits(app_role_url, settings, reporter, authority, report_body, receiver):
    app_engine = make_engine(app_role_url, pool_size=2)
    try:
        with TestClient(create_app(settings, engine=app_engine)) as app_client:
            assert app_client.get("/readyz").status_code == 200  # reads alembic_version
            assert app_client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
            created = app_client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
            assert created.status_code == 201, created.text
            subscription = created.json()["id"]
            assert (
                app_client.post(
                    f"/v1/subscriptions/{subscription}/rotate-secret", headers=authority.headers
                ).status_code
                == 200
            )
            assert app_client.delete(f"/v1/subscriptions/{subscription}", headers=authority.headers).status_code == 204
        with Session(app_engine) as session:
            record(session, principal=None, action="test.insert", entity="test", entity_id="1")
            session.commit()
        with app_engine.connect() as connection:
            actions = set(connection.execute(text("SELECT action FROM audit_log")).scalars())
        assert {"report.create", "subscription.create", "subscription.delete", "test.insert"} <= actions
    finally:
        app_engine.dispose()


def test_grant_app_role_is_repeatable_and_covers_tables_made_later(app_role_url, database_url):
    role = make_url(app_role_url).username
    assert role is not None
    assert cli.main(["db", "grant-app-role", "--role", role, "--url", database_url]) == 0
    owner = make_engine(database_url, pool_size=1)
    with owner.begin() as connection:
        connection.execute(text("CREATE TABLE later_table (id int)"))
    owner.dispose()
    app_engine = make_engine(app_role_url, pool_size=1)
    try:
        with app_engine.begin() as connection:
            connection.execute(text("INSERT INTO later_table VALUES (1)"))
    finally:
        app_engine.dispose()
        with make_engine(database_url, pool_size=1).begin() as connection:
            connection.execute(text("DROP TABLE later_table"))


# --- webhook URLs in audit details ------------------------------------------------------------


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pw@hooks.example.org/x?token=abc", "https://hooks.example.org/x?…"),
        ("https://hooks.example.org:8443/a/b#frag", "https://hooks.example.org:8443/a/b#…"),
        ("https://hooks.example.org/x", "https://hooks.example.org/x"),
        ("http://[::1]:9/p?q", "http://[::1]:9/p?…"),
        ("https://hooks.example.org/x?…", "https://hooks.example.org/x?…"),  # redacting twice changes nothing
        ("not a url at all", "not a url at all"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def _audit_text(client, caller) -> str:  # noqa: ANN001
    response = client.get("/v1/audit", headers=caller.headers)
    assert response.status_code == 200
    return json.dumps(response.json()["items"])


def test_a_regulator_reads_webhook_urls_without_credentials_or_query(client, authority, regulator, monkeypatch):
    # The SSRF check refuses credentials in URLs (and hooks.example.org does not resolve here);
    # the audit log must not depend on it, so this test lets the URL through as an older
    # release, or a later change of that policy, would have.
    monkeypatch.setattr(subscriptions_service, "check_url", lambda url, *, allow_private: None)
    created = client.post(
        "/v1/subscriptions", json={"url": "https://user:pw@hooks.example.org/x?token=abc"}, headers=authority.headers
    )
    assert created.status_code == 201, created.text
    changed = client.patch(
        f"/v1/subscriptions/{created.json()['id']}",
        headers=authority.headers,
        json={"url": "https://admin:hunter2@hooks.example.org/y?sig=def#part"},
    )
    assert changed.status_code == 200, changed.text

    items = client.get("/v1/audit", headers=regulator.headers).json()["items"]
    urls = [item["detail"]["url"] for item in items if item["entity"] == "subscription"]
    assert urls == ["https://hooks.example.org/y?…#…", "https://hooks.example.org/x?…"]
    shown = _audit_text(client, regulator)
    for leaked in ("user", "pw@", "token", "abc", "admin:", "hunter2", "sig=", "def", "part"):
        assert leaked not in shown


def test_audit_rows_written_before_redaction_are_redacted_when_read(client, engine, regulator):
    with Session(engine) as session:  # as the previous release recorded it
        record(
            session,
            principal=None,
            action="subscription.create",
            entity="subscription",
            entity_id="old",
            detail={"url": "https://user:pw@hooks.example.org/x?token=abc", "mode": "immediate"},
        )
        session.commit()
    (item,) = [i for i in client.get("/v1/audit", headers=regulator.headers).json()["items"] if i["entity_id"] == "old"]
    assert item["detail"] == {"url": "https://hooks.example.org/x?…", "mode": "immediate"}
