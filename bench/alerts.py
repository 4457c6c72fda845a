"""Alert delivery benchmark: real API server, real `varsel worker`(s), a real receiver process.

Phase 1, fan-out: 1,000 subscriptions at the receiver; one report raises one alert for all of
them. Measured from the report's HTTP response to the last webhook received, with lost and
duplicated deliveries counted at the receiver (by path and webhook-id).

Phase 2, steady state: 100 other subscriptions; reports at --rate per second for --duration
seconds, each raising one intoxication alert for all 100. Delivery latency is the receiver's
arrival time minus the alert's creation time (the report's receipt).

Baseline, same run: the receiver's raw request rate from a plain httpx.AsyncClient at the
worker's concurrency, and how long 1,000 plain POSTs take; the fan-out is shown as a ratio.

With --knee, phase 2 searches instead for the knee: the highest sustained webhook rate at which
p99 delivery latency stays at or below 2 s with nothing lost or sent twice. Rates double from
--knee-start webhooks/s until a step fails, then are bisected; each step runs --knee-step
seconds and drains before the next. The worker's CPU per webhook at the knee is printed next to
a bare httpx client's CPU per request, measured in the same run.

    .venv/bin/python bench/alerts.py [--duration 60] [--rate 50] [--workers 1] [--postgres]
    .venv/bin/python bench/alerts.py --knee [--knee-start 250] [--knee-step 20] [--workers 2 --postgres]

Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import alerts.delivery  # noqa: F401 - the baseline client gets the worker's httpcore import fix too
from bench.ingest import free_port, fresh_postgres, postgres_url  # noqa: E402

FANOUT_SUBSCRIBERS = 1000
STEADY_SUBSCRIBERS = 100
CONCURRENCY = 16  # the worker's default
PER_ORIGIN = 4  # the worker's default dispatch_concurrency_per_origin; all 1,100 URLs share one origin


def prepare(url: str) -> tuple[str, str]:
    """Migrate; one reporting lab and one authority; returns their keys."""
    from sqlmodel import Session

    from service.auth.models import Role
    from service.db import make_engine
    from service.organisations import service as organisations
    from service.organisations.models import OrganisationCreate
    from service.schema import upgrade

    upgrade(url)
    engine = make_engine(url, pool_size=1)
    keys = []
    with Session(engine, expire_on_commit=False) as session:
        for name, kind, role in (
            ("Bench lab", "forensic_lab", Role.reporter),
            ("Bench authority", "authority", Role.authority),
        ):
            org = organisations.create(
                session, data=OrganisationCreate(name=name, kind=kind, country="DK"), principal=None
            )
            keys.append(
                organisations.issue_key(session, organisation=org, role=role, label="bench", principal=None).key
            )
    engine.dispose()
    return keys[0], keys[1]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_ready(url: str) -> None:
    for _ in range(600):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def body(*, structure: str, sample_type: str) -> dict:
    return {
        "structure": structure,
        "sample_type": sample_type,
        "country": "DK",
        "sampled_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "techniques": ["GC-MS"],
        "confidence": "confirmed",
    }


async def subscribe(api: str, key: str, receiver: str, *, count: int, prefix: str, event_type: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as client:
        semaphore = asyncio.Semaphore(8)

        async def one(i: int) -> None:
            async with semaphore:
                r = await client.post(
                    "/v1/subscriptions",
                    json={"url": f"{receiver}/{prefix}/{i}", "filters": {"event_types": [event_type]}},
                )
                r.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(count)))


async def bare_client_cpu(receiver: str, n: int = 3000) -> float:
    """CPU seconds per request of a bare httpx.AsyncClient posting to the receiver (this process)."""
    cpu = time.process_time()
    await baseline(receiver, n)
    return (time.process_time() - cpu) / n


async def baseline(receiver: str, n: int, concurrency: int = CONCURRENCY) -> float:
    """Seconds for n plain POSTs from one httpx.AsyncClient with ``concurrency`` connections."""
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        semaphore = asyncio.Semaphore(concurrency)
        payload = b'{"id":"x"}' * 80

        async def one(i: int) -> None:
            async with semaphore:
                await client.post(f"{receiver}/baseline/{i}", content=payload, headers={"webhook-id": f"b{i}"})

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - started


async def client_layer_seconds(n: int = 3000) -> tuple[float, float]:
    """Seconds per request that httpx.AsyncClient spends on its own bookkeeping, measured with a
    MockTransport (no socket, no HTTP parsing): through ``client.stream()`` (URL, header and
    cookie merging on every call), and through ``client.send()`` of a request built from raw
    headers with the URL parsed once, as alerts.delivery.WebhookSender sends. No transport
    underneath can make a request cheaper than this."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"ok"))

    payload = b'{"id":"x"}' * 80
    headers = {"webhook-id": "b", "webhook-timestamp": "0", "webhook-signature": "v1,x"}
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        started = time.perf_counter()
        for i in range(n):
            async with client.stream(
                "POST", f"http://receiver.invalid/layer/{i % 100}", content=payload, headers=headers
            ) as response:
                async for _ in response.aiter_raw():
                    pass
        via_stream = (time.perf_counter() - started) / n
        urls = [httpx.URL(f"http://receiver.invalid/layer/{i}") for i in range(100)]
        started = time.perf_counter()
        for i in range(n):
            url = urls[i % 100]
            request = httpx.Request(
                "POST",
                url,
                stream=httpx.ByteStream(payload),
                headers=[
                    (b"Host", url.netloc),
                    (b"Content-Length", str(len(payload)).encode()),
                    (b"webhook-id", b"b"),
                    (b"webhook-timestamp", b"0"),
                    (b"webhook-signature", b"v1,x"),
                ],
            )
            response = await client.send(request, stream=True)
            try:
                async for _ in response.aiter_raw():
                    pass
            finally:
                await response.aclose()
        via_send = (time.perf_counter() - started) / n
    return via_stream, via_send


