"""Speakers' own mail through a real SMTP sink: each speaker with an address gets their
sessions, role, room, how they join and their calendar, in their language; a speaker without
an address gets nothing and the organizer is told; changes to their sessions reach them,
grouped like the registrants' notices."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.mail.delivery import deliver_due
from app.models import OutboxMessage, User
from app.programme import session_edits, speaker_mail
from tests.app.mail.helpers import body


@pytest.fixture
def programme(db, make_forum, make_session, make_speaker, make_venue):
    forum = make_forum(organizer_email="forum@seoul.example.org")
    hall = make_venue(forum, name_ko="다목적홀", name_en="Multipurpose Hall")
    panel = make_session(
        forum, title_ko="패널", title_en="Panel", venue=hall, format="hybrid", start="10:00"
    )
    keynote = make_session(forum, title_en="Keynote", venue=hall, start="09:00", end="09:40")
    ana = make_speaker(
        forum,
        sessions=(panel,),
        role="moderator",
        name_en="Ana Lima",
        email="ana@example.org",
        locale="en",
        connection_details="Zoom https://zoom.example/j/42, passcode 7",
    )
    kim = make_speaker(
        forum, sessions=(keynote, panel), role="keynote", name_ko="김서울", email="kim@example.org"
    )
    nobody = make_speaker(forum, sessions=(panel,), name_en="No Address")
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    user.forums = [forum]
    db.session.add(user)
    db.session.commit()
    return forum, panel, keynote, (ana, kim, nobody), user


def _calendar(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def test_each_speaker_gets_their_programme_in_their_language(app, programme, smtp, mail_to):
    forum, panel, _keynote, (ana, kim, nobody), user = programme
    mail_to(smtp)
    mailing = speaker_mail.mail_speakers(forum, user)
    assert [s.id for s in mailing.queued] == [ana.id, kim.id]
    assert [s.id for s in mailing.without_address] == [nobody.id]
    assert deliver_due().sent == 2
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp.sink.messages()}

    en = by_to["ana@example.org"]
    assert en["Subject"] == "Your sessions as a speaker: Test Forum"
    text = body(en)
    assert "Hello Ana Lima," in text
    assert "- Panel" in text and "Multipurpose Hall" in text and "Your role: Moderator" in text
    assert "Keynote" not in text
    assert "How you join:\r\nZoom https://zoom.example/j/42, passcode 7" in text
    assert f"/forums/{forum.slug}/speakers/{ana.id}.ics" in text
    assert "passcode 7" in body(en, "html")
    [event] = _calendar(en).walk("VEVENT")
    assert str(event["UID"]).startswith(f"session-{panel.id}@")

    ko = by_to["kim@example.org"]
    assert ko["Subject"] == "[테스트 포럼] 연사 일정 안내"
    text = body(ko)
    assert "김서울 님, 안녕하세요." in text
    assert "역할: 기조연설자" in text and "역할: 좌장" not in text
    assert "참여 방법" not in text  # no connection details for an in-room speaker
    assert len(_calendar(ko).walk("VEVENT")) == 2


def test_one_speaker_on_no_session_or_without_an_address_gets_nothing(
    app, db, programme, make_speaker
):
    forum, _panel, _keynote, (_ana, _kim, nobody), user = programme
    idle = make_speaker(forum, name_en="Idle", email="idle@example.org")
    mailing = speaker_mail.mail_speakers(forum, user, idle.id)
    assert (mailing.queued, [s.id for s in mailing.without_sessions]) == ([], [idle.id])
    assert speaker_mail.mail_speakers(forum, user, nobody.id).without_address == [nobody]
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_changes_to_a_session_reach_its_speakers_grouped(
    app, db, programme, smtp, mail_to, monkeypatch
):
    forum, panel, _keynote, (_ana, _kim, _nobody), user = programme
    monkeypatch.setitem(app.config, "CHANGE_NOTICE_DELAY_MINUTES", 0)
    mail_to(smtp)
    day = forum.first_day.isoformat()
    first = session_edits.update_session(
        forum,
        panel.id,
        {"starts_at": f"{day}T14:00", "ends_at": f"{day}T15:00"},
        user,
        revision=panel.revision,
    )
    session_edits.update_session(
        forum, panel.id, {"title_en": "Panel: mobility"}, user, revision=first.session.revision
    )
    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "speaker_session_changed")
    ).all()
    assert sorted(m.recipient for m in notices) == ["ana@example.org", "kim@example.org"]
    assert all(len(m.context["change_ids"]) == 2 for m in notices)  # merged, one each
    assert deliver_due().sent == 2
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp.sink.messages()}
    text = body(by_to["ana@example.org"])
    assert "where you are a speaker, has changed" in text
    assert "- Time: " in text and "14:00" in text
    assert "- Title: Panel → Panel: mobility" in text
    assert "How you join:" in text
    assert "연사로 참여하시는" in body(by_to["kim@example.org"])
