"""The SMTP sender's STARTTLS and AUTH paths against a real aiosmtpd server on loopback.

End to end: a real `varsel serve` and `varsel worker`; the worker upgrades the connection with
STARTTLS (verifying a certificate signed by a CA made here, given to it as VARSEL_SMTP_CA_FILE)
or logs in (AUTH LOGIN and AUTH PLAIN), and the messages the server receives are parsed. The
refusals (an unverifiable certificate, a wrong password) are checked on the sender itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from alert_load import wait_until
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from alerts.delivery import OutgoingDelivery
from alerts.email import EMAIL_SCHEME, EmailSender, SmtpSettings

# AUTH over plain TCP is what the AUTH test means to exercise (auth_require_tls=False); aiosmtpd warns of it
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")]

CATHINONE = "CCCNC(C)C(=O)c1ccc(CC)cc1"
USER, PASSWORD = "varsel-relay", "correct horse battery staple"


# --- a CA and a server certificate for 127.0.0.1, made for the test ------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what the sender trusts
    cert_file: Path  # the server's certificate chain
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path) -> Certificates:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Varsel test CA"))
        .issuer_name(_name("Varsel test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("smtp.test"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    certificates = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    certificates.ca_file.write_bytes(ca.public_bytes(pem))
    certificates.cert_file.write_bytes(cert.public_bytes(pem))
    certificates.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificates


# --- the SMTP server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    over_tls: bool
    login: str | None


@dataclass
class Server:
    port: int
    mechanism: str | None = None  # the one AUTH mechanism offered, if any
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, user) of each AUTH
    arrived: threading.Event = field(default_factory=threading.Event)


class _Handler:
    def __init__(self, server: Server) -> None:
        self._server = server

    async def handle_DATA(self, smtp, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        raw = envelope.original_content or envelope.content
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self._server.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(raw, policy=policy.default),
                session.ssl is not None,
                login,
            )
        )
        self._server.arrived.set()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _authenticator(server: Server):  # noqa: ANN202
    def authenticate(smtp, session, envelope, mechanism: str, auth_data) -> AuthResult:  # noqa: ANN001
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        server.logins.append((mechanism, user))
        if user == USER and password == PASSWORD:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    return authenticate


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path)


@pytest.fixture
def tls_smtp(certificates: Certificates) -> Iterator[Server]:
    """STARTTLS offered and required before MAIL."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    server = Server(_free_port())
    controller = Controller(
        _Handler(server), hostname="127.0.0.1", port=server.port, tls_context=context, require_starttls=True
    )
    controller.start()
    yield server
    controller.stop()


def _auth_smtp(mechanism: str) -> Iterator[Server]:
    """AUTH required, over plain TCP (auth_require_tls=False), offering only ``mechanism``."""
    server = Server(_free_port(), mechanism=mechanism)
    controller = Controller(
        _Handler(server),
        hostname="127.0.0.1",
        port=server.port,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=[m for m in ("LOGIN", "PLAIN") if m != mechanism],
        authenticator=_authenticator(server),
    )
    controller.start()
    yield server
    controller.stop()


