"""The organizer API (/organize/...): sessions, venues, speakers and their conflicts.

Request fields go to the same checks as the /organize pages (app/services/agenda.py), which
also read the text a form sends: numbers and ids may come as digits in a string, and a choice
of the wrong type is answered with the list of choices.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from app.models.enums import (
    ATTENDANCE_MODES,
    ATTENDEE_CATEGORIES,
    FORUM_STATUSES,
    LOCALES,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    VENUE_KINDS,
)
from app.web.api.schemas.base import (
    Bilingual,
    Day,
    LocalTime,
    RequestModel,
    ResponseModel,
    UtcTime,
    absent_unless,
    documented,
    one_of,
)
from app.web.api.schemas.registrations import Registration


def _choice(values: tuple[str, ...]) -> Any:
    return documented(Any, {"type": "string", "enum": list(values)})


Count = documented(StrictInt | StrictStr | None, {"type": ["integer", "null"], "minimum": 0})
Ref = documented(StrictInt | StrictStr | None, {"type": ["integer", "null"], "minimum": 1})
Moment = Annotated[
    StrictStr | None,
    Field(
        description="ISO 8601 with an offset, or a wall-clock time in the forum's zone "
        "(2026-04-01T10:00)."
    ),
]


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null", "null")
    return value


class _Body(RequestModel):
    model_config = ConfigDict(extra="forbid")


class SpeakerLineInput(RequestModel):
    """A speaker in a session: who, in which role, in which order."""

    speaker_id: Ref
    role: _choice(SPEAKER_ROLES) = Field("presenter")
    position: Count = None


SpeakerLineItem = documented(Any, {"$ref": "#/components/schemas/SpeakerLineInput"})


class SessionInput(_Body):
    """A session. Give the title in Korean, English or both; `starts_at` and `ends_at` are
    required when creating."""

    title_ko: StrictStr | None = None
    title_en: StrictStr | None = None
    description_ko: StrictStr | None = None
    description_en: StrictStr | None = None
    kind: _choice(SESSION_KINDS) = Field("session")
    format: _choice(SESSION_FORMATS) = Field("in_person")
    language: StrictStr | None = Field(None, description="Language codes such as ko, en, ko+en.")
    status: _choice(SESSION_STATUSES) = Field("scheduled")
    starts_at: Moment = None
    ends_at: Moment = None
    venue_id: Ref = None
    seats: Count = Field(None, description="Seats of its own; null: no separate limit.")
    reserved_seats: Count = Field(
        None,
        description="Of the seats, how many only invited people (speakers, guests, press, staff)"
        " may take; null: as it is (0 for a new session).",
    )
    parent_id: Ref = Field(None, description="The programme block this session is part of.")
    meeting_point_ko: StrictStr | None = Field(
        None, description="Where people gather before a tour or off-site visit (Korean)."
    )
    meeting_point_en: StrictStr | None = None
    meeting_at: Moment = Field(
        None, description="When they gather: before the start, at most 12 hours earlier."
    )
    meeting_note_ko: StrictStr | None = None
    meeting_note_en: StrictStr | None = None
    speakers: list[SpeakerLineItem] | None = Field(
        None, description="Every speaker of the session, in order (replaces the list)."
    )


class SessionPatch(SessionInput):
    """The fields to change (the others keep their values), with the revision (and, better,
    the fingerprint) of the session they were read from."""

    field_messages: ClassVar[dict[str, Any]] = {
        "revision": _l("Send the revision you started from.")
    }

    revision: Annotated[
        documented(Any, {"type": "integer", "minimum": 1}), AfterValidator(_not_null)
    ] = Field(description="The session's revision when it was read.")
    fingerprint: StrictStr | None = Field(
        None, description="The session's fingerprint when it was read."
    )
    notify_at_once: StrictBool | None = Field(
        None,
        description="True: the change notices leave now (a same-day change), with the pending "
        "ones they are merged into; absent, null or false: they wait a few minutes to group "
        "further edits.",
    )


class VenueInput(_Body):
    name_ko: StrictStr | None = None
    name_en: StrictStr | None = None
    kind: _choice(VENUE_KINDS) = Field("hall")
    building_ko: StrictStr | None = None
    building_en: StrictStr | None = None
    floor_ko: StrictStr | None = None
    floor_en: StrictStr | None = None
    room_ko: StrictStr | None = None
    room_en: StrictStr | None = None
    address_ko: StrictStr | None = None
    address_en: StrictStr | None = None
    seats: Count = None
    accessibility_notes_ko: StrictStr | None = None
    accessibility_notes_en: StrictStr | None = None
    map_url: StrictStr | None = Field(None, json_schema_extra={"format": "uri"})


class SpeakerInput(_Body):
    name_ko: StrictStr | None = None
    name_en: StrictStr | None = None
    affiliation_ko: StrictStr | None = None
    affiliation_en: StrictStr | None = None
    title_ko: StrictStr | None = None
    title_en: StrictStr | None = None
    country: StrictStr | None = None
    bio_ko: StrictStr | None = None
    bio_en: StrictStr | None = None
    email: StrictStr | None = Field(None, description="Private: for the speaker's own mail.")
    locale: _choice(LOCALES) = Field("ko", description="The language of their mail.")
    connection_details: StrictStr | None = Field(
        None, description="How a remote speaker joins; only in their mail."
    )


# ----------------------------------------------------------------------------- responses


class OrganizerForum(ResponseModel):
    slug: str
    title: Bilingual
    status: one_of(FORUM_STATUSES)
    first_day: Day
    last_day: Day
    timezone: str
    programme_revision: int


class OrganizerForumList(ResponseModel):
    forums: list[OrganizerForum] = Field(description="The forums this account organizes.")


class Conflict(ResponseModel):
    """Something in the programme to look at (a venue double-booked, a speaker in two places
    at once…); publishing needs each one fixed or accepted."""

    code: str
    key: str = Field(description="Identifies this conflict for accepting it.")
    session_ids: list[int]
    message: Bilingual
    accepted: bool


class ConflictList(ResponseModel):
    conflicts: list[Conflict]


class SessionSpeakerLine(ResponseModel):
    speaker_id: int
    role: one_of(SPEAKER_ROLES)
    position: int


class SessionMeeting(ResponseModel):
    point: Bilingual
    at: LocalTime | None
    at_utc: UtcTime | None
    note: Bilingual


class OrganizerSession(ResponseModel):
    id: int
    title: Bilingual
    description: Bilingual
    kind: one_of(SESSION_KINDS)
    format: one_of(SESSION_FORMATS)
    language: str
    status: one_of(SESSION_STATUSES)
    starts_at: LocalTime
    ends_at: LocalTime
    starts_at_utc: UtcTime
    ends_at_utc: UtcTime
    venue_id: int | None
    parent_id: int | None
    seats: int | None
    seats_taken: int
    reserved_seats: int = Field(description="Seats held for invited people.")
    invited_seats_taken: int = Field(description="Seats invited people hold.")
    speakers: list[SessionSpeakerLine]
    meeting: SessionMeeting | None = Field(
        description="Where people gather before a tour; null when there is no meeting point."
    )
    revision: int = Field(description="Send it back with a change (PATCH, DELETE).")
    fingerprint: str = Field(description="Changes whenever any field does.")
    updated_at: UtcTime


class OrganizerVenue(ResponseModel):
    id: int
    name_ko: str
    name_en: str
    kind: one_of(VENUE_KINDS)
    building_ko: str
    building_en: str
    floor_ko: str
    floor_en: str
    room_ko: str
    room_en: str
    address_ko: str
    address_en: str
    seats: int | None
    accessibility_notes_ko: str
    accessibility_notes_en: str
    map_url: str


class OrganizerSpeaker(ResponseModel):
    id: int
    name_ko: str
    name_en: str
    affiliation_ko: str
    affiliation_en: str
    title_ko: str
    title_en: str
    country: str
    bio_ko: str
    bio_en: str
    email: str
    locale: one_of(LOCALES)
    connection_details: str


class OrganizerForumDetail(ResponseModel):
    forum: OrganizerForum
    venues: list[OrganizerVenue]
    speakers: list[OrganizerSpeaker]
    sessions: list[OrganizerSession]
    conflicts: list[Conflict]


class SessionWithConflicts(ResponseModel):
    session: OrganizerSession
    conflicts: list[Conflict]


class RecordedChange(ResponseModel):
    id: int
    kind: str = Field(description="moved, venue, retitled, meeting, cancelled, reinstated, added…")


class SessionSaved(ResponseModel):
    """The saved session, the changes recorded for the public changes page, how many notices
    went to people holding places, and the session's conflicts."""

    session: OrganizerSession
    changes: list[RecordedChange]
    notices: int
    conflicts: list[Conflict]


