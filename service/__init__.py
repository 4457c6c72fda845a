"""Varsel's application: the FastAPI app, settings, database, auth, routes, CLI and wiring."""

from importlib.metadata import PackageNotFoundError, version

# pyproject.toml holds the version; the API, the CLI and the webhook User-Agent read it from here.
try:
    __version__ = version("varsel")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
