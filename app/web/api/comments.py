"""The comment event through the API: taking part, the wall, likes; moderation for organizers
(bearer token). The same service as the pages (`app.voices.comments`)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.core.bounds import parse_id
from app.core.errors import NotFound, ValidationFailed
from app.extensions import limiter
from app.models import CommentEntry, CommentEvent, Forum, User
from app.models.enums import COMMENT_STATUSES
from app.registration import operations as registrations
from app.registration.certificates import mask_name
from app.voices import comments
from app.web.api.bodies import parse, respond
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import Answer, operation
from app.web.api.organize import NO_FORUM, PREFIX, organize_operation
from app.web.api.schemas import comments as schemas
from app.web.api.schemas.base import Bilingual, ValidationError
from app.web.voices import post_limit, vote_limit
from app.web.voices.voter import api_voter

NO_EVENT = Answer("No published forum has this slug, or it has no comment event.")
PAGE_QUERY = {
    "name": "page",
    "required": False,
    "description": "The page, from 1 (a page beyond the last gives the last).",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}


def _published_event(slug: str) -> tuple[Forum, CommentEvent]:
    forum = registrations.published_forum(slug)
    event = comments.event_for(forum)
    if event is None:
        raise NotFound(_("This forum has no comment event."))
    return forum, event


def _page_arg() -> int:
    raw = request.args.get("page")
    if raw is None:
        return 1
    page = parse_id(raw)
    if page is None:
        raise ValidationFailed({"page": [_("Give a page number from 1.")]})
    return page


@operation(
    "/forums/<slug>/comments",
    "POST",
    operation_id="createComment",
    tag="voices",
    summary="Take part in the comment event",
    description="A new address gets a mail with a confirmation link; an address waiting for "
    "its confirmation has its comment replaced and gets a new link (the old one stops "
    "working); a confirmed address keeps its entry and gets no mail. The answer is the same "
    "in all three cases.",
    body=schemas.CommentRequest,
    responses={
        202: Answer("Taken; confirm the address by the mailed link.", schemas.CommentAccepted),
        404: NO_EVENT,
        409: Answer("The event is not open (`comments_closed`)."),
    },
)
@limiter.limit(post_limit)
def create_comment(slug: str):
    forum, _event = _published_event(slug)
    body = parse(schemas.CommentRequest)
    comments.submit(forum, body.for_service())
    return respond(schemas.CommentAccepted(status="confirmation_sent"), 202)


def _event_info(event: CommentEvent, forum: Forum) -> schemas.CommentEventInfo:
    return schemas.CommentEventInfo(
        prompt=Bilingual(ko=event.prompt_ko, en=event.prompt_en),
        opens_at=local_iso(event.opens_at, forum.timezone),
        closes_at=local_iso(event.closes_at, forum.timezone),
        max_length=event.max_length,
        prizes=event.prizes,
    )


@operation(
    "/forums/<slug>/comments",
    "GET",
    operation_id="listComments",
    tag="voices",
    summary="The wall: published comments",
    description="Comments of confirmed entries that the organizers published, names masked; "
    "50 a page.",
    query=(
        {
            "name": "sort",
            "required": False,
            "description": "new (the default): newest first; top: most liked first.",
            "schema": {"type": "string", "enum": list(comments.SORTS)},
        },
        PAGE_QUERY,
    ),
    responses={
        200: Answer("The comments.", schemas.CommentWall),
        404: NO_EVENT,
        422: Answer("An unknown sort or a page that is not a number.", ValidationError),
    },
)
def list_comments(slug: str):
    forum, event = _published_event(slug)
    sort = request.args.get("sort", "new")
    if sort not in comments.SORTS:
        raise ValidationFailed({"sort": [_("Choose one of: %(choices)s.", choices="new, top")]})
    wall = comments.wall(event, sort=sort, page=_page_arg())
    return respond(
        schemas.CommentWall(
            event=_event_info(event, forum),
            comments=[
                schemas.WallComment(
                    id=e.id,
                    name=mask_name(e.name),
                    text=e.text,
                    likes=e.likes,
                    created_at=utc_iso(e.created_at),
                    sample=e.sample,
                )
                for e in wall.entries
            ],
            page=wall.page,
            pages=wall.pages,
        )
    )


@operation(
    "/forums/<slug>/comments/<int:comment_id>/likes",
    "POST",
    operation_id="likeComment",
    tag="voices",
    summary="Like (공감) a published comment",
    description="Once per voter id and comment: liking again changes nothing.",
    body=schemas.LikeRequest,
    responses={
        201: Answer("Liked.", schemas.LikeCount),
        200: Answer("This voter liked it already.", schemas.LikeCount),
        404: Answer("No such published comment in this forum's comment event."),
    },
)
@limiter.limit(vote_limit)
def like_comment(slug: str, comment_id: int):
    forum, _event = _published_event(slug)
    body = parse(schemas.LikeRequest)
    voter = api_voter(body.voter)
    if voter is None:
        raise ValidationFailed(
            {"voter": [_("Send your own random id: 16 to 64 of A-Z, a-z, 0-9, _ and -.")]}
        )
    result = comments.like(forum, comment_id, voter)
    return respond(schemas.LikeCount(likes=result.likes), 201 if result.created else 200)


# ============================================================================ organizers


def moderated(entry: CommentEntry) -> schemas.ModeratedComment:
    return schemas.ModeratedComment(
        id=entry.id,
        name=entry.name,
        email=entry.email,
        text=entry.text,
        locale=entry.locale,
        status=entry.status,
        hidden_reason=entry.hidden_reason,
        confirmed_at=utc_iso(entry.confirmed_at),
        registration_id=entry.registration_id,
        likes=entry.likes,
        created_at=utc_iso(entry.created_at),
        reading_session_id=entry.reading_session_id,
        sample=entry.sample,
    )


def _event_of(forum: Forum) -> CommentEvent:
    event = comments.event_for(forum)
    if event is None:
        raise NotFound(_("This forum has no comment event."))
    return event


@organize_operation(
    f"{PREFIX}/comments",
    "GET",
    operation_id="organizeComments",
    summary="The comment event's entries, addresses included",
    query=(
        {
            "name": "status",
            "required": False,
            "description": "Only entries with this status.",
            "schema": {"type": "string", "enum": list(COMMENT_STATUSES)},
        },
        PAGE_QUERY,
    ),
    responses={
        200: Answer("The entries, newest first, 100 a page.", schemas.ModerationList),
        404: NO_FORUM,
        422: Answer("An unknown status or a page that is not a number.", ValidationError),
    },
)
def organize_comments(user: User, forum: Forum):
    event = _event_of(forum)
    status = request.args.get("status")
    if status is not None and status not in COMMENT_STATUSES:
        raise ValidationFailed(
            {"status": [_("Choose one of: %(choices)s.", choices=", ".join(COMMENT_STATUSES))]}
        )
    listing = comments.moderation_list(event, status=status, page=_page_arg())
    return respond(
        schemas.ModerationList(
            comments=[moderated(e) for e in listing.entries],
            page=listing.page,
            pages=listing.pages,
            total=listing.total,
        )
    )


@organize_operation(
    f"{PREFIX}/comments/<int:comment_id>/moderation",
    "POST",
    operation_id="organizeModerateComment",
    summary="Publish or hide a comment",
    description="Hiding needs a reason, kept for organizers only. Both are in the audit log.",
    body=schemas.ModerationRequest,
    responses={200: Answer("Done.", schemas.ModerationDone), 404: NO_FORUM},
)
def organize_moderate_comment(user: User, forum: Forum, comment_id: int):
    body = parse(schemas.ModerationRequest)
    entry = comments.moderate(
        forum, comment_id, body.action or "", reason=body.reason or "", user=user
    )
    return respond(schemas.ModerationDone(comment=moderated(entry)))
