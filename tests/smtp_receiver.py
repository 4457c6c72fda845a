"""A real SMTP server on loopback (aiosmtpd), shared by the alerting tests and tests/e2e.

It records every message it accepts as a parsed :class:`email.message.EmailMessage`; tests steer
it with ``reply``: None accepts, an SMTP reply such as ``"451 4.3.0 try later"`` refuses.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_DATA(self, server, session, envelope) -> str:
        receiver = self._receiver
        with receiver.lock:
            receiver.attempts += 1
            if receiver.reply is not None:
                return receiver.reply
            raw = envelope.original_content or envelope.content
            receiver.messages.append(
                ReceivedMail(
                    envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(raw, policy=policy.default), raw
                )
            )
            receiver.arrived.set()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpReceiver:
    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.reply: str | None = None
        self.attempts = 0
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.port = _free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    server = SmtpReceiver()
    server.start()
    yield server
    server.stop()
