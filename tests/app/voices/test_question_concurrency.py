"""One vote per voter under real concurrency: threads, each with its own connection, released
together by a barrier, all voting for the same question as the same voter. Exactly one vote
row, a counter of 1, and no errors, on SQLite and PostgreSQL. A negative control with the
guard switched off (select, then insert) fails on PostgreSQL, so the test can fail."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.core.db import db as _db
from app.models import Forum, Question, QuestionVote, User
from app.voices import questions
from app.voices.common import voter_key

VOTERS = 12
WAIT = 60  # seconds: a bound for a barrier that should open at once, never a pause
SAME_VOTER = voter_key("browser", "the-same-browser-id-0001")


@pytest.fixture
def contested(db, make_forum, make_session) -> tuple[int, int, int]:
    forum = make_forum()
    session = make_session(forum)
    organizer = User(email="o@staff.example.org", name="O", password_hash="x", role="admin")
    db.session.add(organizer)
    db.session.commit()
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    question = questions.ask(forum, session.id, {"text": "Everyone wants this one"})
    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    ids = forum.id, session.id, question.id
    db.session.remove()
    return ids


def vote_together(app, forum_id: int, session_id: int, question_id: int) -> list[object]:
    """Every thread votes at the same instant; each outcome is a VoteResult or the error."""
    barrier = threading.Barrier(VOTERS, timeout=WAIT)

    def one(_: int) -> object:
        with app.app_context():
            try:
                forum = _db.session.get(Forum, forum_id)
                barrier.wait()
                return questions.vote(forum, session_id, question_id, SAME_VOTER)
            except Exception as exc:  # counted below: the guarded path must raise none
                return exc
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=VOTERS) as pool:
        return list(pool.map(one, range(VOTERS)))


def stored(db, question_id: int) -> tuple[int, int]:
    db.session.rollback()  # a fresh snapshot: what the threads committed
    rows = db.session.scalar(
        select(func.count())
        .select_from(QuestionVote)
        .where(QuestionVote.question_id == question_id)
    )
    votes = db.session.scalar(select(Question.votes).where(Question.id == question_id))
    return rows, votes


def test_the_same_voter_at_once_is_counted_once(app, db, contested):
    outcomes = vote_together(app, *contested)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert sorted(o.created for o in outcomes) == [False] * (VOTERS - 1) + [True]
    assert all(o.votes == 1 for o in outcomes)
    assert stored(db, contested[2]) == (1, 1)


def naive_insert(barrier: threading.Barrier) -> Callable[..., bool]:
    """The guard switched off: look for the voter's row, then insert one. Every thread looks
    before any inserts (a barrier between the two steps: what concurrency allows anyway)."""

    def insert(question_id: int, voter: str, now) -> bool:
        found = _db.session.scalar(
            select(QuestionVote.id).where(
                QuestionVote.question_id == question_id, QuestionVote.voter == voter
            )
        )
        barrier.wait()
        if found is not None:
            return False
        _db.session.add(QuestionVote(question_id=question_id, voter=voter, created_at=now))
        _db.session.flush()
        return True

    return insert


def test_negative_control_select_then_insert_breaks(app, db, contested, monkeypatch):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises write transactions (BEGIN IMMEDIATE): nothing to race")
    monkeypatch.setattr(
        questions, "_insert_vote", naive_insert(threading.Barrier(VOTERS, timeout=WAIT))
    )
    outcomes = vote_together(app, *contested)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    rows, votes = stored(db, contested[2])
    # Either the unique constraint turns the race into errors, or duplicates get through.
    assert errors or rows > 1 or votes > 1, "the harness failed to expose the race"
    assert all("question_votes" in str(e) or "unique" in str(e).lower() for e in errors), errors
