"""Two workers in parallel on PostgreSQL over 1,000 queued messages: each delivered once.

Each worker is a thread with its own app context, hence its own database connection and its own
SMTP connection per batch. Both claim at the same instant every round (a barrier), so they
contend on the same due rows as hard as possible; FOR UPDATE SKIP LOCKED must hand them
disjoint batches. A negative control with a naive claim (select the due ids, then stamp them)
must deliver some messages twice, so the test can fail.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app import outbox
from app.core.db import db, utcnow, write_transaction
from app.core.tokens import hash_token, new_confirmation_code, new_token
from app.mail import delivery
from app.models import Forum, OutboxMessage, Registration
from notifications import SMTPSender
from tests.app.mail.helpers import MAIL_FROM

pytestmark = pytest.mark.postgres_only

MESSAGES = 1000
CONTROL_MESSAGES = 200
BATCH = 10


@pytest.fixture
def pg_app(postgres_app):
    return postgres_app(MAIL_FROM=MAIL_FROM)


def queue_confirmations(app, count: int) -> list[str]:
    """`count` registrations, each with its confirmation queued; returns the Message-IDs."""
    now = datetime.now(UTC)
    with app.app_context():
        forum = Forum(
            slug="parallel",
            title_ko="병렬 포럼",
            title_en="Parallel Forum",
            first_day=date.today() + timedelta(days=30),
            last_day=date.today() + timedelta(days=30),
            format="hybrid",
            status="published",
            registration_opens_at=now - timedelta(days=1),
            organizer_email="forum@seoul.example.org",
        )
        db.session.add(forum)
        db.session.flush()
        for n in range(count):
            manage, calendar = new_token(), new_token()
            registration = Registration(
                forum_id=forum.id,
                confirmation_code=new_confirmation_code(),
                name=f"참가자 {n}",
                email=f"p{n}@example.org",
                email_normalized=f"p{n}@example.org",
                attendance="online" if n % 2 else "in_person",
                locale="en" if n % 3 else "ko",
                manage_token_hash=hash_token(manage),
                calendar_token_hash=hash_token(calendar),
                consent_version="test",
                consented_at=now,
            )
            db.session.add(registration)
            db.session.flush()
            outbox.enqueue(
                "registration_confirmed",
                recipient=registration.email,
                locale=registration.locale,
                context={
                    "registration_id": registration.id,
                    "manage_token": manage,
                    "calendar_token": calendar,
                },
                forum_id=forum.id,
                registration_id=registration.id,
            )
        db.session.commit()
        ids = list(db.session.scalars(select(OutboxMessage.message_id)))
        db.session.remove()
    return ids


def run_two_workers(app, port: int) -> list[delivery.DeliveryReport]:
    reports: list[delivery.DeliveryReport] = [delivery.DeliveryReport(), delivery.DeliveryReport()]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with app.app_context():
                reports[index] = delivery.deliver_due(
                    sender=SMTPSender("127.0.0.1", port, timeout=10),
                    worker_id=f"worker-{index}",
                    batch_size=BATCH,
                )
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == [], errors
    return reports


class LockStep:
    """Both workers claim at the same instant, every round, until one of them runs dry."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2)

    def wait(self) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):  # the other one is done
            self.barrier.wait(timeout=30)

    def wrap(self, claim: Callable) -> Callable:
        def claim_in_lock_step(worker_id, **kwargs):
            self.wait()
            rows = claim(worker_id, **kwargs)
            if not rows:
                self.barrier.abort()
            return rows

        return claim_in_lock_step


def test_two_workers_deliver_each_of_1000_messages_exactly_once(pg_app, smtp, monkeypatch):
    expected = queue_confirmations(pg_app, MESSAGES)
    monkeypatch.setattr(delivery, "claim_due", LockStep().wrap(delivery.claim_due))

    reports = run_two_workers(pg_app, smtp.port)

    counts = smtp.sink.message_ids()
    assert sorted(counts) == sorted(expected)
    assert set(counts.values()) == {1}  # each exactly once
    assert sum(r.sent for r in reports) == MESSAGES
    assert all(r.sent > 0 for r in reports), "one worker did everything: no parallelism shown"
    assert sum(r.lost + r.dead + r.retrying for r in reports) == 0
    with pg_app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
            == MESSAGES
        )
        db.session.remove()


def naive_claim(lock_step: LockStep) -> Callable:
    """The guard switched off: read the due ids, then stamp them, in two statements, with
    nothing locked in between (the window held open by the barrier)."""

    def claim(worker_id, *, limit, lease, now=None):
        now = now or utcnow()
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.claimed_until.is_(None) | (OutboxMessage.claimed_until < now),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
        db.session.rollback()
        lock_step.wait()
        if not ids:
            lock_step.barrier.abort()
            return []
        with write_transaction():
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(claimed_until=now + lease, claimed_by=worker_id)
                .execution_options(synchronize_session=False)
            )
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))

    return claim


def test_negative_control_a_naive_claim_delivers_messages_twice(pg_app, smtp, monkeypatch):
    queue_confirmations(pg_app, CONTROL_MESSAGES)
    lock_step = LockStep()
    monkeypatch.setattr(delivery, "claim_due", naive_claim(lock_step))

    run_two_workers(pg_app, smtp.port)

    counts = smtp.sink.message_ids()
    assert len(counts) == CONTROL_MESSAGES
    assert max(counts.values()) > 1, "the harness failed to expose the race: it proves nothing"
