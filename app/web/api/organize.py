"""The organizer JSON API under /api/v1/organize: bearer tokens (`flask users token`), JSON in
and out, and the same rules as the /organize pages (it calls the same services).

Errors: 401 without a valid token, 403 for a role or forum the token's user may not organize,
404 for what the forum does not have, 415 for a body that is not JSON, 422 with
`{"errors": {field: [messages]}}` for invalid fields, 409 for a stale revision (the body carries
the current `revision` and `fingerprint`) or a record still in use.

Instants are accepted as ISO 8601 with an offset, or as wall-clock times in the forum's zone
("2026-04-01T10:00"); they are returned both ways (`starts_at` with the forum's offset,
`starts_at_utc` in UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _

from app.accounts.access import can_organize
from app.core.errors import Forbidden, ValidationFailed
from app.core.languages import parse_floor_languages
from app.extensions import limiter
from app.models import Forum, ForumSession, User
from app.programme import agenda, records, services, session_edits
from app.programme.views import forum_seats_left
from app.registration import guests
from app.registration.operations import RegistrationRequest
from app.web.api.auth import bearer_user
from app.web.api.bodies import parse, respond
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import Answer, operation
from app.web.api.registrations import registration_fields
from app.web.api.schemas import organize as schemas
from app.web.api.schemas.base import Bilingual, RequestModel, ResponseModel, ValidationError
from app.web.input_guard import request_json

PREFIX = "/organize/forums/<slug>"
ORGANIZER_ROLES = ("admin", "organizer")
NO_FORUM = Answer("No forum with this slug, or no such record in it.")
IN_USE = Answer("Still in use (`in_use`): move or take off what refers to it first.")
NO_CONTENT = Answer("Deleted.", None)


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def organizer_api(view: Callable) -> Callable:
    """Authenticate the bearer token; with a slug, load the forum and check the user may
    organize it. The view gets (user, forum, **url values)."""

    @wraps(view)
    def wrapped(**kwargs: Any):
        user = bearer_user()
        if user.role not in ORGANIZER_ROLES:
            raise Forbidden(_("This account may not organize forums."))
        slug = kwargs.pop("slug", None)
        forum = None
        if slug is not None:
            forum = agenda.get_forum(slug)
            if not can_organize(user, forum):
                raise Forbidden(_("You do not organize this forum."))
        return view(user, forum, **kwargs)

    return limiter.limit(api_limit)(wrapped)


def organize_operation(rule: str, method: str, **doc: Any) -> Callable[[Callable], Callable]:
    """An organizer route: documented, bearer token, rate-limited per route."""

    def register(view: Callable) -> Callable:
        return operation(rule, method, tag="organize", bearer=True, **doc)(organizer_api(view))

    return register


# ============================================================================ JSON shapes


def conflict(view: agenda.ConflictView) -> schemas.Conflict:
    c = view.conflict
    return schemas.Conflict(
        code=c.code,
        key=c.key,
        session_ids=list(c.session_ids),
        message=Bilingual(ko=c.message_ko, en=c.message_en),
        accepted=view.accepted,
    )


def forum_summary(forum: Forum) -> schemas.OrganizerForum:
    return schemas.OrganizerForum(
        slug=forum.slug,
        title=Bilingual(ko=forum.title_ko, en=forum.title_en),
        status=forum.status,
        first_day=forum.first_day.isoformat(),
        last_day=forum.last_day.isoformat(),
        timezone=forum.timezone,
        programme_revision=forum.programme_revision,
    )


def session_body(session: ForumSession, forum: Forum) -> schemas.OrganizerSession:
    tz = forum.timezone
    return schemas.OrganizerSession(
        id=session.id,
        title=Bilingual(ko=session.title_ko, en=session.title_en),
        description=Bilingual(ko=session.description_ko, en=session.description_en),
        kind=session.kind,
        format=session.format,
        language=session.language,
        status=session.status,
        starts_at=local_iso(session.starts_at, tz),
        ends_at=local_iso(session.ends_at, tz),
        starts_at_utc=utc_iso(session.starts_at),
        ends_at_utc=utc_iso(session.ends_at),
        venue_id=session.venue_id,
        parent_id=session.parent_id,
        seats=session.seats,
        seats_taken=session.seats_taken,
        reserved_seats=session.reserved_seats,
        invited_seats_taken=session.invited_seats_taken,
        speakers=[
            schemas.SessionSpeakerLine(speaker_id=li.speaker_id, role=li.role, position=li.position)
            for li in session.speaker_links
        ],
        meeting=_meeting_body(session, tz),
        revision=session.revision,
        fingerprint=session_edits.session_fingerprint(session),
        updated_at=utc_iso(session.updated_at),
    )


def _meeting_body(session: ForumSession, tz: str) -> schemas.SessionMeeting | None:
    if not (session.meeting_point_ko or session.meeting_point_en):
        return None
    at = session.meeting_at
    return schemas.SessionMeeting(
        point=Bilingual(ko=session.meeting_point_ko, en=session.meeting_point_en),
        at=local_iso(at, tz) if at else None,
        at_utc=utc_iso(at) if at else None,
        note=Bilingual(ko=session.meeting_note_ko, en=session.meeting_note_en),
    )


def venue_body(venue) -> schemas.OrganizerVenue:
    return schemas.OrganizerVenue(id=venue.id, **records.venue_values(venue))


def speaker_body(speaker) -> schemas.OrganizerSpeaker:
    return schemas.OrganizerSpeaker(id=speaker.id, **records.speaker_values(speaker))


def _saved(saved: session_edits.SessionSaved, forum: Forum) -> schemas.SessionSaved:
    return schemas.SessionSaved(
        session=session_body(saved.session, forum),
        changes=[schemas.RecordedChange(id=c.id, kind=c.kind) for c in saved.changes],
        notices=saved.notices,
        conflicts=[conflict(c) for c in saved.conflicts],
    )


def _fields(body: RequestModel, *, leave_out: set[str] | None = None) -> dict[str, Any]:
    """The fields the client sent, as the service reads raw form values."""
    return body.model_dump(exclude_unset=True, exclude=leave_out)


# ============================================================================ forums


@organize_operation(
    "/organize/forums",
    "GET",
    operation_id="organizeForums",
    summary="The forums this account organizes",
    responses={200: Answer("The forums.", schemas.OrganizerForumList)},
)
def organize_forums(user: User, forum: None):
    return respond(
        schemas.OrganizerForumList(forums=[forum_summary(f) for f in agenda.forums_for(user)])
    )


@organize_operation(
    PREFIX,
    "GET",
    operation_id="organizeForum",
    summary="A forum with its venues, speakers, sessions and conflicts (drafts included)",
    responses={200: Answer("The forum.", schemas.OrganizerForumDetail), 404: NO_FORUM},
)
def organize_forum(user: User, forum: Forum):
    forum = agenda.load_forum(forum.id)
    return respond(
        schemas.OrganizerForumDetail(
            forum=forum_summary(forum),
            venues=[venue_body(v) for v in forum.venues],
            speakers=[speaker_body(s) for s in forum.speakers],
            sessions=[session_body(s, forum) for s in forum.sessions],
            conflicts=[conflict(c) for c in agenda.forum_conflicts(forum)],
        )
    )


@organize_operation(
    f"{PREFIX}/conflicts",
    "GET",
    operation_id="organizeConflicts",
    summary="The forum's conflicts, accepted or not",
    responses={200: Answer("The conflicts.", schemas.ConflictList), 404: NO_FORUM},
)
def organize_conflicts(user: User, forum: Forum):
    return respond(
        schemas.ConflictList(conflicts=[conflict(c) for c in agenda.forum_conflicts(forum)])
    )


# ============================================================================ sessions


@organize_operation(
    f"{PREFIX}/sessions",
    "POST",
    operation_id="organizeCreateSession",
    summary="Add a session",
    description="In a published forum it is listed as added on the changes page. Conflicts do "
    "not refuse it: they come back with it.",
    body=schemas.SessionInput,
    responses={201: Answer("Added (Location: the session).", schemas.SessionSaved), 404: NO_FORUM},
)
def organize_create_session(user: User, forum: Forum):
    body = parse(schemas.SessionInput)
    saved = session_edits.create_session(forum, _fields(body), user)
    response = respond(_saved(saved, forum), 201)
    response.headers["Location"] = url_for(
        "api.organize_session", slug=forum.slug, session_id=saved.session.id
    )
    return response


@organize_operation(
    f"{PREFIX}/sessions/<int:session_id>",
    "GET",
    operation_id="organizeSession",
    summary="A session with its conflicts",
    responses={200: Answer("The session.", schemas.SessionWithConflicts), 404: NO_FORUM},
)
def organize_session(user: User, forum: Forum, session_id: int):
    session = agenda.get_session(forum, session_id)
    return respond(
        schemas.SessionWithConflicts(
            session=session_body(session, forum),
            conflicts=[conflict(c) for c in agenda.session_conflicts(forum, session_id)],
        )
    )


STALE = Answer(
    "Someone saved the session since `revision` (`stale_revision`, with the current revision "
    "and fingerprint), or the change is not allowed now (`invalid_state`, `in_use`).",
    schemas.StaleRevision,
)


@organize_operation(
    f"{PREFIX}/sessions/<int:session_id>",
    "PATCH",
    operation_id="organizeUpdateSession",
    summary="Change a session",
    description="Send the fields to change with the `revision` (and `fingerprint`) you read. "
    "People holding places are told of moves, new venues, titles and cancellations, after a "
    "few minutes that group further edits, or at once with `notify_at_once`.",
    body=schemas.SessionPatch,
    responses={200: Answer("Saved.", schemas.SessionSaved), 404: NO_FORUM, 409: STALE},
)
def organize_update_session(user: User, forum: Forum, session_id: int):
    agenda.get_session(forum, session_id)
    body = parse(schemas.SessionPatch)
    saved = session_edits.update_session(
        forum,
        session_id,
        _fields(body, leave_out={"revision", "fingerprint", "notify_at_once"}),
        user,
        revision=body.revision,
        fingerprint=body.fingerprint,
        notify_at_once=bool(body.notify_at_once),
    )
    return respond(_saved(saved, forum))


REVISION_QUERY = {
    "name": "revision",
    "required": False,
    "description": "The revision you read (or send it in a JSON body as `revision`).",
    "schema": {"type": "integer", "minimum": 1},
}


@organize_operation(
    f"{PREFIX}/sessions/<int:session_id>",
    "DELETE",
    operation_id="organizeDeleteSession",
    summary="Delete a session of a draft forum",
    description="In a published forum, cancel it instead (PATCH status), so people are told.",
    query=(REVISION_QUERY,),
    responses={
        204: NO_CONTENT,
        404: NO_FORUM,
        409: STALE,
        422: Answer("No revision, or not a whole number.", ValidationError),
    },
)
def organize_delete_session(user: User, forum: Forum, session_id: int):
    agenda.get_session(forum, session_id)
    revision: Any = request.args.get("revision")
    if revision is None and request.is_json:
        body = request_json()
        revision = body.get("revision") if isinstance(body, dict) else None
    if revision is None:
        raise ValidationFailed({"revision": [_("Send the revision you started from.")]})
    session_edits.delete_session(forum, session_id, user, revision=revision)
    return "", 204


# ============================================================================ venues, speakers


def _record_routes(
    name: str,
    body_model: type[RequestModel],
    wrapper: type[ResponseModel],
    get: Callable,
    create: Callable,
    update: Callable,
    delete: Callable,
    to_body: Callable,
) -> None:
    base = f"{PREFIX}/{name}s"
    item = f"{base}/<int:item_id>"

    def create_view(user: User, forum: Forum):
        record = create(forum, _fields(parse(body_model)), user)
        response = respond(wrapper(**{name: to_body(record)}), 201)
        response.headers["Location"] = url_for(
            f"api.organize_{name}", slug=forum.slug, item_id=record.id
        )
        return response

    def get_view(user: User, forum: Forum, item_id: int):
        return respond(wrapper(**{name: to_body(get(forum, item_id))}))

    def update_view(user: User, forum: Forum, item_id: int):
        get(forum, item_id)
        record = update(forum, item_id, _fields(parse(body_model)), user)
        return respond(wrapper(**{name: to_body(record)}))

    def delete_view(user: User, forum: Forum, item_id: int):
        delete(forum, item_id, user)
        return "", 204

    for view, rule, method, endpoint, summary, body, responses in (
        (
            create_view,
            base,
            "POST",
            f"organize_create_{name}",
            f"Add a {name}",
            body_model,
            {201: Answer(f"Added (Location: the {name}).", wrapper), 404: NO_FORUM},
        ),
        (
            get_view,
            item,
            "GET",
            f"organize_{name}",
            f"A {name}",
            None,
            {200: Answer(f"The {name}.", wrapper), 404: NO_FORUM},
        ),
        (
            update_view,
            item,
            "PATCH",
            f"organize_update_{name}",
            f"Change a {name} (the fields sent)",
            body_model,
            {200: Answer("Saved.", wrapper), 404: NO_FORUM},
        ),
        (
            delete_view,
            item,
            "DELETE",
            f"organize_delete_{name}",
            f"Delete a {name}",
            None,
            {204: NO_CONTENT, 404: NO_FORUM, 409: IN_USE},
        ),
    ):
        view.__name__ = endpoint
        organize_operation(
            rule,
            method,
            operation_id="".join(w.capitalize() for w in endpoint.split("_")).replace(
                "Organize", "organize", 1
            ),
            summary=summary,
            body=body,
            responses=responses,
            endpoint=endpoint,
        )(view)


_record_routes(
    "venue",
    schemas.VenueInput,
    schemas.VenueBody,
    agenda.get_venue,
    records.create_venue,
    records.update_venue,
    records.delete_venue,
    venue_body,
)
_record_routes(
    "speaker",
    schemas.SpeakerInput,
    schemas.SpeakerBody,
    agenda.get_speaker,
    records.create_speaker,
    records.update_speaker,
    records.delete_speaker,
    speaker_body,
)


# ============================================================================ access services


def service_body(service) -> schemas.OrganizerService:
    return schemas.OrganizerService(
        id=service.id,
        session_id=service.session_id,
        **services.service_values(service),
        updated_at=utc_iso(service.updated_at),
    )


@organize_operation(
    f"{PREFIX}/sessions/<int:session_id>/services",
    "GET",
    operation_id="organizeSessionServices",
    summary="A session's floor languages and access services",
    responses={200: Answer("The services.", schemas.ServiceList), 404: NO_FORUM},
)
def organize_session_services(user: User, forum: Forum, session_id: int):
    session = agenda.get_session(forum, session_id)
    return respond(
        schemas.ServiceList(
            session_id=session.id,
            floor_languages=parse_floor_languages(session.language),
            services=[service_body(s) for s in services.services_of(session)],
        )
    )


@organize_operation(
    f"{PREFIX}/sessions/<int:session_id>/services",
    "POST",
    operation_id="organizeAddService",
    summary="Offer an access service in a session",
    description="Interpretation into a language, Korean Sign Language, International Sign, "
    "live captions or a transcript. One per kind and language: a second one is refused "
    "(422 on `language`).",
    body=schemas.ServiceInput,
    responses={201: Answer("Added.", schemas.ServiceBody), 404: NO_FORUM},
)
def organize_add_service(user: User, forum: Forum, session_id: int):
    agenda.get_session(forum, session_id)
    service = services.add_service(forum, session_id, _fields(parse(schemas.ServiceInput)), user)
    return respond(schemas.ServiceBody(service=service_body(service)), 201)


@organize_operation(
    f"{PREFIX}/services/<int:service_id>",
    "PATCH",
    operation_id="organizeUpdateService",
    summary="Change an access service (the fields sent)",
    body=schemas.ServicePatch,
    responses={200: Answer("Saved.", schemas.ServiceBody), 404: NO_FORUM},
)
def organize_update_service(user: User, forum: Forum, service_id: int):
    services.get_service(forum, service_id)
    body = parse(schemas.ServicePatch)
    service = services.update_service(forum, service_id, _fields(body), user)
    return respond(schemas.ServiceBody(service=service_body(service)))


@organize_operation(
    f"{PREFIX}/services/<int:service_id>",
    "DELETE",
    operation_id="organizeDeleteService",
    summary="Remove an access service",
    description="To tell people it will not happen, set its status to cancelled instead.",
    responses={204: NO_CONTENT, 404: NO_FORUM},
)
def organize_delete_service(user: User, forum: Forum, service_id: int):
    services.remove_service(forum, service_id, user)
    return "", 204


# ============================================================================ invited people


@organize_operation(
    f"{PREFIX}/guests",
    "POST",
    operation_id="organizeInviteGuest",
    summary="Register an invited person",
    description="A speaker, guest, member of the press or staff (`category`), whether or not "
    "pre-registration is open; they may take the places held back for invited people and get "
    "the usual confirmation mail. An address registered already answers 409 "
    "(`already_registered`): change its category instead.",
    body=schemas.GuestInput,
    responses={
        201: Answer("Registered.", schemas.InvitedPerson),
        404: NO_FORUM,
        409: Answer("The address is registered already (`already_registered`)."),
    },
)
def organize_invite_guest(user: User, forum: Forum):
    body = parse(schemas.GuestInput)
    attendance = body.attendance or guests.default_attendance(forum)
    result = guests.invite_one(
        forum,
        RegistrationRequest(
            name=body.name or "",
            email=body.email or "",
            affiliation=body.affiliation or "",
            attendance=attendance,
            locale=body.locale,
            session_ids=list(body.session_ids or []),
            category=body.category,
        ),
        user,
    )
    return respond(_invited(result.registration), 201)


@organize_operation(
    f"{PREFIX}/registrations/<int:registration_id>/category",
    "PUT",
    operation_id="organizeSetCategory",
    summary="Change a person's category",
    description="The places they hold move between the public and the invited counts. Leaving "
    "the invited is refused (409, `invalid_state`) while it would take a held-back place from "
    "the invited with no public place free.",
    body=schemas.CategoryInput,
    responses={
        200: Answer("Changed.", schemas.InvitedPerson),
        404: NO_FORUM,
        409: Answer("Cancelled, or no public place to move into (`invalid_state`)."),
    },
)
def organize_set_category(user: User, forum: Forum, registration_id: int):
    body = parse(schemas.CategoryInput)
    registration = guests.change_category(forum, registration_id, body.category, user)
    return respond(_invited(registration))


@organize_operation(
    f"{PREFIX}/categories",
    "GET",
    operation_id="organizeCategories",
    summary="People per category and the places held back",
    responses={200: Answer("The counts.", schemas.CategoryCounts), 404: NO_FORUM},
)
def organize_categories(user: User, forum: Forum):
    reserve = None
    if forum.in_person_capacity is not None:
        reserve = schemas.Reserve(
            reserved=forum.reserved_places,
            invited_taken=forum.invited_taken,
            public_left=forum_seats_left(forum),
        )
    return respond(
        schemas.CategoryCounts(
            categories=[
                schemas.CategoryCount(
                    category=c.category, registered=c.active, in_person=c.in_person
                )
                for c in guests.category_counts(forum.id)
            ],
            forum=reserve,
        )
    )


def _invited(registration) -> schemas.InvitedPerson:
    return schemas.InvitedPerson(id=registration.id, **registration_fields(registration))
