"""A tour's meeting point in the mail people get: the confirmation (text, HTML and the attached
calendar) and the notice when it moves, through a real SMTP sink."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from app.mail.delivery import deliver_due
from app.models import User
from app.programme import session_edits
from tests.app.mail.helpers import body, register


@pytest.fixture
def tour(make_forum, make_session):
    forum = make_forum()
    day = forum.first_day
    visit = make_session(
        forum,
        title_ko="현장 방문",
        title_en="Site visit",
        kind="tour",
        seats=20,
        start="13:30",
        end="15:30",
        meeting_point_ko="시청 정문 버스 승차장",
        meeting_point_en="Bus stop, City Hall main entrance",
        meeting_at=datetime(day.year, day.month, day.day, 4, 15, tzinfo=UTC),  # 13:15 KST
        meeting_note_ko="명찰을 착용해 주세요.",
        meeting_note_en="Please wear your badge.",
    )
    talk = make_session(forum, title_en="Talk", start="10:00", end="11:00", seats=50)
    return forum, visit, talk


def _organizer(db, forum) -> User:
    user = User(email="organizer@staff.example.org", name="O", password_hash="-", role="organizer")
    user.forums = [forum]
    db.session.add(user)
    db.session.commit()
    return user


def _calendars(message) -> list[Calendar]:
    return [
        Calendar.from_ical(part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def test_the_confirmation_says_where_and_when_to_meet_in_each_language(
    app, client, tour, smtp, mail_to
):
    forum, visit, talk = tour
    mail_to(smtp)
    register(client, forum, 1, session_ids=[visit.id, talk.id], locale="en")
    register(client, forum, 2, session_ids=[visit.id], locale="ko")
    assert deliver_due().sent == 2
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp.sink.messages()}
    en, ko = by_to["person1@example.org"], by_to["person2@example.org"]

    text = body(en)
    assert "Meet: 13:15, Bus stop, City Hall main entrance (Please wear your badge.)" in text
    assert text.count("Meet:") == 1  # the talk has no meeting point
    html = body(en, "html")
    assert "Meet: 13:15, Bus stop, City Hall main entrance" in html
    assert "Please wear your badge." in html
    assert "집결: 13:15, 시청 정문 버스 승차장 (명찰을 착용해 주세요.)" in body(ko)

    events = [e for c in _calendars(en) for e in c.walk("VEVENT")]
    [visit_event] = [e for e in events if "Site visit" in str(e["SUMMARY"])]
    description = str(visit_event["DESCRIPTION"])
    assert description.startswith(
        "집결 장소 / Meeting point: 13:15, 시청 정문 버스 승차장 / "
        "Bus stop, City Hall main entrance"
    )
    assert "명찰을 착용해 주세요." in description and "Please wear your badge." in description


def test_a_moved_meeting_point_is_announced_old_and_new(
    app, db, client, tour, smtp, mail_to, monkeypatch
):
    forum, visit, _talk = tour
    monkeypatch.setitem(app.config, "CHANGE_NOTICE_DELAY_MINUTES", 0)
    mail_to(smtp)
    register(client, forum, 1, session_ids=[visit.id], locale="en")
    register(client, forum, 2, locale="en", name="Not on the tour")
    deliver_due()
    smtp.sink.received.clear()

    day = forum.first_day.isoformat()
    saved = session_edits.update_session(
        forum,
        visit.id,
        {"meeting_point_en": "East gate", "meeting_point_ko": "동문", "meeting_at": f"{day}T13:00"},
        _organizer(db, forum),
        revision=visit.revision,
    )
    assert saved.notices == 1
    assert deliver_due().sent == 1
    [message] = smtp.sink.messages()
    assert message["To"].addresses[0].addr_spec == "person1@example.org"
    text = body(message)
    assert "- Meeting point: 13:15, Bus stop, City Hall main entrance → 13:00, East gate" in text
    [calendar] = _calendars(message)
    [event] = calendar.walk("VEVENT")
    assert "13:00, 동문 / East gate" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 2
