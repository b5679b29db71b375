"""A real SMTP server for the reminder tests: aiosmtpd on 127.0.0.1, on a free port, in its own thread.

It records every accepted message and can be told to answer the next RCPT or DATA with a given
reply (a 421 or a 550), to be stopped (connection refused) and to come back on the same port.
`after_accept`, when set, is called with the count of messages each time one is accepted, before
the client hears the 250: the moment where a sender that dies leaves a duplicate behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.pages.harness import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    # address -> [reply, how many more times (None: always)]
    rcpt_replies: dict[str, list[Any]] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    after_accept: Callable[[int], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            entry = self.rcpt_replies.get(address)
            if entry and entry[1] is None:
                return str(entry[0])
            if entry and entry[1] > 0:
                entry[1] -= 1
                return str(entry[0])
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            count, hook = len(self.messages), self.after_accept
        if hook is not None:
            hook(count)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Handler()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse_recipient(self, address: str, reply: str, times: int | None = None) -> None:
        """Answer RCPT TO for this address with `reply` (`times` times, or always)."""
        with self.handler.lock:
            self.handler.rcpt_replies[address] = [reply, times]

    def refuse_next_data(self, reply: str, times: int = 1) -> None:
        with self.handler.lock:
            self.handler.data_replies += [reply] * times
