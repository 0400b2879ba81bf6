"""The mail outbox's delivery: rows written in the caller's transaction, delivered after commit.

Rows are written by `app.outbox` in the caller's transaction.

Delivery (`deliver_due`, run by `flask outbox deliver` and the worker)
---------------------------------------------------------------------
1. Claim: in one short write transaction, take up to `batch_size` due rows (pending,
   `next_attempt_at <= now`, no live claim) and stamp them `claimed_by = <this worker>`,
   `claimed_until = now + lease`. PostgreSQL: the rows are chosen `FOR UPDATE SKIP LOCKED`, so
   concurrent workers take disjoint batches without waiting for each other. SQLite: the write
   transaction starts with BEGIN IMMEDIATE, so claims are made one at a time under the database
   write lock (a single claimant).
2. Compose each message from the database as it is now (`app.mail.context`), then end
   the read transaction: nothing is held open while the mail server is talked to.
3. Send the batch over one SMTP connection (timeout at most 10 s per socket operation).
4. Record each message's outcome as soon as the server has answered it, in its own short
   write transaction, before the next message goes out (outcomes known before sending, such
   as an unbuildable message, are written together first). Every UPDATE is conditional on the
   row still being claimed by this worker
   (`WHERE id = :id AND claimed_by = :me AND status = 'pending'`):
   - accepted: `sent`, `sent_at`;
   - refused for good (5xx, or a message that cannot be built): `dead` at once;
   - transient (4xx, refused connection, timeout): `attempts + 1` and a retry after
     `notifications.next_attempt_delay` (exponential backoff with jitter), `dead` after
     `MAX_ATTEMPTS` (about a day);
   - no longer meaningful (`mail_context.Obsolete`): `skipped` with "not sent: <why>" (by
     design, so neither counted nor requeued as dead).
   The claim is cleared, and on `sent` and `dead` the secrets (`manage_token`,
   `calendar_token`) are removed from the stored context.

A worker that dies mid-batch leaves its claims behind; they expire after the lease and another
worker takes the rows again. What the server accepted before the worker died is already
recorded as sent and is not sent again. No protocol can make SMTP and a database commit
atomic, so one window stays: a worker killed between the server's "250" and that message's
commit (about a millisecond) causes one resend, with the same Message-ID, which receiving
systems use to recognise it. If a commit fails, it is tried again over a few seconds
(`RECORD_RETRY_WAITS`) before the batch ends.
Keep the lease well above `batch_size x SMTP timeout` so that a slow but live worker never
loses its claim (`lease_is_safe()`).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError

from app.core.db import db, utcnow, write_transaction
from app.mail.context import ContextBuilder, MessageDataError, Obsolete, scrubbed
from app.mail.senders import get_sender
from app.models import Forum, OutboxMessage, Registration
from app.models.enums import ForumStatus, OutboxStatus, PlaceStatus
from app.outbox import enqueue_once
from notifications import (
    MAX_ATTEMPTS,
    OutgoingMessage,
    Sender,
    SendResult,
    build_message,
    is_dead,
    next_attempt_delay,
)
from notifications.messages import mailbox

log = logging.getLogger("madang.outbox")

DEFAULT_BATCH_SIZE = 20
DEFAULT_LEASE = timedelta(minutes=10)
ERROR_MAX = 2000  # characters of last_error kept
RECORD_RETRY_WAITS = (0.5, 1.0, 2.0, 4.0)  # seconds between tries to record a sent batch
REMINDER_KIND = "reminder"


# -- delivery -----------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed for now, will be retried
    dead: int = 0  # refused for good, unbuildable, or out of attempts
    skipped: int = 0  # no longer meaningful (see mail_context.Obsolete)
    lost: int = 0  # claims another worker took over after this one's lease ran out
    message_ids: list[str] = field(default_factory=list, repr=False)  # those sent

    def add(self, other: DeliveryReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def __str__(self) -> str:
        text = (
            f"sent {self.sent}, retrying {self.retrying}, dead {self.dead}, skipped {self.skipped}"
        )
        return text + (f", lost claims {self.lost}" if self.lost else "")


@dataclass(frozen=True)
class _Claimed:
    """A claimed row as plain data (ORM objects expire when the claim commits)."""

    id: int
    message_id: str
    attempts: int
    context: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    status: str  # "sent" | "retry" | "dead" | "skipped"
    error: str | None = None
    counts_attempt: bool = True


def worker_identity() -> str:
    """A name for this worker, unique across hosts and processes: host:pid:random."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def lease_is_safe(lease: timedelta, batch_size: int, timeout: float) -> bool:
    """Whether a batch whose every message uses the whole timeout still ends in the lease."""
    return lease.total_seconds() >= 2 * batch_size * timeout


