"""Delivery outcomes over real SMTP: down, refused for good, refused for now, too slow, out of
attempts; claims, leases and the memory and console backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.mail.delivery import claim_due, deliver_due
from app.mail.overview import mail_counts
from app.mail.senders import memory_outbox, reset_memory_outbox
from notifications import MAX_ATTEMPTS, SendResult, SMTPSender
from tests.app.mail.helpers import free_port, outbox_rows, register, use_smtp


def test_with_the_smtp_server_down_registration_succeeds_and_mail_waits_then_goes_once(
    app, db, client, make_forum, smtp_factory, monkeypatch
):
    forum = make_forum()
    port = free_port()  # nothing listens here: the mail server is down
    use_smtp(app, monkeypatch, port)

    created = [register(client, forum, n) for n in range(3)]  # 201 each, nothing raised
    assert len(created) == 3

    before = utcnow()
    report = deliver_due()
    assert (report.claimed, report.sent, report.retrying, report.dead) == (3, 0, 3, 0)
    rows = outbox_rows(db)
    for row in rows:
        assert row.status == "pending" and row.attempts == 1
        assert f"connect to 127.0.0.1:{port} failed" in row.last_error
        assert "ConnectionRefusedError" in row.last_error
        assert before + timedelta(seconds=30) <= row.next_attempt_at
        assert row.next_attempt_at <= utcnow() + timedelta(seconds=60)
        assert row.claimed_by is None and row.claimed_until is None
        assert "manage_token" in row.context  # still needed: not sent yet
    assert deliver_due().claimed == 0  # not due again yet

    server = smtp_factory(port=port)  # the server comes back
    later = utcnow() + timedelta(minutes=2)
    report = deliver_due(now=later)
    assert (report.sent, report.retrying) == (3, 0)
    assert deliver_due(now=later + timedelta(hours=30)).claimed == 0

    counts = server.sink.message_ids()
    assert sorted(counts) == sorted(row.message_id for row in rows)
    assert set(counts.values()) == {1}
    assert [r.status for r in outbox_rows(db)] == ["sent"] * 3
    assert [r.attempts for r in outbox_rows(db)] == [2] * 3


def test_a_permanent_refusal_is_dead_at_once(app, db, client, make_forum, smtp, mail_to):
    forum = make_forum()
    smtp.sink.rcpt_replies["gone@example.org"] = "550 5.1.1 No such user here"
    mail_to(smtp)
    register(client, forum, 1, email="gone@example.org")
    register(client, forum, 2, email="fine@example.org")

    report = deliver_due()
    assert (report.sent, report.dead, report.retrying) == (1, 1, 0)
    dead, sent = outbox_rows(db)
    assert dead.status == "dead" and dead.attempts == 1
    assert "550 5.1.1 No such user here" in dead.last_error
    assert "manage_token" not in dead.context and "calendar_token" not in dead.context
    assert sent.status == "sent"
    assert deliver_due(now=utcnow() + timedelta(days=3)).claimed == 0  # never retried


@pytest.mark.parametrize("reply", ["451 4.7.1 Greylisted, try again", "452 4.2.2 Mailbox full"])
def test_a_transient_refusal_is_retried_with_backoff(
    app, db, client, make_forum, smtp, mail_to, reply
):
    forum = make_forum()
    smtp.sink.rcpt_replies["later@example.org"] = reply
    mail_to(smtp)
    register(client, forum, email="later@example.org")

    start = utcnow()
    assert deliver_due(now=start).retrying == 1
    [row] = outbox_rows(db)
    assert row.status == "pending" and row.attempts == 1 and reply in row.last_error
    # First retry after [ceiling / 2, ceiling] with a one-minute ceiling.
    assert start + timedelta(seconds=30) <= row.next_attempt_at <= start + timedelta(seconds=60)
    assert deliver_due(now=start + timedelta(seconds=29)).claimed == 0

    del smtp.sink.rcpt_replies["later@example.org"]
    assert deliver_due(now=start + timedelta(seconds=61)).sent == 1
    [row] = outbox_rows(db)
    assert row.status == "sent" and row.attempts == 2
    assert smtp.sink.message_ids() == {row.message_id: 1}


def test_a_server_too_slow_to_answer_is_a_transient_failure(
    app, db, client, make_forum, smtp_factory, mail_to
):
    forum = make_forum()
    slow = smtp_factory(data_delay=3.0)
    mail_to(slow, timeout=0.5)
    register(client, forum)

    report = deliver_due()
    assert report.retrying == 1
    [row] = outbox_rows(db)
    assert row.status == "pending" and row.attempts == 1
    assert "timed out" in row.last_error.lower() or "Timeout" in row.last_error


def test_after_the_last_attempt_the_row_is_dead_about_a_day_later(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum()
    smtp.sink.rcpt_replies["flaky@example.org"] = "421 4.3.2 System not accepting messages"
    mail_to(smtp)
    register(client, forum, email="flaky@example.org")

    first = now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_due(now=now)
        assert report.claimed == 1, attempt
        [row] = outbox_rows(db)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert row.status == "pending"
            now = row.next_attempt_at
        else:
            assert row.status == "dead"
            assert "421 4.3.2" in row.last_error
    assert timedelta(hours=16) <= now - first <= timedelta(hours=33)
    assert deliver_due(now=now + timedelta(days=7)).claimed == 0
    assert smtp.sink.received == []


def test_a_live_claim_is_left_alone_and_an_expired_one_is_taken_over(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum()
    mail_to(smtp)
    for n in range(3):
        register(client, forum, n)
    t0 = utcnow()
    lease = timedelta(seconds=60)

    mine = claim_due("worker-a", limit=2, lease=lease, now=t0)
    assert len(mine) == 2
    others = claim_due("worker-b", limit=10, lease=lease, now=t0 + timedelta(seconds=30))
    assert [r.id for r in others] == [outbox_rows(db)[2].id]  # only the unclaimed one
    taken = claim_due("worker-b", limit=10, lease=lease, now=t0 + timedelta(seconds=61))
    assert sorted(r.id for r in taken) == sorted(r.id for r in mine)


def test_a_worker_whose_claim_was_taken_over_records_nothing(
    app, db, client, make_forum, smtp, mail_to
):
    """A worker that stalls past its lease must not mark the rows that another worker now
    owns: its UPDATEs only touch rows still claimed by itself."""
    forum = make_forum()
    mail_to(smtp)
    register(client, forum)
    real = SMTPSender("127.0.0.1", smtp.port, timeout=5)

    class StallsPastItsLease:
        def send_batch(self, messages, on_result=None):
            # While "worker-a" is stalled, its lease runs out and "worker-b" claims the row.
            later = utcnow() + timedelta(minutes=20)
            assert len(claim_due("worker-b", limit=10, lease=timedelta(minutes=10), now=later))
            return real.send_batch(messages, on_result)

    report = deliver_due(sender=StallsPastItsLease(), worker_id="worker-a")
    assert (report.sent, report.lost) == (0, 1)
    [row] = outbox_rows(db)
    assert row.status == "pending" and row.claimed_by == "worker-b"


def test_an_unusable_mail_from_claims_nothing(
    app, db, client, make_forum, smtp, mail_to, monkeypatch
):
    forum = make_forum()
    mail_to(smtp)
    monkeypatch.setitem(app.config, "MAIL_FROM", "not an address")
    register(client, forum)
    with pytest.raises(RuntimeError, match="MAIL_FROM"):
        deliver_due()
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.claimed_by) == ("pending", 0, None)


def test_the_memory_backend_keeps_messages_for_tests(app, db, client, make_forum):
    assert app.config["MAIL_BACKEND"] == "memory"
    forum = make_forum()
    register(client, forum)
    assert deliver_due().sent == 1
    [message] = memory_outbox(app)
    assert message.subject == "[테스트 포럼] 등록이 확정되었습니다"
    reset_memory_outbox(app)
    assert memory_outbox(app) == []
    assert mail_counts() == {"pending": 0, "retrying": 0, "sent": 1, "dead": 0, "skipped": 0}


def test_the_console_backend_prints_the_mail(app, db, client, make_forum, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    forum = make_forum()
    register(client, forum, locale="en", name="Jane")
    assert deliver_due().sent == 1
    out = capsys.readouterr().out
    assert "Subject: Registration confirmed: Test Forum" in out
    assert "Hello Jane," in out
    assert "Attachment:" not in out  # no sessions: no calendar to attach


def test_a_database_hiccup_while_recording_does_not_send_twice(
    app, db, client, make_forum, smtp, mail_to, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from app.mail import delivery as outbox

    forum = make_forum()
    mail_to(smtp)
    register(client, forum)
    real = outbox._Recorder._write
    failures = iter([OperationalError("UPDATE outbox", {}, Exception("server closed"))])

    def write_after_a_hiccup(self, outcomes):
        error = next(failures, None)
        if error is not None:
            raise error
        return real(self, outcomes)

    monkeypatch.setattr(outbox._Recorder, "_write", write_after_a_hiccup)
    monkeypatch.setattr(outbox, "RECORD_RETRY_WAITS", (0.01,))
    assert deliver_due().sent == 1
    assert [r.status for r in outbox_rows(db)] == ["sent"]
    assert deliver_due(now=utcnow() + timedelta(hours=1)).claimed == 0
    assert len(smtp.sink.received) == 1


class AnswersOnlyTheFirst:
    """A sender whose stream breaks after the server's first answer: it reports that message
    sent and then nothing, or fails outright when `fails` is set."""

    def __init__(self, fails: bool = False) -> None:
        self.fails = fails

    def send_batch(self, messages, on_result=None):
        first = SendResult(messages[0].message_id, ok=True)
        on_result(first)
        if self.fails:
            raise ConnectionResetError("stream broken")
        return [first]


@pytest.mark.parametrize(
    ("fails", "error"),
    [
        (False, "the sender returned no result for this message"),
        (True, "sender failed: ConnectionResetError: stream broken"),
    ],
    ids=["no-result", "sender-failed"],
)
def test_messages_the_sender_gave_no_answer_for_are_retried_with_why(
    app, db, client, make_forum, fails, error
):
    forum = make_forum()
    register(client, forum, 1)
    register(client, forum, 2)

    start = utcnow()
    report = deliver_due(sender=AnswersOnlyTheFirst(fails), now=start)
    assert (report.sent, report.retrying, report.dead) == (1, 1, 0)
    first, second = sorted(outbox_rows(db), key=lambda r: r.id)
    assert first.status == "sent" and first.attempts == 1
    assert second.status == "pending" and second.attempts == 1
    assert second.last_error == error
    assert second.claimed_by is None
    assert start + timedelta(seconds=30) <= second.next_attempt_at <= start + timedelta(seconds=60)


def test_the_earliest_due_is_claimed_first_and_a_claim_ending_now_still_holds(
    app, db, client, make_forum
):
    from sqlalchemy import update

    from app.models import OutboxMessage

    forum = make_forum()
    register(client, forum, 1)
    register(client, forum, 2)
    older, newer = sorted(r.id for r in outbox_rows(db))
    now = utcnow()
    for row_id, due in ((older, now - timedelta(minutes=1)), (newer, now - timedelta(minutes=2))):
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(next_attempt_at=due)
        )
    db.session.commit()

    lease = timedelta(minutes=10)
    assert [r.id for r in claim_due("first", limit=1, lease=lease, now=now)] == [newer]
    # The lease ends at `now + lease`: at that very instant the claim still holds.
    later = now + lease
    assert [r.id for r in claim_due("second", limit=5, lease=lease, now=later)] == [older]
