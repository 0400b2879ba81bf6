"""A session's live questions: asking, the public list, votes; and, for organizers, the whole
list and the moderator's actions. The rules (lengths, control characters, whether the session
takes questions) are the service's, `app.voices.questions`; the document states them."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from pydantic import Field, StrictInt, StrictStr

from app.models.enums import LOCALES, QUESTION_ORIGINS, QUESTION_STATUSES
from app.voices import questions
from app.web.api.schemas.base import (
    LocalTime,
    RequestModel,
    ResponseModel,
    UtcTime,
    documented,
    one_of,
)

# A question may hold line breaks and tabs; no other control character.
_TEXT = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
_ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
_VOTER = "^[A-Za-z0-9_-]{16,64}$"
VOTER_DESCRIPTION = (
    "The client's own opaque id for the person voting (16 to 64 of A-Z a-z 0-9 _ -), kept "
    "the same across their votes: one vote per question and id. Stored only as a hash."
)


# ------------------------------------------------------------------------------ requests


class QuestionRequest(RequestModel):
    """A question for the session. It waits for a moderator (`pending`) before it is shown."""

    documented_required = ("text",)

    text: documented(
        StrictStr | None,
        {"type": "string", "minLength": 1, "maxLength": questions.TEXT_MAX, "pattern": _TEXT},
    ) = Field(
        None,
        description="The question: not blank, at most 300 characters; line breaks allowed, "
        "no other control characters. Stored and shown as typed (HTML is text).",
    )
    locale: documented(StrictStr | None, {"type": ["string", "null"], "enum": [*LOCALES, None]}) = (
        Field(None, description="The question's language (absent or null: ko).")
    )
    name: documented(
        StrictStr | None,
        {"type": ["string", "null"], "maxLength": questions.NAME_MAX, "pattern": _ONE_LINE},
    ) = Field(None, description="The asker's name as shown; absent, null or empty: anonymous.")
    voter: documented(StrictStr | None, {"type": ["string", "null"], "pattern": _VOTER}) = Field(
        None,
        description="Optional: the client's voter id (as for votes). Checked, not stored: a "
        "question starts with no votes.",
    )


class VoteRequest(RequestModel):
    documented_required = ("voter",)
    field_messages: ClassVar[dict[str, Any]] = {
        "voter": _l("Send your client's voter id: 16 to 64 of A-Z, a-z, 0-9, _ and -.")
    }

    voter: documented(StrictStr | None, {"type": "string", "pattern": _VOTER}) = Field(
        None, description=VOTER_DESCRIPTION
    )


class ModerationRequest(RequestModel):
    documented_required = ("action",)

    action: documented(StrictStr | None, {"type": "string", "enum": list(questions.ACTIONS)}) = (
        Field(
            None,
            description="approve (shown and voted on), hide, answer (marked answered), or merge "
            "(a duplicate: its votes go to `into`, nobody counted twice).",
        )
    )
    into: StrictInt | None = Field(
        None, ge=1, description="For merge: another question of the same session."
    )


# ----------------------------------------------------------------------------- responses


class QuestionCreated(ResponseModel):
    id: int = Field(description="The question.")
    status: one_of(["pending"]) = Field(description="Always pending: a moderator approves it.")


class PublicQuestion(ResponseModel):
    id: int
    text: str
    locale: one_of(LOCALES)
    name: str | None = Field(description="The asker's name; null when anonymous.")
    votes: int = Field(ge=0)
    status: one_of(["approved", "answered"])
    asked_at: LocalTime


class QuestionList(ResponseModel):
    """Approved questions by votes (most first, then oldest first), then the answered ones."""

    session_id: int
    open: bool = Field(description="Whether the board takes questions and votes now.")
    questions: list[PublicQuestion]


class VoteCounted(ResponseModel):
    votes: int = Field(ge=0, description="The question's votes now.")


class OrganizerQuestion(ResponseModel):
    id: int
    text: str
    locale: one_of(LOCALES)
    name: str | None = Field(description="The asker's name; null when anonymous.")
    origin: one_of(QUESTION_ORIGINS)
    status: one_of(QUESTION_STATUSES)
    votes: int = Field(ge=0)
    merged_into: int | None = Field(description="For a merged duplicate: the question it joined.")
    asked_at: LocalTime
    asked_at_utc: UtcTime
    answered_at: LocalTime | None


class OrganizerQuestionList(ResponseModel):
    session_id: int
    open: bool
    desk_may_moderate: bool
    questions: list[OrganizerQuestion] = Field(
        description="Pending first, then approved, answered, hidden and merged; by votes."
    )
