"""Published forums and their programmes, as plain data for the public pages, the JSON API and
the calendar feeds.

Reads only: nothing here commits. A forum is loaded with everything its pages show in a fixed
number of queries (selectinload), whatever the number of sessions, speakers or streams; the rest
is mapped in memory.

`forum_info` / `session_info` turn rows into the `scheduling.types` dataclasses: the one mapping
that every consumer (pages, API, iCal feeds, emails) shares, so a session looks the same
everywhere. Streams keep their visibility (`registrants_only`); public consumers filter it.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.core.db import db, utcnow
from app.core.languages import FIRST, is_language, language_name, parse_floor_languages
from app.models import (
    Forum,
    ForumSession,
    SessionService,
    SessionSpeaker,
    Speaker,
    StreamLink,
    Venue,
)
from app.models.enums import (
    SERVICE_KINDS,
    SIGN_KINDS,
    ForumFormat,
    ForumStatus,
    ServiceKind,
    ServiceStatus,
    SessionStatus,
)
from app.models.forum import public_left
from scheduling.agenda import sessions_by_day
from scheduling.types import (
    Bilingual,
    ForumInfo,
    Language,
    MeetingInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
    VenueInfo,
)

RegistrationStatus = Literal["not_open", "open", "closed"]

# -- public paths (the routes in app.web.public serve exactly these) -------------------------


def forum_path(slug: str) -> str:
    return f"/forums/{slug}"


def programme_path(slug: str) -> str:
    return f"/forums/{slug}/programme"


def session_path(slug: str, session_id: int) -> str:
    return f"/forums/{slug}/sessions/{session_id}"


def venue_path(slug: str, venue_id: int) -> str:
    return f"/forums/{slug}/venues/{venue_id}"


def speaker_path(slug: str, speaker_id: int) -> str:
    return f"/forums/{slug}/speakers/{speaker_id}"


def speaker_feed_path(slug: str, speaker_id: int) -> str:
    return f"{speaker_path(slug, speaker_id)}.ics"


# -- registration window and seats ------------------------------------------------------------


class RegistrationState(NamedTuple):
    """Where pre-registration stands. Unpacks as `(state, opens, closes)`.

    `closes` is the stored deadline or, when there is none (or it is later), the end of the
    forum's last day (forum zone): nobody pre-registers for a forum that is over.
    """

    state: RegistrationStatus
    opens: datetime | None
    closes: datetime | None


def forum_ends_at(forum: Forum) -> datetime:
    """Midnight after the forum's last local day, as an aware datetime in the forum's zone."""
    zone = ZoneInfo(forum.timezone)
    return datetime.combine(forum.last_day + timedelta(days=1), time(0), zone)


def registration_state(forum: Forum, now: datetime) -> RegistrationState:
    """`("not_open" | "open" | "closed", opens, closes)` at `now` (aware), by the one rule the
    registration service applies."""
    return RegistrationState(
        window_state(forum, now), forum.registration_opens_at, registration_closes_at(forum)
    )


def window_state(forum: Forum, now: datetime | None = None) -> str:
    """'not_open', 'open' or 'closed' for pre-registration.

    No opening date means pre-registration has not been announced. It closes at the deadline,
    and at the latest when the forum's last day ends in its own time zone.
    """
    now = now or utcnow()
    if forum.registration_opens_at is None or now < forum.registration_opens_at:
        return "not_open"
    if now >= registration_closes_at(forum):
        return "closed"
    return "open"


def registration_closes_at(forum: Forum) -> datetime:
    ends = forum_ends_at(forum)
    closes = forum.registration_closes_at
    return ends if closes is None else min(closes, ends)


def forum_seats_left(forum: Forum) -> int | None:
    """In-person places left for the forum as a whole; None when there is no limit."""
    if forum.in_person_capacity is None:
        return None
    return public_left(
        forum.in_person_capacity, forum.in_person_taken, forum.reserved_places, forum.invited_taken
    )


def forum_public_places(forum: Forum) -> int | None:
    """The forum's in-person places open to the public: all but the reserve."""
    if forum.in_person_capacity is None:
        return None
    return max(forum.in_person_capacity - forum.reserved_places, 0)


