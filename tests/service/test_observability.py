"""Observability: /metrics (who may read it, what it counts, the store's gauges), request ids, JSON
logs without secrets, and the worker's own health and metrics over real HTTP."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest
import structlog
from alerting_helpers import count, dispatch
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from service.families.placement import place_pending
from service.observability.logs import configure_logging, redact_event
from service.observability.worker import WorkerHealth, serve_worker_http
from service.scheduled import HEARTBEAT_SECONDS, build_scheduler, write_heartbeat


def scrape(client, caller) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def parse(exposition: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- who may read /metrics ------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("reporter", 403), ("authority", 403), ("regulator", 403), ("admin", 200)])
def test_only_an_admin_key_reads_metrics(client, make_caller, role, status):
    assert client.get("/metrics", headers=make_caller(role).headers).status_code == status


def test_metrics_without_a_key_is_a_401_problem(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# --- what the API counts --------------------------------------------------------------------


def test_requests_are_counted_per_route_template_not_per_path(client, admin, reporter):
    before = scrape(client, admin)
    for report_id in ("01J00000000000000000000000", "01J00000000000000000000001", "01J00000000000000000000002"):
        assert client.get(f"/v1/reports/{report_id}", headers=reporter.headers).status_code == 404
    after = scrape(client, admin)
    labels = {"method": "GET", "route": "/v1/reports/{report_id}", "status": "404"}
    assert (
        value(after, "varsel_http_requests_total", **labels) - value(before, "varsel_http_requests_total", **labels)
        == 3
    )
    latency = {"method": "GET", "route": "/v1/reports/{report_id}"}
    assert (
        value(after, "varsel_http_request_duration_seconds_count", **latency)
        - value(before, "varsel_http_request_duration_seconds_count", **latency)
    ) == 3
    assert not any("01J0000000000000000000000" in str(labels) for _, labels in after)


def test_a_path_that_matches_no_route_is_counted_under_one_label(client, admin):
    before = scrape(client, admin)
    for path in ("/nothing-here", "/v1/nothing/1", "/v1/nothing/2"):
        client.get(path)
    after = scrape(client, admin)
    labels = {"method": "GET", "route": "(unmatched)", "status": "404"}
    assert (
        value(after, "varsel_http_requests_total", **labels) - value(before, "varsel_http_requests_total", **labels)
        == 3
    )


def test_reports_ingested_and_classification_time_are_counted(client, admin, reporter, report_body):
    before = scrape(client, admin)
    headers = {**reporter.headers, "Idempotency-Key": "metrics-1"}
    assert client.post("/v1/reports", json=report_body(), headers=headers).status_code == 201
    assert client.post("/v1/reports", json=report_body(), headers=headers).status_code == 200
    batch = {"items": [report_body(structure="CCN(CC)C(=O)C1CN(C)C2CC3=CNC4=CC=CC(=C34)C2=C1"), report_body()]}
    assert client.post("/v1/reports:batch", json=batch, headers=reporter.headers).status_code == 200
    after = scrape(client, admin)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("varsel_reports_ingested_total", outcome="created") == 3
    assert delta("varsel_reports_ingested_total", outcome="replayed") == 1
    # two new substances (mephedrone, then LSD in the batch) were classified to be stored
    assert delta("varsel_classification_seconds_count", kind="stored") == 2
    client.post("/v1/classify", json={"structure": "CNC(C)Cc1ccccc1"}, headers=reporter.headers)
    assert (
        value(scrape(client, admin), "varsel_classification_seconds_count", kind="request")
        - value(after, "varsel_classification_seconds_count", kind="request")
        == 1
    )


def test_store_gauges_are_read_from_the_database_at_scrape_time(
    client, admin, reporter, authority, report_body, engine, settings, receiver
):
    samples = scrape(client, admin)
    assert value(samples, "varsel_deliveries", state="pending") == 0
    assert value(samples, "varsel_family_placement_lag_seconds") == 0
    client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
    assert client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201

    samples = scrape(client, admin)
    pending = count(engine, "SELECT COUNT(*) FROM delivery WHERE state = 'pending'")
    assert pending > 0
    assert value(samples, "varsel_deliveries", state="pending") == pending
    assert value(samples, "varsel_substances_awaiting_family") == 1
    assert value(samples, "varsel_family_placement_lag_seconds") >= 0

    with engine.begin() as connection:  # the store's state, however it got there, is what the gauge says
        connection.execute(text("UPDATE delivery SET state = 'dead_lettered'"))
    place_pending(engine, settings=settings)
    samples = scrape(client, admin)
    assert value(samples, "varsel_deliveries", state="pending") == 0
    assert value(samples, "varsel_deliveries", state="dead_lettered") == pending
    assert value(samples, "varsel_substances_awaiting_family") == 0
    assert value(samples, "varsel_family_placement_lag_seconds") == 0


# --- request ids ----------------------------------------------------------------------------


def test_a_well_formed_request_id_is_echoed(client, reporter):
    response = client.get("/v1/reports", headers={**reporter.headers, "X-Request-ID": "lab-42.run:7"})
    assert response.headers["x-request-id"] == "lab-42.run:7"


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 65, 'quote"d', "-leading-dash"])
def test_a_missing_or_malformed_request_id_is_replaced(client, reporter, incoming):
    headers = dict(reporter.headers)
    if incoming is not None:
        headers["X-Request-ID"] = incoming
    response = client.get("/v1/reports", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert response.headers["x-request-id"] != incoming


def test_errors_carry_the_request_id_too(client):
    unauthenticated = client.get("/v1/reports", headers={"X-Request-ID": "req-401"})
    assert unauthenticated.status_code == 401 and unauthenticated.headers["x-request-id"] == "req-401"
    missing = client.get("/nowhere", headers={"X-Request-ID": "req-404"})
    assert missing.status_code == 404 and missing.headers["x-request-id"] == "req-404"


# --- logs -----------------------------------------------------------------------------------


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = configure_logging("info", stream=stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    logging.getLogger().removeHandler(handler)


def test_each_request_logs_one_json_line_with_its_request_id_and_no_key(client, reporter, report_body, log_lines):
    response = client.post(
        "/v1/reports", json=report_body(), headers={**reporter.headers, "X-Request-ID": "trace-1234"}
    )
    assert response.status_code == 201
    lines = [line for line in log_lines() if line.get("request_id") == "trace-1234"]
    access = [line for line in lines if line["event"] == "request"]
    assert len(access) == 1
    assert access[0]["route"] == "/v1/reports" and access[0]["status"] == 201
    assert access[0]["key_id"] == reporter.key_id and access[0]["level"] == "info"
    secret = reporter.key.split("_", 2)[2]  # the secret itself may contain "_"
    everything = json.dumps(log_lines())
    assert secret not in everything and reporter.key not in everything


def test_stdlib_log_lines_inside_a_request_carry_its_id(app, admin, log_lines, monkeypatch):
    from fastapi.testclient import TestClient

    from service.observability import http

    def failing(engine):
        logging.getLogger("varsel.test").warning("about to fail")
        raise RuntimeError("boom")

    monkeypatch.setattr(http, "exposition", failing)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/metrics", headers={**admin.headers, "X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-500"
    assert response.headers["content-type"] == "application/problem+json"
    lines = [line for line in log_lines() if line.get("request_id") == "trace-500"]
    assert {"about to fail", "unhandled error"} <= {line["event"] for line in lines}
    assert any("RuntimeError: boom" in line.get("exception", "") for line in lines)


def test_secrets_are_redacted_from_log_lines(log_lines):
    api_key = "vsl_0123456789abcdef_" + "S3cr3t-s3cr3t_s3cr3t-s3cr3t_s3cr3t-s3cr3t12"
    webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    fernet_key = "a" * 43 + "="
    log = structlog.get_logger("varsel.test")
    log.info(
        "calling with " + api_key,
        authorization=f"Bearer {api_key}",
        secret=webhook_secret,
        url="https://user:pass@hooks.example/in?token=abc",
        detail={"password": "hunter2"},
        note=f"keys {fernet_key} and {webhook_secret}",
    )
    logging.getLogger("varsel.test").info("stdlib says %s", api_key)
    out = json.dumps(log_lines())
    for leaked in ("S3cr3t", webhook_secret, "MfKQ9r8", fernet_key, "hunter2", "pass@", "token=abc"):
        assert leaked not in out
    structured = next(line for line in log_lines() if line["event"].startswith("calling with"))
    assert structured["event"] == "calling with vsl_0123456789abcdef_[redacted]"  # the key id stays
    assert structured["url"] == "https://hooks.example/in?…"


def test_redaction_keeps_what_is_not_secret():
    kept = {
        "event": "request",
        "key_id": "0123456789abcdef",
        "route": "/v1/reports",
        "status": 201,
        "idempotency_key": "lab-batch-7",
        "inchikey": "PLDWAJLZAAHOGG-UHFFFAOYSA-N",
    }
    assert redact_event(None, "info", dict(kept)) == kept


# --- the worker: job durations, delivery outcomes, health, its own /metrics -----------------


def test_worker_jobs_are_timed_and_delivery_outcomes_counted(
    settings, engine, reporter, authority, admin, client, report_body, receiver
):
    health = WorkerHealth(stale_after=4 * HEARTBEAT_SECONDS)
    scheduler = build_scheduler(settings, engine, health=health)
    server = serve_worker_http(host="127.0.0.1", port=0, health=health, engine=engine)
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        starting = httpx.get(f"{url}/healthz")
        assert starting.status_code == 503 and starting.json()["status"] == "starting"
        heartbeat = next(job for job in scheduler.get_jobs() if job.id == "heartbeat")
        heartbeat.func(*heartbeat.args)
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"

        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/metrics", headers=reporter.headers).status_code == 403
        before = parse(httpx.get(f"{url}/metrics", headers=admin.headers).text)

        client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
        client.post("/v1/reports", json=report_body(), headers=reporter.headers)
        queued = count(engine, "SELECT COUNT(*) FROM delivery")
        families = next(job for job in scheduler.get_jobs() if job.id == "families")
        families.func(*families.args, **families.kwargs)
        delivered = dispatch(settings, engine).delivered
        assert delivered == queued > 0

        after = parse(httpx.get(f"{url}/metrics", headers=admin.headers).text)
        assert (
            value(after, "varsel_worker_job_duration_seconds_count", job="families")
            - value(before, "varsel_worker_job_duration_seconds_count", job="families")
        ) == 1
        assert (
            value(after, "varsel_worker_job_duration_seconds_count", job="heartbeat")
            - value(before, "varsel_worker_job_duration_seconds_count", job="heartbeat")
        ) == 0
        assert (
            value(after, "varsel_delivery_outcomes_total", outcome="delivered")
            - value(before, "varsel_delivery_outcomes_total", outcome="delivered")
        ) == delivered
        assert httpx.get(f"{url}/elsewhere").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_job_is_counted_and_a_stale_worker_is_unhealthy(settings, engine):
    health = WorkerHealth(stale_after=4 * HEARTBEAT_SECONDS)
    scheduler = build_scheduler(settings, engine, health=health)
    write_heartbeat(engine, None, health)
    assert health.status()[0] == 200
    health._clock = lambda: float("inf")  # as if the scheduler had stopped running jobs long ago
    assert health.status()[0] == 503 and health.status()[1]["status"] == "stale"

    from service.observability.metrics import WORKER_JOB_FAILURES

    digests = next(job for job in scheduler.get_jobs() if job.id == "digests")
    failures = WORKER_JOB_FAILURES.labels("digests")._value.get()
    with pytest.raises(AttributeError):  # a str is no engine
        digests.func("not an engine", instance="x")
    assert WORKER_JOB_FAILURES.labels("digests")._value.get() == failures + 1


# --- a request's id travels with what it causes ---------------------------------------------


def test_the_request_id_reaches_the_worker_log_lines_of_the_deliveries_it_caused(
    client, reporter, authority, report_body, engine, settings, receiver, log_lines
):
    client.post("/v1/subscriptions", json={"url": receiver.url()}, headers=authority.headers)
    batch = {"items": [report_body(), report_body(structure="CCN(CC)C(=O)C1CN(C)C2CC3=CNC4=CC=CC(=C34)C2=C1")]}
    response = client.post("/v1/reports:batch", json=batch, headers={**reporter.headers, "X-Request-ID": "lab-run-77"})
    assert response.status_code == 200 and response.json()["stored"] == 2
    single = client.post(
        "/v1/reports",
        json=report_body(sample_type="biological_fatal"),
        headers={**reporter.headers, "X-Request-ID": "lab-run-78"},
    )
    assert single.status_code == 201
    with engine.connect() as connection:
        reports = dict(connection.execute(text("SELECT id, request_id FROM report")).all())
        deliveries = connection.execute(text("SELECT request_id, COUNT(*) FROM delivery GROUP BY request_id")).all()
    assert sorted(reports.values()) == ["lab-run-77", "lab-run-77", "lab-run-78"]
    per_request = dict(deliveries)
    assert set(per_request) == {"lab-run-77", "lab-run-78"} and per_request["lab-run-77"] == 2

    delivered = dispatch(settings, engine).delivered
    assert delivered == sum(per_request.values())
    worker_lines = {
        line["request_id"]: line
        for line in log_lines()
        if line["event"] == "deliveries attempted" and line["logger"] == "varsel.dispatch"
    }
    assert set(worker_lines) == {"lab-run-77", "lab-run-78"}
    assert worker_lines["lab-run-77"]["delivered"] == per_request["lab-run-77"]
    assert worker_lines["lab-run-78"]["delivered"] == per_request["lab-run-78"]