class VenueBody(ResponseModel):
    venue: OrganizerVenue


class SpeakerBody(ResponseModel):
    speaker: OrganizerSpeaker


class StaleRevision(ResponseModel):
    """409: someone saved the session since it was read; nothing was changed."""

    error: str = Field(description="stale_revision (or invalid_state, in_use).")
    message: str
    revision: int | None = absent_unless("stale_revision: the current revision; null: deleted.")
    fingerprint: str = absent_unless("stale_revision: the current fingerprint.")


# ============================================================================ access services


_KIND_HELP = (
    "interpretation (into `language`), ksl (Korean Sign Language), international_sign, "
    "captions (live, in `language`), transcript (after the session, in `language`)."
)
_LANGUAGE_HELP = (
    "An ISO 639 code (ko, en, zh…): required for interpretation (the language interpreted "
    "into), captions and a transcript; empty for the sign-language kinds. Interpretation into "
    "the session's only floor language is refused."
)


def _maybe(values: tuple[str, ...]) -> Any:
    return documented(Any, {"type": ["string", "null"], "enum": [*values, None]})


class ServiceInput(_Body):
    """An access service for a session: one per kind and language."""

    kind: _choice(SERVICE_KINDS) = Field(description=_KIND_HELP)
    language: StrictStr | None = Field(None, description=_LANGUAGE_HELP)
    status: _choice(SERVICE_STATUSES) = Field("planned")
    provider: StrictStr | None = Field(
        None, description="Who provides it (an agency, an interpreter): organizers only."
    )
    note: StrictStr | None = Field(None, description="For organizers only.")


