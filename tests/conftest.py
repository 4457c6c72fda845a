"""Shared fixtures: real databases (SQLite always, PostgreSQL when VARSEL_TEST_POSTGRES_URL is
set), migrated by Alembic exactly as `varsel migrate` does, and API clients per role."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from webhook_receiver import WebhookReceiver

from service.app import create_app
from service.auth.models import Role
from service.db import make_engine, normalise_url, stored_id
from service.organisations import service as organisations
from service.organisations.models import OrganisationCreate
from service.schema import upgrade
from service.settings import Settings

POSTGRES_URL = os.environ.get("VARSEL_TEST_POSTGRES_URL")
NO_POSTGRES = "VARSEL_TEST_POSTGRES_URL is not set: no PostgreSQL to run against (.ci/run sets it when one answers)"


def _create_postgres_database() -> tuple[str, Callable[[], None]]:
    assert POSTGRES_URL, NO_POSTGRES
    admin_url = make_url(normalise_url(POSTGRES_URL))
    name = f"varsel_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the migrations' head: a template file on SQLite, a fresh database on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url, drop = _create_postgres_database()
    upgrade(url)
    yield url
    drop()


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if migrated_database.startswith("sqlite"):
        path = tmp_path / "varsel.db"
        source = make_url(migrated_database).database
        assert source is not None  # a file-backed SQLite database
        shutil.copyfile(source, path)
        yield f"sqlite:///{path}"
        return
    yield migrated_database
    engine = make_engine(migrated_database, pool_size=1)
    # A server thread of the test (a browser test's live app, a worker) can still be finishing a
    # transaction when the test ends; TRUNCATE's exclusive lock then waits for it, and PostgreSQL
    # may pick the TRUNCATE as a deadlock victim. That is the cleanup racing the test's own
    # stragglers, not a defect under test: wait and try again, a few times, then let it fail.
    for attempt in range(6):
        try:
            _truncate_all(engine)
            break
        except OperationalError as error:
            if attempt == 5 or "deadlock detected" not in str(error):
                raise
            time.sleep(0.5 * (attempt + 1))
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as connection:
        tables = [
            r[0]
            for r in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            # the audit log refuses TRUNCATE (a trigger); as superuser the test may switch triggers off
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        demo_keys_file=tmp_path / "keys.txt",
        webhook_allow_private=True,
        secret_keys_file=tmp_path / "secret-keys.txt",
    )


@pytest.fixture
def app(settings: Settings, engine: Engine):  # noqa: ANN201
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Caller:
    """An organisation and one API key of it, ready to call the API."""

    organisation_id: int
    organisation_name: str
    key_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def make_caller(engine: Engine) -> Callable[..., Caller]:
    counter = iter(range(1, 10_000))

    def make(role: Role | str, *, org: str | None = None, kind: str = "forensic_lab", country: str = "DK") -> Caller:
        with Session(engine, expire_on_commit=False) as session:
            name = org or f"Test organisation {next(counter)}"
            found = organisations.get(session, ref=name)
            if found is None:
                found = organisations.create(
                    session, data=OrganisationCreate(name=name, kind=kind, country=country), principal=None
                )
            created = organisations.issue_key(
                session, organisation=found, role=Role(role), label="test", principal=None
            )
        return Caller(stored_id(found), found.name, created.id, created.key)

    return make


@pytest.fixture
def reporter(make_caller) -> Caller:  # noqa: ANN001
    return make_caller("reporter", org="Rigshospitalet Forensic Chemistry", country="DK")


@pytest.fixture
def authority(make_caller) -> Caller:  # noqa: ANN001
    return make_caller("authority", org="Danish Health Authority", kind="authority", country="DK")


@pytest.fixture
def regulator(make_caller) -> Caller:  # noqa: ANN001
    return make_caller("regulator", org="Danish Medicines Agency", kind="regulator", country="DK")


@pytest.fixture
def admin(make_caller) -> Caller:  # noqa: ANN001
    return make_caller("admin", org="Varsel operators", kind="national_focal_point", country="DK")


TABLES = ("organisation", "api_key", "substance", "substance_name", "report", "audit_log")


@pytest.fixture
def report_body() -> Callable[..., dict[str, Any]]:
    def build(**overrides: Any) -> dict[str, Any]:
        body = {
            "structure": "CNC(C)C(=O)c1ccc(C)cc1.Cl",  # mephedrone hydrochloride
            "substance_name": "mephedrone hydrochloride",
            "sample_type": "seizure",
            "country": "DK",
            "sampled_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
            "techniques": ["GC-MS", "NMR"],
            "confidence": "confirmed",
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    return build


@pytest.fixture
def row_counts(engine: Engine) -> Callable[[], dict[str, int]]:
    def count() -> dict[str, int]:
        with engine.connect() as connection:
            return {t: connection.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    return count


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real webhook receiver on 127.0.0.1 (see tests/webhook_receiver.py)."""
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()
