"""Structured logs: one JSON object per line, with the request id, and never a secret.

Every log line of the service, from structlog loggers and from the standard library's (uvicorn,
APScheduler, the modules that use ``logging.getLogger``), goes through one
:class:`structlog.stdlib.ProcessorFormatter`: it adds the time (UTC), level, logger name and the
context variables bound for the work in progress (``request_id`` in a request, ``job`` in a
worker job), redacts secrets, and renders JSON.

Redaction (:func:`redact_event`) is the last step before rendering, so it sees the rendered
message and traceback too: values under names that hold secrets (``authorization``, ``secret``,
``password``, ``token``...) are replaced; API keys (``vsl_<id>_<secret>``: the id is kept, it
names the key without opening it), webhook secrets (``whsec_...``), Fernet keys and bearer tokens
are masked wherever they appear in a string; a ``url`` loses its credentials and query
(service.audit.redact, the rule the audit log follows).
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

import structlog

from service.audit.redact import redact_url

REDACTED = "[redacted]"

# An incoming X-Request-ID is kept if it looks like an id (a UUID, a ULID, a trace id); anything
# else (too long, spaces, quotes, control characters) is replaced, so a client cannot write into
# the logs through it.
_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,63}")

_request_id: ContextVar[str | None] = ContextVar("varsel_request_id", default=None)

# Names whose values are secrets whatever they hold (compared in lower case, '-' read as '_').
_SECRET_NAMES = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "api_key",
        "apikey",
        "key",
        "secret",
        "secrets",
        "secret_keys",
        "password",
        "passwd",
        "token",
        "access_token",
        "credentials",
    }
)
_SECRET_SUFFIXES = ("_secret", "_password", "_token", "_secret_keys")
_SECRET_PATTERNS = (
    # API keys: vsl_<key id>_<secret>; the key id stays, it is not a credential
    (re.compile(r"\b(vsl_[0-9a-f]+_)[A-Za-z0-9_-]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+"), f"whsec_{REDACTED}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\g<1> {REDACTED}"),
    # Fernet keys (VARSEL_SECRET_KEYS) and sealed secrets: 44 url-safe base64 characters ending in '='
    (re.compile(r"\b[A-Za-z0-9_-]{43}="), REDACTED),
    (re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"), REDACTED),  # a Fernet token (a sealed webhook secret)
    # credentials in a URL: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@"), rf"\g<1>{REDACTED}@"),
)


def is_well_formed_request_id(value: str | None) -> bool:
    return value is not None and _WELL_FORMED_REQUEST_ID.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request (or the worker work it caused) being handled, if any."""
    return _request_id.get()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Run a block as part of ``request_id``: :func:`current_request_id` and every log line say so."""
    token = _request_id.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            yield
    finally:
        _request_id.reset(token)


def _is_secret_name(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    return lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(name: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if _is_secret_name(name):
        return REDACTED
    if isinstance(value, str):
        return redact_text(redact_url(value)) if name.lower().endswith("url") else redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redact_value(name, v) for v in value]
    return value


def redact_event(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: no secret leaves in a log line (see the module's docstring)."""
    return {key: _redact_value(key, value) for key, value in event_dict.items() if key not in _TERMINAL_ONLY}


# extras other libraries attach for terminals: uvicorn's message with ANSI colour codes
_TERMINAL_ONLY = frozenset({"color_message"})


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def json_formatter() -> logging.Formatter:
    """The formatter of every handler: JSON lines, redacted. Also configures structlog, so a
    logging config (uvicorn's, in each of its worker processes) that names this factory is all
    a process needs."""
    _configure_structlog()
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_event,
            structlog.processors.JSONRenderer(),
        ],
    )


def _configure_structlog() -> None:
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class _VarselHandler(logging.StreamHandler):
    """Marks the handler this module installed, so configuring again replaces only it."""


def configure_logging(level: str = "info", *, stream: TextIO | None = None) -> logging.Handler:
    """JSON logs on ``stream`` (stderr) for the whole process; returns the handler."""
    handler = _VarselHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _VarselHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's ``log_config``: applied in every uvicorn worker process, so ``--workers N``
    logs JSON from each."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "service.observability.logs.json_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level.upper()},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},  # the middleware logs each request
            "alembic": {"level": "WARNING"},  # reading the migrations' heads at start-up is not news
        },
    }


# structlog loggers are cached on first use: route them through the standard library from the
# start, so a handler configured later (configure_logging, uvicorn's log_config) receives them.
_configure_structlog()
