"""Migrations and models agree; the audit log is append-only; readiness knows the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import service.models  # noqa: F401
from service.app import create_app
from service.db import make_engine
from service.settings import Settings


def test_autogenerate_finds_no_difference_between_models_and_migrations(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_audit_log_rejects_updates_and_deletes(client, reporter, report_body, engine):
    client.post("/v1/reports", json=report_body(), headers=reporter.headers)
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = 'tampered'")).scalar_one() == 0


def test_readyz_reports_an_unmigrated_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(Settings(database_url=url), engine=make_engine(url))
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"].startswith("at ")


def test_readyz_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}
