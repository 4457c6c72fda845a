"""Real servers on loopback: `varsel serve` in its own process, talking to a real database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    env: dict[str, str]


def start_server(database_url: str, *, extra_env: dict[str, str] | None = None) -> RunningServer:
    port = free_port()
    env = {**os.environ, "VARSEL_DATABASE_URL": database_url, "VARSEL_LOG_LEVEL": "warning", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.stderr is not None  # stderr=PIPE
            raise RuntimeError(f"server exited: {process.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return RunningServer(url, process, env)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become ready within 60 s")


@pytest.fixture
def server(database_url: str) -> Iterator[RunningServer]:
    running = start_server(database_url)
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def start_worker(database_url: str, *, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """`varsel worker` in its own process."""
    env = {
        **os.environ,
        "VARSEL_DATABASE_URL": database_url,
        "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
        **(extra_env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def launch() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start processes by kind ("server" or "worker"); each is stopped at the end of the test.

    ``launch("worker", url, extra_env=...)`` returns the worker's Popen;
    ``launch("server", url, extra_env=...)`` returns a RunningServer.
    """
    started: list[subprocess.Popen] = []

    def start(kind: str, database_url: str, *, extra_env: dict[str, str] | None = None):  # noqa: ANN202
        if kind == "server":
            running = start_server(database_url, extra_env=extra_env)
            started.append(running.process)
            return running
        process = start_worker(database_url, extra_env=extra_env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
