"""Feedback after a forum: mailed the day after to the people who attended (in person or online),
answered once through their own link, no account needed; results for organizers.

A person rates the forum (1 to 5, and a comment if they like) and each session they attended:
checked in at its door or watched online. Who attended is `certificates.attendance_filter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError
from app.models import (
    Booking,
    FeedbackAnswer,
    Forum,
    ForumSession,
    OnlineAttendance,
    Registration,
    SessionFeedback,
)
from app.models.enums import ForumStatus
from app.outbox import enqueue_once
from app.programme.checks import Fields
from app.registration.certificates import attendance_filter, has_attended, is_over

KIND = "feedback_request"
RATINGS = (1, 2, 3, 4, 5)
COMMENT_LIMIT = 2_000
# The mail goes the day after the forum; a worker that was down catches up for a few days.
MAIL_WITHIN_DAYS = 3


class NotAttended(DomainError):
    status = 403
    code = "not_attended"


class AlreadyAnswered(DomainError):
    status = 409
    code = "already_answered"


def attended(registration: Registration) -> bool:
    return has_attended(registration)


def attended_sessions(registration: Registration) -> list[ForumSession]:
    """The sessions this person attended: checked in at the door, or watched online."""
    checked = select(Booking.session_id).where(
        Booking.registration_id == registration.id, Booking.checked_in_at.is_not(None)
    )
    watched = select(OnlineAttendance.session_id).where(
        OnlineAttendance.registration_id == registration.id
    )
    ids = set(db.session.scalars(checked)) | set(db.session.scalars(watched))
    sessions = [s for s in registration.forum.sessions if s.id in ids]
    return sorted(sessions, key=lambda s: (s.starts_at, s.id))


def offered(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the person's page offers the survey: the forum is over and they attended."""
    return is_over(registration.forum, now or utcnow()) and attended(registration)


@dataclass(frozen=True)
class Survey:
    sessions: list[ForumSession]
    answer: FeedbackAnswer | None


def survey_for(registration: Registration) -> Survey:
    """The person's survey, with their answer when they gave one; NotAttended otherwise."""
    if not attended(registration):
        raise NotAttended(
            _("The feedback survey is for people who attended the forum, in person or online.")
        )
    answer = db.session.scalar(
        select(FeedbackAnswer).where(
            FeedbackAnswer.forum_id == registration.forum_id,
            FeedbackAnswer.registration_id == registration.id,
        )
    )
    return Survey(attended_sessions(registration), answer)


def survey_for_mail(registration: Registration) -> Survey | None:
    """The survey to ask for by mail: None once answered or for someone who did not attend."""
    try:
        survey = survey_for(registration)
    except NotAttended:
        return None
    return survey if survey.answer is None else None


def _rating(fields: Fields, name: str, *, required: bool) -> int | None:
    value = fields.raw.get(name)
    if value in (None, "") and not required:
        return None
    if isinstance(value, str) and value.strip() in {str(r) for r in RATINGS}:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in RATINGS:
        return value
    fields.add(name, _("Choose a rating from 1 to 5."))
    return None


def answer(registration: Registration, raw: Mapping[str, Any]) -> FeedbackAnswer:
    """Record the person's answer: the forum's rating (required), a comment, and a rating and
    comment per attended session (each optional). Once: AlreadyAnswered after that; bad values
    are ValidationFailed; either way nothing is stored."""
    survey = survey_for(registration)
    if survey.answer is not None:
        raise AlreadyAnswered(_("You have answered this survey already. Thank you!"))
    fields = Fields(raw)
    rating = _rating(fields, "rating", required=True)
    comment = fields.text("comment", limit=COMMENT_LIMIT, multiline=True)
    per_session = []
    for session in survey.sessions:
        given = _rating(fields, f"rating_{session.id}", required=False)
        note = fields.text(f"comment_{session.id}", limit=COMMENT_LIMIT, multiline=True)
        if note and given is None and not fields.has(f"rating_{session.id}"):
            fields.add(f"rating_{session.id}", _("Rate the session to leave a comment on it."))
        if given is not None:
            per_session.append(SessionFeedback(session_id=session.id, rating=given, comment=note))
    fields.raise_if_any()
    try:
        with write_transaction():
            saved = FeedbackAnswer(
                forum_id=registration.forum_id,
                registration_id=registration.id,
                rating=rating,
                comment=comment,
                answered_at=utcnow(),
                sessions=per_session,
            )
            db.session.add(saved)
    except IntegrityError:  # the same person in another tab, a moment earlier
        raise AlreadyAnswered(_("You have answered this survey already. Thank you!")) from None
    return saved


