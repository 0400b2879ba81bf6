"""Live questions through real requests: the ask page (bad input, HTML shown as text, pending
until approved), votes, the presenter's screen, the short link and its QR code, the links on
the session page, the door screen and the watch page, and asking from a person's own link."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.tokens import hash_token, new_token
from app.models import Question, QuestionVote, StreamLink, User
from app.voices import questions
from tests.qr import scan_svg

BASE = "http://madang.test"


@pytest.fixture
def organizer(db) -> User:
    user = User(email="admin@staff.example.org", name="Admin", password_hash="x", role="admin")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def hall(db, make_forum, make_session, organizer):
    forum = make_forum()
    session = make_session(forum, title_en="Inclusive cities", format="hybrid", seats=None)
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    return forum, session


def ask_url(forum, session) -> str:
    return f"/forums/{forum.slug}/sessions/{session.id}/questions"


def stored(db) -> list[Question]:
    db.session.rollback()
    return list(db.session.scalars(select(Question).order_by(Question.id)))


def approve_all(db, forum, session, organizer) -> None:
    for q in stored(db):
        if q.status == "pending":
            questions.moderate(forum, session.id, q.id, "approve", user=organizer)


def test_the_page_offers_the_form_in_the_pages_language(web, hall):
    forum, session = hall
    page = web.get(ask_url(forum, session))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Inclusive cities" in html and '<label for="text">' in html
    assert re.search(r'<input[^>]*checked[^>]*value="en"|<input[^>]*value="en"[^>]*checked', html)
    assert "No question has been approved yet." in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("x" * 301, "Use at most 300 characters."),
        ("bell\x07ringing", "Remove control characters."),
    ],
)
def test_bad_text_is_refused_with_the_fields_error(db, web, hall, text, message):
    forum, session = hall
    page = web.post(ask_url(forum, session), data={"text": text, "locale": "en", "name": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert message in html
    assert 'aria-describedby="text-hint text-error"' in html and 'aria-invalid="true"' in html
    assert stored(db) == []


def test_a_question_is_pending_then_shown_as_text(db, web, hall, organizer):
    forum, session = hall
    script = '<script>alert("x")</script> 버스는?'
    sent = web.post(
        ask_url(forum, session), data={"text": script, "locale": "ko", "name": "<b>Kim</b>"}
    )
    assert sent.status_code == 303 and sent.headers["Location"].endswith(ask_url(forum, session))
    after = web.get(sent.headers["Location"]).get_data(as_text=True)
    assert "once a moderator has approved it" in after
    assert "버스는" not in after  # pending: not listed
    (question,) = stored(db)
    assert (question.status, question.text, question.author_name) == (
        "pending",
        script,
        "<b>Kim</b>",
    )

    approve_all(db, forum, session, organizer)
    html = web.get(ask_url(forum, session)).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 버스는?" in html
    assert "&lt;b&gt;Kim&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>Kim</b>" not in html


def test_a_closed_board_says_so_and_stores_nothing(db, web, hall, organizer):
    forum, session = hall
    questions.set_board(forum, session.id, open=False, desk_may_moderate=False, user=organizer)
    assert "Questions for this session are closed." in web.get(ask_url(forum, session)).get_data(
        as_text=True
    )
    page = web.post(ask_url(forum, session), data={"text": "Still?", "locale": "en"})
    assert page.status_code == 409
    assert "Questions for this session are closed." in page.get_data(as_text=True)
    assert stored(db) == []


def test_an_ended_session_and_one_without_questions_refuse(
    db, web, make_forum, make_session, organizer
):
    forum = make_forum()
    now = datetime.now(UTC)
    ended = make_session(
        forum, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    quiet = make_session(forum, start="15:00", end="16:00")
    questions.set_board(forum, ended.id, open=True, desk_may_moderate=False, user=organizer)

    page = web.post(ask_url(forum, ended), data={"text": "Too late?", "locale": "en"})
    assert page.status_code == 409 and "This session has ended" in page.get_data(as_text=True)
    off = web.post(ask_url(forum, quiet), data={"text": "Anyone?", "locale": "en"})
    assert off.status_code == 404
    assert "This session does not take questions." in off.get_data(as_text=True)
    assert stored(db) == []
    assert web.get(f"/forums/{forum.slug}/sessions/999999/questions").status_code == 404


def test_votes_count_once_per_browser_and_go_back_to_the_question(db, web, app, hall, organizer):
    forum, session = hall
    question = questions.ask(forum, session.id, {"text": "More buses?"})
    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    action = f"{ask_url(forum, session)}/{question.id}/vote"
    assert f'action="{action}"' in web.get(ask_url(forum, session)).get_data(as_text=True)

    first = web.post(action)
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"{ask_url(forum, session)}#question-{question.id}")
    assert "madang_voter=" in first.headers.get("Set-Cookie", "")
    web.post(action)  # the same browser again
    # Another browser, with its own id (the tests share one app context, so a browser
    # without a cookie would get the id this request context made for the first).
    other = app.test_client()
    other.set_cookie("madang_voter", "another-browser-0002")
    assert other.post(action).status_code == 303

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuestionVote)) == 2
    assert db.session.get(Question, question.id).votes == 2
    assert "2 votes" in web.get(ask_url(forum, session)).get_data(as_text=True)


def test_a_pending_question_takes_no_vote(db, web, hall):
    forum, session = hall
    question = questions.ask(forum, session.id, {"text": "Not yet"})
    assert web.post(f"{ask_url(forum, session)}/{question.id}/vote").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuestionVote)) == 0


def test_the_screen_shows_approved_questions_by_votes_and_refreshes(db, web, hall, organizer):
    forum, session = hall
    quiet = questions.ask(forum, session.id, {"text": "Quiet one"})
    loud = questions.ask(forum, session.id, {"text": "Loud one"})
    questions.ask(forum, session.id, {"text": "Still pending"})
    for q in (quiet, loud):
        questions.moderate(forum, session.id, q.id, "approve", user=organizer)
    questions.vote(forum, session.id, loud.id, "a" * 64)

    page = web.get(f"{ask_url(forum, session)}/screen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="10">' in html
    assert html.index("Loud one") < html.index("Quiet one")
    assert "Still pending" not in html and "2 questions" in html
    assert f'src="/q/{session.id}.svg"' in html and f"madang.test/q/{session.id}" in html
    assert "<script" not in html

    still = web.get(f"{ask_url(forum, session)}/screen?refresh=off").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in still


def test_the_short_link_and_its_qr_code(web, hall):
    forum, session = hall
    short = web.get(f"/q/{session.id}")
    assert short.status_code == 302
    assert short.headers["Location"].endswith(ask_url(forum, session))

    qr = web.get(f"/q/{session.id}.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert "public" in qr.headers["Cache-Control"]
    assert scan_svg(qr.get_data(as_text=True)) == [f"{BASE}/q/{session.id}"]
    # The site's policy lets a page show it as an image of its own origin.
    assert "img-src 'self'" in qr.headers["Content-Security-Policy"]
    assert web.get("/q/999999").status_code == 404
    assert web.get("/q/999999.svg").status_code == 404


def test_a_draft_forums_sessions_take_no_questions(db, web, make_forum, make_session, organizer):
    forum = make_forum(status="draft")
    session = make_session(forum)
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    assert web.get(ask_url(forum, session)).status_code == 404
    assert web.get(f"/q/{session.id}").status_code == 404


def test_the_session_page_and_the_door_screen_show_the_link_and_qr_where_questions_are_open(
    web, db, make_forum, make_session, make_venue, organizer
):
    forum = make_forum()
    hall_room = make_venue(forum)
    now = datetime.now(UTC)
    on_now = make_session(
        forum,
        venue=hall_room,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=50),
    )
    beside = make_session(
        forum,
        venue=hall_room,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=40),
    )
    later = make_session(forum, venue=hall_room)
    questions.set_board(forum, on_now.id, open=True, desk_may_moderate=False, user=organizer)
    questions.set_board(forum, later.id, open=True, desk_may_moderate=False, user=organizer)

    session_page = web.get(f"/forums/{forum.slug}/sessions/{later.id}").get_data(as_text=True)
    assert f'href="{ask_url(forum, later)}"' in session_page
    assert f'src="/q/{later.id}.svg"' in session_page and f"{BASE}/q/{later.id}" in session_page
    # A session without questions offers no link to ask.
    quiet = web.get(f"/forums/{forum.slug}/sessions/{beside.id}").get_data(as_text=True)
    assert "/q/" not in quiet

    door = web.get(f"/forums/{forum.slug}/venues/{hall_room.id}/now").get_data(as_text=True)
    assert f'src="/q/{on_now.id}.svg"' in door and f"madang.test/q/{on_now.id}" in door
    assert f"/q/{beside.id}" not in door

    # Closed questions: the link goes from both.
    questions.set_board(forum, later.id, open=False, desk_may_moderate=False, user=organizer)
    closed = web.get(f"/forums/{forum.slug}/sessions/{later.id}").get_data(as_text=True)
    assert "/q/" not in closed


# ------------------------------------------------------------------------------ online


@pytest.fixture
def viewer(db, hall, make_registration):
    """An online registrant of the hall's forum (hybrid, no seats: anyone online may watch),
    with a stream so the watch page lists the session; and their manage token."""
    forum, session = hall
    db.session.add(StreamLink(forum_id=forum.id, platform="YouTube", url="https://yt.example/l"))
    person = make_registration(forum, attendance="online", name="김민지")
    token = new_token()
    person.manage_token_hash = hash_token(token)
    db.session.commit()
    return forum, session, person, token


def test_an_online_viewer_asks_from_their_own_link(db, web, viewer):
    _forum, session, person, token = viewer
    watch = web.get(f"/manage/{token}/watch").get_data(as_text=True)
    own = f"/manage/{token}/questions/{session.id}"
    assert f'href="{own}"' in watch

    page = web.get(own)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'value="김민지"' in page.get_data(as_text=True)
    sent = web.post(own, data={"text": "From home", "locale": "ko", "name": ""})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(own)
    (question,) = stored(db)
    assert (question.origin, question.registration_id, question.author_name) == (
        "online",
        person.id,
        "",
    )


def test_a_person_who_may_not_watch_is_refused(db, web, viewer, make_session, make_registration):
    forum, _session, _person, _token = viewer
    admin = db.session.scalar(select(User))
    tour = make_session(forum, kind="tour", seats=5, format="in_person", start="14:00", end="15:00")
    questions.set_board(forum, tour.id, open=True, desk_may_moderate=False, user=admin)
    stranger = make_registration(forum, attendance="online")
    token = new_token()
    stranger.manage_token_hash = hash_token(token)
    db.session.commit()

    own = f"/manage/{token}/questions/{tour.id}"
    assert web.get(own).status_code == 403
    refused = web.post(own, data={"text": "Let me in", "locale": "en"})
    assert refused.status_code == 403
    assert "sessions you may watch online or hold a seat in" in refused.get_data(as_text=True)
    assert stored(db) == []
    assert web.get(f"/manage/{secrets.token_urlsafe(24)}/questions/{tour.id}").status_code == 404