def session_seats_left(session: ForumSession) -> int | None:
    """Seats left in a session with a limit of its own; None when it has none."""
    return session.seats_left


def is_upcoming(forum: Forum, now: datetime) -> bool:
    """True until the forum's last local day is over."""
    return now < forum_ends_at(forum)


def main_venue(forum: Forum) -> Venue | None:
    """Where the forum itself takes place: the venue most of its forum-wide in-person sessions
    (those without seats of their own) use; else its first hall; else any venue with an
    audience. Never a studio, and never a tour's room that only some attendees booked."""
    used = Counter(
        s.venue_id
        for s in forum.sessions
        if s.status == SessionStatus.SCHEDULED
        and s.seats is None
        and s.format != ForumFormat.ONLINE
        and s.venue is not None
        and s.venue.kind == "hall"
    )
    venues = {v.id: v for v in forum.venues}
    if used:
        return venues[used.most_common(1)[0][0]]
    halls = [v for v in forum.venues if v.kind == "hall"]
    if halls:
        return halls[0]
    return next((v for v in forum.venues if v.kind != "studio"), None)


# -- rows to plain data -----------------------------------------------------------------------


def both(row: object, field: str) -> Bilingual:
    """A row's `<field>_ko` and `<field>_en` columns as one bilingual text."""
    return Bilingual(ko=getattr(row, f"{field}_ko"), en=getattr(row, f"{field}_en"))


def venue_info(venue: Venue) -> VenueInfo:
    return VenueInfo(
        id=venue.id,
        name=both(venue, "name"),
        kind=venue.kind,
        building=both(venue, "building"),
        floor=both(venue, "floor"),
        room=both(venue, "room"),
        address=both(venue, "address"),
        seats=venue.seats,
        accessibility=both(venue, "accessibility_notes"),
        map_url=venue.map_url,
    )


@functools.cache
def language_info(code: str) -> Language:
    """A language code with its names in Korean and English, as the feeds carry it."""
    return Language(code, Bilingual(ko=language_name(code, "ko"), en=language_name(code, "en")))


def stream_info(stream: StreamLink) -> StreamInfo:
    return StreamInfo(
        id=stream.id,
        platform=stream.platform,
        url=stream.url,
        label=stream.label,
        registrants_only=stream.visibility != "public",
        kind=stream.kind,
        language=language_info(stream.language) if stream.language else None,
        label_en=stream.label_en,
    )


def speaker_role(link: SessionSpeaker) -> SpeakerRole:
    speaker = link.speaker
    return SpeakerRole(
        speaker_id=speaker.id,
        name=both(speaker, "name"),
        role=link.role,
        affiliation=both(speaker, "affiliation"),
        order=link.position,
    )


def session_info(
    session: ForumSession, *, base_url: str, forum_slug: str | None = None
) -> SessionInfo:
    """One session as plain data: venue, speakers with roles in order, every stream (flagged
    `registrants_only` when not public), revision and update time, block (`parent_id`), seats,
    and the absolute URL of its public page."""
    slug = forum_slug if forum_slug is not None else session.forum.slug
    return SessionInfo(
        id=session.id,
        title=both(session, "title"),
        kind=session.kind,
        format=session.format,
        start=session.starts_at,
        end=session.ends_at,
        status=session.status,
        revision=session.revision,
        updated_at=session.updated_at,
        description=both(session, "description"),
        venue=venue_info(session.venue) if session.venue is not None else None,
        speakers=tuple(speaker_role(link) for link in session.speaker_links),
        streams=tuple(stream_info(s) for s in session.streams),
        parent_id=session.parent_id,
        seats=session.seats,
        language=session.language,
        url=base_url.rstrip("/") + session_path(slug, session.id),
        meeting=meeting_info(session),
    )


