"""`varsel webhook-echo`: a webhook receiver for trying Varsel out, printing what it receives.

Answers every POST with 204 and prints one line per delivery: its webhook-id, the CloudEvents
type, and whether the Standard Webhooks signature verifies (with --secret, the subscription's
secret as POST /v1/subscriptions returned it). Not for production: it is a demo and debugging aid.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from alerts.signing import InvalidSignature, verify


def serve(*, host: str, port: int, secret: str | None, out=sys.stdout) -> None:  # noqa: ANN001
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()
            try:
                event_type = json.loads(body).get("type", "?")
            except (ValueError, AttributeError):
                event_type = "(not JSON)"
            signature = "not checked (no --secret)"
            if secret:
                try:
                    verify(
                        secret=secret,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                        now=datetime.now(UTC),
                    )
                    signature = "valid"
                except InvalidSignature as error:
                    signature = f"INVALID ({error})"
            print(
                f"{datetime.now(UTC):%H:%M:%S} {self.path} webhook-id={self.headers.get('webhook-id')} "
                f"type={event_type} signature {signature}",
                file=out,
                flush=True,
            )

        def log_message(self, *args: object) -> None:  # the line above says what arrived
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    print(f"webhook-echo listening on http://{host}:{server.server_port}/", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
