"""Every other kind through the whole path: queued as the services (or the organizer work)
queue it, composed from the database at delivery, sent to a real SMTP sink."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app import outbox
from app.core.db import write_transaction
from app.mail.delivery import deliver_due
from app.models import ForumSession, Registration
from app.models.staff import ProgrammeChange
from tests.app.mail.helpers import body, calendar_part, outbox_rows, parts, register

SEOUL = ZoneInfo("Asia/Seoul")


def by_recipient(sink) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in sink.messages():
        found.setdefault(message["To"].addresses[0].addr_spec, []).append(message)
    return found


def links(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("http")]


# -- session changed ----------------------------------------------------------------------------


@pytest.fixture
def programme(make_forum, make_venue, make_session):
    forum = make_forum()
    hall = make_venue(forum, name_ko="다목적홀", name_en="Multipurpose Hall")
    room = make_venue(
        forum, name_ko="태평홀", name_en="Taepyeong Hall", floor_ko="B1", floor_en="B1"
    )
    panel = make_session(
        forum,
        venue=hall,
        seats=10,
        title_ko="패널: 스마트 모빌리티",
        title_en="Panel: smart mobility",
        start="10:00",
        end="11:00",
    )
    return forum, hall, room, panel


def change_session(db, forum, session, *, kind: str, before: dict, after: dict, **fields):
    """What the organizer work does: change the session, record it, queue one notice per
    affected registrant (confirmed or waitlisted) in the same transaction."""
    with write_transaction():
        session = db.session.get(ForumSession, session.id)
        for key, value in fields.items():
            setattr(session, key, value)
        session.revision += 1
        change = ProgrammeChange(
            forum_id=forum.id, session_id=session.id, kind=kind, before=before, after=after
        )
        db.session.add(change)
        db.session.flush()
        registrants = db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum.id, Registration.status != "cancelled"
            )
        ).all()
        for registration in registrants:
            outbox.enqueue(
                "session_changed",
                recipient=registration.email,
                locale=registration.locale,
                context={
                    "registration_id": registration.id,
                    "session_id": session.id,
                    "change_ids": [change.id],
                },
                forum_id=forum.id,
                registration_id=registration.id,
                dedupe_key=f"session_changed:{change.id}:{registration.id}",
            )
    return change


def at(forum, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    day = forum.first_day
    return datetime(day.year, day.month, day.day, h, m, tzinfo=SEOUL)


def test_a_renamed_and_a_reinstated_session_are_announced(
    app, db, client, programme, smtp, mail_to
):
    forum, _hall, _room, panel = programme
    mail_to(smtp)
    register(client, forum, 1, session_ids=[panel.id], locale="en")
    deliver_due()
    smtp.sink.received.clear()

    change_session(
        db,
        forum,
        panel,
        kind="retitled",
        before={"title_ko": "패널: 스마트 모빌리티", "title_en": "Panel: smart mobility"},
        after={"title_ko": "패널: 모두의 모빌리티", "title_en": "Panel: mobility for all"},
        title_ko="패널: 모두의 모빌리티",
        title_en="Panel: mobility for all",
    )
    change_session(
        db,
        forum,
        panel,
        kind="reinstated",
        before={"status": "cancelled"},
        after={"status": "scheduled"},
    )
    assert deliver_due().sent == 2
    texts = [body(m) for m in smtp.sink.messages()]
    assert any("- Title: Panel: smart mobility → Panel: mobility for all" in t for t in texts)
    assert any("- Status: cancelled → back on the programme" in t for t in texts)


def test_a_moved_session_notice_shows_old_and_new_in_each_language(
    app, db, client, programme, smtp, mail_to
):
    forum, hall, room, panel = programme
    mail_to(smtp)
    register(client, forum, 1, session_ids=[panel.id], locale="ko")
    register(client, forum, 2, session_ids=[panel.id], locale="en", name="Jane")
    deliver_due()
    smtp.sink.received.clear()

    change_session(
        db,
        forum,
        panel,
        kind="moved",
        before={
            "starts_at": at(forum, "10:00").isoformat(),
            "ends_at": at(forum, "11:00").isoformat(),
            "venue_id": hall.id,
        },
        after={
            "starts_at": at(forum, "14:00").isoformat(),
            "ends_at": at(forum, "15:30").isoformat(),
            "venue_id": room.id,
        },
        starts_at=at(forum, "14:00"),
        ends_at=at(forum, "15:30"),
        venue_id=room.id,
    )
    report = deliver_due()
    assert report.sent == 2

    mail = by_recipient(smtp.sink)
    [ko] = mail["person1@example.org"]
    [en] = mail["person2@example.org"]
    assert ko["Subject"] == "[테스트 포럼] 세션 변경 안내: 패널: 스마트 모빌리티"
    assert en["Subject"] == "Session update: Panel: smart mobility (Test Forum)"
    text = body(en)
    assert "- Time: " in text and "10:00–11:00 → " in text and "14:00–15:30" in text
    assert "- Venue: Multipurpose Hall → Taepyeong Hall" in text
    assert "다목적홀 → 태평홀" in body(ko)

    # The link is the session's public page (no manage token exists here); it opens.
    session_url = f"http://madang.test/forums/{forum.slug}/sessions/{panel.id}"
    assert session_url in links(text)
    assert client.get(urlsplit(session_url).path).status_code == 200

    # The updated event, same UID as the feeds, for calendars that take attachments.
    calendar = Calendar.from_ical(calendar_part(en).get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{panel.id}@madang.test"
    assert event.decoded("DTSTART") == at(forum, "14:00")
    assert calendar_part(en).get_param("method") == "PUBLISH"


def test_a_cancelled_session_notice_says_cancelled(app, db, client, programme, smtp, mail_to):
    forum, _, _, panel = programme
    mail_to(smtp)
    register(client, forum, 1, session_ids=[panel.id], locale="en")
    deliver_due()
    smtp.sink.received.clear()

    change_session(
        db,
        forum,
        panel,
        kind="cancelled",
        before={"status": "scheduled"},
        after={"status": "cancelled"},
        status="cancelled",
    )
    assert deliver_due().sent == 1
    [message] = smtp.sink.messages()
    assert message["Subject"] == "Session cancelled: Panel: smart mobility (Test Forum)"
    assert 'the session "Panel: smart mobility" at Test Forum has been cancelled' in body(message)
    calendar = Calendar.from_ical(calendar_part(message).get_payload(decode=True))
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_a_change_that_ends_where_it_started_is_not_sent(app, db, client, programme, smtp, mail_to):
    forum, hall, room, panel = programme
    mail_to(smtp)
    register(client, forum, 1, session_ids=[panel.id])
    deliver_due()
    smtp.sink.received.clear()
    there = change_session(
        db, forum, panel, kind="venue", before={"venue_id": hall.id}, after={"venue_id": room.id}
    )
    back = change_session(
        db, forum, panel, kind="venue", before={"venue_id": room.id}, after={"venue_id": hall.id}
    )
    # A coalesced notice for both changes has nothing to say.
    [registration] = db.session.scalars(select(Registration)).all()
    with write_transaction():
        outbox.enqueue(
            "session_changed",
            recipient=registration.email,
            locale="ko",
            context={
                "registration_id": registration.id,
                "session_id": panel.id,
                "change_ids": [there.id, back.id],
            },
            registration_id=registration.id,
        )
    report = deliver_due()
    assert (report.sent, report.skipped) == (2, 1)
    skipped = [r for r in outbox_rows(db) if r.last_error]
    assert len(skipped) == 1 and skipped[0].last_error.startswith("not sent: nothing")


# -- waitlist, cancellation, manage link --------------------------------------------------------


def test_promotion_cancellation_and_a_late_waitlist_notice(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum(in_person_capacity=1)
    mail_to(smtp)
    first = register(client, forum, 1, locale="en", name="First")
    second = register(client, forum, 2, locale="en", name="Second")
    assert second["status"] == "waitlisted"
    token = urlsplit(first["manage_url"]).path.rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/registrations/{token}").status_code == 200
    assert [r.kind for r in outbox_rows(db)] == [
        "registration_confirmed",
        "registration_waitlisted",
        "waitlist_promoted",
        "registration_cancelled",
    ]

    report = deliver_due()  # the mail server was slow: everything leaves only now
    assert (report.sent, report.skipped) == (3, 1)
    mail = by_recipient(smtp.sink)

    # First cancelled before their confirmation left: only the cancellation goes.
    [cancelled] = mail["person1@example.org"]
    assert cancelled["Subject"] == "Registration cancelled: Test Forum"
    assert "As you asked, your registration for Test Forum" in body(cancelled)
    # Nothing to manage any more; registering again brings the registration back.
    assert links(body(cancelled)) == [f"http://madang.test/forums/{forum.slug}/register"]

    # Second: the waitlist notice leaves after the promotion, so it says confirmed.
    subjects = sorted(m["Subject"] for m in mail["person2@example.org"])
    assert subjects == [
        "A seat opened up, you're confirmed: Test Forum",
        "Registration confirmed: Test Forum",
    ]
    promoted = next(m for m in mail["person2@example.org"] if "seat opened" in m["Subject"])
    text = body(promoted)
    assert second["confirmation_code"] in text
    # No manage token here: the mail says where the link is, and links the forum page.
    forum_url = f"http://madang.test/forums/{forum.slug}"
    assert forum_url in links(text)
    assert "/manage/" not in text
    assert "use the link in your confirmation email" in text
    assert client.get(f"/forums/{forum.slug}").status_code == 200
    confirmed = next(m for m in mail["person2@example.org"] if m is not promoted)
    assert second["manage_url"] in links(body(confirmed))

    skipped = next(r for r in outbox_rows(db) if r.kind == "registration_confirmed")
    assert skipped.status == "skipped" and skipped.last_error.startswith("not sent:")
    assert "manage_token" not in skipped.context


def test_a_repeated_registration_mails_the_current_manage_link_only(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum()
    mail_to(smtp)
    created = register(client, forum, 1, locale="en")
    for _ in range(2):
        again = client.post(
            f"/api/v1/forums/{forum.slug}/registrations",
            json={
                "name": "Someone",
                "email": "person1@example.org",
                "attendance": "in_person",
                "locale": "en",
                "consent_personal_data": True,
            },
        )
        assert again.status_code == 409

    report = deliver_due()
    assert (report.sent, report.skipped) == (2, 1)  # the older manage link is replaced
    mail = by_recipient(smtp.sink)["person1@example.org"]
    confirmation = next(m for m in mail if m["Subject"].startswith("Registration confirmed"))
    [link_mail] = [m for m in mail if m["Subject"] == "Your registration link: Test Forum"]

    # The confirmation's link was replaced before it left: it does not carry a dead link.
    assert created["manage_url"] not in body(confirmation)
    [manage_url] = [u for u in links(body(link_mail)) if "/manage/" in u]
    page = client.get(urlsplit(manage_url).path)
    assert page.status_code == 200
    assert parts(link_mail) == ["multipart/alternative", "text/plain", "text/html"]
