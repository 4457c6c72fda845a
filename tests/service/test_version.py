"""One version, from pyproject.toml: the distribution, the API document, the CLI and the webhooks agree."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from service import __version__
from service.alerting.dispatcher import Dispatcher
from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
DECLARED = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_installed_distribution_carries_the_declared_version():
    assert version("varsel") == __version__ == DECLARED


def test_the_api_document_says_the_same_version(client):  # noqa: ANN001
    assert client.get("/openapi.json").json()["info"]["version"] == DECLARED


def test_varsel_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"varsel {DECLARED}"


def test_webhooks_name_the_version_in_their_user_agent(settings, engine):  # noqa: ANN001
    dispatcher = Dispatcher(settings, engine, worker_id="version-test")
    try:
        assert dispatcher._webhooks._client.headers["user-agent"] == f"Varsel-Webhooks/{DECLARED}"
    finally:
        dispatcher.close()


def test_the_licence_file_is_the_declared_licence():
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_changelog_has_an_entry_for_this_version():
    assert f"## [{DECLARED}]" in (ROOT / "CHANGELOG.md").read_text()