def meeting_info(session: ForumSession) -> MeetingInfo | None:
    if not (session.meeting_point_ko or session.meeting_point_en):
        return None
    return MeetingInfo(
        place=both(session, "meeting_point"),
        at=session.meeting_at,
        note=both(session, "meeting_note"),
    )


def forum_info(
    forum: Forum, *, base_url: str, sessions: Iterable[ForumSession] | None = None
) -> ForumInfo:
    """The forum as plain data with `sessions` (all of the forum's when None), sorted by start.

    Forum-wide streams come with their visibility flag; `updated_at` is the latest change of the
    forum, any session it carries, their venues or any stream, so a feed built from it changes
    when the programme does.
    """
    rows = list(forum.sessions if sessions is None else sessions)
    infos = tuple(
        sorted(
            (session_info(s, base_url=base_url, forum_slug=forum.slug) for s in rows),
            key=lambda s: (s.start, s.id),
        )
    )
    updated = max(
        [
            forum.updated_at,
            *(s.updated_at for s in rows),
            *(s.venue.updated_at for s in rows if s.venue is not None),
            *(link.updated_at for s in rows for link in s.streams),
            *(link.updated_at for link in forum.streams),
        ]
    )
    return ForumInfo(
        id=forum.id,
        slug=forum.slug,
        title=both(forum, "title"),
        timezone=forum.timezone,
        first_day=forum.first_day,
        last_day=forum.last_day,
        updated_at=updated,
        theme=both(forum, "theme"),
        description=both(forum, "description"),
        format=forum.format,
        organizer_name=both(forum, "organizer_name"),
        organizer_email=forum.organizer_email,
        url=base_url.rstrip("/") + forum_path(forum.slug),
        streams=tuple(stream_info(s) for s in forum.streams),
        sessions=infos,
    )


# -- languages, access services and streams for the reader ----------------------------------

# Services that carry a language a person may listen or read in (the language filter).
_INTO_LANGUAGE = (ServiceKind.INTERPRETATION.value, ServiceKind.CAPTIONS.value)


def stream_label(label_ko: str, label_en: str, platform: str, locale: str) -> str:
    """A stream's label in the reader's language, else the other language's, else the
    platform: never both glued."""
    mine, other = (label_en, label_ko) if locale == "en" else (label_ko, label_en)
    return mine or other or platform


def stream_label_lang(label_ko: str, label_en: str, locale: str) -> str:
    """The language of the label shown when it is not the reader's ("ko"/"en"), so a page can
    mark it with `lang`; "" when it is the reader's or the platform."""
    mine, other = (label_en, label_ko) if locale == "en" else (label_ko, label_en)
    if mine or not other:
        return ""
    return "ko" if locale == "en" else "en"


@dataclass(frozen=True, slots=True)
class StreamView:
    """A stream link as pages and mails show it: what it carries and its label for a reader."""

    id: int
    platform: str
    url: str
    label_ko: str = ""
    label_en: str = ""
    kind: str = "main"
    language: str = ""  # an interpretation channel's or a captioned feed's
    registrants_only: bool = False

    def label(self, locale: str) -> str:
        return stream_label(self.label_ko, self.label_en, self.platform, locale)

    def label_lang(self, locale: str) -> str:
        return stream_label_lang(self.label_ko, self.label_en, locale)

    def language_name(self, locale: str) -> str:
        return language_name(self.language, locale) if self.language else ""


def stream_view(link: StreamLink) -> StreamView:
    return StreamView(
        id=link.id,
        platform=link.platform,
        url=link.url,
        label_ko=link.label or "",
        label_en=link.label_en or "",
        kind=link.kind or "main",
        language=link.language or "",
        registrants_only=link.visibility != "public",
    )