async def receiver_capacity(port: int, *, connections: int = CONCURRENCY, per_connection: int = 500) -> float:
    """Requests per second the receiver answers from a bare asyncio HTTP/1.1 keep-alive client:
    what the fixture can take, so that neither figure below is the receiver's limit."""
    payload = b'{"id":"x"}' * 80

    async def one_connection(c: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(per_connection):
            writer.write(
                f"POST /capacity/{c}/{i} HTTP/1.1\r\nHost: bench\r\nwebhook-id: c{c}-{i}\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection(c) for c in range(connections)))
    return connections * per_connection / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sender_cpu(receiver: str, *, per_origin: int, n: int = 3000) -> tuple[float, float]:
    """The worker's own WebhookSender (signing, httpx.AsyncClient, alerts.transport) sending n
    webhooks to the receiver in batches of 200, with no database: CPU seconds per webhook in
    this process, and webhooks per second."""
    from alerts.delivery import OutgoingDelivery, WebhookSender
    from alerts.signing import generate_secret

    secret = generate_secret()
    body = b'{"specversion":"1.0","id":"x","created_at":"2026-01-01T00:00:00Z","data":"' + b"x" * 700 + b'"}'
    batch = [
        OutgoingDelivery(
            id=f"s{i}",
            endpoint_id=f"e{i % 100}",
            url=f"{receiver}/sender/{i % 100}",
            message_id=f"m{i}",
            body=body,
            secrets=(secret,),
        )
        for i in range(n)
    ]
    async with WebhookSender(
        max_concurrency=CONCURRENCY, max_connections_per_origin=per_origin, allow_private=True
    ) as sender:
        await sender.send_many(batch[:200])  # connections up
        cpu, started = time.process_time(), time.perf_counter()
        for start in range(0, n, 200):
            results = await sender.send_many(batch[start : start + 200])
            assert all(r.succeeded for r in results), results[0]
        return (time.process_time() - cpu) / n, n / (time.perf_counter() - started)


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def stats(receiver: str, *, latency: bool = False) -> dict:
    return httpx.get(f"{receiver}/stats", params={"latency": 1} if latency else None, timeout=60).json()


def wait_for(receiver: str, expected: int, *, quiet_for: float, timeout: float) -> dict:
    """Poll until ``expected`` distinct deliveries arrived (then a little longer, to catch
    duplicates), or nothing new arrived for ``quiet_for`` seconds, or ``timeout``."""
    deadline = time.monotonic() + timeout
    last_total, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        current = stats(receiver)
        if current["total"] != last_total:
            last_total, last_change = current["total"], time.monotonic()
        if current["unique"] >= expected and time.monotonic() - last_change > 0.5:
            return current
        if time.monotonic() - last_change > quiet_for:
            return current
        time.sleep(0.2)
    return stats(receiver)


# One new substance per fan-out (a first detection each): N-alkyl homologues of mephedrone.
FANOUT_STRUCTURES = [f"{'C' * n}NC(C)C(=O)c1ccc(C)cc1" for n in range(1, 11)]


def fan_out(api: str, receiver: str, reporter_key: str, structure: str, *, backend: str, baseline: float) -> list:
    """One report whose first-detection alert goes to the 1,000 fan-out subscribers; timed from the
    report's answer to the last webhook received, with lost and duplicated ones counted."""
    rows = []
    started = time.time()
    response = httpx.post(
        f"{api}/v1/reports",
        json=body(structure=structure, sample_type="seizure"),
        headers={"Authorization": f"Bearer {reporter_key}"},
        timeout=60,
    )
    answered = time.time()
    assert response.status_code == 201, response.text
    fan = wait_for(receiver, FANOUT_SUBSCRIBERS, quiet_for=10, timeout=120)
    elapsed = (fan["last_at"] - answered) if fan["last_at"] else float("nan")
    rows.append(
        (
            backend,
            "fan-out: report answered → last of 1,000 webhooks",
            f"{elapsed:.2f} s ({elapsed / baseline:.2f}× baseline; target ≤3 s; "
            f"report sent → answered {answered - started:.2f} s; {load()})",
        )
    )
    if fan["first_at"]:
        rows.append(
            (
                backend,
                "fan-out: first → last webhook (sending only)",
                (
                    f"{fan['last_at'] - fan['first_at']:.2f} s "
                    f"({FANOUT_SUBSCRIBERS / max(fan['last_at'] - fan['first_at'], 1e-9):,.0f}/s), "
                    f"report answered → first {fan['first_at'] - answered:.2f} s (tick + claim)"
                ),
            )
        )
    rows.append(
        (
            backend,
            "fan-out: lost / duplicated",
            f"{FANOUT_SUBSCRIBERS - fan['unique']} / {fan['total'] - fan['unique']} (target 0 / 0)",
        )
    )
    return rows


def reports_received_since(url: str, since: dt.datetime) -> int:
    from sqlalchemy import func, select
    from sqlmodel import col

    from service.db import make_engine
    from service.reports.models import Report

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(Report).where(col(Report.received_at) >= since)
            ).scalar_one()
    finally:
        engine.dispose()


async def steady(api: str, key: str, *, rate: float, duration: float) -> int:
    """Reports at ``rate`` per second for ``duration`` seconds; returns how many were stored."""
    headers = {"Authorization": f"Bearer {key}"}
    stored = 0
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=120) as client:

        async def one() -> None:
            nonlocal stored
            try:
                r = await client.post(
                    "/v1/reports", json=body(structure="CNC(C)C(=O)c1ccc(C)cc1", sample_type="biological_nonfatal")
                )
            except httpx.HTTPError as error:
                progress(f"report failed: {error!r}")
                return
            stored += r.status_code == 201

        tasks = []
        started = time.perf_counter()
        for i in range(int(rate * duration)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return stored


def run(url: str, backend: str, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    reporter_key, authority_key = prepare(url)
    env = {
        **os.environ,
        "VARSEL_DATABASE_URL": url,
        "VARSEL_LOG_LEVEL": "warning",
        "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VARSEL_DISPATCH_CONCURRENCY": str(CONCURRENCY),
        "VARSEL_DISPATCH_INTERVAL_SECONDS": str(args.interval),
        "VARSEL_DISPATCH_CONCURRENCY_PER_ORIGIN": str(args.per_origin),
    }
    receiver_port, api_port = free_port(), free_port()
    receiver = f"http://127.0.0.1:{receiver_port}"
    api = f"http://127.0.0.1:{api_port}"
    processes = [
        spawn(["bench/alerts_receiver.py", "--port", str(receiver_port)], env),
        spawn(["-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(api_port)], env),
    ]
    rows: list[tuple[str, str, str]] = []
    try:
        wait_ready(f"{receiver}/stats")
        wait_ready(f"{api}/healthz")
        progress("baseline")
        capacity = asyncio.run(receiver_capacity(receiver_port))
        rows.append(
            (backend, "receiver: raw capacity (bare asyncio client, 16 conns)", f"{capacity:,.0f} req/s ({load()})")
        )
        seconds = asyncio.run(baseline(receiver, FANOUT_SUBSCRIBERS))
        client_rate = FANOUT_SUBSCRIBERS / seconds
        rows.append(
            (
                backend,
                "baseline: 1,000 plain POSTs, httpx.AsyncClient",
                f"{seconds:.2f} s ({client_rate:,.0f} req/s; {load()})",
            )
        )
        if not args.fanout_only:
            per_origin = asyncio.run(baseline(receiver, FANOUT_SUBSCRIBERS, concurrency=args.per_origin))
            rows.append(
                (
                    backend,
                    f"baseline: the same, {args.per_origin} connections (the worker's per-origin cap)",
                    f"{per_origin:.2f} s ({FANOUT_SUBSCRIBERS / per_origin:,.0f} req/s; {load()})",
                )
            )
            layer, layer_send = asyncio.run(client_layer_seconds())
            rows.append(
                (
                    backend,
                    "baseline: httpx.AsyncClient's own work, no network (MockTransport): client.stream()",
                    f"{layer * 1e6:,.0f} µs a request: at most {1 / layer:,.0f} requests/s a core ({load()})",
                )
            )
            rows.append(
                (
                    backend,
                    "baseline: the same through client.send() of a prebuilt request (the sender's way)",
                    f"{layer_send * 1e6:,.0f} µs a request: at most {1 / layer_send:,.0f} requests/s a core",
                )
            )
            sender_seconds, sender_rate = asyncio.run(sender_cpu(receiver, per_origin=args.per_origin))
            rows.append(
                (
                    backend,
                    "baseline: the worker's sender alone, no database (CPU of its process)",
                    f"{sender_seconds * 1e6:,.0f} µs a webhook: at most {1 / sender_seconds:,.0f}/s a core; "
                    f"sent {sender_rate:,.0f}/s ({load()})",
                )
            )
        httpx.post(f"{receiver}/reset")

        progress("subscribing")
        asyncio.run(
            subscribe(
                api,
                authority_key,
                receiver,
                count=FANOUT_SUBSCRIBERS,
                prefix="fanout",
                event_type="substance.first_detection",
            )
        )
        if not args.fanout_only:
            asyncio.run(
                subscribe(
                    api,
                    authority_key,
                    receiver,
                    count=STEADY_SUBSCRIBERS,
                    prefix="steady",
                    event_type="report.intoxication",
                )
            )
        # Each worker touches its heartbeat file once its scheduler runs: the fan-out starts then,
        # not after a fixed pause (importing RDKit and the rest takes 3-7 s on a busy machine, and
        # a fan-out timed from a worker still starting measured its start-up, not the fan-out).
        beats = [Path(tempfile.mkdtemp(prefix="varsel-bench-")) / "heartbeat" for _ in range(args.workers)]
        spawned = time.monotonic()
        workers = [
            spawn(["-m", "service.cli", "worker", "--heartbeat", str(beat), "--http-port", "0"], env) for beat in beats
        ]
        processes += workers
        while not all(beat.exists() for beat in beats):
            if time.monotonic() - spawned > 120 or any(w.poll() is not None for w in workers):
                raise RuntimeError("the workers did not start")
            time.sleep(0.05)
        rows.append((backend, "workers: started → scheduler running", f"{time.monotonic() - spawned:.2f} s ({load()})"))

        for repeat in range(args.fanout_repeats):
            progress(f"fan-out {repeat + 1}/{args.fanout_repeats}")
            httpx.post(f"{receiver}/reset")
            rows += fan_out(api, receiver, reporter_key, FANOUT_STRUCTURES[repeat], backend=backend, baseline=seconds)
        if args.fanout_only:
            return rows

        if args.knee:
            bare = asyncio.run(bare_client_cpu(receiver))
            rows += knee(url, api, receiver, reporter_key, [w.pid for w in workers], args, bare_cpu=bare)
            return rows

        progress("steady state")
        httpx.post(f"{receiver}/reset")
        roles = {"worker(s)": [w.pid for w in workers], "API": [processes[1].pid], "receiver": [processes[0].pid]}
        cpu_before = {role: sum(cpu_seconds(pid) for pid in pids) for role, pids in roles.items()}
        intake_started = time.perf_counter()
        intake_started_at = dt.datetime.now(dt.UTC)
        answered = asyncio.run(steady(api, reporter_key, rate=args.rate, duration=args.duration))
        intake_seconds = time.perf_counter() - intake_started
        # A request the client gave up on may still have been stored: count what the database
        # holds, so that "lost" compares deliveries with the reports that really raised alerts.
        time.sleep(2)
        stored = reports_received_since(url, intake_started_at)
        if stored != answered:
            progress(f"{answered} reports answered 201, {stored} stored (client-side failures were stored)")
        expected = stored * STEADY_SUBSCRIBERS
        result = wait_for(receiver, expected, quiet_for=10, timeout=args.duration * 10 + 60)
        cpu_used = {role: sum(cpu_seconds(pid) for pid in pids) - cpu_before[role] for role, pids in roles.items()}
        result = stats(receiver, latency=True)
        latency = result["latency_ms"]
        span = (result["last_at"] - result["first_at"]) if result["first_at"] else float("nan")
        rows.append(
            (
                backend,
                f"steady: {args.rate:g} reports/s × {args.duration:g} s × {STEADY_SUBSCRIBERS} subs",
                f"{stored} reports, {expected:,} webhooks expected, {result['unique']:,} arrived "
                f"({result['total'] / span if span else 0:,.0f}/s)",
            )
        )
        rows.append(
            (
                backend,
                "steady: delivery latency p50 / p95 / p99 / max",
                " / ".join(f"{(latency[k] or 0) / 1000:.2f}" for k in ("p50", "p95", "p99", "max"))
                + " s (target p99 ≤2 s)",
            )
        )
        if result["unique"]:
            rows.append(
                (
                    backend,
                    "steady: CPU per webhook delivered, by process",
                    ", ".join(
                        f"{role} {seconds / result['unique'] * 1e6:,.0f} µs" for role, seconds in cpu_used.items()
                    )
                    + " (the database server's own, on PostgreSQL, not counted)",
                )
            )
        rows.append(
            (
                backend,
                "steady: lost / duplicated",
                f"{expected - result['unique']} / {result['total'] - result['unique']} ({load()})",
            )
        )
        # p99 ≤ 2 s needs the workers to keep up with the offered rate; if they cannot, the queue
        # grows for the whole run and the last report waits about duration × (1 − achieved/offered).
        offered = args.rate * STEADY_SUBSCRIBERS
        achieved = result["total"] / span if span else 0.0
        rows.append(
            (
                backend,
                "steady: intake",
                (
                    f"{stored} reports answered in {intake_seconds:.1f} s ({stored / intake_seconds:.1f}/s; "
                    f"latency counts from each report's receipt, so a slow intake hides part of the backlog)"
                ),
            )
        )
        per_webhook = sum(cpu_used.values()) / result["unique"] if result["unique"] else float("nan")
        worker_share = cpu_used["worker(s)"] / result["unique"] if result["unique"] else float("nan")
        rows.append(
            (
                backend,
                "steady: arithmetic",
                (
                    f"offered {offered:,.0f} webhooks/s; delivered {achieved:,.0f}/s by {args.workers} worker(s) "
                    f"= {achieved / offered:.0%}. At the CPU per webhook measured above, {offered:,.0f}/s needs "
                    f"{offered * per_webhook:.1f} cores for worker, API and receiver together (the machine has "
                    f"{os.cpu_count()}; the database server's share comes on top on PostgreSQL), and "
                    f"{offered * worker_share / args.workers:.1f} cores in each worker process, which runs "
                    f"Python on one core at a time. httpx's bookkeeping alone, with no network, is "
                    f"{offered * layer_send:.2f} cores of it."
                ),
            )
        )
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return rows


def knee_step(
    url: str, api: str, receiver: str, key: str, worker_pids: list[int], *, webhooks_per_second: float, duration: float
) -> dict:
    """One sustained step: reports at webhooks_per_second / STEADY_SUBSCRIBERS a second, then drain."""
    httpx.post(f"{receiver}/reset")
    cpu_before = sum(cpu_seconds(pid) for pid in worker_pids)
    started_at = dt.datetime.now(dt.UTC)
    asyncio.run(steady(api, key, rate=webhooks_per_second / STEADY_SUBSCRIBERS, duration=duration))
    time.sleep(2)
    expected = reports_received_since(url, started_at) * STEADY_SUBSCRIBERS
    wait_for(receiver, expected, quiet_for=10, timeout=duration * 10 + 60)
    worker_cpu = sum(cpu_seconds(pid) for pid in worker_pids) - cpu_before
    result = stats(receiver, latency=True)
    span = (result["last_at"] - result["first_at"]) if result["first_at"] else float("nan")
    p99 = (result["latency_ms"]["p99"] or float("inf")) / 1000
    lost, duplicated = expected - result["unique"], result["total"] - result["unique"]
    return {
        "offered": webhooks_per_second,
        "delivered": result["total"] / span if span else 0.0,
        "p99": p99,
        "lost": lost,
        "duplicated": duplicated,
        "ok": p99 <= 2.0 and lost == 0 and duplicated == 0,
        "worker_cpu": worker_cpu / result["unique"] if result["unique"] else float("nan"),
    }


def knee(
    url: str, api: str, receiver: str, key: str, worker_pids: list[int], args: argparse.Namespace, *, bare_cpu: float
) -> list[tuple[str, str, str]]:
    """Double the rate until a step fails, then bisect: the highest rate that held p99 ≤ 2 s."""
    backend = "postgresql" if args.postgres else "sqlite"
    rows, steps = [], []

    def step(rate: float) -> dict:
        progress(f"knee: {rate:,.0f} webhooks/s for {args.knee_step:g} s")
        found = knee_step(url, api, receiver, key, worker_pids, webhooks_per_second=rate, duration=args.knee_step)
        steps.append(found)
        rows.append(
            (
                backend,
                f"knee step: {rate:,.0f} webhooks/s offered",
                f"delivered {found['delivered']:,.0f}/s, p99 {found['p99']:.2f} s, lost {found['lost']}, "
                f"twice {found['duplicated']}, worker {found['worker_cpu'] * 1e6:,.0f} µs a webhook "
                f"-> {'holds' if found['ok'] else 'fails'} ({load()})",
            )
        )
        return found

    good, bad, rate = None, None, args.knee_start
    while bad is None and rate <= args.knee_max:
        found = step(rate)
        good, bad = (found, None) if found["ok"] else (good, found)
        rate *= 2
    for _ in range(args.knee_bisections):
        if good is None or bad is None or bad["offered"] - good["offered"] <= args.knee_start / 4:
            break
        found = step((good["offered"] + bad["offered"]) / 2)
        good, bad = (found, bad) if found["ok"] else (good, found)
    if good is None:
        rows.append((backend, "knee", f"none: even {args.knee_start:,.0f} webhooks/s missed p99 ≤ 2 s"))
        return rows
    rows.append(
        (
            backend,
            f"knee: highest sustained rate with p99 ≤ 2 s, {args.workers} worker(s)",
            f"**{good['offered']:,.0f} webhooks/s** (p99 {good['p99']:.2f} s; target ≥ 1,500)",
        )
    )
    rows.append(
        (
            backend,
            "knee: CPU per webhook, worker (at the knee) vs bare httpx client (same run)",
            f"{good['worker_cpu'] * 1e6:,.0f} µs vs {bare_cpu * 1e6:,.0f} µs a request "
            f"= {good['worker_cpu'] / bare_cpu:.1f}×",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="steady-state seconds")
    parser.add_argument("--rate", type=float, default=50.0, help="steady-state reports per second")
    parser.add_argument("--workers", type=int, default=1, help="`varsel worker` processes (PostgreSQL for >1)")
    parser.add_argument("--interval", type=float, default=1.0, help="VARSEL_DISPATCH_INTERVAL_SECONDS")
    parser.add_argument(
        "--per-origin",
        type=int,
        default=PER_ORIGIN,
        help="VARSEL_DISPATCH_CONCURRENCY_PER_ORIGIN (every subscription here shares one origin)",
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL instead of SQLite")
    parser.add_argument("--fanout-only", action="store_true", help="only the fan-out (and its baseline)")
    parser.add_argument("--fanout-repeats", type=int, default=1, help="fan-outs in a row, each a new substance (≤10)")
    parser.add_argument("--knee", action="store_true", help="search for the knee instead of one steady rate")
    parser.add_argument("--knee-start", type=float, default=250.0, help="first webhooks/s of the search")
    parser.add_argument("--knee-max", type=float, default=8000.0, help="highest webhooks/s tried")
    parser.add_argument("--knee-step", type=float, default=20.0, help="seconds each rate is sustained")
    parser.add_argument("--knee-bisections", type=int, default=3, help="bisections after the first failure")
    args = parser.parse_args()
    if args.postgres:
        admin = postgres_url()
        if admin is None:
            sys.exit("no PostgreSQL: set VARSEL_BENCH_POSTGRES_URL")
        url, drop = fresh_postgres(admin)
        try:
            rows = run(url, "postgresql", args)
        finally:
            drop()
    else:
        if args.workers > 1:
            sys.exit("SQLite runs one worker; use --postgres for several")
        with tempfile.TemporaryDirectory() as tmp:
            rows = run(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", args)
    width = max(len(r[1]) for r in rows)
    print(f"\n{'db':<11} {'measure':<{width}}  result")
    for backend, measure, result in rows:
        print(f"{backend:<11} {measure:<{width}}  {result}")


if __name__ == "__main__":
    main()
