"""The Dockerfile, docker-compose.yml and the Makefile: no Docker engine runs here, so their structure
is checked, and the health checks' commands are run as the containers would run them."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTING_NAMES = {f"VARSEL_{name.upper()}" for name in Settings.model_fields}


def test_services_exist_with_health_checks():
    assert {"postgres", "migrate", "api", "worker"} <= set(COMPOSE["services"])
    for name in ("postgres", "api", "worker"):
        assert "test" in COMPOSE["services"][name]["healthcheck"], name


def test_migrate_runs_as_the_owner_and_grants_the_app_role_before_anything_serves():
    migrate = COMPOSE["services"]["migrate"]
    assert re.search(r"varsel migrate && varsel db grant-app-role --role varsel_app", " ".join(migrate["command"]))
    assert migrate["environment"]["VARSEL_MIGRATE_DATABASE_URL"].startswith("postgresql+psycopg://varsel:")
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert COMPOSE["services"]["api"]["command"][:2] == ["varsel", "serve"]
    assert COMPOSE["services"]["worker"]["command"][:2] == ["varsel", "worker"]
    for name in ("api", "worker"):
        assert COMPOSE["services"][name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_api_and_worker_connect_as_the_app_role_not_the_owner():
    for name in ("api", "worker"):
        env = COMPOSE["services"][name]["environment"]
        assert env["VARSEL_DATABASE_URL"].startswith("postgresql+psycopg://varsel_app:"), name
        assert "VARSEL_MIGRATE_DATABASE_URL" not in env, name  # the owner's password stays with migrate


def test_every_service_gets_the_same_required_secret_keys():
    values = {COMPOSE["services"][name]["environment"]["VARSEL_SECRET_KEYS"] for name in ("migrate", "api", "worker")}
    (value,) = values
    assert value.startswith("${VARSEL_SECRET_KEYS:?")  # compose refuses to start without them


def test_postgres_data_lives_in_a_named_volume():
    volume = COMPOSE["services"]["postgres"]["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]


def test_environment_names_are_settings():
    for name in ("migrate", "api", "worker"):
        env = COMPOSE["services"][name]["environment"]
        unknown = {k for k in env if k.startswith("VARSEL_")} - SETTING_NAMES
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
    for name in ("api", "worker"):
        assert COMPOSE["services"][name]["environment"]["VARSEL_DATABASE_URL"].startswith("postgresql")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# -- the image ---------------------------------------------------------------------------------

DOCKERFILE = (ROOT / "Dockerfile").read_text()
# Instructions with continuation lines joined; comments dropped.
INSTRUCTIONS = [
    line.strip()
    for line in re.sub(r"\\\n\s*", " ", DOCKERFILE).splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
STAGES: list[list[str]] = []
for _instruction in INSTRUCTIONS:
    if _instruction.startswith("FROM "):
        STAGES.append([])
    STAGES[-1].append(_instruction)
FINAL = STAGES[-1]
NO_SUCH_TOOLS = re.compile(r"\b(curl|wget|pgrep|pidof|ps|nc)\b")


def _exec_form(instruction: str) -> list[str]:
    """The JSON array of an exec-form CMD/HEALTHCHECK instruction."""
    return json.loads(instruction[instruction.index("[") :])


def test_the_image_is_built_in_stages_and_installs_the_hashed_runtime_lock():
    assert len(STAGES) >= 2
    build = "\n".join(STAGES[0])
    assert "COPY requirements-runtime.lock" in build
    assert re.search(r"pip install --require-hashes -r \S*requirements-runtime\.lock", build)
    assert "pip install --no-deps -e ." in build
    assert any(i.startswith("COPY --from=") for i in FINAL)
    assert not any("pip install" in i for i in FINAL), "the final stage installs nothing from PyPI"
    assert (ROOT / "requirements-runtime.lock").is_file()


def test_the_service_runs_as_an_unprivileged_user_that_can_write_the_default_database():
    (user,) = [i.split()[1] for i in FINAL if i.startswith("USER ")]
    assert user.split(":")[0] not in ("root", "0")
    assert FINAL.index(next(i for i in FINAL if i.startswith("USER "))) > max(
        FINAL.index(i) for i in FINAL if i.startswith("RUN ")
    ), "USER comes after every RUN"
    # The default database is relative to the working directory; its directory is the user's.
    default = Settings.model_fields["database_url"].default
    assert default.startswith("sqlite:///./")
    (workdir,) = [i.split()[1] for i in FINAL if i.startswith("WORKDIR ")]
    data_dir = str(Path(workdir) / Path(default.removeprefix("sqlite:///./")).parent)
    assert any(f"mkdir -p {data_dir}" in i and f"chown varsel:varsel {data_dir}" in i for i in FINAL)
    uid_match = re.search(r"useradd .*--uid (\d+)", DOCKERFILE)
    gid_match = re.search(r"groupadd .*--gid (\d+)", DOCKERFILE)
    assert uid_match is not None and gid_match is not None
    uid, gid = uid_match[1], gid_match[1]
    assert user == f"{uid}:{gid}"
    assert any(i.startswith("VOLUME") and data_dir in i for i in FINAL)


def test_the_image_has_the_libraries_rdkit_draws_with():
    # rdMolDraw2D's bundled cairo links these from the system; python:*-slim has none of them.
    assert re.search(r"apt-get install .*libxrender1.*libxext6", "\n".join(FINAL))


def test_the_image_health_check_uses_python_and_answers_readiness():
    (check,) = [i for i in FINAL if i.startswith("HEALTHCHECK ")]
    command = _exec_form(check.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"] and "/readyz" in command[2]
    assert not NO_SUCH_TOOLS.search(command[2])
    compile(command[2], "HEALTHCHECK", "exec")


def test_the_build_context_leaves_out_the_virtualenv_and_local_data():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)


# -- compose health checks ---------------------------------------------------------------------


def test_no_health_check_needs_a_tool_the_slim_image_lacks():
    for name in ("api", "worker"):
        test = COMPOSE["services"][name]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[1:3] == ["python", "-c"], name
        assert not NO_SUCH_TOOLS.search(test[3]), name
        compile(test[3], f"{name} healthcheck", "exec")


def _worker_health(port: int) -> int:
    """The compose file's worker check, run as the container runs it, against ``port``."""
    worker = COMPOSE["services"]["worker"]
    container_port = worker["environment"]["VARSEL_WORKER_HTTP_PORT"]
    code = worker["healthcheck"]["test"][3]
    assert f"127.0.0.1:{container_port}/healthz" in code, "the check asks the port the worker serves on"
    return subprocess.run(
        [sys.executable, "-c", code.replace(f":{container_port}/", f":{port}/")], stderr=subprocess.DEVNULL
    ).returncode