class ServicePatch(_Body):
    """The fields of a service to change; the others keep their values, and the whole is
    checked again."""

    kind: _maybe(SERVICE_KINDS) = Field(None, description=_KIND_HELP)
    language: StrictStr | None = Field(None, description=_LANGUAGE_HELP)
    status: _maybe(SERVICE_STATUSES) = None
    provider: StrictStr | None = None
    note: StrictStr | None = None


class OrganizerService(ResponseModel):
    id: int
    session_id: int
    kind: one_of(SERVICE_KINDS)
    language: str = Field(description="ISO 639 code; empty for sign language.")
    status: one_of(SERVICE_STATUSES)
    provider: str
    note: str
    updated_at: UtcTime


class ServiceBody(ResponseModel):
    service: OrganizerService


class ServiceList(ResponseModel):
    session_id: int
    floor_languages: list[str] = Field(
        description="The languages spoken on the floor (the session's `language`, split)."
    )
    services: list[OrganizerService] = Field(
        description="Every service, cancelled ones included: kinds in a fixed order, Korean "
        "and English first."
    )


# ============================================================================ invited people


class GuestInput(_Body):
    """A person an organizer registers: a speaker, a guest, the press, staff (or anyone). The
    forum's pre-registration window does not apply; the person gets the usual mail."""

    name: StrictStr | None = None
    email: StrictStr | None = None
    affiliation: StrictStr | None = None
    category: _choice(ATTENDEE_CATEGORIES) = Field("guest")
    attendance: documented(Any, {"type": ["string", "null"], "enum": [*ATTENDANCE_MODES, None]}) = (
        Field(None, description="Default: in person where the forum offers it.")
    )
    locale: _choice(LOCALES) = Field("ko", description="The language of their mail.")
    session_ids: list[Any] | None = Field(None, description="Sessions with seats they take.")


class CategoryInput(_Body):
    category: _choice(ATTENDEE_CATEGORIES)


class InvitedPerson(Registration):
    id: int = Field(description="The registration's id on the organizer's pages.")


class CategoryCount(ResponseModel):
    category: one_of(ATTENDEE_CATEGORIES)
    registered: int = Field(description="Registrations not cancelled.")
    in_person: int = Field(description="In-person places they hold.")


class Reserve(ResponseModel):
    reserved: int = Field(description="Places held back for invited people.")
    invited_taken: int = Field(description="Places invited people hold.")
    public_left: int | None = Field(description="Places the public may still take.")


class CategoryCounts(ResponseModel):
    categories: list[CategoryCount]
    forum: Reserve | None = Field(description="null: the forum has no capacity.")
