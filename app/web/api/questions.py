"""A session's live questions through the API: asking, the public list and votes (tag voices);
the whole list and moderation for organizers with a bearer token (tag organize)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.extensions import limiter
from app.models import Forum, ForumSession, Question, QuestionBoard, User
from app.models.enums import QUESTION_STATUSES
from app.registration import operations as registrations
from app.voices import questions
from app.web.api.bodies import parse, respond
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import Answer, operation
from app.web.api.organize import organize_operation
from app.web.api.schemas import questions as schemas
from app.web.api.schemas.base import ValidationError
from app.web.voices import post_limit, vote_limit
from app.web.voices.voter import api_voter

PATH = "/forums/<slug>/sessions/<int:session_id>/questions"
NOT_FOUND = Answer(
    "No published forum with this slug, no such session or question in it, or the session "
    "does not take questions (`questions_off`)."
)
CLOSED = Answer(
    "Questions are closed, or the session is cancelled or over (`questions_closed`); a vote "
    "for an answered question (`not_votable`)."
)
STATUS_QUERY = {
    "name": "status",
    "required": False,
    "description": "Only the questions with this status.",
    "schema": {"type": "string", "enum": list(QUESTION_STATUSES)},
}


def _voter_or_422(raw: object, *, required: bool) -> str | None:
    if raw is None and not required:
        return None
    voter = api_voter(raw)
    if voter is None:
        raise ValidationFailed({"voter": [str(schemas.VoteRequest.field_messages["voter"])]})
    return voter


def _public(question: Question, tz: str) -> schemas.PublicQuestion:
    return schemas.PublicQuestion(
        id=question.id,
        text=question.text,
        locale=question.locale,
        name=question.author_name or None,
        votes=question.votes,
        status=question.status,
        asked_at=local_iso(question.created_at, tz),
    )


def _organizer(question: Question, tz: str) -> schemas.OrganizerQuestion:
    return schemas.OrganizerQuestion(
        id=question.id,
        text=question.text,
        locale=question.locale,
        name=question.author_name or None,
        origin=question.origin,
        status=question.status,
        votes=question.votes,
        merged_into=question.merged_into_id,
        asked_at=local_iso(question.created_at, tz),
        asked_at_utc=utc_iso(question.created_at),
        answered_at=local_iso(question.answered_at, tz),
    )


def _published_board(slug: str, session_id: int) -> tuple[Forum, ForumSession, QuestionBoard]:
    forum = registrations.published_forum(slug)
    session, board = questions.board_of(forum, session_id)
    return forum, session, board


# ------------------------------------------------------------------------------ public


@operation(
    PATH,
    "POST",
    operation_id="askQuestion",
    tag="voices",
    summary="Ask a question in a session",
    description="No account needed. The question waits for a moderator (`pending`) before it "
    "is listed or shown on the presenter's screen.",
    body=schemas.QuestionRequest,
    responses={
        201: Answer("Asked; pending until a moderator approves it.", schemas.QuestionCreated),
        404: NOT_FOUND,
        409: CLOSED,
    },
)
@limiter.limit(post_limit)
def ask_question(slug: str, session_id: int):
    forum = registrations.published_forum(slug)
    body = parse(schemas.QuestionRequest)
    _voter_or_422(body.voter, required=False)
    raw = {"text": body.text, "locale": body.locale, "name": body.name}
    question = questions.ask(forum, session_id, raw)
    return respond(schemas.QuestionCreated(id=question.id, status="pending"), 201)


@operation(
    PATH,
    "GET",
    operation_id="sessionQuestions",
    tag="voices",
    summary="A session's approved questions, by votes",
    description="Approved questions, most votes first (then the oldest first), then the "
    "answered ones. Pending, hidden and merged questions are never listed here.",
    responses={200: Answer("The questions.", schemas.QuestionList), 404: NOT_FOUND},
)
def session_questions(slug: str, session_id: int):
    forum, session, board = _published_board(slug, session_id)
    return respond(
        schemas.QuestionList(
            session_id=session.id,
            open=questions.closed_reason(session, board) is None,
            questions=[_public(q, forum.timezone) for q in questions.screen(session)],
        )
    )


@operation(
    f"{PATH}/<int:question_id>/votes",
    "POST",
    operation_id="voteForQuestion",
    tag="voices",
    summary="Vote for an approved question",
    description="Once per question and voter id: a second vote changes nothing (200).",
    body=schemas.VoteRequest,
    responses={
        201: Answer("Counted.", schemas.VoteCounted),
        200: Answer("This voter had voted already; nothing changed.", schemas.VoteCounted),
        404: NOT_FOUND,
        409: CLOSED,
    },
)
@limiter.limit(vote_limit)
def vote_for_question(slug: str, session_id: int, question_id: int):
    forum = registrations.published_forum(slug)
    body = parse(schemas.VoteRequest)
    voter = _voter_or_422(body.voter, required=True)
    result = questions.vote(forum, session_id, question_id, voter)
    return respond(schemas.VoteCounted(votes=result.votes), 201 if result.created else 200)


# ------------------------------------------------------------------------------ organizers


@organize_operation(
    f"/organize{PATH}",
    "GET",
    operation_id="organizeSessionQuestions",
    summary="Every question of a session, for moderation",
    query=(STATUS_QUERY,),
    responses={
        200: Answer("The questions.", schemas.OrganizerQuestionList),
        404: Answer("No forum with this slug, no such session, or questions are off for it."),
        422: Answer("An unknown status.", ValidationError),
    },
)
def organize_session_questions(user: User, forum: Forum, session_id: int):
    session, board = questions.board_of(forum, session_id)
    status = request.args.get("status")
    if status is not None and status not in QUESTION_STATUSES:
        raise ValidationFailed(
            {"status": [_("Choose one of: %(choices)s.", choices=", ".join(QUESTION_STATUSES))]}
        )
    return respond(
        schemas.OrganizerQuestionList(
            session_id=session.id,
            open=board.open,
            desk_may_moderate=board.desk_may_moderate,
            questions=[
                _organizer(q, forum.timezone) for q in questions.for_moderation(session, status)
            ],
        ),
        private=True,
    )


@organize_operation(
    f"/organize{PATH}/<int:question_id>/moderation",
    "POST",
    operation_id="organizeModerateQuestion",
    summary="Approve, hide, mark answered, or merge a question",
    body=schemas.ModerationRequest,
    responses={
        200: Answer("The question as it is now.", schemas.OrganizerQuestion),
        404: Answer("No forum with this slug, no such session or question, or questions off."),
        409: Answer("A merged question, or a merge into itself or a question out of play."),
    },
)
def organize_moderate_question(user: User, forum: Forum, session_id: int, question_id: int):
    body = parse(schemas.ModerationRequest)
    question = questions.moderate(
        forum, session_id, question_id, body.action, into=body.into, user=user
    )
    return respond(_organizer(question, forum.timezone), private=True)
