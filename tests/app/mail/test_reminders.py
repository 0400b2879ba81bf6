"""The day-before reminder: queued once per registrant per forum, however often it runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from app.core.db import utcnow
from app.mail.delivery import deliver_due, queue_reminders
from app.mail.senders import memory_outbox
from app.mail.worker import DeliveryWorker
from tests.app.mail.helpers import outbox_rows, register

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_today():
    return datetime.now(SEOUL).date()


@pytest.fixture
def tomorrow_forum(make_forum, make_venue, make_session):
    tomorrow = seoul_today() + timedelta(days=1)
    forum = make_forum(first_day=tomorrow, last_day=tomorrow, in_person_capacity=1)
    hall = make_venue(forum)
    make_session(forum, venue=hall, format="hybrid", title_en="Opening", start="09:30")
    return forum


def test_reminders_are_queued_once_per_confirmed_registrant(
    app, db, client, tomorrow_forum, make_forum
):
    forum = tomorrow_forum
    a = register(client, forum, "a", attendance="in_person")  # confirmed
    register(client, forum, "b", attendance="online", locale="en")  # confirmed
    c = register(client, forum, "c", attendance="in_person")  # waitlisted: no reminder
    d = register(client, forum, "d", attendance="online")  # cancels: no reminder
    assert (a["status"], c["status"]) == ("confirmed", "waitlisted")
    token = urlsplit(d["manage_url"]).path.rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/registrations/{token}").status_code == 200
    later = make_forum(first_day=seoul_today() + timedelta(days=3))
    register(client, later, "e")  # not tomorrow: no reminder

    runner = app.test_cli_runner()
    first = runner.invoke(args=["outbox", "reminders"])
    second = runner.invoke(args=["outbox", "reminders"])
    assert first.exit_code == 0 and first.output == "Queued 2 reminder(s).\n"
    assert second.exit_code == 0 and second.output == "Queued 0 reminder(s).\n"

    reminders = outbox_rows(db, "reminder")
    assert sorted(r.recipient for r in reminders) == ["persona@example.org", "personb@example.org"]
    assert {r.dedupe_key for r in reminders} == {
        f"reminder:{forum.id}:{r.registration_id}" for r in reminders
    }
    assert all(r.forum_id == forum.id for r in reminders)


def test_a_reminder_says_what_the_confirmation_said(app, db, client, tomorrow_forum):
    forum = tomorrow_forum
    created = register(client, forum, "a", locale="en", name="Jane")
    assert queue_reminders() == 1
    deliver_due()
    reminder = next(m for m in memory_outbox(app) if m.subject.startswith("Reminder"))
    assert reminder.subject == "Reminder: Test Forum is tomorrow"
    assert created["confirmation_code"] in reminder.text
    assert "09:30" in reminder.text and "Where: Multipurpose Hall" in reminder.text
    assert 'src="cid:checkin-qr@madang"' in reminder.html
    assert [i.mimetype for i in reminder.inline_images] == ["image/png"]
    # No manage token at reminder time: the link is the forum page, never a dead link.
    assert f"http://madang.test/forums/{forum.slug}" in reminder.text
    assert "/manage/" not in reminder.text


def test_a_reminder_that_would_arrive_too_late_or_for_nothing_is_not_sent(
    app, db, client, tomorrow_forum
):
    forum = tomorrow_forum
    register(client, forum, "a")
    b = register(client, forum, "b", attendance="online")
    assert queue_reminders() == 2
    token = urlsplit(b["manage_url"]).path.rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/registrations/{token}").status_code == 200

    # Delivery only gets going on the forum's day (the mail server was down all evening).
    forum_day = datetime.combine(forum.first_day, datetime.min.time(), SEOUL) + timedelta(hours=8)
    report = deliver_due(now=forum_day)
    reminders = outbox_rows(db, "reminder")
    assert [r.status for r in reminders] == ["skipped", "skipped"]
    assert "the forum has begun" in reminders[0].last_error
    assert "cancelled" in reminders[1].last_error
    assert report.skipped >= 2
    assert not any(m.subject.startswith("[테스트 포럼] 내일") for m in memory_outbox(app))


def test_the_watch_loop_queues_reminders_and_delivers_them(app, db, client, tomorrow_forum):
    register(client, tomorrow_forum, "a", locale="en")
    worker = DeliveryWorker(app, interval=0.1)
    report = worker.run_once(reminders=True)
    assert report.sent == 2  # the confirmation and the reminder
    assert sorted(m.subject for m in memory_outbox(app)) == [
        "Registration confirmed: Test Forum",
        "Reminder: Test Forum is tomorrow",
    ]
    assert worker.run_once(reminders=True).claimed == 0  # once per registrant


def test_reminders_follow_each_forums_own_time_zone(app, db, client, make_forum):
    # 23:30 UTC on the 1st is already the 2nd in Seoul: the Seoul forum on the 3rd is
    # "tomorrow", a forum in Los Angeles on the 3rd is not (there it is still the 1st).
    now = datetime(2031, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    day = now.date() + timedelta(days=2)
    opened = {"registration_opens_at": utcnow() - timedelta(days=1)}
    seoul = make_forum(first_day=day, last_day=day, **opened)
    la = make_forum(first_day=day, last_day=day, timezone="America/Los_Angeles", **opened)
    register(client, seoul, "s")
    register(client, la, "l")
    assert queue_reminders(now=now) == 1
    [row] = outbox_rows(db, "reminder")
    assert row.forum_id == seoul.id