@dataclass(frozen=True, slots=True)
class ServiceView:
    """An access service a session offers (planned or confirmed; cancelled ones are left out)."""

    kind: str
    language: str  # ISO 639; empty for sign language (the kind says which)
    status: str

    @property
    def planned(self) -> bool:
        return self.status == ServiceStatus.PLANNED

    @property
    def sign(self) -> bool:
        return self.kind in SIGN_KINDS

    def language_name(self, locale: str) -> str:
        return language_name(self.language, locale) if self.language else ""


_KIND_ORDER = {kind: n for n, kind in enumerate(SERVICE_KINDS)}


def _language_order(code: str) -> tuple[int, str]:
    return (FIRST.index(code) if code in FIRST else len(FIRST), code)


def service_order(service: SessionService) -> tuple[int, tuple[int, str], int]:
    """Kinds in their fixed order; languages Korean and English first, then by code."""
    kind = _KIND_ORDER.get(service.kind, len(_KIND_ORDER))
    return (kind, _language_order(service.language or ""), service.id or 0)


@dataclass(frozen=True, slots=True)
class SessionAccess:
    """A session's floor languages, the services it offers and its streams."""

    floor: tuple[str, ...] = ()
    services: tuple[ServiceView, ...] = ()
    streams: tuple[StreamView, ...] = ()

    def floor_names(self, locale: str) -> str:
        """'Korean and English' / '한국어 및 영어' in the reader's language."""
        names = [language_name(code, locale) for code in self.floor]
        return format_list(names, locale=locale) if names else ""

    @property
    def public_streams(self) -> tuple[StreamView, ...]:
        return tuple(s for s in self.streams if not s.registrants_only)

    @property
    def interpretation(self) -> tuple[ServiceView, ...]:
        return tuple(s for s in self.services if s.kind == ServiceKind.INTERPRETATION)

    @property
    def languages(self) -> frozenset[str]:
        """Every language a person can follow the session in: spoken on the floor, or offered
        as interpretation or captions."""
        into = (s.language for s in self.services if s.kind in _INTO_LANGUAGE and s.language)
        return frozenset((*self.floor, *into))

    def offers(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.services)

    def matches(self, language: str = "", service: str = "") -> bool:
        return (not language or language in self.languages) and (
            not service or self.offers(service)
        )


NO_ACCESS = SessionAccess()


def session_access(session: ForumSession, services: Iterable[SessionService]) -> SessionAccess:
    """One session's floor languages, its services (cancelled ones left out, in a fixed order)
    and its streams."""
    offered = sorted(
        (s for s in services if s.status != ServiceStatus.CANCELLED), key=service_order
    )
    return SessionAccess(
        floor=tuple(parse_floor_languages(session.language)),
        services=tuple(ServiceView(s.kind, s.language or "", s.status) for s in offered),
        streams=tuple(stream_view(link) for link in session.streams),
    )


def forum_services(forum_id: int) -> dict[int, list[SessionService]]:
    """The forum's services that are not cancelled, by session: one query."""
    rows = db.session.scalars(
        select(SessionService).where(
            SessionService.forum_id == forum_id,
            SessionService.status != ServiceStatus.CANCELLED,
        )
    )
    found: dict[int, list[SessionService]] = defaultdict(list)
    for row in rows:
        found[row.session_id].append(row)
    return found


# -- the programme ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """A session on the programme, with its seats left and, for a block, its parts."""

    session: SessionInfo
    seats_left: int | None  # for the public
    parts: tuple[ProgrammeItem, ...] = ()
    block: SessionInfo | None = None  # the programme block this session is a part of
    public_seats: int | None = None  # the seats less those held for invited people
    access: SessionAccess = NO_ACCESS  # floor languages, services, streams for the reader

    @property
    def cancelled(self) -> bool:
        return self.session.status == SessionStatus.CANCELLED

    @property
    def public_streams(self) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.session.streams if not s.registrants_only)


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    """A table row: an item and how deep it sits under its block (0 for top level)."""

    item: ProgrammeItem
    depth: int


