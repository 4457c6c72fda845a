"""The service as a client meets it: a real uvicorn process, real sockets."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_report_round_trip_over_http(server, reporter, authority, report_body):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        created = http.post("/v1/reports", json=report_body(), headers={**reporter.headers, "Idempotency-Key": "e2e"})
        assert created.status_code == 201
        replay = http.post("/v1/reports", json=report_body(), headers={**reporter.headers, "Idempotency-Key": "e2e"})
        assert replay.status_code == 200 and replay.json()["id"] == created.json()["id"]
        detail = http.get(f"/v1/substances/{created.json()['substance']['inchikey']}", headers=authority.headers)
        assert detail.json()["report_count"] == 1
        assert http.get("/docs").status_code == 200
        assert "/v1/reports:batch" in http.get("/openapi.json").json()["paths"]


def test_chunked_body_over_the_limit_is_413(server, reporter, row_counts):
    before = row_counts()

    def chunks():
        yield b'{"structure": "CCO", "context": "'
        for _ in range(2048):
            yield b"x" * 1024  # 2 MiB, no Content-Length: the limit must bite while streaming
        yield b'"}'

    with httpx.Client(base_url=server.url, timeout=30) as http:
        response = http.post(
            "/v1/reports", content=chunks(), headers={**reporter.headers, "Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert row_counts() == before


def test_declared_oversize_body_is_refused_before_reading(server, reporter):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        response = http.post(
            "/v1/reports",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={**reporter.headers, "Content-Type": "application/json"},
        )
    assert response.status_code == 413
