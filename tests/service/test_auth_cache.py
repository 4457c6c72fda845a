"""The short-lived cache of checked API keys: what it trusts, for how long, and what it keeps."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.app import create_app
from service.auth import service as keys


@pytest.fixture
def clock() -> list[float]:
    return [1000.0]


def make_client(settings, engine, clock, ttl):  # noqa: ANN001, ANN201
    app = create_app(settings.model_copy(update={"auth_cache_seconds": ttl}), engine=engine)
    app.state.principals.clock = lambda: clock[0]
    return app, TestClient(app)


def revoke_elsewhere(engine, key_id: str) -> None:  # noqa: ANN001
    """What `varsel keys revoke` in another process does: the database changes, this process's cache does not."""
    with Session(engine) as session:
        keys.revoke_key(session, key_id=key_id)
        session.commit()


def test_a_key_revoked_through_the_api_stops_at_once(settings, engine, clock, reporter, admin):  # noqa: ANN001
    app, client = make_client(settings, engine, clock, ttl=60)
    with client:
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
        assert client.post(f"/v1/keys/{reporter.key_id}:revoke", headers=admin.headers).status_code == 200
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 401


def test_a_revocation_by_another_process_counts_once_the_cached_check_expires(settings, engine, clock, reporter):  # noqa: ANN001
    app, client = make_client(settings, engine, clock, ttl=5)
    with client:
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
        revoke_elsewhere(engine, reporter.key_id)
        clock[0] += 4.9
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 200  # trusted, as documented
        clock[0] += 0.2
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 401
        clock[0] += 10  # a refused key is never cached as good
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 401


def test_with_no_cache_every_request_asks_the_database(settings, engine, clock, reporter):  # noqa: ANN001
    app, client = make_client(settings, engine, clock, ttl=0)
    with client:
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
        revoke_elsewhere(engine, reporter.key_id)
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 401


def test_unknown_keys_are_not_cached_and_no_plaintext_is_kept(settings, engine, clock, reporter):  # noqa: ANN001
    app, client = make_client(settings, engine, clock, ttl=60)
    with client:
        forged = reporter.key[:-4] + "AAAA"
        assert client.get("/v1/reports", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        assert client.get("/v1/reports", headers=reporter.headers).status_code == 200
    entries = app.state.principals._entries
    assert len(entries) == 1
    (stored,) = entries
    secret = reporter.key.split("_", 2)[2]  # the secret itself may contain "_"
    assert secret and reporter.key not in stored and secret not in stored
    assert stored == keys.hash_secret(reporter.key)


def test_the_cache_is_bounded(clock) -> None:  # noqa: ANN001
    from service.auth.models import Principal, Role

    cache = keys.PrincipalCache(60, max_entries=3, clock=lambda: clock[0])
    principal = Principal(
        key_id="k", role=Role.reporter, organisation_id=1, organisation_name="o", organisation_country="DK"
    )
    for n in range(10):
        cache.put(f"vsl_k_{n}", principal)
    assert len(cache._entries) <= 3
    assert cache.get("vsl_k_9") == principal
