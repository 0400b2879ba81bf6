"""The outbox delivery loop: `flask outbox deliver --watch` and the development thread.

Each round, in a fresh app context (so a fresh database session): queue the day-before
reminders (and, for forums just over, the certificates and the feedback survey) when they are due
for a check, then deliver everything due, batch by batch. Between
rounds it waits `interval` seconds or until `nudge()`. An error in a round (database or mail
server away) is logged and the next round tries again; nothing is lost, the rows stay pending.

`stop()` is safe to call from a signal handler: it only sets a flag. A round in progress
finishes its batch (bounded by the SMTP timeout), records it, and the loop ends.

The loop also runs the retention purge (`app.privacy.operations.purge`) when it starts and then
every PRIVACY_PURGE_SECONDS (a day); 0 turns that off (run `flask privacy purge` from cron).

Settings (app config, else the environment, else the default):
OUTBOX_BATCH_SIZE (20), OUTBOX_LEASE_SECONDS (600), OUTBOX_POLL_SECONDS (5),
OUTBOX_REMINDER_SECONDS (300: how often the loop checks for reminders and certificates),
PRIVACY_PURGE_SECONDS (86400).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from app.mail import delivery as outbox
from app.privacy import retention
from app.registration import certificates, feedback

log = logging.getLogger("madang.outbox")

DEFAULT_POLL_SECONDS = 5.0
DEFAULT_REMINDER_SECONDS = 300.0
DEFAULT_PURGE_SECONDS = 86_400.0
_WAIT_SLICE = 0.25  # the loop notices stop() at least this often


def setting(app: Flask, name: str, default: Any, cast: Callable[[Any], Any] = float) -> Any:
    """`name` from the app config, else the environment, else `default`."""
    value = app.config.get(name)
    if value is None or value == "":
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return cast(value)


class DeliveryWorker:
    """Delivers the outbox of `app` until stopped (or once, with `run_once`)."""

    def __init__(
        self,
        app: Flask,
        *,
        worker_id: str | None = None,
        interval: float | None = None,
        batch_size: int | None = None,
        lease: float | None = None,
        reminder_interval: float | None = None,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.worker_id = worker_id or outbox.worker_identity()
        self.interval = (
            interval
            if interval is not None
            else setting(app, "OUTBOX_POLL_SECONDS", DEFAULT_POLL_SECONDS)
        )
        self.batch_size = int(
            batch_size or setting(app, "OUTBOX_BATCH_SIZE", outbox.DEFAULT_BATCH_SIZE, int)
        )
        seconds = lease or setting(
            app, "OUTBOX_LEASE_SECONDS", outbox.DEFAULT_LEASE.total_seconds()
        )
        self.lease = timedelta(seconds=seconds)
        self.reminder_interval = (
            reminder_interval
            if reminder_interval is not None
            else setting(app, "OUTBOX_REMINDER_SECONDS", DEFAULT_REMINDER_SECONDS)
        )
        self.purge_interval = setting(app, "PRIVACY_PURGE_SECONDS", DEFAULT_PURGE_SECONDS)
        self._next_purge = 0.0  # monotonic time of the next retention purge
        self.echo = echo
        self.stopping = False
        self._wake = threading.Event()
        self._next_reminders = 0.0  # monotonic time of the next reminder check
        self._check_lease()

    def _check_lease(self) -> None:
        if str(self.app.config.get("MAIL_BACKEND")) != "smtp":
            return
        timeout = min(float(self.app.config.get("SMTP_TIMEOUT") or 10.0), 10.0)
        if not outbox.lease_is_safe(self.lease, self.batch_size, timeout):
            log.warning(
                "outbox lease %.0f s is short for batches of %d with a %.0f s SMTP timeout: "
                "a slow server could let another worker send a batch twice",
                self.lease.total_seconds(),
                self.batch_size,
                timeout,
            )

    # control (stop() and nudge() are safe from signal handlers and other threads)

    def stop(self) -> None:
        self.stopping = True

    def nudge(self) -> None:
        """Start the next round now (mail was just queued)."""
        self._wake.set()

    # work

    def run_once(self, *, reminders: bool = False) -> outbox.DeliveryReport:
        """One round: optionally queue reminders, then deliver until nothing is due."""
        with self.app.app_context():
            if reminders:
                queued = outbox.queue_reminders()
                if queued and self.echo:
                    self.echo(f"queued {queued} reminder(s)")
                issued = certificates.issue_due()
                if issued and self.echo:
                    self.echo(f"queued {issued} certificate(s) of attendance")
                asked = feedback.queue_due()
                if asked and self.echo:
                    self.echo(f"queued {asked} feedback survey(s)")
            return outbox.deliver_due(
                worker_id=self.worker_id,
                batch_size=self.batch_size,
                lease=self.lease,
                should_stop=lambda: self.stopping,
            )

    def purge_personal_data(self) -> None:
        """The retention purge, when it is due (errors are logged; it is tried again later)."""
        if self.purge_interval <= 0 or time.monotonic() < self._next_purge:
            return

        try:
            with self.app.app_context():
                report = retention.purge()
        except Exception:
            log.exception("retention purge failed; trying again in an hour")
            self._next_purge = time.monotonic() + min(self.purge_interval, 3600.0)
            return
        self._next_purge = time.monotonic() + self.purge_interval
        if report.forums and self.echo:
            self.echo(str(report))

    def run(self) -> None:
        """Rounds until `stop()`; errors are logged, never raised."""
        while not self.stopping:
            self.purge_personal_data()
            reminders = time.monotonic() >= self._next_reminders
            try:
                report = self.run_once(reminders=reminders)
            except Exception:
                log.exception("outbox delivery round failed; retrying in %.1f s", self.interval)
            else:
                if reminders:
                    self._next_reminders = time.monotonic() + self.reminder_interval
                if report.claimed and self.echo:
                    self.echo(str(report))
            self._pause(self.interval)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._wake.wait(min(left, _WAIT_SLICE)):
                self._wake.clear()
                return
