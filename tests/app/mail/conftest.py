"""Fixtures for the outbox tests: real aiosmtpd sinks on loopback (see helpers.Sink).

Every test talks to a real SMTP server (aiosmtpd on 127.0.0.1) through the app's real sender;
smtplib is never mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.app.mail.helpers import Sink, SMTPServer, free_port, use_smtp


@pytest.fixture
def smtp_factory() -> Iterator[Callable[..., SMTPServer]]:
    """Start real aiosmtpd servers on 127.0.0.1 (on `port` if given)."""
    controllers: list[tuple[Controller, Sink]] = []

    def start(port: int | None = None, **sink_options: Any) -> SMTPServer:
        sink = Sink(**sink_options)
        port = port or free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="mx.test")
        controller.start()
        controllers.append((controller, sink))
        return SMTPServer("127.0.0.1", port, sink)

    yield start
    for controller, sink in controllers:
        sink.release.set()
        controller.stop()


@pytest.fixture
def smtp(smtp_factory) -> SMTPServer:
    return smtp_factory()


@pytest.fixture
def mail_to(app, monkeypatch) -> Callable[[SMTPServer], SMTPServer]:
    def point(server: SMTPServer, timeout: float = 5.0) -> SMTPServer:
        use_smtp(app, monkeypatch, server.port, timeout)
        return server

    return point