def queue_due(*, now: datetime | None = None) -> int:
    """Queue the survey mail for everyone who attended a forum that ended yesterday (or up to
    MAIL_WITHIN_DAYS ago), once per person; how many were queued now."""
    now = now or utcnow()
    queued = 0
    with write_transaction():
        forums = db.session.scalars(
            select(Forum).where(
                Forum.status == ForumStatus.PUBLISHED,
                Forum.last_day.between(
                    now.date() - timedelta(days=MAIL_WITHIN_DAYS + 1), now.date()
                ),
            )
        ).all()
        for forum in forums:
            today = now.astimezone(ZoneInfo(forum.timezone)).date()
            if not (1 <= (today - forum.last_day).days <= MAIL_WITHIN_DAYS):
                continue
            people = db.session.execute(
                select(Registration.id, Registration.email, Registration.locale)
                .where(*attendance_filter(forum.id), Registration.email != "")
                .order_by(Registration.id)
            ).all()
            for registration_id, email, locale in people:
                queued += enqueue_once(
                    KIND,
                    recipient=email,
                    locale=locale,
                    dedupe_key=f"feedback:{forum.id}:{registration_id}",
                    context={"registration_id": registration_id},
                    forum_id=forum.id,
                    registration_id=registration_id,
                )
    return queued


# -------------------------------------------------------------------------------- results


@dataclass
class Tally:
    """Ratings of the forum or of one session."""

    session: ForumSession | None
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    comments: list[tuple[int, str]] = field(default_factory=list)  # (rating, comment)

    @property
    def answers(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        if not self.answers:
            return None
        return sum(r * n for r, n in self.counts.items()) / self.answers


@dataclass(frozen=True)
class Results:
    forum: Tally
    sessions: list[Tally]
    asked: int  # people who attended (and were or will be asked)


def results(forum: Forum) -> Results:
    """What organizers read: the forum's ratings and each session's, with the comments."""
    overall = Tally(None)
    for rating, n in db.session.execute(
        select(FeedbackAnswer.rating, func.count())
        .where(FeedbackAnswer.forum_id == forum.id)
        .group_by(FeedbackAnswer.rating)
    ):
        overall.counts[rating] = n
    overall.comments = [
        (rating, comment)
        for rating, comment in db.session.execute(
            select(FeedbackAnswer.rating, FeedbackAnswer.comment)
            .where(FeedbackAnswer.forum_id == forum.id, FeedbackAnswer.comment != "")
            .order_by(FeedbackAnswer.answered_at.desc(), FeedbackAnswer.id.desc())
        )
    ]
    tallies = {s.id: Tally(s) for s in sorted(forum.sessions, key=lambda s: (s.starts_at, s.id))}
    rows = db.session.execute(
        select(SessionFeedback.session_id, SessionFeedback.rating, SessionFeedback.comment)
        .join(FeedbackAnswer, FeedbackAnswer.id == SessionFeedback.answer_id)
        .where(FeedbackAnswer.forum_id == forum.id)
        .order_by(SessionFeedback.id.desc())
    )
    for session_id, rating, comment in rows:
        tally = tallies[session_id]
        tally.counts[rating] += 1
        if comment:
            tally.comments.append((rating, comment))
    asked = db.session.scalar(
        select(func.count(Registration.id)).where(*attendance_filter(forum.id))
    )
    return Results(overall, [t for t in tallies.values() if t.answers], int(asked))
