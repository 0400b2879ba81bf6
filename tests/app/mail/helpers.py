"""Helpers for the outbox tests: a real aiosmtpd sink, and functions to read mail and rows."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

BASE = "http://madang.test"
MAIL_FROM = "마당 Madang <no-reply@madang.test>"


@dataclass
class Sink:
    """An aiosmtpd handler that keeps what it accepts and counts Message-IDs."""

    received: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # (from, rcpt_tos)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> RCPT reply
    data_delay: float = 0.0  # seconds to wait before answering DATA
    # Accept this many messages, then stall the next one at MAIL FROM until released and
    # refuse it: the client has had every earlier answer and is waiting on this one.
    hold_after: int | None = None
    held: threading.Event = field(default_factory=threading.Event)  # a message is being held
    release: threading.Event = field(default_factory=threading.Event)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            hold = self.hold_after is not None and len(self.received) >= self.hold_after
        if hold and not self.held.is_set():
            self.held.set()
            deadline = time.monotonic() + 60
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return "451 4.3.0 held by the test, never accepted"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 accepted"

    # reading

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = list(self.received)
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages())

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"the sink got {len(self.received)} messages, wanted {count}")


@dataclass
class SMTPServer:
    host: str
    port: int
    sink: Sink


def free_port() -> int:
    """A loopback port with nothing listening on it (a mail server that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_smtp(app, monkeypatch, port: int, timeout: float = 5.0) -> None:
    """Point the app's mail at a loopback SMTP server, for this test only."""
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": timeout,
        "MAIL_FROM": MAIL_FROM,
    }.items():
        monkeypatch.setitem(app.config, key, value)


# -- reading the outbox and messages ------------------------------------------------------------


def outbox_rows(db, kind: str | None = None) -> list:
    from app.models import OutboxMessage

    db.session.rollback()  # a fresh snapshot: other sessions and processes write too
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    rows = list(db.session.scalars(query))
    db.session.rollback()
    return rows


def parts(message: EmailMessage) -> list[str]:
    """The content types of every part, depth first."""
    return [part.get_content_type() for part in message.walk()]


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content()


def calendar_part(message: EmailMessage):
    found = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(found) == 1, parts(message)
    return found[0]


def register_body(n: int | str = 1, **fields: Any) -> dict:
    values = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "attendance": "in_person",
        "session_ids": [],
        "locale": "ko",
        "consent_personal_data": True,
    }
    values.update(fields)
    return values


def register(client, forum, n: int | str = 1, **fields: Any) -> dict:
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations", json=register_body(n, **fields)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()
