"""docker-compose.yml and the Makefile: no Docker engine runs here, so their structure is checked."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

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
    assert COMPOSE["services"]["worker"]["command"] == ["varsel", "worker"]
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
