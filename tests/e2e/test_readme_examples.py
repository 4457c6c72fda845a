"""The README's examples, run as written against the demo as `make run` starts it.

The only change made to the text is the ports (8000 and 9000 may be taken on a test machine);
the shell, curl, the demo keys file and `.venv/bin/varsel` are used exactly as a new user would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ROOT, free_port

pytestmark = pytest.mark.e2e

README = (ROOT / "README.md").read_text()


def _shell_blocks() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    return [b for b in blocks if "curl" in b]


@pytest.fixture
def demo(tmp_path):
    """migrate, seed-demo, worker and serve, as the Makefile's run target, in a directory of its own."""
    if not (ROOT / ".venv" / "bin" / "varsel").exists():
        pytest.fail("the README's commands need .venv (make test creates it)")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    port = free_port()
    env = {
        **os.environ,
        "VARSEL_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'varsel.db'}",
        "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VARSEL_LOG_LEVEL": "warning",
        "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.5",
    }
    env.pop("VARSEL_DEMO_KEYS_FILE", None)
    cli = [str(ROOT / ".venv" / "bin" / "varsel")]
    subprocess.run([*cli, "migrate"], cwd=tmp_path, env=env, check=True, capture_output=True)
    subprocess.run([*cli, "seed-demo"], cwd=tmp_path, env=env, check=True, capture_output=True)
    worker = subprocess.Popen(
        [*cli, "worker"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield tmp_path, port
    for process in (server, worker):
        process.terminate()
        process.wait(timeout=30)


def _run(block: str, cwd: Path, api_port: int, echo_port: int) -> str:
    script = block.replace("127.0.0.1:8000", f"127.0.0.1:{api_port}").replace("--port 9000", f"--port {echo_port}")
    script = script.replace("127.0.0.1:9000", f"127.0.0.1:{echo_port}")
    # Output goes to a file, not a pipe: an answer larger than the pipe's buffer (a classification
    # across every jurisdiction is) would block the shell while nobody reads the pipe before it exits.
    log = cwd / f"block-{api_port}-{echo_port}.out"
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            process.wait(timeout=60)  # the shell; a background receiver it started may still run
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)  # the block's background receiver, if any
            except ProcessLookupError:
                pass
    out = log.read_text()
    assert process.returncode == 0, out
    return out


def test_the_quick_start_examples_answer(demo):
    cwd, port = demo
    report_and_classify = next(b for b in _shell_blocks() if "/v1/classify" in b)
    out = _run(report_and_classify, cwd, port, free_port())
    assert '"substance_is_new"' in out, out[:2000]
    assert '"results"' in out and '"status":"controlled_by_name"' in out, out[:2000]


def test_the_webhook_example_delivers_to_the_demo_receiver(demo):
    cwd, port = demo
    webhook = next(b for b in _shell_blocks() if "webhook-echo" in b)
    out = _run(webhook, cwd, port, free_port())
    assert "webhook-echo listening" in out, out
    assert "type=eu.varsel.test" in out, out
    assert '"state":"delivered"' in out, out


def test_the_feed_token_example_opens_the_feed_without_a_key(demo):
    cwd, port = demo
    feed = next(b for b in _shell_blocks() if "feed-tokens" in b)
    out = _run(feed, cwd, port, free_port())
    assert '<feed xmlns="http://www.w3.org/2005/Atom">' in out and "Varsel alerts: reader" in out, out


def test_the_operations_example_scrapes_metrics_and_uploads_a_file_once(demo):
    cwd, port = demo
    operations = next(b for b in _shell_blocks() if "reports:upload" in b)
    out = _run(operations, cwd, port, free_port())
    assert "varsel_http_requests_total{" in out, out[:3000]
    assert "x-request-id: lab-upload-1" in out.lower(), out[:3000]
    assert '"stored":1,"replayed":0,"rejected":0' in out, out[:3000]
    assert '"status": 200' in out and "0 stored, 1 already there, 0 rejected" in out, out[-2000:]


def test_the_drafts_example_takes_two_regulators_to_activation(demo):
    cwd, port = demo
    drafts = next(b for b in _shell_blocks() if ":approve" in b)
    out = _run(drafts, cwd, port, free_port())
    assert '"type":"/problems/activation-refused"' in out and "approval_missing" in out, out[:3000]
    assert '"status":"active"' in out, out[:3000]
    assert "line 1,MDAI,NC1Cc2cc3OCOc3cc2C1" in out and ",controlled_by_group,dk-draft-aminoindanes" in out, out[-3000:]
    assert "family_id,inchikey,names,smiles,status" in out, out[-2000:]
