"""A real webhook receiver on loopback, shared by tests/alerts, tests/service and tests/e2e.

An HTTP server on 127.0.0.1 in a thread of the test process; what it receives is recorded so a
test can count deliveries, check signatures and find duplicates by ``webhook-id``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        self.response_headers: dict[str, str] = {}  # sent with every status answer (Retry-After, ...)
        self.huge_body_bytes = 0
        self.huge_body_sent = 0
        self.hold_seconds = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.handler_finished = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

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
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender went away (a killed worker, a timeout): nothing to answer
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
                for name, value in receiver.response_headers.items():
                    self.send_header(name, value)
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


def unique_webhook_ids(receiver: "WebhookReceiver") -> set[str]:
    with receiver._lock:
        return {r.headers["webhook-id"] for r in receiver.requests}
