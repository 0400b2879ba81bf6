"""Likes, votes, comments and questions in a loop: each browser counts once, and a loop that
throws its cookie away meets the rate limit (429) and changes nothing more."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import CommentEntry, CommentLike, Question, QuestionVote, User
from app.voices import questions
from tests.app.voices.test_comments import add_entry, make_event
from tests.app.web.test_comment_pages import form_body


def fresh_browser(app, n: int):
    """A browser with a voter id of its own (a loop that throws its cookie away)."""
    browser = app.test_client()
    browser.set_cookie("madang_voter", f"looping-browser-{n:04d}-0123456789")
    return browser


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_like_loop_meets_the_limit(app, db, make_forum, rate_limits):
    forum = make_forum()
    entry = add_entry(db, make_event(db, forum), 1)
    rate_limits("VOICE_VOTE_RATE_LIMIT", "3/minute")
    url = f"/forums/{forum.slug}/comments/{entry.id}/like"
    answers = [fresh_browser(app, n).post(url).status_code for n in range(5)]
    assert answers == [303, 303, 303, 429, 429]
    assert count(db, CommentLike) == 3
    db.session.rollback()
    assert db.session.get(CommentEntry, entry.id).likes == 3


def test_a_comment_loop_meets_the_limit(app, db, make_forum, rate_limits):
    forum = make_forum()
    make_event(db, forum)
    rate_limits("VOICE_POST_RATE_LIMIT", "2/minute")
    browser = app.test_client()
    url = f"/forums/{forum.slug}/comments"
    answers = [browser.post(url, data=form_body(n)).status_code for n in range(4)]
    assert answers[:2] == [303, 303] and answers[2:] == [429, 429]
    assert count(db, CommentEntry) == 2


def test_a_vote_and_question_loop_meets_the_limit(app, db, make_forum, make_session, rate_limits):
    forum = make_forum()
    session = make_session(forum, format="hybrid", seats=None)
    organizer = User(email="mod@staff.example.org", name="Mod", password_hash="x", role="admin")
    db.session.add(organizer)
    db.session.commit()
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    question = questions.ask(forum, session.id, {"text": "버스 노선은요?"})
    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    ask = f"/forums/{forum.slug}/sessions/{session.id}/questions"

    rate_limits("VOICE_VOTE_RATE_LIMIT", "2/minute")
    votes = [fresh_browser(app, n).post(f"{ask}/{question.id}/vote").status_code for n in range(4)]
    assert votes == [303, 303, 429, 429]
    assert count(db, QuestionVote) == 2

    rate_limits("VOICE_POST_RATE_LIMIT", "1/minute")
    browser = app.test_client()
    asked = [browser.post(ask, data={"text": f"질문 {n}", "locale": "ko"}) for n in range(3)]
    assert [a.status_code for a in asked] == [303, 429, 429]
    assert count(db, Question) == 2
