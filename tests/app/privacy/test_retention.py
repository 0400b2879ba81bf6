"""Retention: RETENTION_DAYS after a forum ends its registrations are anonymised, keeping only
counts; `flask privacy purge [--dry-run]`, `flask privacy preview`, and the worker's daily run."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.models import (
    AuditEntry,
    Booking,
    CheckIn,
    ConflictAcceptance,
    Forum,
    ForumSession,
    OutboxMessage,
    Registration,
)
from app.privacy import operations as privacy
from app.privacy import retention
from app.programme.views import forum_ends_at
from app.registration import people
from tests.app.privacy.helpers import fresh, move_forum, scan


def counts(db, forum) -> dict:
    fresh(db)
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.forum_id == forum.id)
            .group_by(Registration.status)
        ).all()
    )
    return {
        "statuses": by_status,
        "people": people.forum_counts(forum.id),
        "bookings": db.session.execute(
            select(Booking.session_id, Booking.status, func.count())
            .group_by(Booking.session_id, Booking.status)
            .order_by(Booking.session_id, Booking.status)
        ).all(),
        "seats": db.session.execute(
            select(ForumSession.id, ForumSession.seats_taken).order_by(ForumSession.id)
        ).all(),
        "places": db.session.get(Forum, forum.id).in_person_taken,
        "checkins": db.session.scalar(select(func.count()).select_from(CheckIn)),
        "attendance": db.session.execute(
            select(Registration.attendance, func.count())
            .where(Registration.forum_id == forum.id)
            .group_by(Registration.attendance)
            .order_by(Registration.attendance)
        ).all(),
    }


def add_people(db, forum, tag: str, count: int, *, hashes_from: int) -> list[Registration]:
    """`count` online registrations written directly ("<tag> Person n", <tag>n@example.org),
    flushed; `hashes_from` keeps their token hashes apart from other people's."""
    now = utcnow()
    rows = [
        Registration(
            forum_id=forum.id,
            confirmation_code=f"{tag[:4].upper()}{n:04d}",
            name=f"{tag} Person {n}",
            email=f"{tag.lower()}{n}@example.org",
            email_normalized=f"{tag.lower()}{n}@example.org",
            attendance="online",
            manage_token_hash=f"{hashes_from + n:064x}",
            calendar_token_hash=f"{hashes_from + n + 100:064x}",
            consent_version="test",
            consented_at=now,
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


@pytest.fixture
def ended(db, client, make_forum, make_session, register):
    """A forum that ended 100 days ago with four people (one checked in, one waitlisted,
    one cancelled, one online), and an upcoming forum with one person."""
    old = make_forum(in_person_capacity=2)
    tour = make_session(old, seats=1, kind="tour")
    crowd = [
        register(old, session_ids=[tour.id], tag="a"),
        register(old, session_ids=[tour.id], tag="b"),
        register(old, tag="c"),
        register(old, attendance="online", tag="d"),
    ]
    client.delete(f"/api/v1/registrations/{crowd[1].manage_token}")
    first = db.session.scalar(
        select(Registration).where(Registration.confirmation_code == crowd[0].code)
    )
    first.checked_in_at = utcnow()
    db.session.add(CheckIn(registration_id=first.id, forum_id=old.id, desk="Desk 1"))
    db.session.commit()
    move_forum(db, old, date.today() - timedelta(days=100))
    upcoming = make_forum()
    keeper = register(upcoming, tag="keep")
    return old, crowd, upcoming, keeper


def test_the_purge_anonymises_ended_forums_and_keeps_every_count(client, db, ended):
    old, crowd, _upcoming, keeper = ended
    before = counts(db, old)
    report = retention.purge()
    assert report.forums == [(old.slug, 4)]
    assert counts(db, old) == before
    for person in crowd:
        assert scan(db, person.secrets) == [], person.name
        assert client.get(f"/manage/{person.manage_token}").status_code == 404
        assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 404
    fresh(db)
    rows = db.session.scalars(select(Registration).where(Registration.forum_id == old.id)).all()
    assert {r.name for r in rows} == {privacy.ERASED_NAME}
    assert all(r.anonymised_at is not None and r.email_normalized is None for r in rows)
    # The upcoming forum is untouched.
    assert client.get(f"/api/v1/registrations/{keeper.manage_token}").status_code == 200
    assert scan(db, [keeper.name]) != []
    # No unsent mail is left for the purged people; sent mail keeps no address.
    left = db.session.scalars(select(OutboxMessage).where(OutboxMessage.forum_id == old.id)).all()
    assert all(m.status != "pending" and m.recipient == "" for m in left)


def test_sent_mail_of_the_forum_without_a_registration_keeps_no_address(db, ended):
    old, *_ = ended
    sent = OutboxMessage(
        message_id="<unattached@madang.test>",
        kind="announcement",
        recipient="someone.unattached@example.org",
        forum_id=old.id,
        status="sent",
        context={"note": "for someone.unattached@example.org"},
    )
    db.session.add(sent)
    db.session.commit()
    retention.purge()
    fresh(db)
    row = db.session.get(OutboxMessage, sent.id)
    assert (row.recipient, row.context) == ("", {})


def test_a_second_purge_changes_nothing(db, ended):
    retention.purge()
    before = scan(db, [privacy.ERASED_NAME])
    report = retention.purge()
    assert report.forums == [] and report.total == 0
    assert scan(db, [privacy.ERASED_NAME]) == before


def test_a_dry_run_says_what_would_go_and_changes_nothing(db, ended):
    old, crowd, *_ = ended
    report = retention.purge(dry_run=True)
    assert report.dry_run and report.forums == [(old.slug, 4)]
    assert "would anonymise 4" in str(report)
    for person in crowd:
        assert scan(db, [person.name]) != []


def test_the_retention_period_is_configurable(app, db, ended):
    old = ended[0]
    app.config["RETENTION_DAYS"] = 365
    try:
        assert retention.purge().forums == []
        [line] = [x for x in retention.retention_plan() if x.forum.id == old.id]
        assert line.purge_at == forum_ends_at(old).astimezone(UTC) + timedelta(days=365)
        assert not line.due(utcnow())
        assert 260 <= line.days_left(utcnow()) <= 266
    finally:
        app.config["RETENTION_DAYS"] = 90
    assert retention.purge().total == 4


def test_the_purge_waits_for_the_last_minute_of_the_period(db, ended):
    old = ended[0]
    [line] = [x for x in retention.retention_plan() if x.forum.id == old.id]
    assert retention.purge(now=line.purge_at - timedelta(seconds=1)).forums == []
    assert retention.purge(now=line.purge_at).forums == [(old.slug, 4)]


def test_the_plan_lists_every_forum_with_its_date_and_counts(db, ended):
    old, _, upcoming, _ = ended
    plan = {line.forum.id: line for line in retention.retention_plan()}
    assert (plan[old.id].with_personal_data, plan[old.id].anonymised) == (4, 0)
    assert plan[old.id].due(utcnow())
    assert (plan[upcoming.id].with_personal_data, plan[upcoming.id].due(utcnow())) == (1, False)
    retention.purge()
    plan = {line.forum.id: line for line in retention.retention_plan()}
    assert (plan[old.id].with_personal_data, plan[old.id].anonymised) == (0, 4)


def test_the_commands(app, db, ended):
    old, _, upcoming, _ = ended
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["privacy", "preview"])
    assert preview.exit_code == 0, preview.output
    assert "Retention: 90 days" in preview.output
    assert f"{old.slug}: " in preview.output and "due now" in preview.output
    assert f"{upcoming.slug}: " in preview.output
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0 and f"would anonymise 4 registration(s): {old.slug} 4" in dry.output
    done = runner.invoke(args=["privacy", "purge"])
    assert done.exit_code == 0 and f"anonymised 4 registration(s): {old.slug} 4" in done.output
    again = runner.invoke(args=["privacy", "purge"])
    assert "Nothing to purge" in again.output
    preview = runner.invoke(args=["privacy", "preview"])
    assert "nothing left" in preview.output


def test_the_mail_worker_runs_the_purge_once_a_day(app, db, ended):
    from app.mail.worker import DeliveryWorker

    old = ended[0]
    worker = DeliveryWorker(app, interval=0.05)
    assert worker.purge_interval == 86_400
    worker.purge_personal_data()  # in an app context (and database session) of its own
    db.session.rollback()  # end this session's read transaction: see what the worker did
    line = next(x for x in retention.retention_plan() if x.forum.id == old.id)
    assert line.with_personal_data == 0
    # Not again before a day has passed.
    assert worker._next_purge > 0

    app.config["PRIVACY_PURGE_SECONDS"] = 0
    try:
        assert DeliveryWorker(app).purge_interval == 0
    finally:
        del app.config["PRIVACY_PURGE_SECONDS"]


def test_a_large_forum_is_purged_in_batches(db, make_forum, monkeypatch):
    forum = make_forum()
    add_people(db, forum, "Batch", 7, hashes_from=0)
    db.session.commit()
    move_forum(db, forum, date.today() - timedelta(days=365))
    monkeypatch.setattr(retention, "PURGE_BATCH", 3)
    assert retention.purge().forums == [(forum.slug, 7)]
    assert scan(db, ["Batch Person", "batch"]) == []


def test_mentions_across_batches_go_including_text_written_during_the_purge(
    db, make_forum, monkeypatch
):
    """Each batch finds the texts naming its people among those read at the start and those
    written since, and rewrites them from their stored value (a text naming people of two
    batches keeps neither)."""
    forum = make_forum()
    add_people(db, forum, "Mention", 7, hashes_from=200)
    both = AuditEntry(
        action="registration.note",
        forum_id=forum.id,
        details={"reason": "MENTION PERSON 1 came with mention6@EXAMPLE.org", "seats": 2},
    )
    note = ConflictAcceptance(
        forum_id=forum.id, conflict_key="venue:1:2", note="for Mention Person 4"
    )
    db.session.add_all([both, note])
    db.session.commit()
    move_forum(db, forum, date.today() - timedelta(days=365))
    monkeypatch.setattr(retention, "PURGE_BATCH", 3)
    scrub = retention._scrub_mentions
    calls = []

    def scrub_then_write(*args):
        scrub(*args)
        calls.append(args)
        if len(calls) == 1:  # written after the purge read the forum's texts
            db.session.add(
                AuditEntry(
                    action="registration.note",
                    forum_id=forum.id,
                    details={"text": ["asked by Mention Person 5"]},
                )
            )

    monkeypatch.setattr(retention, "_scrub_mentions", scrub_then_write)
    assert retention.purge().forums == [(forum.slug, 7)]
    assert len(calls) == 3
    fresh(db)
    assert db.session.get(AuditEntry, both.id).details == {
        "reason": "[erased] came with [erased]",
        "seats": 2,
    }
    assert db.session.get(ConflictAcceptance, note.id).note == "for [erased]"
    assert scan(db, ["Mention Person", "mention"]) == []