@dataclass(frozen=True, slots=True)
class ProgrammeDay:
    """One local day: top-level items by start, each block with its same-day parts nested."""

    day: date
    items: tuple[ProgrammeItem, ...]

    @property
    def rows(self) -> list[ProgrammeRow]:
        """The items flattened for a table: each block followed by its parts."""
        out: list[ProgrammeRow] = []

        def walk(item: ProgrammeItem, depth: int) -> None:
            out.append(ProgrammeRow(item, depth))
            for part in item.parts:
                walk(part, depth + 1)

        for item in self.items:
            walk(item, 0)
        return out

    @property
    def buildings(self) -> list[Bilingual]:
        """The buildings of the day's sessions, each once, in programme order: the table
        names them once instead of on every row."""
        names = (row.item.session.venue for row in self.rows)
        return list(dict.fromkeys(v.building for v in names if v is not None and v.building))


@dataclass(frozen=True, slots=True)
class Programme:
    days: tuple[ProgrammeDay, ...]
    # Every session by id, with all its parts whatever their day.
    by_id: dict[int, ProgrammeItem] = field(default_factory=dict)


def build_programme(
    info: ForumInfo,
    seats_left: dict[int, int | None],
    public_seats: dict[int, int | None] | None = None,
    access: dict[int, SessionAccess] | None = None,
) -> Programme:
    """Group `info.sessions` by local day (forum zone) and nest each block's parts under it.

    A part on another day than its block is listed at the top level of its own day (and still
    names its block). Bad data (a parent cycle) never hides a session: whatever no root reaches
    is listed at the top level.
    """
    sessions = {s.id: s for s in info.sessions}
    children: dict[int, list[SessionInfo]] = defaultdict(list)
    for s in info.sessions:
        if s.parent_id is not None and s.parent_id != s.id and s.parent_id in sessions:
            children[s.parent_id].append(s)
    zone = ZoneInfo(info.timezone)

    def local_day(s: SessionInfo) -> date:
        return s.start.astimezone(zone).date()

    def make(s: SessionInfo, day: date | None, seen: frozenset[int]) -> ProgrammeItem:
        seen = seen | {s.id}
        parts = tuple(
            make(p, day, seen)
            for p in children.get(s.id, ())
            if p.id not in seen and (day is None or local_day(p) == day)
        )
        block = sessions.get(s.parent_id) if s.parent_id not in (None, s.id) else None
        return ProgrammeItem(
            session=s,
            seats_left=seats_left.get(s.id),
            parts=parts,
            block=block,
            public_seats=(public_seats or {}).get(s.id, s.seats),
            access=(access or {}).get(s.id, NO_ACCESS),
        )

    by_id = {s.id: make(s, None, frozenset()) for s in info.sessions}

    days = []
    for day, day_sessions in sessions_by_day(info, list(info.sessions)).items():
        ids = {s.id for s in day_sessions}
        roots = [
            s
            for s in day_sessions
            if s.parent_id is None
            or s.parent_id == s.id
            or s.parent_id not in ids  # block elsewhere (or unknown): top level here
        ]
        items = [make(s, day, frozenset()) for s in roots]
        placed: set[int] = set()
        for item in items:
            _collect_ids(item, placed)
        # A parent cycle: nobody is a root, so list what was missed at the top level.
        for s in day_sessions:
            if s.id not in placed:
                item = make(s, day, frozenset())
                items.append(item)
                _collect_ids(item, placed)
        items.sort(key=lambda i: (i.session.start, i.session.id))
        days.append(ProgrammeDay(day=day, items=tuple(items)))
    return Programme(days=tuple(days), by_id=by_id)


def _collect_ids(item: ProgrammeItem, into: set[int]) -> None:
    into.add(item.session.id)
    for part in item.parts:
        _collect_ids(part, into)


# -- queries ----------------------------------------------------------------------------------

