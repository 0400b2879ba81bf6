"""In-process delivery (development): the outbox worker in a daemon thread of the process
that serves requests, so `make run` shows mails without a second command.

The thread starts at the first request a process serves, never at import or in `create_app`:
the reloader's watcher process and CLI commands (`flask db upgrade`, `flask outbox deliver`)
serve no request, so they never start one. Claims make two deliverers safe anyway.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, request

from app.mail.worker import DeliveryWorker

log = logging.getLogger("madang.mail")

_IN_PROCESS = "madang_in_process_delivery"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
