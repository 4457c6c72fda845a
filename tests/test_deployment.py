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
    assert {"postgres", "api", "worker"} <= set(COMPOSE["services"])
    for name in ("postgres", "api", "worker"):
        assert "test" in COMPOSE["services"][name]["healthcheck"], name


def test_api_migrates_then_serves_and_worker_runs_the_scheduler():
    api = " ".join(COMPOSE["services"]["api"]["command"])
    assert re.search(r"varsel migrate && exec varsel serve", api)
    assert COMPOSE["services"]["worker"]["command"] == ["varsel", "worker"]
    assert COMPOSE["services"]["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_data_lives_in_a_named_volume():
    volume = COMPOSE["services"]["postgres"]["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]


def test_environment_names_are_settings():
    for name in ("api", "worker"):
        env = COMPOSE["services"][name]["environment"]
        unknown = {k for k in env if k.startswith("VARSEL_")} - SETTING_NAMES
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
        assert "VARSEL_DATABASE_URL" in env
        assert env["VARSEL_DATABASE_URL"].startswith("postgresql")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
