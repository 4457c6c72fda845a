"""The worker's families job (RDKit placement, CPU-bound) runs in a child process of its own, so
it does not hold the GIL the dispatcher's event loop needs while webhooks go out.

Real parts: the database, the API (TestClient) and a spawned child process; nothing is timed.
"""

from __future__ import annotations

import os

from alerting_helpers import count

from service.scheduled import FamiliesInChildProcess


def test_the_families_job_places_new_substances_from_a_child_process(client, reporter, report_body, settings, engine):
    assert client.post("/v1/reports", json=report_body(), headers=reporter.headers).status_code == 201
    job = FamiliesInChildProcess(settings, engine)
    try:
        child = job()
        assert child != os.getpid()
        assert count(engine, "SELECT COUNT(*) FROM family_member") == 1
        # the same child serves the next tick
        assert job() == child
    finally:
        job.close()


def test_the_child_does_not_outlive_a_worker_killed_outright(settings, tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = (
        "import sys\n"
        "from service.db import make_engine\n"
        "from service.scheduled import FamiliesInChildProcess\n"
        "from service.settings import Settings\n"
        "settings = Settings(database_url=sys.argv[1], secret_keys_file=sys.argv[2], demo_keys_file=sys.argv[3])\n"
        "job = FamiliesInChildProcess(settings, make_engine(settings.database_url, pool_size=1))\n"
        "print(job(), flush=True)\n"
        "import time\n"
        "time.sleep(600)\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script, settings.database_url, str(tmp_path / "k.txt"), str(tmp_path / "d.txt")],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        child = int(worker.stdout.readline())
        os.kill(child, 0)  # alive while its worker is
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # an exited child of init is reaped at once; a zombie would still answer
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"

    deadline = time.monotonic() + 60  # a liveness bound, not a timing claim: the child checks every second
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(child), f"the families child {child} outlived its killed worker"
