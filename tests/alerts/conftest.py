"""Shared test fixtures for alerts/: a real webhook receiver on loopback, an in-memory delivery
store, and a fixed clock.

The in-memory store is a test double of the storage *boundary* (the :class:`DeliveryStore`
Protocol the service implements on PostgreSQL/SQLite). It lets these tests drive the dispatch
logic through many retries at injected times; it does not prove anything about the service's
SQL, which the service's own tests cover.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.storage import DeliveryOutcome

# Any valid secret will do here; this one is the Standard Webhooks test-vector secret.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


# --- a real HTTP receiver -------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (port chosen by the OS) that records what it receives.

    Tests steer it through attributes: ``fail_next`` answers that many requests with
    ``fail_status``; ``status`` is the answer after that; ``redirect_to`` answers 302;
    ``huge_body_bytes`` streams a body that large; ``hold_seconds`` keeps each request open so
    overlapping requests can be counted in ``max_in_flight``.
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.fail_next = 0
        self.fail_status = 503
        self.status = 200
        self.redirect_to: str | None = None
        self.huge_body_bytes = 0
        self.huge_body_sent = 0
        self.hold_seconds = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.handler_finished = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_status(self) -> int:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status
            return self.status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                with receiver._lock:
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                try:
                    body = self.rfile.read(int(self.headers.get("content-length", "0")))
                    with receiver._lock:
                        receiver.requests.append(
                            ReceivedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                        )
                    if receiver.hold_seconds:
                        time.sleep(receiver.hold_seconds)
                    self._answer()
                finally:
                    with receiver._lock:
                        receiver.in_flight -= 1
                    receiver.handler_finished.set()

            def _answer(self) -> None:
                if receiver.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if receiver.huge_body_bytes:
                    self._stream_huge_body()
                    return
                payload = b"received"
                self.send_response(receiver._next_status())
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream_huge_body(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(receiver.huge_body_bytes))
                self.end_headers()
                chunk = b"x" * (1 << 20)
                try:
                    while receiver.huge_body_sent < receiver.huge_body_bytes:
                        self.wfile.write(chunk)
                        receiver.huge_body_sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


# --- an in-memory implementation of the DeliveryStore Protocol -------------------------------


@dataclass
class Endpoint:
    url: str
    secrets: tuple[str, ...] = (SECRET,)
    enabled: bool = True
    failing_since: datetime | None = None
    disabled_reason: str | None = None


@dataclass
class StoredDelivery:
    id: str
    endpoint_id: str
    message_id: str
    body: bytes
    next_attempt_at: datetime | None
    state: str = "pending"
    attempts_made: int = 0
    first_attempt_at: datetime | None = None
    leased_by: str | None = None
    leased_until: datetime | None = None
    log: list[tuple[datetime, DeliveryResult, DeliveryOutcome, datetime | None]] = field(default_factory=list)


class InMemoryDeliveryStore:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.deliveries: dict[str, StoredDelivery] = {}

    def add_endpoint(self, endpoint_id: str, url: str, **fields: object) -> None:
        self.endpoints[endpoint_id] = Endpoint(url=url, **fields)

    def add_delivery(
        self, delivery_id: str, *, endpoint_id: str, due_at: datetime, body: bytes = b'{"n":1}'
    ) -> None:
        self.deliveries[delivery_id] = StoredDelivery(
            id=delivery_id,
            endpoint_id=endpoint_id,
            message_id=f"msg_{delivery_id}",
            body=body,
            next_attempt_at=due_at,
        )

    async def claim_due_deliveries(
        self, *, now: datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> list[OutgoingDelivery]:
        claimed: list[OutgoingDelivery] = []
        for row in self.deliveries.values():
            endpoint = self.endpoints[row.endpoint_id]
            due = row.state == "pending" and row.next_attempt_at is not None and row.next_attempt_at <= now
            free = row.leased_until is None or row.leased_until <= now
            if not (due and free and endpoint.enabled):
                continue
            row.leased_by, row.leased_until = worker_id, now + timedelta(seconds=lease_seconds)
            claimed.append(
                OutgoingDelivery(
                    id=row.id,
                    endpoint_id=row.endpoint_id,
                    url=endpoint.url,
                    message_id=row.message_id,
                    body=row.body,
                    secrets=endpoint.secrets,
                    attempts_made=row.attempts_made,
                    first_attempt_at=row.first_attempt_at,
                    endpoint_failing_since=endpoint.failing_since,
                )
            )
            if len(claimed) == limit:
                break
        return claimed

    async def record_attempt(
        self,
        *,
        delivery_id: str,
        worker_id: str,
        attempted_at: datetime,
        result: DeliveryResult,
        outcome: DeliveryOutcome,
        next_attempt_at: datetime | None,
    ) -> None:
        row = self.deliveries[delivery_id]
        row.log.append((attempted_at, result, outcome, next_attempt_at))
        if row.leased_by != worker_id:
            return
        row.attempts_made += 1
        row.first_attempt_at = row.first_attempt_at or attempted_at
        row.leased_by = row.leased_until = None
        row.next_attempt_at = next_attempt_at
        row.state = {"delivered": "delivered", "dead_lettered": "dead", "retry_scheduled": "pending"}[
            outcome.value
        ]
        endpoint = self.endpoints[row.endpoint_id]
        if result.succeeded:
            endpoint.failing_since = None
        elif endpoint.failing_since is None:
            endpoint.failing_since = attempted_at

    async def disable_endpoint(self, *, endpoint_id: str, reason: str, at: datetime) -> None:
        endpoint = self.endpoints[endpoint_id]
        endpoint.enabled, endpoint.disabled_reason = False, reason


@pytest.fixture
def store() -> InMemoryDeliveryStore:
    return InMemoryDeliveryStore()


@pytest.fixture
def webhook_secret() -> str:
    return SECRET


@pytest.fixture
def make_delivery():
    def make(
        url: str, *, delivery_id: str = "d1", body: bytes = b'{"hello":"world"}', **fields: object
    ) -> OutgoingDelivery:
        base = OutgoingDelivery(
            id=delivery_id,
            endpoint_id="e1",
            url=url,
            message_id=f"msg_{delivery_id}",
            body=body,
            secrets=(SECRET,),
        )
        return replace(base, **fields)

    return make


# --- alerts ------------------------------------------------------------------------------------


@pytest.fixture
def make_alert():
    from datetime import date, timezone

    from alerts.model import Alert, AlertType, Evidence, Severity

    def make(**changes: object) -> Alert:
        fields: dict[str, object] = dict(
            dedup_key="substance.first_detection:YELGFTGWJGBAQU-UHFFFAOYSA-N",
            type=AlertType.first_detection,
            severity=Severity.high,
            substance_inchikey="YELGFTGWJGBAQU-UHFFFAOYSA-N",
            substance_name="mephedrone",
            jurisdictions=("DK", "GB"),
            uncontrolled_in=("DK",),
            group_ids=("gb-mda-1971-cathinones",),
            evidence=Evidence(
                report_ids=("r1",),
                countries=("DK",),
                organisation_ids=("org-dk",),
                first_sampled_on=date(2025, 3, 1),
                last_sampled_on=date(2025, 3, 1),
            ),
            summary="First detection of mephedrone (YELGFTGWJGBAQU-UHFFFAOYSA-N): reported in DK.",
            created_at=datetime(2025, 3, 3, 9, 30, 15, 250000, tzinfo=timezone.utc),
        )
        fields.update(changes)
        return Alert.raise_for(**fields)

    return make
