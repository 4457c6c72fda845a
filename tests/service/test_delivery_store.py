"""The SQL delivery store on a real database (SQLite, and PostgreSQL when configured): what a
claim hands a worker, and what recording a batch of attempts changes, lease rules included.

The dispatcher tests cover the store through the whole worker; these pin down the store's own
contract, which its batched statements (one UPDATE for deliveries that move alike) must keep.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from ulid import ULID

from alerts.delivery import DeliveryResult
from alerts.signing import generate_secret
from alerts.storage import DeliveryOutcome
from service.alerting.models import AlertRow, Delivery, DeliveryAttempt
from service.alerting.store import SqlDeliveryStore, _Record, due_query, plan_claims
from service.db import table_of
from service.organisations.models import Organisation
from service.subscriptions.models import Subscription

T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
OK = DeliveryResult(status_code=200, latency_ms=3.5, error=None, response_excerpt="ok")
FAILED = DeliveryResult(status_code=503, latency_ms=8.0, error="HTTP 503", response_excerpt="busy")


def _seed(engine: Engine, *, endpoints: int = 3, alerts: int = 2) -> dict:
    """``endpoints`` subscriptions and one delivery per (alert, endpoint), due one second apart by
    alert; the second endpoint has a previous secret still in its grace period."""
    secrets = [generate_secret() for _ in range(endpoints)]
    previous = generate_secret()
    subscription_ids = [str(ULID()) for _ in range(endpoints)]
    alert_ids = [str(ULID()) for _ in range(alerts)]
    events = {a: f'{{"specversion":"1.0","id":"{a}","data":"é"}}' for a in alert_ids}
    deliveries = []
    with engine.begin() as connection:
        org_key = connection.execute(
            table_of(Organisation).insert().values(name="Store test authority", kind="authority", country="DK")
        ).inserted_primary_key
        assert org_key is not None
        org = org_key[0]
        connection.execute(
            table_of(Subscription).insert(),
            [
                dict(
                    id=s,
                    organisation_id=org,
                    url=f"http://127.0.0.1:9/hook/{i}",
                    secret=secrets[i],
                    previous_secret=previous if i == 1 else None,
                    previous_secret_expires_at=T0 + dt.timedelta(hours=1) if i == 1 else None,
                    filters={},
                    mode="immediate",
                    enabled=True,
                    created_at=T0,
                    updated_at=T0,
                )
                for i, s in enumerate(subscription_ids)
            ],
        )
        connection.execute(
            table_of(AlertRow).insert(),
            [
                dict(
                    id=a,
                    dedup_key=a,
                    type="report.intoxication",
                    severity="high",
                    severity_rank=3,
                    countries=",DK,",
                    document={},
                    event=events[a],
                    created_at=T0,
                    stored_at=T0,
                )
                for a in alert_ids
            ],
        )
        for k, a in enumerate(alert_ids):
            for s in subscription_ids:
                deliveries.append(
                    dict(
                        id=str(ULID()),
                        subscription_id=s,
                        alert_id=a,
                        kind="alert",
                        message_id=a,
                        body=None,
                        state="pending",
                        next_attempt_at=T0 + dt.timedelta(seconds=k),
                        attempts_made=0,
                        created_at=T0,
                    )
                )
        # one test delivery carries its own body instead of an alert's event
        deliveries.append(
            dict(
                id=str(ULID()),
                subscription_id=subscription_ids[0],
                alert_id=None,
                kind="test",
                message_id="msg_test",
                body='{"test":true}',
                state="pending",
                next_attempt_at=T0 + dt.timedelta(seconds=alerts),
                attempts_made=0,
                created_at=T0,
            )
        )
        connection.execute(table_of(Delivery).insert(), deliveries)
    return {
        "secrets": secrets,
        "previous": previous,
        "subscriptions": subscription_ids,
        "alerts": alert_ids,
        "events": events,
        "deliveries": deliveries,
    }


def _rows(engine: Engine, table, **where):  # noqa: ANN001, ANN202
    with engine.connect() as connection:
        query = select(table)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return connection.execute(query).all()


def _records(claimed, worker: str, outcome=DeliveryOutcome.delivered, result=OK, next_at=None):  # noqa: ANN001, ANN202
    return [_Record(d.id, worker, T0, result, outcome, next_at) for d in claimed]


def test_a_claim_hands_out_due_deliveries_in_order_with_their_bodies_and_secrets(engine):
    seeded = _seed(engine)
    store = SqlDeliveryStore(engine)

    claimed = store.claim_sync(now=T0 + dt.timedelta(seconds=10), limit=100, worker_id="w1", lease_seconds=60)

    expected_order = sorted(seeded["deliveries"], key=lambda d: (d["next_attempt_at"], d["id"]))
    assert [d.id for d in claimed] == [d["id"] for d in expected_order]
    by_id = {d["id"]: d for d in seeded["deliveries"]}
    for delivery in claimed:
        seed = by_id[delivery.id]
        index = seeded["subscriptions"].index(seed["subscription_id"])
        assert delivery.endpoint_id == seed["subscription_id"]
        assert delivery.url == f"http://127.0.0.1:9/hook/{index}"
        assert delivery.message_id == seed["message_id"]
        assert delivery.body == (seed["body"] or seeded["events"][seed["alert_id"]]).encode("utf-8")
        expected_secrets = (seeded["secrets"][index], seeded["previous"]) if index == 1 else (seeded["secrets"][index],)
        assert delivery.secrets == expected_secrets
        assert delivery.attempts_made == 0 and delivery.first_attempt_at is None
    # leased: a second claim, by anyone, gets nothing until the lease runs out
    assert store.claim_sync(now=T0 + dt.timedelta(seconds=20), limit=100, worker_id="w2", lease_seconds=60) == []
    again = store.claim_sync(now=T0 + dt.timedelta(seconds=71), limit=100, worker_id="w2", lease_seconds=60)
    assert sorted(d.id for d in again) == sorted(d.id for d in claimed)


def test_only_due_deliveries_are_claimed_and_the_limit_holds(engine):
    seeded = _seed(engine, endpoints=3, alerts=2)
    store = SqlDeliveryStore(engine)
    first = store.claim_sync(now=T0, limit=100, worker_id="w1", lease_seconds=60)
    assert {d.message_id for d in first} == {seeded["alerts"][0]}  # the second alert is due a second later
    rest = store.claim_sync(now=T0 + dt.timedelta(seconds=5), limit=2, worker_id="w1", lease_seconds=60)
    assert len(rest) == 2


def test_recording_a_batch_moves_every_delivery_and_logs_every_attempt(engine):
    _seed(engine)
    store = SqlDeliveryStore(engine)
    claimed = store.claim_sync(now=T0 + dt.timedelta(seconds=10), limit=100, worker_id="w1", lease_seconds=60)
    retried, delivered = claimed[0], claimed[1:]
    retry_at = T0 + dt.timedelta(minutes=2)

    store.record_sync(
        _records(delivered, "w1") + _records([retried], "w1", DeliveryOutcome.retry_scheduled, FAILED, retry_at)
    )

    rows = {row.id: row for row in _rows(engine, table_of(Delivery))}
    for delivery in delivered:
        row = rows[delivery.id]
        assert (row.state, row.attempts_made, row.leased_by, row.lease_until) == ("delivered", 1, None, None)
        assert row.first_attempt_at == T0 and row.last_attempt_at == T0
    row = rows[retried.id]
    assert (row.state, row.attempts_made, row.leased_by, row.next_attempt_at) == ("pending", 1, None, retry_at)
    attempts = _rows(engine, table_of(DeliveryAttempt))
    assert len(attempts) == len(claimed) and all(a.counted and a.worker_id == "w1" for a in attempts)
    failed = [a for a in attempts if a.delivery_id == retried.id]
    assert [(a.status_code, a.error, a.outcome, a.response_excerpt) for a in failed] == [
        (503, "HTTP 503", "retry_scheduled", "busy")
    ]
    # the retried delivery's endpoint answered other deliveries in the same batch: not failing
    assert all(s.failing_since is None for s in _rows(engine, table_of(Subscription)))


def test_an_endpoint_that_only_failed_is_marked_failing_and_a_later_success_clears_it(engine):
    seeded = _seed(engine, endpoints=1, alerts=1)
    store = SqlDeliveryStore(engine)
    claimed = store.claim_sync(now=T0 + dt.timedelta(seconds=10), limit=100, worker_id="w1", lease_seconds=60)
    store.record_sync(_records(claimed, "w1", DeliveryOutcome.retry_scheduled, FAILED, T0 + dt.timedelta(seconds=30)))
    (subscription,) = _rows(engine, table_of(Subscription))
    assert subscription.failing_since == T0

    again = store.claim_sync(now=T0 + dt.timedelta(seconds=40), limit=100, worker_id="w1", lease_seconds=60)
    assert {d.endpoint_failing_since for d in again} == {T0}
    store.record_sync(_records(again, "w1"))
    (subscription,) = _rows(engine, table_of(Subscription), id=seeded["subscriptions"][0])
    assert subscription.failing_since is None
    assert {row.attempts_made for row in _rows(engine, table_of(Delivery))} == {2}


def test_a_worker_whose_lease_ran_out_logs_its_attempt_but_moves_nothing(engine):
    _seed(engine, endpoints=2, alerts=1)
    store = SqlDeliveryStore(engine)
    late = store.claim_sync(now=T0 + dt.timedelta(seconds=5), limit=100, worker_id="slow", lease_seconds=30)
    # the lease runs out; another worker takes the deliveries over
    taken = store.claim_sync(now=T0 + dt.timedelta(seconds=36), limit=100, worker_id="fast", lease_seconds=30)
    assert sorted(d.id for d in taken) == sorted(d.id for d in late)

    store.record_sync(_records(late, "slow"))
    rows = _rows(engine, table_of(Delivery))
    assert {(r.state, r.attempts_made, r.leased_by) for r in rows} == {("pending", 0, "fast")}
    assert {(a.worker_id, a.counted) for a in _rows(engine, table_of(DeliveryAttempt))} == {("slow", False)}

    store.record_sync(_records(taken, "fast"))
    assert {(r.state, r.attempts_made, r.leased_by) for r in _rows(engine, table_of(Delivery))} == {
        ("delivered", 1, None)
    }
    assert sorted((a.worker_id, a.counted) for a in _rows(engine, table_of(DeliveryAttempt))) == sorted(
        [("slow", False)] * len(late) + [("fast", True)] * len(taken)
    )


def test_deliveries_of_a_subscription_deleted_while_sending_are_skipped(engine):
    seeded = _seed(engine, endpoints=2, alerts=1)
    store = SqlDeliveryStore(engine)
    claimed = store.claim_sync(now=T0 + dt.timedelta(seconds=5), limit=100, worker_id="w1", lease_seconds=60)
    gone = seeded["subscriptions"][0]
    with engine.begin() as connection:
        connection.execute(table_of(Delivery).delete().where(table_of(Delivery).c.subscription_id == gone))
        connection.execute(table_of(Subscription).delete().where(table_of(Subscription).c.id == gone))

    store.record_sync(_records(claimed, "w1"))

    attempts = _rows(engine, table_of(DeliveryAttempt))
    kept = [d.id for d in claimed if d.endpoint_id != gone]
    assert sorted(a.delivery_id for a in attempts) == sorted(kept)
    assert {r.state for r in _rows(engine, table_of(Delivery))} == {"delivered"}


@pytest.mark.parametrize("limit", [1, 7])
def test_claims_in_small_batches_hand_out_each_delivery_once(engine, limit):
    seeded = _seed(engine, endpoints=4, alerts=3)
    store = SqlDeliveryStore(engine)
    seen: list[str] = []
    while claimed := store.claim_sync(now=T0 + dt.timedelta(seconds=10), limit=limit, worker_id="w1", lease_seconds=60):
        assert len(claimed) <= limit
        seen += [d.id for d in claimed]
        store.record_sync(_records(claimed, "w1"))
    assert sorted(seen) == sorted(d["id"] for d in seeded["deliveries"])


def _plan(connection, query) -> str:  # noqa: ANN001
    sql = str(query.compile(connection.engine, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        return "\n".join(connection.exec_driver_sql("EXPLAIN " + sql).scalars())
    return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_a_claim_follows_the_due_index_without_sorting_a_backlog(engine):
    # A burst: thousands of deliveries become due faster than PostgreSQL re-analyses the table.
    # The claim must read them in ix_delivery_due's order and stop at its limit, not sort them
    # all (which, at 50,000 pending, took ~0.2 s a claim and starved report intake).
    seeded = _seed(engine, endpoints=100, alerts=40)
    now = T0 + dt.timedelta(minutes=5)
    with engine.begin() as connection:
        plan_claims(connection)
        plan = _plan(connection, due_query(now=now, limit=200))
    assert "ix_delivery_due" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
    # and the order is still the due order
    claimed = SqlDeliveryStore(engine).claim_sync(now=now, limit=150, worker_id="w1", lease_seconds=60)
    expected = sorted(seeded["deliveries"], key=lambda d: (d["next_attempt_at"], d["id"]))[:150]
    assert [d.id for d in claimed] == [d["id"] for d in expected]
