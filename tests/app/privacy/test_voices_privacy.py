"""Citizens' voices under the privacy rules: the retention purge anonymises a forum's comment
entries and deletes its live questions; a person's erasure takes their name off what they said
through their own link; their export lists it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.core.db import utcnow
from app.models import CommentEntry, CommentEvent, OutboxMessage, Question, Registration
from app.models.enums import OutboxStatus
from app.privacy import operations as privacy
from app.privacy import retention
from app.voices.common import COMMENT_CONSENT_VERSION
from tests.app.privacy.helpers import fresh, move_forum, scan


def _event(db, forum) -> CommentEvent:
    now = utcnow()
    event = CommentEvent(
        forum_id=forum.id,
        prompt_ko="포용적 스마트시티는 ○○○다",
        opens_at=now - timedelta(days=200),
        closes_at=now - timedelta(days=150),
    )
    db.session.add(event)
    db.session.flush()
    return event


def _entry(db, event, n: int, *, status: str = "published", **fields) -> CommentEntry:
    entry = CommentEntry(
        event_id=event.id,
        name=f"참여자{n}",
        email=f"voice{n}@example.org",
        email_normalized=f"voice{n}@example.org",
        text=f"모두의 마당 {n}",
        status=status,
        confirmed_at=utcnow(),
        consent_version=COMMENT_CONSENT_VERSION,
        consented_at=utcnow(),
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _question(db, forum, session, **fields) -> Question:
    question = Question(forum_id=forum.id, session_id=session.id, text="질문입니다", **fields)
    db.session.add(question)
    db.session.flush()
    return question


def test_the_purge_anonymises_comment_entries_and_deletes_the_questions(
    db, make_forum, make_session
):
    forum = make_forum()
    session = make_session(forum)
    event = _event(db, forum)
    published = _entry(db, event, 1)
    hidden = _entry(db, event, 2, status="hidden", hidden_reason="광고 (voice2@example.org)")
    _question(db, forum, session, author_name="김질문")
    db.session.add(
        OutboxMessage(
            message_id="<voices-1@madang.test>",
            kind="comment_thanks",
            recipient="voice1@example.org",
            locale="ko",
            context={"entry_id": published.id},
            forum_id=forum.id,
        )
    )
    other = make_forum()
    other_event = _event(db, other)
    untouched = _entry(db, other_event, 3)
    db.session.commit()
    move_forum(db, forum, date.today() - timedelta(days=400))

    retention.purge()

    fresh(db)
    assert (
        scan(db, ["참여자1", "voice1@example.org", "참여자2", "voice2@example.org", "김질문"]) == []
    )
    kept = db.session.get(CommentEntry, published.id)
    assert kept.text == "모두의 마당 1" and kept.anonymised_at is not None
    assert db.session.get(CommentEntry, hidden.id).text == ""
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "comment_thanks"))
    assert mail.status == OutboxStatus.SKIPPED and mail.recipient == ""
    # Another forum's voices wait for their own date.
    assert db.session.get(CommentEntry, untouched.id).name == "참여자3"


def test_a_second_purge_changes_nothing(db, make_forum):
    forum = make_forum()
    event = _event(db, forum)
    entry = _entry(db, event, 1)
    db.session.commit()
    move_forum(db, forum, date.today() - timedelta(days=400))
    retention.purge()
    fresh(db)
    first = db.session.get(CommentEntry, entry.id).anonymised_at
    retention.purge(now=utcnow() + timedelta(days=1))
    fresh(db)
    assert db.session.get(CommentEntry, entry.id).anonymised_at == first


def test_erasure_takes_the_name_off_what_a_person_said_through_their_link(
    db, make_forum, make_session, make_registration
):
    forum = make_forum()
    session = make_session(forum)
    registration = make_registration(forum, name="홍길동", email="hong@example.org")
    event = _event(db, forum)
    entry = _entry(db, event, 1, registration_id=registration.id)
    question = _question(
        db, forum, session, author_name="홍길동", origin="online", registration_id=registration.id
    )
    db.session.commit()

    exported = privacy.export_registration(registration)
    assert [c["text"] for c in exported["comments"]] == ["모두의 마당 1"]
    assert exported["comments"][0]["consent"]["version"] == COMMENT_CONSENT_VERSION
    assert [(q["text"], q["name"]) for q in exported["questions"]] == [("질문입니다", "홍길동")]

    privacy.erase_registration(db.session.get(Registration, registration.id))

    fresh(db)
    asked = db.session.get(Question, question.id)
    assert (asked.author_name, asked.registration_id, asked.text) == ("", None, "질문입니다")
    said = db.session.get(CommentEntry, entry.id)
    assert said.email == "" and said.name == "—" and said.anonymised_at is not None
