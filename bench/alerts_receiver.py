"""A small webhook receiver for bench/alerts.py, run in its own process.

An asyncio protocol with a minimal HTTP/1.1 keep-alive parser, so the receiver is not the
bottleneck it would be with http.server, and takes as little of the machine's CPU as it can. It records, per POST, the path, ``webhook-id``, its arrival time and
the alert's ``created_at``; ``GET /stats`` counts (``?latency=1``: with latency percentiles),
``POST /reset`` forgets.

    python bench/alerts_receiver.py --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import time
from typing import Any

CREATED_AT = re.compile(rb'"created_at":"([^"]+)"')


class Receiver:
    """Counts as requests arrive; latencies are worked out only when ``/stats?latency=1`` asks.
    The bench polls ``/stats`` five times a second while it waits, and working out a hundred
    thousand latencies each time took the receiver more CPU than receiving them."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, float, bytes | None]] = []
        self.seen: set[tuple[str, str]] = set()
        self.first_at: float | None = None
        self.last_at: float | None = None

    def reset(self) -> None:
        self.records.clear()
        self.seen.clear()
        self.first_at = self.last_at = None

    def record(self, path: str, webhook_id: str, arrived: float, created: bytes | None) -> None:
        self.records.append((path, webhook_id, arrived, created))
        self.seen.add((path, webhook_id))
        if self.first_at is None or arrived < self.first_at:
            self.first_at = arrived
        if self.last_at is None or arrived > self.last_at:
            self.last_at = arrived

    def stats(self, *, latency: bool) -> dict:
        found: dict[str, Any] = {
            "total": len(self.records),
            "unique": len(self.seen),
            "first_at": self.first_at,
            "last_at": self.last_at,
        }
        if not latency:
            return found
        latencies = []
        for _, _, arrived, created in self.records:
            if created is not None:
                created_at = dt.datetime.fromisoformat(created.decode().replace("Z", "+00:00")).timestamp()
                latencies.append((arrived - created_at) * 1000.0)
        latencies.sort()

        def pct(p: float) -> float | None:
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else None

        found["latency_ms"] = {
            "p50": pct(50),
            "p95": pct(95),
            "p99": pct(99),
            "max": latencies[-1] if latencies else None,
        }
        return found

    def answer(self, method: bytes, path: str, webhook_id: str, body: bytes, arrived: float) -> bytes:
        if method == b"POST" and path == "/reset":
            self.reset()
            payload = b"{}"
        elif method == b"GET" and path.startswith("/stats"):
            payload = json.dumps(self.stats(latency="latency=1" in path)).encode()
        else:
            match = CREATED_AT.search(body)
            self.record(path, webhook_id, arrived, match.group(1) if match else None)
            payload = b"ok"
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(payload)).encode()
            + b"\r\n\r\n"
            + payload
        )


class Connection(asyncio.Protocol):
    """One keep-alive connection, parsed straight from the bytes the event loop hands over (no
    StreamReader, no task per connection): the fixture should cost the machine as little as it
    can, because the worker it measures shares the same two cores."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.head_at: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if self.head_at is None:
                self.head_at = time.time()  # the request's head is complete: it has arrived
            head = bytes(buffer[:end]).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            total = end + 4 + length
            if len(buffer) < total:
                return
            body = bytes(buffer[end + 4 : total])
            del buffer[:total]
            arrived, self.head_at = self.head_at, None
            assert self.transport is not None  # set by connection_made, before any data
            self.transport.write(
                self.receiver.answer(method.encode(), path, headers.get("webhook-id", ""), body, arrived)
            )


async def main(port: int) -> None:
    receiver = Receiver()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(receiver), "127.0.0.1", port, backlog=1024)
    print(f"receiver on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    try:
        import uvloop  # installed with uvicorn[standard]; the fixture must not be the bottleneck
    except ImportError:
        asyncio.run(main(parser.parse_args().port))
    else:
        uvloop.run(main(parser.parse_args().port))
