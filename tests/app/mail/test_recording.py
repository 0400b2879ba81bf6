"""Recording outcomes: a database that fails for a while, and outcomes that are not attempts.

The database's failures come from a fake (`FlakyDatabase`: the real write, after a number of
failures) and the waits between tries from a fake clock that only notes them: nothing sleeps.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from app.core.db import utcnow
from app.mail import delivery
from app.mail.delivery import claim_due, deliver_due
from app.models import OutboxMessage
from notifications import MAX_ATTEMPTS, SendResult
from tests.app.mail.helpers import outbox_rows, register

WAITS = [0.5, 1.0, 2.0, 4.0]  # delivery.RECORD_RETRY_WAITS, in seconds


class FlakyDatabase:
    """The recorder's writes fail `failures` times (a dropped connection), then go through."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.tries = 0
        self.real = delivery._Recorder._write

    def install(self, monkeypatch) -> None:
        flaky = self

        def write(recorder, outcomes):
            flaky.tries += 1
            if flaky.tries <= flaky.failures:
                raise OperationalError("UPDATE outbox", {}, Exception("server closed"))
            return flaky.real(recorder, outcomes)

        monkeypatch.setattr(delivery._Recorder, "_write", write)


class FakeClock:
    """Stands in for the `time` module of delivery: notes each wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(delivery, "time", fake)
    return fake


@pytest.fixture
def caplog(caplog, monkeypatch):
    """The outbox's warnings, captured (the migrations' logging setup disables the loggers
    that exist when they run)."""
    monkeypatch.setattr(delivery.log, "disabled", False)
    with caplog.at_level(logging.WARNING, logger="madang.outbox"):
        yield caplog


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("failures", [2, 3, 4, 5])
def test_recording_is_tried_again_after_each_wait_until_it_goes_through(
    app, db, client, make_forum, monkeypatch, clock, caplog, failures
):
    """The first failure is the write as the server answered; the rest are finish()'s tries,
    each followed by the next wait; after the last wait one more try is made."""
    assert list(delivery.RECORD_RETRY_WAITS) == WAITS
    forum = make_forum()
    register(client, forum)
    flaky = FlakyDatabase(failures)
    flaky.install(monkeypatch)

    report = deliver_due()
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)
    assert flaky.tries == failures + 1
    assert clock.waits == WAITS[: failures - 1]
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, None)
    logged = warnings(caplog)
    assert logged[0] == f"recording 1 outcome(s) failed ({flaky_error()}); will try again"
    assert logged[1:] == [
        f"recording outcomes failed ({flaky_error()}); trying again in {wait} s"
        for wait in WAITS[: failures - 1]
    ]


def flaky_error() -> str:
    return str(OperationalError("UPDATE outbox", {}, Exception("server closed")))


def test_when_every_try_fails_the_error_ends_the_run_and_the_claim_stays(
    app, db, client, make_forum, monkeypatch, clock
):
    """Recording gives up only after the last wait: the claim then expires and the message is
    tried again (the one case that can send twice, with the same Message-ID)."""
    forum = make_forum()
    register(client, forum)
    FlakyDatabase(failures=99).install(monkeypatch)
    with pytest.raises(OperationalError):
        deliver_due()
    assert clock.waits == WAITS
    [row] = outbox_rows(db)
    assert row.status == "pending" and row.claimed_by is not None


def test_a_message_no_longer_meant_to_go_is_not_counted_as_an_attempt(
    app, db, client, make_forum, caplog
):
    forum = make_forum()
    created = register(client, forum)
    db.session.execute(update(OutboxMessage).values(attempts=3))
    db.session.commit()
    assert client.delete(f"/api/v1/registrations/{manage_token(created)}").status_code == 200

    report = deliver_due()
    assert (report.sent, report.skipped, report.dead, report.retrying) == (1, 1, 0, 0)
    confirmation = next(r for r in outbox_rows(db) if r.kind == "registration_confirmed")
    assert confirmation.status == "skipped" and confirmation.attempts == 3
    assert confirmation.last_error.startswith("not sent: the registration was cancelled")
    assert "manage_token" not in confirmation.context
    # Skipped, not dead: no warning about it.
    assert not any("dead" in message for message in warnings(caplog))


def test_a_message_that_cannot_be_built_is_dead_at_once_without_an_attempt(
    app, db, client, make_forum, caplog
):
    forum = make_forum()
    register(client, forum)
    [row] = outbox_rows(db)
    gone = {**row.context, "registration_id": 10**6}  # the registration no longer exists
    db.session.execute(update(OutboxMessage).values(attempts=2, registration_id=None, context=gone))
    db.session.commit()

    report = deliver_due()
    assert (report.sent, report.dead, report.retrying) == (0, 1, 0)
    [row] = outbox_rows(db)
    assert (row.status, row.attempts) == ("dead", 2)
    assert row.last_error == "cannot build message: the registration no longer exists"
    assert warnings(caplog) == [
        f"outbox {row.id} dead: cannot build message: the registration no longer exists"
    ]


def manage_token(created: dict) -> str:
    return created["manage_url"].rsplit("/", 1)[1]


class Answers:
    """A sender whose server gives every message the same answer."""

    def __init__(self, *, ok: bool, permanent: bool = False, error: str | None = None) -> None:
        self.ok, self.permanent, self.error = ok, permanent, error

    def send_batch(self, messages, on_result=None):
        results = [
            SendResult(m.message_id, ok=self.ok, permanent=self.permanent, error=self.error)
            for m in messages
        ]
        for result in results:
            on_result(result)
        return results


def test_a_permanent_refusal_is_dead_counted_and_logged(app, db, client, make_forum, caplog):
    forum = make_forum()
    register(client, forum)
    refusal = "550 5.1.1 No such user here"
    report = deliver_due(sender=Answers(ok=False, permanent=True, error=refusal))
    assert (report.sent, report.dead, report.retrying, report.lost) == (0, 1, 0, 0)
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, refusal)
    assert warnings(caplog) == [f"outbox {row.id} dead: {refusal}"]


def test_the_last_transient_refusal_is_dead_counted_and_logged(app, db, client, make_forum, caplog):
    forum = make_forum()
    register(client, forum)
    db.session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 1))
    db.session.commit()
    busy = "451 4.3.0 try again later"
    report = deliver_due(sender=Answers(ok=False, error=busy))
    assert (report.sent, report.dead, report.retrying, report.lost) == (0, 1, 0, 0)
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.last_error) == ("dead", MAX_ATTEMPTS, busy)
    assert "manage_token" not in row.context
    assert warnings(caplog) == [f"outbox {row.id} dead: {busy}"]


def test_a_transient_refusal_before_the_last_attempt_is_retried_quietly(
    app, db, client, make_forum, caplog
):
    forum = make_forum()
    register(client, forum)
    db.session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 2))
    db.session.commit()
    report = deliver_due(sender=Answers(ok=False, error="451 4.3.0 try again later"))
    assert (report.sent, report.dead, report.retrying, report.lost) == (0, 0, 1, 0)
    [row] = outbox_rows(db)
    assert (row.status, row.attempts) == ("pending", MAX_ATTEMPTS - 1)
    assert warnings(caplog) == []


def test_a_sent_message_is_stamped_with_the_runs_time_and_a_dead_one_is_not(
    app, db, client, make_forum
):
    forum = make_forum()
    register(client, forum, 1)
    register(client, forum, 2, email="gone@example.org")
    now = (utcnow() + timedelta(minutes=1)).replace(microsecond=0)

    class RefusesOne:
        def send_batch(self, messages, on_result=None):
            for m in messages:
                gone = m.to == "gone@example.org"
                error = "550 5.1.1 No such user here" if gone else None
                on_result(SendResult(m.message_id, ok=not gone, permanent=gone, error=error))

    report = deliver_due(sender=RefusesOne(), now=now)
    assert (report.sent, report.dead) == (1, 1)
    sent, dead = outbox_rows(db)
    assert (sent.status, sent.sent_at) == ("sent", now)
    assert (dead.status, dead.sent_at) == ("dead", None)


def test_a_claim_lost_before_recording_is_counted_lost_and_logged(
    app, db, client, make_forum, caplog
):
    """A worker stalled past its lease: another took the row over, so nothing is written."""
    forum = make_forum()
    register(client, forum)

    class StallsPastItsLease(Answers):
        def send_batch(self, messages, on_result=None):
            later = utcnow() + timedelta(minutes=20)
            assert len(claim_due("worker-b", limit=10, lease=timedelta(minutes=10), now=later))
            return super().send_batch(messages, on_result)

    report = deliver_due(sender=StallsPastItsLease(ok=True), worker_id="worker-a")
    assert (report.sent, report.lost, report.dead) == (0, 1, 0)
    [row] = outbox_rows(db)
    assert (row.status, row.claimed_by, row.sent_at) == ("pending", "worker-b", None)
    assert warnings(caplog) == [
        f"outbox {row.id} ({row.message_id}): claim lost before recording sent; lease too short?"
    ]


# -- the claim ----------------------------------------------------------------------------------


def set_due(db, due_by_id: dict[int, object]) -> None:
    """Give rows their due time, one UPDATE each, in the order given (the last one written
    is the last one stored, whatever its id)."""
    for row_id, due in due_by_id.items():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(next_attempt_at=due)
        )
        db.session.commit()


def test_claimed_rows_come_back_earliest_due_first_then_by_id(app, db, client, make_forum):
    forum = make_forum()
    for n in range(4):
        register(client, forum, n)
    a, b, c, d = (r.id for r in outbox_rows(db))
    now = utcnow()
    early, late = now - timedelta(minutes=5), now - timedelta(minutes=1)
    set_due(db, {c: early, d: late, b: early, a: late})  # a and b rewritten last

    lease = timedelta(minutes=10)
    assert [r.id for r in claim_due("first", limit=1, lease=lease, now=now)] == [b]
    assert [r.id for r in claim_due("second", limit=10, lease=lease, now=now)] == [c, a, d]


def test_rows_another_worker_took_over_right_after_the_claim_are_not_returned(
    app, db, client, make_forum, monkeypatch
):
    """Between the claim's commit and reading the rows back, a worker whose clock is past the
    lease may take them over: only rows still claimed by this worker come back."""
    forum = make_forum()
    register(client, forum)
    now, lease = utcnow(), timedelta(seconds=1)
    real = delivery.write_transaction
    armed = [True]

    @contextmanager
    def then_another_worker_claims(**options):
        with real(**options):
            yield
        if armed.pop() if armed else False:
            taken = claim_due("worker-b", limit=10, lease=lease, now=now + timedelta(minutes=1))
            assert len(taken) == 1

    monkeypatch.setattr(delivery, "write_transaction", then_another_worker_claims)
    assert claim_due("worker-a", limit=10, lease=lease, now=now) == []
    [row] = outbox_rows(db)
    assert row.claimed_by == "worker-b"


def test_rows_due_at_the_same_time_come_back_by_id_however_they_are_stored(
    app, db, client, make_forum, monkeypatch
):
    """Rows due together come back in id order, even when the lower id was written last
    (PostgreSQL then stores it after the other)."""
    forum = make_forum()
    register(client, forum, 1)
    register(client, forum, 2)
    low, high = (r.id for r in outbox_rows(db))
    now = utcnow()
    set_due(db, {high: now - timedelta(minutes=1), low: now - timedelta(minutes=1)})
    real = delivery.write_transaction

    @contextmanager
    def then_the_lower_id_is_written_again(**options):
        with real(**options):
            yield
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == low).values(last_error="touched")
        )
        db.session.commit()

    monkeypatch.setattr(delivery, "write_transaction", then_the_lower_id_is_written_again)
    claimed = claim_due("worker-a", limit=10, lease=timedelta(minutes=10), now=now)
    assert [r.id for r in claimed] == [low, high]