def test_the_compose_check_asks_the_running_worker_for_its_health(tmp_path: Path):
    from service.schema import upgrade

    url = f"sqlite:///{tmp_path / 'varsel.db'}"
    upgrade(url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _worker_health(port) != 0, "no worker yet: unhealthy"
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"],
        cwd=ROOT,
        env={**os.environ, "VARSEL_DATABASE_URL": url, "VARSEL_WORKER_HTTP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _worker_health(port) != 0:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not become healthy within 60 s"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert _worker_health(port) != 0, "a stopped worker is unhealthy"


def test_the_heartbeat_file_is_touched_while_the_database_answers(tmp_path: Path):
    from service.scheduled import write_heartbeat

    heartbeat = tmp_path / "heartbeat"
    write_heartbeat(create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), heartbeat)
    assert heartbeat.exists()


def test_no_heartbeat_when_the_database_does_not_answer(tmp_path: Path):
    from service.scheduled import write_heartbeat

    heartbeat = tmp_path / "heartbeat"
    with pytest.raises(OperationalError):
        write_heartbeat(create_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}"), heartbeat)
    assert not heartbeat.exists()


def test_the_worker_command_line_parses():
    from service.cli import build_parser

    args = build_parser().parse_args(COMPOSE["services"]["worker"]["command"][1:])
    assert args.func.__name__ == "cmd_worker"