@pytest.fixture(params=["LOGIN", "PLAIN"])
def auth_smtp(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from _auth_smtp(request.param)


# --- end to end through the worker --------------------------------------------------------------


def _alert_by_email(database_url, reporter, authority, launch, smtp_env: dict[str, str]) -> None:  # noqa: ANN001
    shared = {"VARSEL_SECRET_KEYS": Fernet.generate_key().decode(), "VARSEL_PUBLIC_URL": "https://varsel.example"}
    server = launch("server", database_url, extra_env=shared)
    created = httpx.post(
        f"{server.url}/v1/subscriptions",
        headers=authority.headers,
        timeout=30,
        json={"email": "duty@health.example", "filters": {"event_types": ["substance.first_detection"]}},
    )
    assert created.status_code == 201, created.text
    report = httpx.post(
        f"{server.url}/v1/reports",
        headers=reporter.headers,
        timeout=30,
        json={
            "structure": CATHINONE,
            "substance_name": "4-ethyl-N-propylcathinone",
            "sample_type": "seizure",
            "country": "DK",
            "sampled_on": "2026-11-30",
            "techniques": ["GC-MS"],
            "confidence": "confirmed",
        },
    )
    assert report.status_code == 201, report.text
    launch(
        "worker",
        database_url,
        extra_env={
            **shared,
            "VARSEL_SMTP_HOST": "127.0.0.1",
            "VARSEL_SMTP_FROM": "alerts@health.example",
            "VARSEL_DISPATCH_INTERVAL_SECONDS": "0.2",
            **smtp_env,
        },
    )


def _check_alert_mail(mail: Received) -> None:
    assert mail.sender == "alerts@health.example" and mail.recipients == ["duty@health.example"]
    message = mail.message
    assert message["Subject"] == "[Varsel] First detection of a new psychoactive substance: 4-ethyl-N-propylcathinone"
    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert plain_part is not None and html_part is not None
    plain = plain_part.get_content()
    html = html_part.get_content()
    assert "4-ethyl-N-propylcathinone" in plain and "4-ethyl-N-propylcathinone" in html
    assert message["List-Unsubscribe"].startswith("<https://varsel.example/unsubscribe?token=")


def test_the_worker_sends_over_starttls_verifying_the_server_with_the_configured_ca(
    database_url, reporter, authority, launch, tls_smtp, certificates
):
    _alert_by_email(
        database_url,
        reporter,
        authority,
        launch,
        {
            "VARSEL_SMTP_PORT": str(tls_smtp.port),
            "VARSEL_SMTP_STARTTLS": "true",
            "VARSEL_SMTP_CA_FILE": str(certificates.ca_file),
        },
    )
    wait_until(lambda: len(tls_smtp.messages) == 1, timeout=60, what="the e-mail over STARTTLS")
    (mail,) = tls_smtp.messages
    assert mail.over_tls  # the server also refuses MAIL before STARTTLS (require_starttls)
    _check_alert_mail(mail)


def test_the_worker_logs_in_before_sending(database_url, reporter, authority, launch, auth_smtp):
    _alert_by_email(
        database_url,
        reporter,
        authority,
        launch,
        {"VARSEL_SMTP_PORT": str(auth_smtp.port), "VARSEL_SMTP_USERNAME": USER, "VARSEL_SMTP_PASSWORD": PASSWORD},
    )
    wait_until(lambda: len(auth_smtp.messages) == 1, timeout=60, what="the e-mail after AUTH")
    (mail,) = auth_smtp.messages
    assert mail.login == USER and not mail.over_tls
    assert auth_smtp.logins == [(auth_smtp.mechanism, USER)]  # the one mechanism the server offered
    _check_alert_mail(mail)


# --- refusals, on the sender ------------------------------------------------------------------


def _mail(address: str = "duty@health.example") -> OutgoingDelivery:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "[Varsel] test", "alerts@health.example", address
    message.set_content("A test message from Varsel.")
    return OutgoingDelivery(
        id="d1",
        endpoint_id="s1",
        url=EMAIL_SCHEME + address,
        message_id="m1",
        body=message.as_bytes(),
        secrets=(),
        channel="email",
        content_type="message/rfc822",
    )


def _send(settings: SmtpSettings):  # noqa: ANN202
    (result,) = asyncio.run(EmailSender(settings).send_many([_mail()]))
    return result


def test_starttls_refuses_a_certificate_it_cannot_verify_unless_given_the_ca(tls_smtp, certificates):
    settings = SmtpSettings(host="127.0.0.1", port=tls_smtp.port, starttls=True, sender="alerts@health.example")
    refused = _send(settings)
    assert not refused.succeeded and "CERTIFICATE_VERIFY_FAILED" in refused.error
    assert tls_smtp.messages == []
    trusted = _send(dataclasses.replace(settings, ca_file=str(certificates.ca_file)))
    assert trusted.succeeded and trusted.status_code == 250
    (mail,) = tls_smtp.messages
    assert mail.over_tls and mail.message.get_content().strip() == "A test message from Varsel."


def test_without_starttls_a_server_that_requires_it_refuses_the_mail(tls_smtp):
    result = _send(SmtpSettings(host="127.0.0.1", port=tls_smtp.port, sender="alerts@health.example"))
    assert not result.succeeded and result.status_code == 530 and tls_smtp.messages == []


def test_a_wrong_password_fails_the_delivery_with_the_servers_reply(auth_smtp):
    result = _send(
        SmtpSettings(
            host="127.0.0.1", port=auth_smtp.port, username=USER, password="wrong", sender="alerts@health.example"
        )
    )
    assert not result.succeeded and result.status_code == 535 and "unavailable" in result.error
    assert auth_smtp.messages == [] and [user for _, user in auth_smtp.logins] == [USER]
