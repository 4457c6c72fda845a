"""Observability: Prometheus metrics, structured JSON logs and request ids.

- :mod:`.logs` configures structlog (one JSON object per line, secrets redacted) and holds the
  request id of the work in progress;
- :mod:`.metrics` defines every metric and reads the store's gauges at scrape time;
- :mod:`.http` is the API's side: the request-id and access-log middleware and ``GET /metrics``;
- :mod:`.worker` is the worker's side: job timing, its health and its own ``/metrics``.

Who may read ``/metrics``: a key with the admin role, on the API and on the worker alike (every
route but health and docs needs a key). Prometheus sends it with ``authorization:
{credentials_file: ...}`` in its scrape config.
"""

from service.observability.http import install
from service.observability.logs import configure_logging, current_request_id

__all__ = ["configure_logging", "current_request_id", "install"]