# How `claim_due` locks the due rows it stamps. SKIP LOCKED lets a claimant pass over the rows
# another one holds instead of waiting for them (PostgreSQL; SQLite holds the write lock). One
# name, so the tests can show what happens without it.
CLAIM_ROW_LOCK: dict[str, bool] = {"skip_locked": True}


def claim_due(
    worker_id: str, *, limit: int, lease: timedelta, now: datetime | None = None
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for `worker_id`, committed; returns them, oldest first."""
    now = now or utcnow()
    with write_transaction():
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(**CLAIM_ROW_LOCK)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            # ARRAY(subquery) is chosen once, then the rows are found by key. With `IN (…)`
            # the planner may hash-join the whole table against the batch instead: 10 ms
            # more per claim at 100,000 pending rows.
            chosen = OutboxMessage.id == func.any(func.array(due.scalar_subquery()))
        else:
            chosen = OutboxMessage.id.in_(due)
        ids = list(
            db.session.scalars(
                update(OutboxMessage)
                .where(chosen)
                .values(claimed_until=now + lease, claimed_by=worker_id)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker_id)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def _render(name: str, context: Any) -> str:
    return render_template(name, **context)


def _compose(
    rows: Sequence[OutboxMessage], claimed: dict[int, _Claimed], now: datetime
) -> tuple[list[tuple[_Claimed, OutgoingMessage]], dict[int, _Outcome]]:
    """Build each claimed row's message; rows that cannot or should not go get an outcome."""

    builder = ContextBuilder(now=now)
    builder.prefetch(rows)
    from_addr = current_app.config["MAIL_FROM"]
    ready: list[tuple[_Claimed, OutgoingMessage]] = []
    settled: dict[int, _Outcome] = {}
    for row in rows:
        try:
            with force_locale(row.locale):
                prepared = builder.prepare(row)
                message = build_message(
                    prepared.kind,
                    prepared.context,
                    locale=row.locale,
                    render=_render,
                    message_id=row.message_id,
                    to=row.recipient,
                    to_name=prepared.to_name,
                    from_addr=from_addr,
                    reply_to=prepared.reply_to,
                    date=prepared.date,
                    attachments=prepared.attachments,
                    inline_images=prepared.inline_images,
                )
        except Obsolete as exc:
            settled[row.id] = _Outcome("skipped", f"not sent: {exc}", counts_attempt=False)
        except (MessageDataError, ValueError) as exc:
            # The same data gives the same error: retrying cannot help.
            error = f"cannot build message: {exc}"
            settled[row.id] = _Outcome("dead", error, counts_attempt=False)
        except Exception as exc:  # a bug or a database hiccup: count it and try again later
            log.exception("composing outbox message %s failed", row.id)
            settled[row.id] = _Outcome("retry", f"composing failed: {type(exc).__name__}: {exc}")
        else:
            ready.append((claimed[row.id], message))
    return ready, settled


def _outcome_of(result: SendResult) -> _Outcome:
    if result.ok:
        return _Outcome("sent")
    return _Outcome("dead" if result.permanent else "retry", result.error)


class _Recorder:
    """Writes outcomes for one claimed batch, each at most once.

    The sender reports every message as soon as the server has answered it, and the outcome is
    committed before the next message goes out: a worker killed mid-batch has recorded every
    message the server accepted except, at most, the one whose answer it was reading.
    """

    def __init__(self, worker_id: str, claimed: dict[int, _Claimed], now: datetime) -> None:
        self.worker_id = worker_id
        self.claimed = claimed
        self.now = now
        self.report = DeliveryReport()
        self.pending: dict[int, _Outcome] = {}  # known outcomes not yet written
        self.written: set[int] = set()

    def write_now(self, outcomes: dict[int, _Outcome]) -> None:
        """One write transaction; on a database error the outcomes wait for `finish()`."""
        outcomes = {k: v for k, v in outcomes.items() if k not in self.written}
        self.pending.update(outcomes)
        try:
            self._write(outcomes)
        except DBAPIError as exc:
            db.session.rollback()
            log.warning("recording %d outcome(s) failed (%s); will try again", len(outcomes), exc)

    def finish(self, missing: str) -> DeliveryReport:
        """Write what is still unwritten, patiently: those messages may already be out, and
        an unrecorded claim would expire and send them a second time."""
        for row_id in self.claimed.keys() - self.written:
            self.pending.setdefault(row_id, _Outcome("retry", missing))
        for wait in RECORD_RETRY_WAITS:
            if not self.pending:
                break
            try:
                self._write(dict(self.pending))
            except DBAPIError as exc:
                db.session.rollback()
                log.warning("recording outcomes failed (%s); trying again in %s s", exc, wait)
                time.sleep(wait)
        if self.pending:
            self._write(dict(self.pending))
        return self.report

    def _write(self, outcomes: dict[int, _Outcome]) -> None:
        with write_transaction():
            tally = [(row_id, self._write_one(row_id, o)) for row_id, o in outcomes.items()]
        for row_id, status in tally:  # counted only once committed
            del self.pending[row_id]
            self.written.add(row_id)
            self._count(row_id, status)

    def _write_one(self, row_id: int, outcome: _Outcome) -> str | None:
        """The UPDATE for one row; the status written, or None if the claim was lost."""

        row = self.claimed[row_id]
        attempts = row.attempts + (1 if outcome.counts_attempt else 0)
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "attempts": attempts}
        status = outcome.status
        if status == "retry" and is_dead(attempts, permanent=False):
            status = "dead"
        if status == "retry":
            values["next_attempt_at"] = self.now + next_attempt_delay(attempts)
        else:  # sent, dead or skipped: the row is finished, its secrets go
            values["status"] = status
            values["context"] = scrubbed(row.context)
            if status == "sent":
                values["sent_at"] = self.now
        if outcome.error:
            values["last_error"] = outcome.error[:ERROR_MAX]
        table = OutboxMessage.__table__  # a Core UPDATE: no ORM bookkeeping per message
        result = db.session.execute(
            update(table)
            .where(
                table.c.id == row.id,
                table.c.claimed_by == self.worker_id,
                table.c.status == OutboxStatus.PENDING,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            log.warning(
                "outbox %s (%s): claim lost before recording %s; lease too short?",
                row.id,
                row.message_id,
                status,
            )
            return None
        if status == "dead":
            log.warning("outbox %s dead: %s", row.id, outcome.error)
        return status

    def _count(self, row_id: int, status: str | None) -> None:
        report = self.report
        if status is None:
            report.lost += 1
        elif status == "sent":
            report.sent += 1
            report.message_ids.append(self.claimed[row_id].message_id)
        elif status == "retry":
            report.retrying += 1
        elif status == "skipped":
            report.skipped += 1
        else:
            report.dead += 1


def _send(
    sender: Sender, ready: Sequence[tuple[_Claimed, OutgoingMessage]], recorder: _Recorder
) -> str:
    """Send, recording each outcome as the sender reports it; the error for any message the
    sender gave no result for."""
    if not ready:
        return ""
    row_ids = {message.message_id: claimed.id for claimed, message in ready}

    def record(result: SendResult) -> None:
        row_id = row_ids.get(result.message_id)
        if row_id is not None:
            recorder.write_now({row_id: _outcome_of(result)})

    try:
        sender.send_batch([message for _, message in ready], on_result=record)
    except Exception as exc:  # senders report per message; this is a bug or a broken stream
        log.exception("the sender failed")
        return f"sender failed: {type(exc).__name__}: {exc}"
    return "the sender returned no result for this message"


def check_mail_from() -> None:
    """Refuse to claim anything while MAIL_FROM is unusable: every message would die."""
    try:
        mailbox(current_app.config["MAIL_FROM"])
    except (KeyError, ValueError) as exc:
        raise RuntimeError(f"MAIL_FROM is not a usable address: {exc}") from None


def deliver_batch(
    sender: Sender,
    *,
    worker_id: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> DeliveryReport:
    """Claim, compose, send and record one batch (see the module docstring)."""
    now = now or utcnow()
    check_mail_from()
    rows = claim_due(worker_id, limit=batch_size, lease=lease, now=now)
    report = DeliveryReport(claimed=len(rows))
    if not rows:
        return report
    claimed = {r.id: _Claimed(r.id, r.message_id, r.attempts, dict(r.context or {})) for r in rows}
    try:
        ready, settled = _compose(rows, claimed, now)
    finally:
        db.session.rollback()  # end the read transaction: nothing stays open during SMTP
    recorder = _Recorder(worker_id, claimed, now)
    if settled:
        recorder.write_now(settled)
    missing = _send(sender, ready, recorder)
    report.add(recorder.finish(missing))
    return report


def deliver_due(
    *,
    sender: Sender | None = None,
    worker_id: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Deliver batches until nothing is due; `now` fixes the clock (tests)."""

    sender = sender or get_sender(current_app._get_current_object())  # type: ignore[attr-defined]
    worker_id = worker_id or worker_identity()
    total = DeliveryReport()
    while not (should_stop and should_stop()):
        report = deliver_batch(
            sender, worker_id=worker_id, batch_size=batch_size, lease=lease, now=now
        )
        total.add(report)
        if report.claimed == 0:
            break
    return total


# -- reminders ----------------------------------------------------------------------------------


def reminder_key(forum_id: int, registration_id: int) -> str:
    return f"reminder:{forum_id}:{registration_id}"


def queue_reminders(now: datetime | None = None) -> int:
    """Queue the day-before reminder for every confirmed registrant of every published forum
    that starts tomorrow (in its own time zone). Once per registrant per forum, however often
    it runs: the dedupe key is `reminder:<forum_id>:<registration_id>`. Returns how many were
    queued now."""
    now = now or utcnow()
    utc_today = now.date()
    queued = 0
    with write_transaction():
        # A local "tomorrow" is within a day of the UTC one, whatever the zone.
        forums = db.session.scalars(
            select(Forum).where(
                Forum.status == ForumStatus.PUBLISHED,
                Forum.first_day.between(utc_today, utc_today + timedelta(days=2)),
            )
        ).all()
        for forum in forums:
            tomorrow = now.astimezone(ZoneInfo(forum.timezone)).date() + timedelta(days=1)
            if forum.first_day != tomorrow:
                continue
            registrants = db.session.execute(
                select(Registration.id, Registration.email, Registration.locale)
                .where(
                    Registration.forum_id == forum.id,
                    Registration.status == PlaceStatus.CONFIRMED,
                    Registration.email != "",
                    Registration.anonymised_at.is_(None),
                )
                .order_by(Registration.id)
            ).all()
            for reg_id, email, locale in registrants:
                queued += enqueue_once(
                    REMINDER_KIND,
                    recipient=email,
                    locale=locale,
                    dedupe_key=reminder_key(forum.id, reg_id),
                    context={"registration_id": reg_id},
                    forum_id=forum.id,
                    registration_id=reg_id,
                )
    return queued


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_LEASE",
    "MAX_ATTEMPTS",
    "DeliveryReport",
    "claim_due",
    "deliver_batch",
    "deliver_due",
    "lease_is_safe",
    "queue_reminders",
    "reminder_key",
    "worker_identity",
]
