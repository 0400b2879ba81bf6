"""The app's bridge to `notifications`: which sender to use.

`get_sender(app)` builds the sender the configuration names (MAIL_BACKEND):
- "smtp": `SMTPSender` from SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SECURITY
  and SMTP_TIMEOUT (capped at 10 s: a slow relay must not hold a batch's claim for long);
- "console": `ConsoleSender` on standard output (development);
- "memory": one `MemorySender` per app, kept in `app.extensions` (tests; see `memory_outbox`).
"""

from __future__ import annotations

import logging

from flask import Flask

from notifications import ConsoleSender, MemorySender, OutgoingMessage, Sender, SMTPSender

log = logging.getLogger("madang.mail")

MAIL_BACKENDS = ("smtp", "console", "memory")
_MEMORY = "madang_memory_sender"


def get_sender(app: Flask) -> Sender:
    """The sender MAIL_BACKEND names; ValueError for an unknown backend or bad SMTP settings."""
    backend = str(app.config.get("MAIL_BACKEND", "console")).strip().lower()
    if backend == "memory":
        return memory_sender(app)
    if backend == "console":
        return ConsoleSender()
    if backend == "smtp":
        timeout = float(app.config.get("SMTP_TIMEOUT") or SMTPSender.MAX_TIMEOUT)
        if timeout > SMTPSender.MAX_TIMEOUT:
            limit = SMTPSender.MAX_TIMEOUT
            log.warning(
                "SMTP_TIMEOUT=%s s is above the %s s limit; using %s s", timeout, limit, limit
            )
            timeout = limit
        return SMTPSender(
            app.config["SMTP_HOST"],
            int(app.config["SMTP_PORT"]),
            username=app.config.get("SMTP_USERNAME") or None,
            password=app.config.get("SMTP_PASSWORD") or None,
            security=str(app.config.get("SMTP_SECURITY") or "none").strip().lower(),  # type: ignore[arg-type]
            timeout=timeout,
        )
    raise ValueError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {backend!r}")


def memory_sender(app: Flask) -> MemorySender:
    """This app's memory sender (created on first use)."""
    return app.extensions.setdefault(_MEMORY, MemorySender())


def memory_outbox(app: Flask) -> list[OutgoingMessage]:
    """What the memory sender has delivered so far."""
    return memory_sender(app).outbox


def reset_memory_outbox(app: Flask) -> None:
    """Forget what the memory sender holds (tests)."""
    sender = app.extensions.get(_MEMORY)
    if sender is not None:
        sender.outbox.clear()
        sender.fail.clear()
