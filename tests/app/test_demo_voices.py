"""The demo's citizens' voices: the 2020 forum's comment event with a completed draw anyone can
check, and the sample forum's open comment event and live questions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.demo import load_demo
from app.models import CommentEntry, CommentEvent, Forum, Question, QuestionBoard
from app.voices import draw

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def event_of(db, slug: str) -> CommentEvent:
    forum_id = db.session.scalar(select(Forum.id).where(Forum.slug == slug))
    return db.session.scalar(select(CommentEvent).where(CommentEvent.forum_id == forum_id))


def test_the_2020_comment_event_has_sample_entries_and_a_draw_that_verifies(db):
    load_demo(NOW)
    event = event_of(db, "smart-city-leaders-forum-2020")
    assert event.sample and event.prizes == 10
    assert "포용적 스마트시티는" in event.prompt_ko
    entries = db.session.scalars(
        select(CommentEntry).where(CommentEntry.event_id == event.id)
    ).all()
    assert len(entries) == 30 and all(e.sample and e.confirmed_at for e in entries)
    hidden = [e for e in entries if e.status == "hidden"]
    assert len(hidden) == 2 and all(e.hidden_reason for e in hidden)
    reading = sorted((e for e in entries if e.reading_order), key=lambda e: e.reading_order)
    assert [e.reading_order for e in reading] == [1, 2, 3, 4, 5]
    assert all(e.read_at and e.reading_session_id for e in reading)

    winners = draw.winners_of(event)
    assert [w.status for w in winners].count("won") == 10
    assert [w.status for w in winners].count("declined") == 1
    checks = draw.verify(event, winners)
    assert all(check.ok for check in checks), checks
    assert not {w.entry_id for w in winners} & {e.id for e in hidden}


def test_the_sample_forum_has_an_open_comment_event_and_live_questions(db):
    load_demo(NOW)
    event = event_of(db, "seoul-smart-city-forum-sample")
    assert event.opens_at <= NOW < event.closes_at
    assert event.seed_hash is None and event.drawn_at is None
    statuses = db.session.scalars(
        select(CommentEntry.status).where(CommentEntry.event_id == event.id)
    ).all()
    assert sorted(statuses) == ["pending", "published", "published", "published"]
    board = db.session.scalar(select(QuestionBoard).where(QuestionBoard.forum_id == event.forum_id))
    assert board.open and board.desk_may_moderate and board.session.title_en
    asked = db.session.scalars(select(Question).where(Question.session_id == board.session_id))
    assert sorted(q.status for q in asked) == ["answered", "approved", "approved", "pending"]
