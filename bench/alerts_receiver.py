"""A small webhook receiver for bench/alerts.py, run in its own process.

asyncio with a minimal HTTP/1.1 keep-alive parser, so the receiver is not the bottleneck it
would be with http.server. It records, per POST, the path, ``webhook-id``, its arrival time and
the alert's ``created_at``; ``GET /stats`` summarises, ``POST /reset`` forgets.

    python bench/alerts_receiver.py --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import time

CREATED_AT = re.compile(rb'"created_at":"([^"]+)"')


class Receiver:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, float, bytes | None]] = []

    def stats(self) -> dict:
        keys = [(path, wid) for path, wid, _, _ in self.records]
        unique = set(keys)
        latencies = []
        for _, _, arrived, created in self.records:
            if created is not None:
                created_at = dt.datetime.fromisoformat(created.decode().replace("Z", "+00:00")).timestamp()
                latencies.append((arrived - created_at) * 1000.0)
        latencies.sort()

        def pct(p: float) -> float | None:
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else None

        return {
            "total": len(keys), "unique": len(unique),
            "first_at": min((r[2] for r in self.records), default=None),
            "last_at": max((r[2] for r in self.records), default=None),
            "latency_ms": {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": latencies[-1] if latencies else None},
        }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if method == "POST" and path == "/reset":
                    self.records.clear()
                    payload = b"{}"
                elif method == "GET" and path == "/stats":
                    payload = json.dumps(self.stats()).encode()
                else:
                    match = CREATED_AT.search(body)
                    self.records.append((path, headers.get("webhook-id", ""), arrived, match.group(1) if match else None))
                    payload = b"ok"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main(port: int) -> None:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", port, backlog=1024)
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
