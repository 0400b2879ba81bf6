"""Announcements as a service: who each segment reaches, the text checked, and the send that
queues exactly what was previewed for exactly the people counted, or nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.core.errors import ValidationFailed
from app.models import Announcement, AuditEntry, OutboxMessage, User
from app.registration import announcements
from app.registration.announcements import NobodyToTell, NotPreviewed, ReachChanged

TEXT = {
    "subject_ko": "건강 확인 데스크 안내",
    "body_ko": "입장 전 1층 로비에서 발열 확인을 받아 주세요.",
    "subject_en": "The health desk",
    "body_en": "Please stop at the health desk in the lobby before you come in.",
}


@pytest.fixture
def crowd(db, make_forum, make_session, make_registration):
    """A forum with one person in each situation, and one in another forum."""
    forum, other = make_forum(slug="crowd"), make_forum(slug="elsewhere")
    tour, talk = make_session(forum, title_en="Tour"), make_session(forum, title_en="Talk")
    people = {
        "seated": make_registration(forum, sessions=(tour,)),
        "online": make_registration(forum, attendance="online"),
        "waiting": make_registration(forum, status="waitlisted", waitlist_seq=1),
        "seat_waiting": make_registration(forum, sessions=(tour,), booking_status="waitlisted"),
        "talk": make_registration(forum, sessions=(talk,)),
        "cancelled": make_registration(forum, status="cancelled", sessions=(tour,)),
        "no_address": make_registration(forum, email=""),
        "erased": make_registration(forum),
        "elsewhere": make_registration(other),
    }
    people["erased"].anonymised_at = datetime.now(UTC)
    people["talk"].checked_in_at = datetime.now(UTC)
    user = User(email="o@staff.example.org", name="Organizer", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()
    return forum, {"tour": tour, "talk": talk}, people, user


def _draft(forum, segment="everyone", session=None, **text):
    raw = {**TEXT, "segment": segment, "session_id": str(session.id) if session else "", **text}
    return announcements.check_draft(forum, raw)


def _reached(db, forum, draft, people) -> set[str]:
    ids = {
        r.id
        for r in db.session.execute(
            announcements._segment(forum.id, draft.segment, draft.session_id)
        )
    }
    return {name for name, person in people.items() if person.id in ids}


@pytest.mark.parametrize(
    ("segment", "session", "expected"),
    [
        ("everyone", None, {"seated", "online", "waiting", "seat_waiting", "talk"}),
        ("in_person", None, {"seated", "seat_waiting", "talk"}),
        ("online", None, {"online"}),
        ("waitlisted", None, {"waiting", "seat_waiting"}),
        ("session", "tour", {"seated", "seat_waiting"}),
        ("session", "talk", {"talk"}),
        ("checked_in", None, {"talk"}),
    ],
)
def test_each_segment_reaches_its_people_and_no_one_cancelled_erased_or_elsewhere(
    db, crowd, segment, session, expected
):
    forum, sessions, people, _user = crowd
    draft = _draft(forum, segment, sessions.get(session))
    assert _reached(db, forum, draft, people) == expected
    assert announcements.reach(forum, draft) == len(expected)


def test_send_queues_one_message_per_person_in_their_language_and_audits(db, crowd):
    forum, _sessions, people, user = crowd
    people["online"].locale = "ko"
    db.session.commit()
    draft = _draft(forum)

    sent = announcements.send(forum, draft, user, previewed=draft.fingerprint, expected="5")

    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sent.recipients == 5 and len(rows) == 5
    assert {r.registration_id for r in rows} == {
        people[n].id for n in ("seated", "online", "waiting", "seat_waiting", "talk")
    }
    assert all(r.kind == "announcement" and r.announcement_id == sent.id for r in rows)
    by_person = {r.registration_id: r.locale for r in rows}
    assert by_person[people["online"].id] == "ko" and by_person[people["seated"].id] == "en"
    [audit] = db.session.scalars(select(AuditEntry)).all()
    assert audit.action == "announcement.send" and audit.details["recipients"] == 5
    assert audit.user_id == user.id


def test_a_text_in_one_language_goes_to_everyone_in_that_language(db, crowd):
    forum, _sessions, _people, user = crowd
    draft = _draft(forum, subject_en="", body_en="")
    announcements.send(forum, draft, user, previewed=draft.fingerprint, expected=5)
    locales = db.session.scalars(select(OutboxMessage.locale)).all()
    assert set(locales) == {"ko"}
    announcement = db.session.scalar(select(Announcement))
    assert (
        announcement.language_for("en") == "ko" and announcement.subject("en") == TEXT["subject_ko"]
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject_ko": "", "body_ko": "", "subject_en": "", "body_en": ""}, "subject_ko"),
        ({"subject_en": ""}, "subject_en"),  # a text without its subject
        ({"body_ko": "   "}, "body_ko"),
        ({"subject_ko": "두 줄\n제목"}, "subject_ko"),
        ({"subject_en": "x" * 201}, "subject_en"),
        ({"body_en": "x" * 10_001}, "body_en"),
        ({"body_en": "bell\x07"}, "body_en"),
        ({"segment": "friends"}, "segment"),
        ({"segment": "session", "session_id": ""}, "session_id"),
        ({"segment": "session", "session_id": "99999999999999999999"}, "session_id"),
        ({"subject_ko": ["a list"]}, "subject_ko"),
    ],
)
def test_a_bad_draft_is_refused_with_the_fields_message(db, crowd, changes, field):
    forum, _sessions, _people, _user = crowd
    raw = {**TEXT, "segment": "everyone", "session_id": "", **changes}
    with pytest.raises(ValidationFailed) as refused:
        announcements.check_draft(forum, raw)
    assert field in refused.value.errors


def test_a_session_of_another_forum_is_refused(db, crowd, make_forum, make_session):
    forum, _sessions, _people, _user = crowd
    foreign = make_session(make_forum(slug="third"))
    with pytest.raises(ValidationFailed) as refused:
        _draft(forum, "session", foreign)
    assert "session_id" in refused.value.errors


def _nothing_queued(db) -> bool:
    queued = db.session.scalar(select(func.count(OutboxMessage.id)))
    return queued == 0 and db.session.scalar(select(func.count(Announcement.id))) == 0


def test_a_draft_not_previewed_or_changed_since_is_refused(db, crowd):
    forum, _sessions, _people, user = crowd
    draft = _draft(forum)
    edited = _draft(forum, body_en="Another text.")
    for previewed in (None, "", "0" * 64, edited.fingerprint):
        with pytest.raises(NotPreviewed):
            announcements.send(forum, draft, user, previewed=previewed, expected=5)
    assert _nothing_queued(db)


def test_a_group_that_changed_since_the_preview_is_refused_with_its_new_size(
    db, crowd, make_registration
):
    forum, _sessions, _people, user = crowd
    draft = _draft(forum)
    make_registration(forum)  # someone registered after the preview counted 5
    for expected in ("5", "", "many", None):
        with pytest.raises(ReachChanged) as refused:
            announcements.send(forum, draft, user, previewed=draft.fingerprint, expected=expected)
    assert refused.value.details == {"reach": 6}
    assert _nothing_queued(db)


def test_a_segment_of_nobody_is_refused(db, crowd, make_session):
    forum, _sessions, _people, user = crowd
    draft = _draft(forum, "session", make_session(forum, title_en="Nobody booked"))
    assert announcements.reach(forum, draft) == 0
    with pytest.raises(NobodyToTell):
        announcements.send(forum, draft, user, previewed=draft.fingerprint, expected=0)
    assert _nothing_queued(db)