_FORUM_TREE = (
    selectinload(Forum.venues),
    selectinload(Forum.speakers),
    selectinload(Forum.streams),
    selectinload(Forum.sessions).options(
        selectinload(ForumSession.venue),
        selectinload(ForumSession.streams),
        selectinload(ForumSession.speaker_links).selectinload(SessionSpeaker.speaker),
    ),
)


@dataclass(frozen=True, slots=True)
class ForumListEntry:
    forum: Forum
    registration: RegistrationState
    upcoming: bool


@dataclass(frozen=True, slots=True)
class ForumListing:
    """Published forums: upcoming by first day ascending, then the archive, latest first."""

    upcoming: list[ForumListEntry]
    archive: list[ForumListEntry]

    @property
    def all(self) -> list[ForumListEntry]:
        return [*self.upcoming, *self.archive]


def published_forums(now: datetime) -> ForumListing:
    """Every published forum, split into upcoming (not over yet) and archive."""
    forums = db.session.scalars(
        select(Forum)
        .where(Forum.status == ForumStatus.PUBLISHED)
        .order_by(Forum.first_day, Forum.id)
    ).all()
    upcoming, archive = [], []
    for forum in forums:
        entry = ForumListEntry(forum, registration_state(forum, now), is_upcoming(forum, now))
        (upcoming if entry.upcoming else archive).append(entry)
    archive.sort(key=lambda e: (e.forum.first_day, e.forum.id), reverse=True)
    return ForumListing(upcoming=upcoming, archive=archive)


