"""Live questions, the rules: who may ask when, pending until approved, votes once per voter,
merging without counting anyone twice, answered questions, the screen's order, who may
moderate, and the export."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.models import Question, QuestionVote, User
from app.voices import questions
from app.voices.common import voter_key


def staff(db, role: str, *forums) -> User:
    user = User(
        email=f"{role}-{secrets.token_hex(3)}@staff.example.org",
        name=role.title(),
        password_hash="x",
        role=role,
    )
    user.forums = list(forums)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def hall(db, make_forum, make_session):
    """A published forum whose session (tomorrow-ish, 30 days out) takes questions."""
    forum = make_forum()
    session = make_session(forum)
    organizer = staff(db, "organizer", forum)
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    return forum, session, organizer


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def voter(n: int) -> str:
    return voter_key("browser", f"voter-{n:04d}-abcdefgh")


def approved(forum, session, organizer, text: str = "What about buses?") -> Question:
    question = questions.ask(forum, session.id, {"text": text, "locale": "en"})
    return questions.moderate(forum, session.id, question.id, "approve", user=organizer)


# ------------------------------------------------------------------------------ asking


def test_a_question_is_pending_until_a_moderator_approves_it(db, hall):
    forum, session, organizer = hall
    question = questions.ask(
        forum, session.id, {"text": "  <b>포용적</b> 도시란?  ", "locale": "ko", "name": ""}
    )
    assert question.status == "pending"
    assert question.text == "<b>포용적</b> 도시란?"  # stored as typed (trimmed), never cleaned
    assert question.author_name == "" and question.origin == "hall"
    assert question.registration_id is None
    assert questions.screen(session) == []

    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    assert [q.id for q in questions.screen(session)] == [question.id]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 301}, "text"),
        ({"text": "bell\x07"}, "text"),
        ({"text": "fine", "name": "n" * 101}, "name"),
        ({"text": "fine", "name": "two\nlines"}, "name"),
        ({"text": "fine", "locale": "fr"}, "locale"),
        ({"text": "fine", "locale": ""}, "locale"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(db, hall, raw, field):
    forum, session, _ = hall
    with pytest.raises(ValidationFailed) as refused:
        questions.ask(forum, session.id, raw)
    assert field in refused.value.errors
    assert count(db, Question) == 0


def test_line_breaks_and_300_characters_are_fine(db, hall):
    forum, session, _ = hall
    question = questions.ask(forum, session.id, {"text": "a\nb" + "c" * 297})
    assert len(question.text) == 300
    assert question.locale == "ko"  # the default


def test_a_session_without_questions_refuses_and_stores_nothing(db, make_forum, make_session):
    forum = make_forum()
    session = make_session(forum)
    with pytest.raises(questions.NoQuestions):
        questions.ask(forum, session.id, {"text": "Hello?"})
    assert count(db, Question) == 0


def test_a_closed_board_refuses(db, hall):
    forum, session, organizer = hall
    questions.set_board(forum, session.id, open=False, desk_may_moderate=False, user=organizer)
    with pytest.raises(questions.QuestionsClosed):
        questions.ask(forum, session.id, {"text": "Hello?"})
    assert count(db, Question) == 0


def test_a_cancelled_session_refuses(db, hall):
    forum, session, _ = hall
    session.status = "cancelled"
    db.session.commit()
    with pytest.raises(questions.QuestionsClosed):
        questions.ask(forum, session.id, {"text": "Hello?"})
    assert count(db, Question) == 0


def test_a_session_that_has_ended_refuses(db, hall):
    forum, session, _ = hall
    with pytest.raises(questions.QuestionsClosed):
        questions.ask(forum, session.id, {"text": "Hello?"}, now=session.ends_at)
    assert count(db, Question) == 0
    # A minute before its end it still takes them.
    questions.ask(forum, session.id, {"text": "Hello?"}, now=session.ends_at - timedelta(minutes=1))
    assert count(db, Question) == 1


def test_another_forums_session_is_not_found(db, hall, make_forum):
    _, session, _ = hall
    other = make_forum()
    with pytest.raises(NotFound):
        questions.ask(other, session.id, {"text": "Hello?"})


# ------------------------------------------------------------------------------ votes


def test_a_voter_votes_once(db, hall):
    forum, session, organizer = hall
    question = approved(forum, session, organizer)
    first = questions.vote(forum, session.id, question.id, voter(1))
    again = questions.vote(forum, session.id, question.id, voter(1))
    other = questions.vote(forum, session.id, question.id, voter(2))
    assert (first.created, first.votes) == (True, 1)
    assert (again.created, again.votes) == (False, 1)
    assert (other.created, other.votes) == (True, 2)
    assert count(db, QuestionVote) == 2


@pytest.mark.parametrize("status", ["pending", "hidden"])
def test_only_approved_questions_take_votes(db, hall, status):
    forum, session, organizer = hall
    question = questions.ask(forum, session.id, {"text": "Hidden?"})
    if status == "hidden":
        questions.moderate(forum, session.id, question.id, "hide", user=organizer)
    with pytest.raises(NotFound):
        questions.vote(forum, session.id, question.id, voter(1))
    assert count(db, QuestionVote) == 0


def test_an_answered_question_takes_no_more_votes(db, hall):
    forum, session, organizer = hall
    question = approved(forum, session, organizer)
    questions.moderate(forum, session.id, question.id, "answer", user=organizer)
    with pytest.raises(questions.NotVotable):
        questions.vote(forum, session.id, question.id, voter(1))


def test_no_votes_on_a_closed_board_or_after_the_session(db, hall):
    forum, session, organizer = hall
    question = approved(forum, session, organizer)
    with pytest.raises(questions.QuestionsClosed):
        questions.vote(forum, session.id, question.id, voter(1), now=session.ends_at)
    questions.set_board(forum, session.id, open=False, desk_may_moderate=False, user=organizer)
    with pytest.raises(questions.QuestionsClosed):
        questions.vote(forum, session.id, question.id, voter(1))
    assert count(db, QuestionVote) == 0


# ------------------------------------------------------------------------------ moderation


def test_the_screen_orders_by_votes_then_age_with_answered_ones_last(db, hall):
    forum, session, organizer = hall
    old = approved(forum, session, organizer, "Oldest, one vote")
    popular = approved(forum, session, organizer, "Two votes")
    young = approved(forum, session, organizer, "Youngest, one vote")
    done = approved(forum, session, organizer, "Answered, three votes")
    for n, q in [(1, old), (2, popular), (3, popular), (4, young), (5, done), (6, done), (7, done)]:
        questions.vote(forum, session.id, q.id, voter(n))
    questions.moderate(forum, session.id, done.id, "answer", user=organizer)
    shown = questions.screen(session)
    assert [q.id for q in shown] == [popular.id, old.id, young.id, done.id]
    assert shown[-1].status == "answered" and shown[-1].answered_at is not None


def test_merging_moves_votes_without_counting_anyone_twice(db, hall):
    forum, session, organizer = hall
    target = approved(forum, session, organizer, "Will buses be free?")
    duplicate = approved(forum, session, organizer, "Free buses?")
    for n in (1, 2):  # voters of the target
        questions.vote(forum, session.id, target.id, voter(n))
    for n in (2, 3, 4):  # voter 2 voted for both
        questions.vote(forum, session.id, duplicate.id, voter(n))

    merged = questions.moderate(
        forum, session.id, duplicate.id, "merge", into=str(target.id), user=organizer
    )
    assert merged.status == "merged" and merged.merged_into_id == target.id
    db.session.expire_all()
    assert db.session.get(Question, target.id).votes == 4  # voters 1, 2, 3, 4
    voters = db.session.scalars(
        select(QuestionVote.voter).where(QuestionVote.question_id == target.id)
    ).all()
    assert sorted(voters) == sorted(voter(n) for n in (1, 2, 3, 4))
    assert [q.id for q in questions.screen(session)] == [target.id]
    # A voter who moved over cannot vote again on the target.
    assert questions.vote(forum, session.id, target.id, voter(3)).created is False


@pytest.mark.parametrize(
    ("into", "error"),
    [
        (None, ValidationFailed),
        ("abc", ValidationFailed),
        ("self", questions.InvalidModeration),
        ("other-session", ValidationFailed),
    ],
)
def test_a_bad_merge_changes_nothing(db, hall, make_session, into, error):
    forum, session, organizer = hall
    question = approved(forum, session, organizer)
    if into == "self":
        into = question.id
    elif into == "other-session":
        elsewhere = make_session(forum, start="12:00", end="13:00")
        questions.set_board(forum, elsewhere.id, open=True, desk_may_moderate=False, user=organizer)
        into = questions.ask(forum, elsewhere.id, {"text": "Elsewhere"}).id
    with pytest.raises(error):
        questions.moderate(forum, session.id, question.id, "merge", into=into, user=organizer)
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "approved"


def test_an_unknown_action_is_refused(db, hall):
    forum, session, organizer = hall
    question = questions.ask(forum, session.id, {"text": "Hello?"})
    with pytest.raises(ValidationFailed):
        questions.moderate(forum, session.id, question.id, "delete", user=organizer)


def test_who_may_moderate(db, hall, make_forum):
    forum, session, organizer = hall
    question = questions.ask(forum, session.id, {"text": "Hello?"})
    elsewhere = staff(db, "organizer", make_forum())
    desk = staff(db, "desk", forum)
    admin = staff(db, "admin")

    for refused in (elsewhere, desk):
        with pytest.raises(Forbidden):
            questions.moderate(forum, session.id, question.id, "approve", user=refused)
    with pytest.raises(Forbidden):  # desk staff never switch boards on
        questions.set_board(forum, session.id, open=True, desk_may_moderate=True, user=desk)

    questions.set_board(forum, session.id, open=True, desk_may_moderate=True, user=organizer)
    assert questions.moderate(forum, session.id, question.id, "approve", user=desk).status == (
        "approved"
    )
    assert questions.moderate(forum, session.id, question.id, "hide", user=admin).status == (
        "hidden"
    )
    with pytest.raises(Forbidden):  # allowed for this forum's desk only
        questions.moderate(
            forum, session.id, question.id, "approve", user=staff(db, "desk", make_forum())
        )


def test_a_merged_question_stays_merged(db, hall):
    forum, session, organizer = hall
    target = approved(forum, session, organizer)
    duplicate = approved(forum, session, organizer, "Again")
    questions.moderate(forum, session.id, duplicate.id, "merge", into=target.id, user=organizer)
    with pytest.raises(questions.InvalidModeration):
        questions.moderate(forum, session.id, duplicate.id, "approve", user=organizer)


def test_the_overview_counts_by_status(db, hall, make_session):
    forum, session, organizer = hall
    make_session(forum, start="14:00", end="15:00")
    approved(forum, session, organizer)
    questions.ask(forum, session.id, {"text": "Pending"})
    rows = questions.overview(forum)
    assert [(r.state, r.pending, r.approved, r.answered) for r in rows] == [
        ("open", 1, 1, 0),
        ("off", 0, 0, 0),
    ]


# ------------------------------------------------------------------------------ online


def test_an_online_viewer_asks_with_their_registration(db, hall, make_registration):
    forum, session, _ = hall
    session.format = "hybrid"
    db.session.commit()
    viewer = make_registration(forum, attendance="online", name="김민지")
    question = questions.ask(
        forum, session.id, {"text": "From home"}, origin="online", registration=viewer
    )
    assert (question.origin, question.registration_id) == ("online", viewer.id)


def test_someone_who_may_not_watch_is_refused(db, hall, make_registration):
    forum, session, _ = hall  # in person only, no seats of its own
    in_person = make_registration(forum, attendance="in_person")
    with pytest.raises(questions.NotWatching):
        questions.ask(forum, session.id, {"text": "Hi"}, origin="online", registration=in_person)
    assert count(db, Question) == 0


def test_a_confirmed_seat_lets_a_person_ask_from_their_link(
    db, hall, make_registration, make_session
):
    forum, _, organizer = hall
    tour = make_session(forum, kind="tour", seats=10, start="15:00", end="16:00")
    questions.set_board(forum, tour.id, open=True, desk_may_moderate=False, user=organizer)
    seated = make_registration(forum, sessions=(tour,))
    question = questions.ask(
        forum, tour.id, {"text": "On the bus"}, origin="online", registration=seated
    )
    assert question.registration_id == seated.id


# ------------------------------------------------------------------------------ export


def test_the_export_has_a_bom_and_neutralises_formulas(db, hall):
    forum, session, organizer = hall
    asked_at = datetime(2026, 9, 22, 1, 30, tzinfo=UTC)  # 10:30 in Seoul
    formula = questions.ask(
        forum,
        session.id,
        {"text": '=HYPERLINK("http://evil")', "name": "@admin"},
        now=asked_at,
    )
    plain = questions.ask(forum, session.id, {"text": "포용적 도시?", "locale": "ko"}, now=asked_at)
    questions.moderate(forum, session.id, plain.id, "merge", into=formula.id, user=organizer)

    text = questions.export_csv(session)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == questions.EXPORT_HEADER
    assert rows[1][1] == "2026-09-22 10:30"
    assert rows[1][4] == "'@admin"
    assert rows[1][5] == '\'=HYPERLINK("http://evil")'
    assert rows[2][4:9] == ["anonymous", "포용적 도시?", "merged", "0", str(formula.id)]
