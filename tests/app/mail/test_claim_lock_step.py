"""The outbox claim, two claimants held in lock-step on PostgreSQL: the first holds its claim
transaction open (its rows stamped and locked, not yet committed) while the second claims. With
FOR UPDATE SKIP LOCKED the second takes the next rows at once, so the sets are disjoint every
time, whatever the timing. The negative control claims without SKIP LOCKED: the second then has
to wait on the first one's rows (here its lock timeout fires), so the test can fail.

The 1,000-message test (test_parallel_postgres.py) shows the same under load; this one decides
by construction, not by chance.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from app import outbox
from app.core.db import db
from app.mail import delivery
from app.models import OutboxMessage

pytestmark = pytest.mark.postgres_only

MESSAGES = 30
LIMIT = 10
LEASE = timedelta(minutes=10)
HOLD_TIMEOUT = 60
# The second claimant gives up waiting for a row lock after this long: with SKIP LOCKED it never
# waits, so the limit is only reached when the guard is gone.
LOCK_TIMEOUT = "1s"


@pytest.fixture
def pg_app(postgres_app):
    app = postgres_app()
    with app.app_context():
        for n in range(MESSAGES):
            outbox.enqueue("registration_confirmed", recipient=f"p{n}@example.org", locale="en")
        db.session.commit()
        db.session.remove()
    return app


@contextmanager
def held_before_commit(release: threading.Event, holding: threading.Event) -> Iterator[None]:
    """This thread's next commit waits for `release`, its transaction (and locks) open."""
    session = db.session()
    assert not session.in_transaction()

    def hold(_session) -> None:
        holding.set()
        assert release.wait(timeout=HOLD_TIMEOUT)

    event.listen(session, "before_commit", hold, once=True)
    try:
        yield
    finally:
        if event.contains(session, "before_commit", hold):
            event.remove(session, "before_commit", hold)


def claim_while_the_first_holds(app) -> tuple[list[int], list[int] | OperationalError]:
    """The first claimant stamps its rows and holds its transaction open; the second claims
    meanwhile; then the first commits. Returns both claims (the second's error if it had to
    wait on a lock)."""
    holding, second_done = threading.Event(), threading.Event()
    first: list[int] = []
    errors: list[BaseException] = []

    def claim_first() -> None:
        try:
            with app.app_context():
                with held_before_commit(second_done, holding):
                    rows = delivery.claim_due("first", limit=LIMIT, lease=LEASE)
                first.extend(row.id for row in rows)
                db.session.remove()
        except BaseException as exc:  # surfaced in the test's thread
            errors.append(exc)
            holding.set()

    thread = threading.Thread(target=claim_first)
    thread.start()
    try:
        assert holding.wait(timeout=HOLD_TIMEOUT)
        with app.app_context():
            db.session.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
            db.session.commit()
            try:
                second: list[int] | OperationalError = [
                    row.id for row in delivery.claim_due("second", limit=LIMIT, lease=LEASE)
                ]
            except OperationalError as exc:
                second = exc
            db.session.rollback()
            db.session.execute(text("RESET lock_timeout"))
            db.session.commit()
            db.session.remove()
    finally:
        second_done.set()
        thread.join(timeout=HOLD_TIMEOUT)
    assert not thread.is_alive(), "the first claimant hung"
    assert errors == [], errors
    return first, second


def claimed_by(app) -> dict[int, str | None]:
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.claimed_by)).all()
        db.session.remove()
    return dict(rows)


def test_a_claim_made_while_another_is_open_takes_other_rows(pg_app):
    all_ids = sorted(claimed_by(pg_app))
    first, second = claim_while_the_first_holds(pg_app)

    assert not isinstance(second, OperationalError), f"the second claimant waited: {second}"
    assert first == all_ids[:LIMIT]  # the oldest rows…
    assert second == all_ids[LIMIT : 2 * LIMIT]  # …and the next ones, none of them twice
    owners = claimed_by(pg_app)
    assert {i for i, who in owners.items() if who == "first"} == set(first)
    assert {i for i, who in owners.items() if who == "second"} == set(second)


def test_negative_control_without_skip_locked_the_second_claim_waits(pg_app, monkeypatch):
    monkeypatch.setattr(delivery, "CLAIM_ROW_LOCK", {})  # FOR UPDATE, waiting for locked rows
    first, second = claim_while_the_first_holds(pg_app)

    assert len(first) == LIMIT
    assert isinstance(second, OperationalError), "the harness never held the first claim open"
    assert second.orig.sqlstate == "55P03"  # lock_not_available: it waited on the first's rows
    owners = claimed_by(pg_app)
    assert {i for i, who in owners.items() if who == "first"} == set(first)
    assert "second" not in owners.values()