def get_published_forum(slug: str) -> Forum | None:
    """A published forum with its venues, speakers, streams and sessions (each with venue,
    streams and speakers) loaded in a fixed number of queries; None if unknown or a draft."""
    return db.session.scalars(
        select(Forum)
        .where(Forum.slug == slug, Forum.status == ForumStatus.PUBLISHED)
        .options(*_FORUM_TREE)
        .execution_options(populate_existing=True)
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class ForumView:
    """Everything the public pages and the API show about one published forum."""

    forum: Forum
    info: ForumInfo
    programme: Programme
    registration: RegistrationState
    seats_left: int | None  # in-person places left for the public; None: no limit
    upcoming: bool
    streams: tuple[StreamView, ...] = ()  # the forum-wide streams, for the reader

    @property
    def public_stream_views(self) -> tuple[StreamView, ...]:
        """The forum-wide streams anyone may watch, with kind, language and both labels."""
        return tuple(s for s in self.streams if not s.registrants_only)

    @property
    def languages(self) -> list[str]:
        """The languages that occur in the forum (spoken on a floor, or offered as a service),
        Korean and English first."""
        codes: set[str] = set()
        for item in self.programme.by_id.values():
            codes |= set(item.access.floor)
            codes |= {s.language for s in item.access.services if s.language}
        return sorted(codes, key=_language_order)

    def language_options(self, locale: str) -> list[tuple[str, str]]:
        """(code, name in the reader's language) for the programme's language filter."""
        return [(code, language_name(code, locale)) for code in self.languages]

    @property
    def public_places(self) -> int | None:
        """In-person places open to the public (the reserve for invited people left out)."""
        return forum_public_places(self.forum)

    @property
    def public_streams(self) -> tuple[StreamInfo, ...]:
        """The forum-wide streams anyone may watch."""
        return tuple(s for s in self.info.streams if not s.registrants_only)

    def session(self, session_id: int) -> ProgrammeItem | None:
        return self.programme.by_id.get(session_id)

    def venue(self, venue_id: int) -> Venue | None:
        return next((v for v in self.forum.venues if v.id == venue_id), None)

    def speaker(self, speaker_id: int) -> Speaker | None:
        return next((s for s in self.forum.speakers if s.id == speaker_id), None)

    def venue_sessions(self, venue_id: int) -> list[ProgrammeItem]:
        return [
            self.programme.by_id[s.id]
            for s in self.info.sessions
            if s.venue is not None and s.venue.id == venue_id
        ]

    def speaker_sessions(self, speaker_id: int) -> list[tuple[ProgrammeItem, SpeakerRole]]:
        """The sessions a speaker appears in, by start, each with the speaker's role there."""
        out = []
        for s in self.info.sessions:
            for role in s.speakers:
                if role.speaker_id == speaker_id:
                    out.append((self.programme.by_id[s.id], role))
                    break
        return out

    @property
    def days(self) -> list[date]:
        """Every forum day plus any other day with a session (a tour the evening before)."""
        span = (self.forum.last_day - self.forum.first_day).days + 1
        forum_days = {self.forum.first_day + timedelta(days=n) for n in range(span)}
        return sorted(forum_days | {d.day for d in self.programme.days})


def forum_view(slug: str, *, base_url: str, now: datetime) -> ForumView | None:
    """The published forum `slug` as a `ForumView`; None if unknown or a draft."""
    forum = get_published_forum(slug)
    if forum is None:
        return None
    return build_forum_view(forum, base_url=base_url, now=now)


def build_forum_view(forum: Forum, *, base_url: str, now: datetime) -> ForumView:
    info = forum_info(forum, base_url=base_url)
    seats = {s.id: session_seats_left(s) for s in forum.sessions}
    services = forum_services(forum.id)
    access = {s.id: session_access(s, services.get(s.id, ())) for s in forum.sessions}
    return ForumView(
        forum=forum,
        info=info,
        programme=build_programme(
            info, seats, {s.id: s.public_seats for s in forum.sessions}, access
        ),
        registration=registration_state(forum, now),
        seats_left=forum_seats_left(forum),
        upcoming=is_upcoming(forum, now),
        streams=tuple(stream_view(link) for link in forum.streams),
    )


# -- the programme's filters --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgrammeFilter:
    """The programme narrowed to sessions in a language and/or with a service.

    A value that is no language or service is not applied: it is kept in `rejected` (field →
    the value as given) so the page can say so, and the whole programme is shown."""

    language: str = ""  # the ISO 639 code applied; "" for any
    service: str = ""  # the service kind applied; "" for any
    rejected: dict[str, str] = field(default_factory=dict)
    days: tuple[ProgrammeDay, ...] = ()
    count: int = 0  # sessions that match

    @property
    def active(self) -> bool:
        return bool(self.language or self.service)

    @property
    def service_kinds(self) -> tuple[str, ...]:
        return SERVICE_KINDS

    def language_name(self, locale: str) -> str:
        return language_name(self.language, locale) if self.language else ""

    @staticmethod
    def other_args(args: MultiDict[str, str]) -> dict[str, list[str]]:
        """The query's other arguments, kept by the filter's links."""
        return {key: args.getlist(key) for key in args if key not in _FILTER_ARGS}


_FILTER_ARGS = ("language", "service")


def _filter_value(value: object) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def filter_programme(
    view: ForumView, *, language: object = "", service: object = ""
) -> ProgrammeFilter:
    """The sessions whose floor languages include `language` or that offer interpretation or
    captions into it, and that offer `service` (planned or confirmed). Each day lists the
    matching sessions by start, a part beside the others (it still names its block)."""
    rejected: dict[str, str] = {}
    code, kind = _filter_value(language), _filter_value(service)
    if code and not is_language(code):
        rejected["language"] = str(language)[:40]
        code = ""
    if kind and kind not in SERVICE_KINDS:
        rejected["service"] = str(service)[:40]
        kind = ""
    if not (code or kind):
        return ProgrammeFilter(rejected=rejected, days=view.programme.days)
    days, count = [], 0
    for day in view.programme.days:
        items = tuple(
            replace(row.item, parts=()) for row in day.rows if row.item.access.matches(code, kind)
        )
        if items:
            days.append(ProgrammeDay(day=day.day, items=items))
            count += len(items)
    return ProgrammeFilter(code, kind, rejected, tuple(days), count)
