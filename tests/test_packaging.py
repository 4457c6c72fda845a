"""Installs are reproducible and complete: the locks pin every package with hashes, the Makefile and
the Dockerfile install from them, and every package the code imports is a declared dependency."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES = ("service", "chemistry", "alerts")
# Scripts that rebuild data files from their sources; they are run by hand, never by the service.
BUILD_SCRIPTS = ("chemistry/rules/sources/", "chemistry/data/make_")
# Imported inside try/except ImportError: used when present (uvicorn[standard] brings it on POSIX).
OPTIONAL_IMPORTS = {"uvloop"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: Path) -> dict[str, set[str]]:
    """Package -> pinned versions (one per environment marker); every pin must carry hashes."""
    pins: dict[str, set[str]] = {}
    text = lock.read_text()
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", block)
        if not match:
            continue
        assert "--hash=sha256:" in block, f"{lock.name}: {match[1]} is pinned without a hash"
        pins.setdefault(match[1].lower(), set()).add(match[2])
    return pins


def test_the_lock_pins_runtime_and_test_dependencies_with_hashes():
    pins = _pins(ROOT / "requirements.lock")
    declared = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    missing = {_name(r) for r in declared} - set(pins)
    assert not missing, f"declared in pyproject.toml but not locked (run `make lock`): {missing}"


def test_the_runtime_lock_has_the_same_versions_without_the_test_extra():
    full, runtime = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-runtime.lock")
    assert {_name(r) for r in PYPROJECT["project"]["dependencies"]} <= set(runtime)
    assert "pytest" not in runtime
    for name, versions in runtime.items():
        assert versions == full.get(name), f"{name}: runtime lock {versions}, full lock {full.get(name)}"


def test_the_makefile_installs_from_the_lock_and_reinstalls_when_it_changes():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\):.*\$\(LOCK\)", makefile, re.M)
    assert re.search(r"^LOCK\s*:= requirements\.lock$", makefile, re.M)
    assert "pip install -q --require-hashes -r $(LOCK)" in makefile
    assert "pip install -q --no-deps -e ." in makefile
    assert "--generate-hashes" in makefile  # `make lock` writes what the stamp installs


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> files importing it, for modules outside the standard library and ours."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(BUILD_SCRIPTS):
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, set()).add(relative)
    return found


def test_every_imported_package_is_a_declared_dependency():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    distributions = packages_distributions()
    undeclared = {}
    for module, files in _third_party_imports().items():
        if module in OPTIONAL_IMPORTS:
            continue
        owners = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not owners & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"
