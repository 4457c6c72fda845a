"""E-mail as a delivery channel, beside webhooks: compose the message, send it over SMTP.

A message is composed from the same CloudEvent a webhook carries (one alert, a digest, or a test
event), so every channel says the same thing. It has a plain-text part and an HTML part, the
structure's depiction as a PNG the HTML shows inline (``cid:``), and an unsubscribe link (also as
RFC 2369/8058 ``List-Unsubscribe`` headers, which mail clients turn into a button).

The sender uses the standard library (``smtplib``, ``email``), which blocks, so each batch runs in
a worker thread off the event loop, over one SMTP connection. Like the webhook sender it never
raises for a delivery failure: it returns one :class:`alerts.delivery.DeliveryResult` per delivery
and leaves retry, dead letter and the delivery log to :mod:`alerts.dispatch`, exactly as for
webhooks.
"""

from __future__ import annotations

import asyncio
import html
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from alerts.content import alert_html, alert_text
from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.model import Alert, headline

__all__ = ["EMAIL_SCHEME", "EmailSender", "SmtpSettings", "compose", "recipient_of"]

EMAIL_SCHEME = "mailto:"
_DEPICTION_CID_DOMAIN = "varsel.depiction"

# CRLF line ends as SMTP requires (smtplib sends bytes as they are); 7-bit safe bodies (quoted-
# printable or base64 for anything else) so no server needs 8BITMIME; lines up to RFC 5322's 998
# so a long unsubscribe URL stays one header line instead of becoming RFC 2047 encoded-words.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit", max_line_length=998)

# Returns the PNG drawing of a SMILES, or None when it cannot be drawn.
Depict = Callable[[str], bytes | None]


def recipient_of(delivery: OutgoingDelivery) -> str:
    """E-mail deliveries carry their address as a ``mailto:`` URL."""
    return delivery.url.removeprefix(EMAIL_SCHEME)


# --- composing ---------------------------------------------------------------------------------


def _alerts_of(event: dict[str, Any]) -> list[Alert]:
    data = event.get("data") or {}
    if isinstance(data, dict) and "alerts" in data:
        return [Alert.model_validate(a) for a in data["alerts"]]
    if event.get("type", "").startswith("eu.varsel.alert."):
        return [Alert.model_validate(data)]
    return []


def _subject(event: dict[str, Any], alerts: list[Alert]) -> str:
    if event.get("type") == "eu.varsel.alert.digest":
        period = event["data"].get("period") or {}
        since = (period.get("from") or "")[:10]
        until = (period.get("to") or "")[:10]
        span = f" {since} to {until}" if since and until else ""
        return f"[Varsel] Digest{span}: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    if alerts:
        return f"[Varsel] {headline(alerts[0])}"
    return "[Varsel] " + str((event.get("data") or {}).get("message", "Test message"))[:150]


