"""The app's bridge to `notifications`: which sender to use, and in-process delivery (dev).

`get_sender(app)` builds the sender the configuration names (MAIL_BACKEND):
- "smtp": `SMTPSender` from SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SECURITY
  and SMTP_TIMEOUT (capped at 10 s: a slow relay must not hold a batch's claim for long);
- "console": `ConsoleSender` on standard output (development);
- "memory": one `MemorySender` per app, kept in `app.extensions` (tests; see `memory_outbox`).

`start_in_process_delivery(app)` runs the outbox worker in a daemon thread of the process that
serves requests, so `make run` shows mails without a second command. The thread starts at the
first request a process serves, never at import or in `create_app`: the reloader's watcher
process and CLI commands (`flask db upgrade`, `flask outbox deliver`) serve no request, so they
never start one. Claims make two deliverers safe anyway.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from flask import Flask, request

from notifications import ConsoleSender, MemorySender, OutgoingMessage, Sender, SMTPSender

if TYPE_CHECKING:
    from app.mail.worker import DeliveryWorker

log = logging.getLogger("madang.mail")

MAIL_BACKENDS = ("smtp", "console", "memory")
_MEMORY = "madang_memory_sender"
_IN_PROCESS = "madang_in_process_delivery"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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


# -- in-process delivery (development) ----------------------------------------------------------


class _InProcess:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.worker: DeliveryWorker | None = None
        self.thread: threading.Thread | None = None


def start_in_process_delivery(app: Flask) -> None:
    """Deliver queued mail from a daemon thread of each process that serves requests.

    Call once from `create_app` when MAIL_DELIVER_IN_PROCESS is on (development). The thread
    starts at the first request of a process (one per process: a forked server gets its own)
    and is woken after every request that may have queued mail (any non-GET), so a mail shows
    on the console right after the form is sent. Production runs `flask outbox deliver --watch`
    instead.
    """
    if _IN_PROCESS in app.extensions:
        return
    state = app.extensions[_IN_PROCESS] = _InProcess()

    @app.before_request
    def _start_delivery_thread() -> None:
        if state.pid == os.getpid():
            return
        with state.lock:
            if state.pid == os.getpid():
                return
            from app.mail.worker import DeliveryWorker

            worker = DeliveryWorker(app, echo=None)
            thread = threading.Thread(target=worker.run, name="madang-mail-delivery", daemon=True)
            thread.start()
            state.worker, state.thread, state.pid = worker, thread, os.getpid()
            log.info("delivering mail in process %s (worker %s)", os.getpid(), worker.worker_id)

    @app.after_request
    def _wake_delivery_thread(response):
        worker = state.worker
        if worker is not None and request.method not in _SAFE_METHODS:
            worker.nudge()
        return response


def in_process_worker(app: Flask) -> DeliveryWorker | None:
    """The running in-process worker of this process, if any."""
    state = app.extensions.get(_IN_PROCESS)
    if state is None or state.pid != os.getpid():
        return None
    return state.worker


def stop_in_process_delivery(app: Flask, timeout: float = 15.0) -> bool:
    """Stop this process's delivery thread (tests, shutdown); True when it has ended."""
    state = app.extensions.get(_IN_PROCESS)
    if state is None or state.worker is None or state.thread is None:
        return True
    with state.lock:
        worker, thread = state.worker, state.thread
        state.worker = state.thread = None
        state.pid = None
    assert worker is not None and thread is not None
    worker.stop()
    thread.join(timeout)
    return not thread.is_alive()
