"""What the webhook transport (alerts/transport.py) costs per response, next to h11 and httpcore.

1. Parsing and framing, in memory: the bytes of one answer turned into an ``httpx.Response``
   by the transport's parser (httptools), next to h11 turning the same bytes into events (h11
   is what httpx's default transport parses with). CPU microseconds per answer, best of rounds.
2. End to end over loopback: CPU of this process per webhook-sized POST sent through
   ``httpx.AsyncClient`` with this transport, next to httpx's default transport (httpcore), to
   the bench receiver (bench/alerts_receiver.py) in another process, 16 requests at a time.

    .venv/bin/python bench/transport.py [--requests 5000] [--compare old_transport.py]

``--compare`` adds end-to-end rows for another copy of alerts/transport.py (say, from an older
commit: ``git show HEAD~1:alerts/transport.py > /tmp/old_transport.py``). Prints a table;
asserts nothing about time. Figures are ratios against the baseline of the same run, because
these machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import h11
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import alerts.delivery  # noqa: E402, F401 - the httpcore baseline gets the worker's sniffio fix too
from alerts import transport  # noqa: E402
from bench.ingest import free_port  # noqa: E402

ANSWERS = {
    "short, Content-Length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\nok",
    "typical, 8 headers": (
        b"HTTP/1.1 202 Accepted\r\nDate: Tue, 02 Dec 2026 10:00:00 GMT\r\nServer: nginx\r\n"
        b"Content-Type: application/json; charset=utf-8\r\nContent-Length: 26\r\nConnection: keep-alive\r\n"
        b"Vary: Accept-Encoding\r\nX-Request-Id: 5f0c3c1e-8d0a-4b8e-9a51-0e5b8a1c2d3f\r\n"
        b'Strict-Transport-Security: max-age=63072000\r\n\r\n{"status":"queued","id":1}'
    ),
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
}
PAYLOAD = b'{"specversion":"1.0","id":"x","data":"' + b"x" * 700 + b'"}'


def h11_ready() -> h11.Connection:
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method="POST", target="/hook", headers=[("Host", "r"), ("Content-Length", "1")]))
    connection.send(h11.Data(data=b"x"))
    connection.send(h11.EndOfMessage())
    return connection


def h11_parse(connection: h11.Connection, data: bytes) -> None:
    connection.receive_data(data)
    while type(connection.next_event()) is not h11.EndOfMessage:
        pass


def transport_parse(data: bytes) -> httpx.Response:
    """As Http1Transport turns an answer that arrived in one read into a response."""
    connection = transport._Connection(65536)  # no socket: reading cannot be paused, nor needs to be
    answer = connection.begin()
    answer.feed(data)
    response = httpx.Response(
        answer.status,
        headers=answer.headers,
        stream=httpx.ByteStream(answer.take_body()),
        extensions={"http_version": answer.http_version, "reason_phrase": answer.reason},
    )
    connection.finish()
    return response


def parsing(n: int, rounds: int) -> list[tuple[str, float, float]]:
    rows = []
    for name, data in ANSWERS.items():
        h11_best = ours_best = float("inf")
        for _ in range(rounds):
            ready = [h11_ready() for _ in range(n)]
            started = time.process_time()
            for connection in ready:
                h11_parse(connection, data)
            h11_best = min(h11_best, (time.process_time() - started) / n)
            started = time.process_time()
            for _ in range(n):
                transport_parse(data)
            ours_best = min(ours_best, (time.process_time() - started) / n)
        rows.append((name, h11_best, ours_best))
    return rows


async def cpu_per_request(url: str, client_transport: httpx.AsyncBaseTransport, n: int, concurrency: int = 16) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(transport=client_transport, limits=limits, timeout=30) as client:
        semaphore = asyncio.Semaphore(concurrency)
        request_url = httpx.URL(url)

        async def one(i: int) -> None:
            async with semaphore:
                request = httpx.Request(
                    "POST",
                    request_url,
                    stream=httpx.ByteStream(PAYLOAD),
                    headers=[
                        (b"Host", request_url.netloc),
                        (b"Content-Length", str(len(PAYLOAD)).encode()),
                        (b"webhook-id", b"m%d" % i),
                    ],
                )
                response = await client.send(request, stream=True)
                try:
                    async for _ in response.aiter_raw():
                        pass
                finally:
                    await response.aclose()

        await asyncio.gather(*(one(i) for i in range(200)))  # connections up
        started = time.process_time()
        await asyncio.gather(*(one(i) for i in range(n)))
        return (time.process_time() - started) / n


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("compared_transport", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="end-to-end requests per transport and round")
    parser.add_argument("--answers", type=int, default=5000, help="answers parsed per shape and round")
    parser.add_argument("--rounds", type=int, default=5, help="the best round counts")
    parser.add_argument("--compare", type=Path, help="another copy of alerts/transport.py to measure end to end")
    args = parser.parse_args()

    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
    print(f"\n{'parsing and framing, one answer':<34} {'h11 µs':>8} {'transport µs':>13} {'ratio':>6}")
    for name, h11_seconds, ours in parsing(args.answers, args.rounds):
        print(f"{name:<34} {h11_seconds * 1e6:>8.2f} {ours * 1e6:>13.2f} {ours / h11_seconds:>6.2f}")

    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "alerts_receiver.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert receiver.stdout is not None  # stdout=PIPE
        receiver.stdout.readline()  # "receiver on ..." once it listens
        url = f"http://127.0.0.1:{port}/hook"
        candidates = {
            "httpcore (httpx default)": lambda: httpx.AsyncHTTPTransport(),
            "alerts.transport": lambda: transport.Http1Transport(max_idle_per_origin=16),
        }
        if args.compare:
            compared = load_module(args.compare)
            candidates[f"{args.compare.name}"] = lambda: compared.Http1Transport(max_idle_per_origin=16)
        best = {name: float("inf") for name in candidates}
        for _ in range(args.rounds):
            for name, make in candidates.items():
                best[name] = min(best[name], asyncio.run(cpu_per_request(url, make(), args.requests)))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    baseline = best["httpcore (httpx default)"]
    print(f"\n{'end to end, CPU of this process':<34} {'µs/request':>11} {'vs httpcore':>12}")
    for name, seconds in best.items():
        print(f"{name:<34} {seconds * 1e6:>11.1f} {seconds / baseline:>12.2f}")


if __name__ == "__main__":
    main()
