"""An SMTP server in the test process that keeps every e-mail it is given.

It records a message as soon as the whole of it has arrived, before it answers "250": a
sender killed while waiting for that answer has still handed the e-mail over (RFC 1047's
duplicate window), which is the harsher case for the "at most one duplicate" check.
`delay` makes each answer slow, so that a batch takes long enough to be interrupted.
"""

import asyncio
import email
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller

from .processes import free_port

# The subject of a single notification e-mail (templates/notifications/email/one_subject.txt);
# daily summaries say "Your daily summary from …" and are not counted with them.
NOTIFICATION_SUBJECT = "News from "

# aiosmtpd logs every connection at INFO: hundreds of lines per test.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    subject: str
    at: float  # time.monotonic()


class MailSink:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.port = free_port()
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "MailSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        received = Received(
            tuple(address.lower() for address in envelope.rcpt_tos),
            str(message["Subject"] or ""),
            time.monotonic(),
        )
        with self._lock:
            self._received.append(received)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def notification_mail(self) -> list[Received]:
        return [mail for mail in self.received() if mail.subject.startswith(NOTIFICATION_SUBJECT)]

    def per_recipient(self) -> Counter:
        """How many single notification e-mails each address got."""
        return Counter(address for mail in self.notification_mail() for address in mail.recipients)
