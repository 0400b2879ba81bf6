"""What a registrant is told follows their one attendance state: a full session alone never
brings the "do not come" notice, and a change notice's calendar entry says what the personal
feed says."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from app.mail.delivery import deliver_due
from app.models import ForumSession
from tests.app.mail.helpers import body, calendar_part, parts, register
from tests.app.mail.test_kinds import change_session


@pytest.fixture
def forum_with_a_full_tour(make_forum, make_session):
    forum = make_forum(in_person_capacity=200)
    tour = make_session(
        forum, kind="tour", seats=1, title_en="City tour", start="14:00", end="16:00"
    )
    talk = make_session(forum, seats=50, title_en="Talk", start="10:00", end="11:00")
    return forum, tour, talk


def test_a_confirmed_person_waiting_only_for_a_session_gets_the_confirmation(
    app, client, forum_with_a_full_tour, smtp, mail_to
):
    forum, tour, talk = forum_with_a_full_tour
    mail_to(smtp)
    register(client, forum, 1, session_ids=[tour.id], locale="en")
    answer = register(client, forum, 2, session_ids=[tour.id, talk.id], locale="en")
    assert answer["status"] == "confirmed"
    assert {s["id"]: s["status"] for s in answer["sessions"]} == {
        tour.id: "waitlisted",
        talk.id: "confirmed",
    }
    deliver_due()
    message = next(m for m in smtp.sink.messages() if "person2@" in str(m["To"]))
    text = body(message)
    assert "do not come" not in text
    assert "[Waitlisted (#1)]" in text and "[Confirmed]" in text
    assert "image/png" in parts(message)  # the check-in QR code
    assert "text/calendar" in parts(message)
    assert "/calendar/" in text


def _status(ics: bytes, uid_session: int) -> tuple[str, int]:
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        if str(event["UID"]).startswith(f"session-{uid_session}@"):
            return str(event["STATUS"]), int(event["SEQUENCE"])
    raise AssertionError("no such event")


def test_a_change_notice_for_a_waitlisted_seat_is_tentative_like_the_personal_feed(
    app, db, client, forum_with_a_full_tour, smtp, mail_to
):
    forum, tour, _talk = forum_with_a_full_tour
    mail_to(smtp)
    register(client, forum, 1, session_ids=[tour.id], locale="en")
    waiting = register(client, forum, 2, session_ids=[tour.id], locale="en")
    deliver_due()
    smtp.sink.received.clear()

    change_session(
        db,
        forum,
        tour,
        kind="retitled",
        before={"title_en": "City tour"},
        after={"title_en": "Seoul city tour"},
        title_en="Seoul city tour",
    )
    assert deliver_due().sent == 2
    notices = {str(m["To"].addresses[0].addr_spec): m for m in smtp.sink.messages()}
    waiting_ics = calendar_part(notices["person2@example.org"]).get_payload(decode=True)
    holder_ics = calendar_part(notices["person1@example.org"]).get_payload(decode=True)
    revision = db.session.get(ForumSession, tour.id).revision
    assert _status(waiting_ics, tour.id) == ("TENTATIVE", revision)
    assert _status(holder_ics, tour.id) == ("CONFIRMED", revision)

    feed = client.get(urlsplit(waiting["calendar_url"]).path)
    assert feed.status_code == 200
    assert _status(feed.data, tour.id) == ("TENTATIVE", revision)
