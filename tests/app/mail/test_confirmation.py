"""One registration, one confirmation: parts, headers, language and links, over real SMTP."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.core.tokens import checkin_payload
from app.mail.delivery import deliver_due
from app.models import Registration, StreamLink
from tests.app.mail.helpers import (
    MAIL_FROM,
    body,
    calendar_part,
    outbox_rows,
    parts,
    register,
)
from tests.qr import scan_png

URL = re.compile(r"https?://\S+")


@pytest.fixture
def forum_with_programme(make_forum, make_venue, make_session):
    forum = make_forum(title_ko="서울 스마트시티 포럼", title_en="Seoul Smart City Forum")
    hall = make_venue(
        forum, name_ko="다목적홀", name_en="Multipurpose Hall", floor_ko="8층", floor_en="8F"
    )
    tour = make_session(
        forum,
        venue=hall,
        seats=20,
        kind="tour",
        title_ko="디지털 시장실 투어",
        title_en="Digital Mayor's Office tour",
        start="10:00",
        end="11:30",
    )
    make_session(
        forum,
        venue=hall,
        format="hybrid",
        title_ko="기조연설",
        title_en="Keynote",
        start="13:00",
        end="14:00",
    )
    return forum, hall, tour


def urls(text: str) -> list[str]:
    return URL.findall(text)


def test_one_registration_sends_exactly_one_confirmation(
    app, db, client, forum_with_programme, smtp, mail_to
):
    forum, _, tour = forum_with_programme
    mail_to(smtp)
    created = register(client, forum, session_ids=[tour.id], name="홍길동")

    report = deliver_due()
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)
    assert deliver_due().claimed == 0  # nothing twice

    [row] = outbox_rows(db)
    [raw] = smtp.sink.received
    [message] = smtp.sink.messages()
    assert row.kind == "registration_confirmed" and row.status == "sent"

    # Parts: text then HTML (with its QR image) as alternatives, then the calendar file.
    assert parts(message) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/calendar",
    ]
    ics = calendar_part(message)
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_content_charset() == "utf-8"
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert calendar["METHOD"] == "PUBLISH"
    uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    assert f"session-{tour.id}@madang.test" in uids

    # Headers.
    assert message["Message-ID"] == row.message_id
    assert row.message_id.endswith("@madang.test>")
    assert re.search(r" [+-]\d{4}$", message["Date"]), message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"].addresses[0].addr_spec == "no-reply@madang.test"
    assert str(message["From"]) == MAIL_FROM
    assert message["Reply-To"].addresses[0].addr_spec == forum.organizer_email
    assert message["To"].addresses[0].addr_spec == "person1@example.org"
    assert message["To"].addresses[0].display_name == "홍길동"
    assert message["Subject"] == "[서울 스마트시티 포럼] 등록이 확정되었습니다"
    assert b"\r\nSubject: =?utf-8?" in raw  # RFC 2047 on the wire, nothing raw
    assert all(ord(ch) < 128 for ch in raw.decode("ascii"))

    # Language and content: Korean, times in Seoul, code and QR.
    text, html = body(message), body(message, "html")
    assert text.startswith("홍길동 님, 안녕하세요.")
    assert created["confirmation_code"] in text
    assert "(KST)" in text and "10:00–11:30" in text
    assert "디지털 시장실 투어" in text and "다목적홀" in text
    assert 'src="cid:checkin-qr@madang"' in html
    assert '<html lang="ko">' in html

    # Links: the manage page opens, the calendar feed has the same UID as the attachment.
    manage_url, calendar_url = created["manage_url"], created["calendar_url"]
    assert manage_url in text and calendar_url in text
    assert f'href="{manage_url}"' in html
    page = client.get(urlsplit(manage_url).path)
    assert page.status_code == 200
    assert "홍길동" in page.get_data(as_text=True)
    feed = client.get(urlsplit(calendar_url).path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    feed_uids = {str(e["UID"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")}
    assert uids <= feed_uids


def test_an_english_registrant_gets_english_mail(
    app, db, client, forum_with_programme, smtp, mail_to
):
    forum, _, tour = forum_with_programme
    mail_to(smtp)
    register(client, forum, session_ids=[tour.id], name="Jane Doe", locale="en")
    deliver_due()

    [message] = smtp.sink.messages()
    assert message["Subject"] == "Registration confirmed: Seoul Smart City Forum"
    text, html = body(message), body(message, "html")
    assert text.startswith("Hello Jane Doe,")
    assert "Digital Mayor's Office tour" in text and "Multipurpose Hall" in text
    assert re.search(r"\w{3}, \w{3} \d{1,2}, \d{4} 10:00–14:00 \(KST\)", text), text
    assert '<html lang="en">' in html
    assert "서울" not in text  # nothing left in the other language


def test_the_qr_code_is_an_inline_png_of_the_signed_check_in_payload(
    app, db, client, forum_with_programme, smtp, mail_to
):
    forum, _, _ = forum_with_programme
    mail_to(smtp)
    register(client, forum)
    deliver_due()
    [message] = smtp.sink.messages()
    # Shown from the message itself (cid:), not a data: URI that webmail such as Gmail drops.
    cid = re.search(r'<img src="cid:([^"]+)"', body(message, "html")).group(1)
    [image] = [p for p in message.walk() if p["Content-ID"] == f"<{cid}>"]
    assert image.get_content_type() == "image/png"
    assert image.get_content_disposition() == "inline"
    png = image.get_payload(decode=True)
    assert png.startswith(b"\x89PNG")
    registration = db.session.scalars(select(Registration)).one()
    payload = checkin_payload(app.config["SECRET_KEY"], registration.confirmation_code)
    assert scan_png(png) == [payload]


def test_online_attendees_get_the_streams_including_registrants_only_links(
    app, db, client, forum_with_programme, smtp, mail_to
):
    forum, _, _ = forum_with_programme
    db.session.add_all(
        [
            StreamLink(forum=forum, platform="YouTube", url="https://youtube.example/live"),
            StreamLink(
                forum=forum,
                platform="Zoom",
                label="Zoom webinar",
                url="https://zoom.example/j/1",
                visibility="registrants",
            ),
        ]
    )
    db.session.commit()
    mail_to(smtp)
    register(client, forum, attendance="online", locale="en", name="Remote Person")
    register(client, forum, 2, attendance="in_person", locale="en", name="Hall Person")
    deliver_due()

    by_name = {m["To"].addresses[0].display_name: m for m in smtp.sink.messages()}
    online, in_person = body(by_name["Remote Person"]), body(by_name["Hall Person"])
    assert "https://youtube.example/live" in online
    assert "https://zoom.example/j/1" in online
    assert "(for registrants only, please do not share)" in online
    assert "Where:" not in online and "QR code" not in body(by_name["Remote Person"], "html")
    assert "zoom.example" not in in_person and "Where: Multipurpose Hall" in in_person


def test_a_waitlisted_registrant_is_told_the_position_without_a_calendar(
    app, db, client, make_forum, make_venue, make_session, smtp, mail_to
):
    forum = make_forum(in_person_capacity=1)
    mail_to(smtp)
    register(client, forum, 1, locale="en", name="First")
    waiting = register(client, forum, 2, locale="en", name="Second")
    assert waiting["status"] == "waitlisted"
    deliver_due()

    by_name = {m["To"].addresses[0].display_name: m for m in smtp.sink.messages()}
    second = by_name["Second"]
    assert second["Subject"] == "You're on the waitlist (#1): Test Forum"
    assert "position 1" in body(second)
    assert waiting["manage_url"] in body(second)
    assert parts(second) == ["multipart/alternative", "text/plain", "text/html"]


def test_secrets_are_removed_from_the_row_once_sent(
    app, db, client, forum_with_programme, smtp, mail_to
):
    forum, _, _ = forum_with_programme
    mail_to(smtp)
    created = register(client, forum)
    [row] = outbox_rows(db)
    assert set(row.context) == {"registration_id", "manage_token", "calendar_token"}

    deliver_due()
    [row] = outbox_rows(db)
    assert row.status == "sent" and row.sent_at is not None
    assert row.context == {"registration_id": row.registration_id}
    token = urlsplit(created["manage_url"]).path.rsplit("/", 1)[1]
    assert token not in repr(row.context)
    assert row.claimed_by is None and row.claimed_until is None
