"""A forum's comment event: taking part, the wall, likes, and moderation for organizers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictStr

from app.models.enums import COMMENT_STATUSES, LOCALES
from app.voices import comments
from app.web.api.schemas.base import (
    Bilingual,
    LocalTime,
    RequestModel,
    ResponseModel,
    UtcTime,
    documented,
    one_of,
)

_ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
VOTER_PATTERN = "^[A-Za-z0-9_-]{16,64}$"

# ------------------------------------------------------------------------------ requests


class CommentRequest(RequestModel):
    """An entry in the comment event. The answer is the same whether the address is new,
    waiting for its confirmation (its comment is replaced and a new link mailed) or confirmed
    already (nothing changes): nothing is disclosed about an address."""

    documented_required = ("name", "email", "comment", "consent")

    name: StrictStr | None = Field(
        None,
        description="The name shown (masked, like 김*수) on the wall.",
        json_schema_extra={"minLength": 1, "maxLength": comments.NAME_MAX, "pattern": _ONE_LINE},
    )
    email: StrictStr | None = Field(
        None,
        description="Where the confirmation link goes; one entry per address and event.",
        json_schema_extra={"format": "email", "maxLength": 254},
    )
    comment: StrictStr | None = Field(
        None,
        description="The sentence completed: one paragraph, at most the event's `max_length` "
        "characters; no line breaks or control characters. HTML is kept as text.",
        json_schema_extra={
            "minLength": 1,
            "maxLength": comments.MAX_MAX_LENGTH,
            "pattern": _ONE_LINE,
        },
    )
    consent: documented(StrictBool | None, {"type": "boolean", "const": True}) = Field(
        None, description="Consent to the collection and use of personal data; must be true."
    )
    locale: documented(StrictStr | None, {"type": ["string", "null"], "enum": [*LOCALES, None]}) = (
        Field(None, description="Language of the mail (absent or null: ko).")
    )

    def for_service(self) -> dict[str, object]:
        return {
            "name": self.name or "",
            "email": self.email or "",
            "comment": self.comment or "",
            "consent": self.consent is True,
            "locale": "ko" if self.locale is None else self.locale,
        }


class LikeRequest(RequestModel):
    """Who likes: an opaque id the client keeps (one like per id and comment)."""

    documented_required = ("voter",)

    voter: StrictStr | None = Field(
        None,
        description="The client's own random id: 16 to 64 of A-Z a-z 0-9 _ -.",
        json_schema_extra={"pattern": VOTER_PATTERN},
    )


class ModerationRequest(RequestModel):
    documented_required = ("action",)

    action: documented(StrictStr | None, {"type": "string", "enum": list(comments.ACTIONS)}) = (
        Field(None, description="publish, or hide (with a reason).")
    )
    reason: StrictStr | None = Field(
        None,
        description="Why it is hidden (required to hide); kept for organizers only.",
        json_schema_extra={"maxLength": comments.REASON_MAX},
    )


# ----------------------------------------------------------------------------- responses


class CommentAccepted(ResponseModel):
    status: Literal["confirmation_sent"] = Field(
        description="If the address still needs confirming, a link was mailed to it."
    )


class CommentEventInfo(ResponseModel):
    prompt: Bilingual = Field(description="The sentence to complete.")
    opens_at: LocalTime
    closes_at: LocalTime
    max_length: int = Field(description="The longest comment taken, in characters.")
    prizes: int = Field(description="Prizes in the draw (0: no draw).", ge=0)


class WallComment(ResponseModel):
    id: int
    name: str = Field(description="The name, masked (김*수).")
    text: str = Field(description="The comment, as typed (HTML is text).")
    likes: int = Field(ge=0)
    created_at: UtcTime
    sample: bool = Field(description="Made-up demo data.")


class CommentWall(ResponseModel):
    """Published comments of confirmed entries, 50 a page."""

    event: CommentEventInfo
    comments: list[WallComment]
    page: int = Field(ge=1)
    pages: int = Field(ge=1)


class LikeCount(ResponseModel):
    likes: int = Field(description="The comment's likes now.", ge=0)


class ModeratedComment(ResponseModel):
    """An entry as organizers see it: the address and the reason for hiding included."""

    id: int
    name: str
    email: str
    text: str
    locale: one_of(LOCALES)
    status: one_of(COMMENT_STATUSES)
    hidden_reason: str
    confirmed_at: UtcTime | None = Field(description="Null until the address is confirmed.")
    registration_id: int | None = Field(description="Confirmed through this registration.")
    likes: int = Field(ge=0)
    created_at: UtcTime
    reading_session_id: int | None = Field(description="On this session's reading list.")
    sample: bool


class ModerationList(ResponseModel):
    comments: list[ModeratedComment]
    page: int = Field(ge=1)
    pages: int = Field(ge=1)
    total: int = Field(ge=0)


class ModerationDone(ResponseModel):
    comment: ModeratedComment
