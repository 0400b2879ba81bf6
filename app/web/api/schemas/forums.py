"""Published forums and their programmes (GET /forums, GET /forums/<slug>)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.models.enums import (
    FORUM_FORMATS,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    STREAM_KINDS,
    VENUE_KINDS,
)
from app.web.api.schemas.base import (
    Bilingual,
    Day,
    LocalTime,
    ResponseModel,
    Url,
    UtcTime,
    one_of,
)


class RegistrationWindow(ResponseModel):
    """Pre-registration status."""

    state: Literal["not_open", "open", "closed"] = Field(
        description="not_open: pre-registration has not opened yet; open; closed: the deadline "
        "passed."
    )
    opens_at: LocalTime | None = Field(description="When it opens; null: not announced yet.")
    opens_at_utc: UtcTime | None
    closes_at: LocalTime = Field(
        description="The deadline (the end of the forum's last day when none is set)."
    )
    closes_at_utc: UtcTime
    onsite: bool = Field(description="Whether people can also register at the desk on the day.")


class ForumSummary(ResponseModel):
    """A published forum in the list."""

    slug: str = Field(description="The forum's identifier in URLs.")
    title: Bilingual
    theme: Bilingual
    timezone: str = Field(
        description="IANA time zone of the forum; local times use it.", examples=["Asia/Seoul"]
    )
    first_day: Day
    last_day: Day
    format: one_of(FORUM_FORMATS) = Field(description="How the forum is held.")
    upcoming: bool = Field(
        description="True until the forum's last day is over; false for the archive."
    )
    registration: RegistrationWindow
    url: Url = Field(description="The forum's public web page.")
    api_url: Url = Field(description="This forum's detail in the API.")


class ForumList(ResponseModel):
    forums: list[ForumSummary] = Field(
        description="Upcoming forums by first day, then past forums, latest first."
    )


class Organizer(ResponseModel):
    name: Bilingual = Field(description="Organizer's name.")
    email: str = Field(description="Contact address.")


class InPersonPlaces(ResponseModel):
    capacity: int | None = Field(
        description="In-person places open to the public (those held for invited people left"
        " out); null: no limit."
    )
    seats_left: int | None = Field(description="In-person places left; null: no limit.", ge=0)


class ProgrammeDay(ResponseModel):
    """Every forum day, plus any other day with a session (a tour the evening before)."""

    date: Day
    session_ids: list[int] = Field(
        description="Sessions starting that day in programme order (blocks followed by their "
        "parts)."
    )


class Venue(ResponseModel):
    id: int
    name: Bilingual
    kind: one_of(VENUE_KINDS) = Field(
        description="hall; studio: a broadcast studio with no audience; offsite: a site visit."
    )
    building: Bilingual
    floor: Bilingual = Field(description="Floor, e.g. 8층 / 8F.")
    room: Bilingual
    address: Bilingual = Field(description="Street address.")
    seats: int | None = Field(description="Seats in the room; null: unknown or not applicable.")
    accessibility: Bilingual = Field(description="Accessibility notes (step-free access, loops…).")
    map_url: Url | None = Field(description="A map of the venue.")
    url: Url = Field(description="The venue's public web page.")


class Speaker(ResponseModel):
    id: int
    name: Bilingual
    title: Bilingual = Field(description="Position, e.g. 교수 / Professor.")
    affiliation: Bilingual = Field(description="Organisation.")
    country: str
    bio: Bilingual
    url: Url = Field(description="The speaker's public web page.")


class Stream(ResponseModel):
    """A public livestream link (registrants-only links are never listed)."""

    platform: str = Field(description="Where the stream plays, e.g. YouTube, TBS, Live Seoul.")
    url: Url
    kind: one_of(STREAM_KINDS) = Field(
        description="main; interpretation: an interpretation channel (into `language`); sign: "
        "a sign-language feed; captions: a captioned feed (captions in `language`)."
    )
    language: str = Field(
        description="ISO 639 code of an interpretation channel or a captioned feed; empty "
        "otherwise."
    )
    label: Bilingual = Field(
        description="A label for the link in Korean and English; may be empty."
    )


class Service(ResponseModel):
    """An access service the session offers (cancelled ones are left out)."""

    kind: one_of(SERVICE_KINDS) = Field(
        description="interpretation (into `language`), ksl (Korean Sign Language), "
        "international_sign, captions (live, in `language`), transcript (after the session, "
        "in `language`)."
    )
    language: str = Field(description="ISO 639 code; empty for sign language.")
    status: one_of(tuple(s for s in SERVICE_STATUSES if s != "cancelled")) = Field(
        description="planned, or confirmed."
    )


class SessionSpeaker(ResponseModel):
    speaker_id: int = Field(description="The speaker (see the forum's speakers).")
    name: Bilingual
    role: one_of(SPEAKER_ROLES) = Field(description="The speaker's role in this session.")
    affiliation: Bilingual
    order: int = Field(description="Position in the session's list of speakers.")


class Session(ResponseModel):
    id: int
    title: Bilingual
    description: Bilingual
    kind: one_of(SESSION_KINDS)
    format: one_of(SESSION_FORMATS)
    status: one_of(SESSION_STATUSES) = Field(
        description="scheduled, or cancelled (kept on the programme, marked)."
    )
    language: str = Field(description="Main language of the session (ko, en, ko+en…).")
    languages: list[str] = Field(
        description="The languages spoken on the floor, as ISO 639 codes (`language` split)."
    )
    services: list[Service] = Field(
        description="Interpretation, sign language, captions and transcripts offered."
    )
    day: Day = Field(description="Local day the session starts on.")
    starts_at: LocalTime
    ends_at: LocalTime
    starts_at_utc: UtcTime
    ends_at_utc: UtcTime
    venue_id: int | None = Field(description="Where it takes place; null: online only.")
    parent_id: int | None = Field(description="The programme block this session is a part of.")
    part_ids: list[int] = Field(description="For a block: its parts on the same day, in order.")
    seats: int | None = Field(
        description="Seats of its own open to the public (those held for invited people left"
        " out); null: no separate limit."
    )
    seats_left: int | None = Field(description="Seats left; null when `seats` is null.", ge=0)
    speakers: list[SessionSpeaker]
    streams: list[Stream] = Field(description="Public livestream links of this session.")
    revision: int = Field(
        description="Bumped by every change a calendar should see (iCalendar SEQUENCE).", ge=1
    )
    updated_at: UtcTime
    url: Url = Field(description="The session's public web page.")


class ForumDetail(ForumSummary):
    """A published forum with its programme."""

    description: Bilingual
    organizer: Organizer
    homepage_url: Url | None = Field(description="The forum's own website.")
    in_person: InPersonPlaces
    programme_revision: int = Field(description="Bumped by any change to the programme.")
    updated_at: UtcTime = Field(description="Last change to the forum or its programme.")
    programme_url: Url = Field(description="The programme's public web page.")
    days: list[ProgrammeDay]
    venues: list[Venue]
    speakers: list[Speaker]
    streams: list[Stream] = Field(description="Public forum-wide livestream links.")
    sessions: list[Session] = Field(
        description="Every session by start time, cancelled ones included."
    )
