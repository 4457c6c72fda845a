"""Webhook signing secrets at rest: sealed in the database, opened to sign, re-sealed when the
key rotates, and a key that does not fit is an error a person can act on, never a 500."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import uuid
from collections.abc import Iterator

import pytest
from alerting_helpers import dispatch
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from service import cli
from service.db import make_engine, normalise_url, table_of
from service.organisations import service as organisations
from service.organisations.models import OrganisationCreate
from service.schema import upgrade
from service.settings import get_settings
from service.subscriptions.models import Subscription
from service.subscriptions.secret_box import SecretBox, SecretKeysError, SecretUnreadable, secret_box

POSTGRES_URL = os.environ.get("VARSEL_TEST_POSTGRES_URL")
KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def stored(engine, subscription_id: str) -> tuple[str, str | None]:  # noqa: ANN001
    with engine.connect() as connection:
        return tuple(
            connection.execute(
                text("SELECT secret, previous_secret FROM subscription WHERE id = :id"), {"id": subscription_id}
            ).one()
        )


def subscribe(client, caller, url: str) -> dict:  # noqa: ANN001
    response = client.post("/v1/subscriptions", json={"url": url}, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def keyed(settings):  # noqa: ANN001, ANN201
    """Settings with KEY_A as the only key."""
    return settings.model_copy(update={"secret_keys": SecretStr(KEY_A)})


@pytest.fixture
def keyed_client(keyed, engine):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    from service.app import create_app

    with TestClient(create_app(keyed, engine=engine)) as client:
        yield client


def test_the_database_holds_sealed_secrets_only(keyed_client, keyed, authority, receiver, engine):
    created = subscribe(keyed_client, authority, receiver.url())
    secret, previous = stored(engine, created["id"])
    assert previous is None
    assert not secret.startswith("whsec_") and created["secret"] not in secret
    assert SecretBox([KEY_A]).open(secret) == created["secret"]

    rotated = keyed_client.post(f"/v1/subscriptions/{created['id']}/rotate-secret", headers=authority.headers).json()
    secret, previous = stored(engine, created["id"])
    assert previous is not None  # rotation keeps the previous secret for its grace period
    assert not secret.startswith("whsec_") and not previous.startswith("whsec_")
    assert SecretBox([KEY_A]).open(secret) == rotated["secret"]
    assert SecretBox([KEY_A]).open(previous) == created["secret"]


def test_deliveries_are_signed_with_the_secret_the_subscriber_was_given(
    keyed_client, keyed, authority, receiver, engine
):
    created = subscribe(keyed_client, authority, receiver.url())
    keyed_client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    assert dispatch(keyed, engine).delivered == 1
    (request,) = receiver.requests
    Webhook(created["secret"]).verify(request.body, request.headers)


def test_rotating_the_key_reseals_every_secret_and_signing_goes_on(
    keyed_client, keyed, authority, receiver, engine, monkeypatch, capsys
):
    created = subscribe(keyed_client, authority, receiver.url())
    rotated = keyed_client.post(f"/v1/subscriptions/{created['id']}/rotate-secret", headers=authority.headers).json()
    before = stored(engine, created["id"])

    monkeypatch.setenv("VARSEL_DATABASE_URL", keyed.database_url)
    monkeypatch.setenv("VARSEL_SECRET_KEYS", f"{KEY_B},{KEY_A}")  # a new key first, the old one still opens
    get_settings.cache_clear()
    try:
        assert cli.main(["secrets", "rotate"]) == 0
    finally:
        get_settings.cache_clear()
    assert "re-sealed 2 secret(s) of 1 subscription(s)" in capsys.readouterr().err

    after = stored(engine, created["id"])
    only_b = SecretBox([KEY_B])
    assert after != before
    assert after[1] is not None
    assert (only_b.open(after[0]), only_b.open(after[1])) == (rotated["secret"], created["secret"])

    # the old key can go: the worker, with KEY_B alone, still signs with both secrets
    keyed_client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    assert dispatch(keyed, engine, secret_keys=SecretStr(KEY_B)).delivered == 1
    (request,) = receiver.requests
    for secret in (created["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_a_key_that_does_not_open_the_secrets_is_a_clear_error(
    keyed_client, keyed, authority, receiver, engine, monkeypatch, capsys, caplog
):
    created = subscribe(keyed_client, authority, receiver.url())
    keyed_client.post(f"/v1/subscriptions/{created['id']}/test", headers=authority.headers)
    sealed = stored(engine, created["id"])[0]

    # the worker: nothing is sent unsigned or with a wrong signature; the log says what is wrong
    with caplog.at_level(logging.ERROR, logger="varsel"):
        stats = dispatch(keyed, engine, secret_keys=SecretStr(KEY_C))
    assert stats.delivered == 0 and receiver.requests == []
    logged = caplog.text
    assert created["id"] in logged and "not in VARSEL_SECRET_KEYS" in logged
    assert KEY_C not in logged and sealed not in logged and created["secret"] not in logged

    # the rotation command refuses, changes nothing, and says which subscription and why
    monkeypatch.setenv("VARSEL_DATABASE_URL", keyed.database_url)
    monkeypatch.setenv("VARSEL_SECRET_KEYS", KEY_C)
    get_settings.cache_clear()
    try:
        assert cli.main(["secrets", "rotate"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert created["id"] in err and "not in VARSEL_SECRET_KEYS" in err and KEY_C not in err
    assert stored(engine, created["id"])[0] == sealed


def test_a_malformed_key_is_a_problem_not_a_500(settings, engine, authority, receiver):
    from fastapi.testclient import TestClient

    from service.app import create_app

    broken = settings.model_copy(update={"secret_keys": SecretStr("not-a-fernet-key-but-secret-looking")})
    with TestClient(create_app(broken, engine=engine)) as client:
        response = client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
    assert response.status_code == 503
    problem = response.json()
    assert "key 1 of VARSEL_SECRET_KEYS is not a Fernet key" in problem["detail"]
    assert "secret-looking" not in response.text
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM subscription")).scalar_one() == 0


def test_without_keys_a_key_file_is_made_once_readable_by_its_owner_only(settings):
    assert not settings.secret_keys_file.exists()
    box = secret_box(settings)
    mode = stat.S_IMODE(settings.secret_keys_file.stat().st_mode)
    assert mode == 0o600
    sealed = box.seal("whsec_dGVzdA==")
    content = settings.secret_keys_file.read_text()
    # a second process (the worker of `make run`) reads the same key
    from service.subscriptions import secret_box as module

    module._box.cache_clear()
    assert secret_box(settings).open(sealed) == "whsec_dGVzdA=="
    assert settings.secret_keys_file.read_text() == content


def test_threads_making_the_key_file_at_once_all_read_the_one_key(tmp_path):
    # The API's first requests arrive together, each in a thread of its own: every one must come
    # back with the same single key, none with a half-written file or a missing draft (a 500 in
    # the alert benchmark's first burst of subscriptions).
    import threading

    from service.subscriptions.secret_box import _read_or_create_keys_file

    for attempt in range(20):
        path = tmp_path / f"keys-{attempt}.txt"
        start = threading.Barrier(16)
        found: list[list[str] | BaseException] = []

        def make(path=path, start=start, found=found) -> None:  # noqa: ANN001
            start.wait()
            try:
                found.append(_read_or_create_keys_file(path))
            except BaseException as error:  # noqa: BLE001 - the test reports what each thread met
                found.append(error)

        threads = [threading.Thread(target=make) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(isinstance(keys, list) and len(keys) == 1 for keys in found), found
        assert len({tuple(keys) for keys in found if isinstance(keys, list)}) == 1, found
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".keys-{attempt}")] == []  # no draft left


def test_secret_box_messages_name_no_key_and_no_value():
    with pytest.raises(SecretKeysError, match="key 2 of VARSEL_SECRET_KEYS") as error:
        SecretBox([KEY_A, "hunter2hunter2"])
    assert "hunter2" not in str(error.value)
    sealed = SecretBox([KEY_A]).seal("whsec_c2VjcmV0")
    with pytest.raises(SecretUnreadable) as unreadable:
        SecretBox([KEY_B]).open(sealed)
    assert sealed not in str(unreadable.value) and KEY_B not in str(unreadable.value)


# --- migration 0007 on a database with secrets in it ------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path) -> Iterator[str]:  # noqa: ANN001
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("VARSEL_TEST_POSTGRES_URL is not set")
    admin_url = make_url(normalise_url(POSTGRES_URL))
    name = f"varsel_migrate_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_guarded(engine) -> bool:  # noqa: ANN001
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return (
            connection.execute(
                text("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'audit_log_no_truncate'")
            ).scalar_one()
            == 1
        )


def test_migration_0007_seals_existing_secrets_and_downgrades_cleanly(empty_database, monkeypatch):
    from alembic import command

    from service.schema import alembic_config

    monkeypatch.setenv("VARSEL_SECRET_KEYS", KEY_A)
    upgrade(empty_database, "0006")
    engine = make_engine(empty_database, pool_size=1)
    current, previous = "whsec_" + "A" * 88, "whsec_" + "B" * 43 + "="  # 64 and 32 random bytes
    now = dt.datetime.now(dt.UTC)
    with Session(engine, expire_on_commit=False) as session:
        org = organisations.create(
            session, data=OrganisationCreate(name="Org", kind="authority", country="DK"), principal=None
        )
    with engine.begin() as connection:
        connection.execute(
            table_of(Subscription).insert(),
            [
                dict(
                    id="01J0000000000000000000SUB1",
                    organisation_id=org.id,
                    url="https://hooks.example.org/x",
                    secret=current,
                    previous_secret=previous,
                    previous_secret_expires_at=now + dt.timedelta(hours=1),
                    filters={},
                    mode="immediate",
                    enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            ],
        )
        connection.execute(
            text(
                "INSERT INTO delivery (id, subscription_id, kind, message_id, body, state, next_attempt_at, "
                "attempts_made, created_at) VALUES ('D1', '01J0000000000000000000SUB1', 'test', 'm1', '{}', 'pending', "
                ":now, 0, :now)"
            ),
            {"now": now},
        )

    upgrade(empty_database, "head")
    sealed_current, sealed_previous = stored(engine, "01J0000000000000000000SUB1")
    assert sealed_previous is not None
    sealed = (sealed_current, sealed_previous)
    assert not any(value.startswith("whsec_") for value in sealed)
    assert tuple(SecretBox([KEY_A]).open(value) for value in sealed) == (current, previous)
    assert _truncate_guarded(engine) == (engine.dialect.name == "postgresql")
    with engine.connect() as connection:  # SQLite rebuilt the table: its deliveries must survive
        assert connection.execute(text("SELECT COUNT(*) FROM delivery")).scalar_one() == 1

    command.downgrade(alembic_config(empty_database), "0006")
    assert stored(engine, "01J0000000000000000000SUB1") == (current, previous)
    assert not _truncate_guarded(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM delivery")).scalar_one() == 1

    upgrade(empty_database, "head")
    assert SecretBox([KEY_A]).open(stored(engine, "01J0000000000000000000SUB1")[0]) == current
    assert _truncate_guarded(engine) == (engine.dialect.name == "postgresql")
    engine.dispose()