def compose(
    event: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    message_id: str,
    unsubscribe_url: str,
    depict: Depict | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The e-mail for one CloudEvent (an alert, a digest or a test event).

    ``message_id`` is the delivery's stable id: the ``Message-ID`` derives from it, so a retry of
    the same delivery is recognisably the same message. ``depict`` draws a substance's SMILES as
    PNG; its picture is attached inline for the first alert that has a structure.
    """
    alerts = _alerts_of(event)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = _subject(event, alerts)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = sender.rpartition("@")[2] or "varsel.invalid"
    message["Message-ID"] = f"<{message_id.replace(':', '.')}@{domain}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Varsel-Event-Type"] = str(event.get("type", ""))

    text: list[str] = []
    body_html: list[str] = []
    data = event.get("data") or {}
    if event.get("type") == "eu.varsel.alert.digest":
        intro = _digest_intro(data, len(alerts))
        text += [intro, ""]
        body_html.append(f"<p>{html.escape(intro)}</p>")
    if not alerts:
        note = str(data.get("message", "A message from Varsel."))
        text.append(note)
        body_html.append(f"<p>{html.escape(note)}</p>")

    picture: tuple[str, bytes] | None = None
    for alert in alerts:
        cid = None
        if picture is None and depict is not None and alert.substance and alert.substance.smiles:
            png = depict(alert.substance.smiles)
            if png:
                cid = make_msgid(domain=_DEPICTION_CID_DOMAIN)
                picture = (cid, png)
        text += alert_text(alert) + ["", "-" * 60, ""]
        body_html.append(alert_html(alert, image_src=f"cid:{cid[1:-1]}" if cid else None) + "<hr>")

    footer = f"Unsubscribe from this subscription's e-mails: {unsubscribe_url}"
    text.append(footer)
    body_html.append(
        f'<p style="font-size:small"><a href="{html.escape(unsubscribe_url)}">Unsubscribe</a> '
        "from this subscription's e-mails.</p>"
    )
    message.set_content("\n".join(text))
    message.add_alternative("<!doctype html><html><body>" + "\n".join(body_html) + "</body></html>", subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    if picture is not None and isinstance(html_part, EmailMessage):
        cid, png = picture
        # multipart/related inside the alternative: the HTML shows it by its cid
        html_part.add_related(
            png, maintype="image", subtype="png", cid=cid, filename="structure.png", disposition="inline"
        )
    return message


def _digest_intro(data: dict[str, Any], count: int) -> str:
    period = data.get("period") or {}
    counts = data.get("counts_by_type") or {}
    left_out = data.get("left_out") or {}
    by_type = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "none"
    text = (
        f"Digest for {period.get('from', '?')} to {period.get('to', '?')}: {count} alert(s) here; by type: {by_type}."
    )
    if left_out.get("count"):
        text += f" Left out: {left_out['count']} older alert(s) beyond this digest's limit; {left_out.get('see', '')}"
    if left_out.get("not_included"):
        text += " " + str(left_out["not_included"])
    return text


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465)
    # PEM CA bundle that signs the server's certificate (a private CA); None: the system's trust
    # store. Either way the certificate and host name are verified.
    ca_file: str | None = None
    timeout_seconds: float = 30.0
    sender: str = "varsel@varsel.invalid"


class EmailSender:
    """Sends e-mail deliveries (``OutgoingDelivery.body`` holds the whole RFC 5322 message)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]:
        if not deliveries:
            return []
        return await asyncio.to_thread(self._send_batch, list(deliveries))

    async def aclose(self) -> None:
        return None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self._settings.ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if s.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=self._tls_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            if s.starttls and not s.ssl:
                client.starttls(context=self._tls_context())  # verifies the certificate and host name
            if s.username:
                client.login(s.username, s.password or "")
        except BaseException:
            client.close()  # a refused certificate or login must not leave the connection open
            raise
        return client

    def _send_batch(self, deliveries: list[OutgoingDelivery]) -> list[DeliveryResult]:
        started = time.perf_counter()
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            latency = (time.perf_counter() - started) * 1000.0
            reason = f"SMTP server {self._settings.host}:{self._settings.port} unavailable: {_describe(error)}"
            return [
                DeliveryResult(status_code=_code(error), latency_ms=latency, error=reason, accepted=False)
                for _ in deliveries
            ]
        results = []
        try:
            for delivery in deliveries:
                results.append(self._send_one(client, delivery))
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        return results

    def _send_one(self, client: smtplib.SMTP, delivery: OutgoingDelivery) -> DeliveryResult:
        started = time.perf_counter()
        try:
            refused = client.sendmail(self._settings.sender, [recipient_of(delivery)], delivery.body)
        except (OSError, smtplib.SMTPException) as error:
            latency = (time.perf_counter() - started) * 1000.0
            return DeliveryResult(
                status_code=_code(error), latency_ms=latency, error=f"SMTP: {_describe(error)}", accepted=False
            )
        latency = (time.perf_counter() - started) * 1000.0
        if refused:
            ((code, reply),) = refused.values()
            return DeliveryResult(
                status_code=code,
                latency_ms=latency,
                accepted=False,
                error=f"SMTP {code}: {reply.decode('utf-8', 'replace')}",
            )
        return DeliveryResult(status_code=250, latency_ms=latency, error=None, accepted=True)


def _code(error: BaseException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return codes[0] if codes else None
    return getattr(error, "smtp_code", None)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt} refused ({code} {reply.decode('utf-8', 'replace')})"
            for rcpt, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = (
            error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        )
        return f"{error.smtp_code} {message}"
    return f"{type(error).__name__}: {error}"
