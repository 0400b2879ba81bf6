"""Feedback as a service: who is asked (those who attended, in person or online), the answer
checked and taken once, the mail queued the day after and only then, and the results."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.core.errors import ValidationFailed
from app.models import FeedbackAnswer, OnlineAttendance, OutboxMessage, SessionFeedback
from app.privacy import operations as privacy
from app.registration import feedback
from app.registration.feedback import AlreadyAnswered, NotAttended


@pytest.fixture
def after(db, make_forum, make_session, make_registration):
    """A forum on 14 May: one person checked in at a tour, one watched the plenary online,
    one checked in at the desk only, one who never came."""
    forum = make_forum(slug="after", first_day=date(2026, 5, 14), last_day=date(2026, 5, 14))
    tour = make_session(forum, seats=20, title_en="Tour")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    when = datetime(2026, 5, 14, 2, 0, tzinfo=UTC)
    people = {
        "tour": make_registration(forum, sessions=(tour,)),
        "online": make_registration(forum, attendance="online"),
        "desk": make_registration(forum),
        "absent": make_registration(forum),
    }
    people["tour"].bookings[0].checked_in_at = when
    people["desk"].checked_in_at = when
    db.session.add(
        OnlineAttendance(
            forum_id=forum.id,
            registration_id=people["online"].id,
            session_id=plenary.id,
            first_opened_at=when,
        )
    )
    db.session.commit()
    return forum, {"tour": tour, "plenary": plenary}, people


def test_each_person_is_asked_about_what_they_attended(db, after):
    _forum, sessions, people = after
    assert feedback.survey_for(people["tour"]).sessions == [sessions["tour"]]
    assert feedback.survey_for(people["online"]).sessions == [sessions["plenary"]]
    assert feedback.survey_for(people["desk"]).sessions == []
    with pytest.raises(NotAttended):
        feedback.survey_for(people["absent"])


def test_an_answer_is_taken_once(db, after):
    _forum, sessions, people = after
    tour = sessions["tour"].id
    raw = {
        "rating": "4",
        "comment": "좋았습니다",
        f"rating_{tour}": "5",
        f"comment_{tour}": "Great",
    }
    saved = feedback.answer(people["tour"], raw)
    assert (saved.rating, saved.comment) == (4, "좋았습니다")
    assert [(s.session_id, s.rating, s.comment) for s in saved.sessions] == [(tour, 5, "Great")]
    with pytest.raises(AlreadyAnswered):
        feedback.answer(people["tour"], {"rating": "1"})
    assert db.session.scalar(select(func.count(FeedbackAnswer.id))) == 1
    assert feedback.survey_for(people["tour"]).answer.rating == 4


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "rating"),
        ({"rating": "0"}, "rating"),
        ({"rating": "6"}, "rating"),
        ({"rating": "4.5"}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": "3", "comment": "x" * 2001}, "comment"),
        ({"rating": "3", "comment": "bell\x07"}, "comment"),
        ({"rating": "3", "rating_{tour}": "9"}, "rating_{tour}"),
        ({"rating": "3", "comment_{tour}": "no rating given"}, "rating_{tour}"),
    ],
)
def test_a_bad_answer_is_refused_with_the_fields_message(db, after, raw, field):
    _forum, sessions, people = after
    tour = sessions["tour"].id
    raw = {k.format(tour=tour): v for k, v in raw.items()}
    with pytest.raises(ValidationFailed) as refused:
        feedback.answer(people["tour"], raw)
    assert field.format(tour=tour) in refused.value.errors
    assert db.session.scalar(select(func.count(FeedbackAnswer.id))) == 0


def test_a_session_not_attended_is_not_rated(db, after):
    _forum, sessions, people = after
    saved = feedback.answer(people["online"], {"rating": "5", f"rating_{sessions['tour'].id}": "1"})
    assert saved.sessions == []  # only the plenary is theirs to rate


def test_the_mail_goes_the_day_after_to_those_who_attended_once(db, after):
    _forum, _sessions, people = after
    on_the_day = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
    next_day = datetime(2026, 5, 15, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    assert feedback.queue_due(now=on_the_day) == 0
    assert feedback.queue_due(now=next_day) == 3
    assert feedback.queue_due(now=next_day) == 0
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "feedback_request")
    ).all()
    assert {r.registration_id for r in rows} == {people[n].id for n in ("tour", "online", "desk")}
    assert feedback.queue_due(now=datetime(2026, 5, 25, tzinfo=UTC)) == 0  # long over


def test_results_per_forum_and_session(db, after):
    forum, sessions, people = after
    tour, plenary = sessions["tour"].id, sessions["plenary"].id
    feedback.answer(people["tour"], {"rating": "4", f"rating_{tour}": "5", f"comment_{tour}": "A"})
    feedback.answer(people["online"], {"rating": "2", "comment": "Sound was poor"})
    feedback.answer(people["desk"], {"rating": "5"})
    results = feedback.results(forum)
    assert results.asked == 3
    assert results.forum.counts == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert results.forum.average == pytest.approx(11 / 3)
    assert results.forum.comments == [(2, "Sound was poor")]
    [tally] = results.sessions
    assert (tally.session.id, tally.answers, tally.comments) == (tour, 1, [(5, "A")])
    assert plenary not in {t.session.id for t in results.sessions}


def test_the_answer_is_exported_and_erased_with_the_person(db, after):
    _forum, sessions, people = after
    tour = sessions["tour"].id
    feedback.answer(people["tour"], {"rating": "4", "comment": "Hi", f"rating_{tour}": "3"})
    exported = privacy.export_registration(people["tour"])["feedback"]
    assert (exported["rating"], exported["comment"]) == (4, "Hi")
    assert exported["sessions"] == [{"session_id": tour, "rating": 3, "comment": ""}]
    privacy.erase_registration(people["tour"])
    assert db.session.scalar(select(func.count(FeedbackAnswer.id))) == 0
    assert db.session.scalar(select(func.count(SessionFeedback.id))) == 0


def test_the_retention_purge_keeps_the_ratings_and_clears_the_comments(db, after):
    from app.privacy import retention

    forum, sessions, people = after
    tour = sessions["tour"].id
    feedback.answer(
        people["tour"],
        {
            "rating": "4",
            "comment": "Kim was great",
            f"rating_{tour}": "5",
            f"comment_{tour}": "Ask for Kim",
        },
    )
    retention.purge(now=datetime(2027, 12, 31, tzinfo=UTC))
    db.session.expire_all()
    [kept] = db.session.scalars(select(FeedbackAnswer)).all()
    assert (kept.rating, kept.comment) == (4, "")
    assert [(s.rating, s.comment) for s in kept.sessions] == [(5, "")]
    assert feedback.results(forum).forum.counts[4] == 1
